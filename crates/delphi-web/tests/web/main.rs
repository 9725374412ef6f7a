//! The panellist's pages and API, and the researcher's pages, against the real server on a
//! fresh SQLite file per test.

mod console_support;
#[path = "../../fixtures/study.rs"]
mod fixture;
mod support;

mod admin;
mod api;
mod console;
mod console_api;
mod feedback;
mod pages;
mod planning;
mod security;
mod weight;
