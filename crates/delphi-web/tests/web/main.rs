//! The panellist's pages and API, and the researcher's pages, against the real server on a
//! fresh SQLite file per test.

mod callers;
mod console_support;
#[path = "../../fixtures/study.rs"]
mod fixture;
mod support;

mod admin;
mod api;
mod console;
mod console_api;
mod exports;
mod feedback;
mod hostile;
mod malformed;
mod matrix;
mod pages;
mod planning;
mod rejections;
mod security;
mod sessions;
mod setup;
mod weight;
