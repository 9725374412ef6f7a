//! The panellist's pages and API, and the researcher's pages, against the real server on a
//! fresh SQLite file per test.

#[path = "../../fixtures/study.rs"]
mod fixture;
mod support;

mod admin;
mod api;
mod feedback;
mod pages;
mod planning;
mod security;
mod setup;
mod weight;
