//! The panellist's pages and API, and the researcher's pages, against the real server on a
//! fresh SQLite file per test, or a fresh PostgreSQL database with
//! `DELPHI_TEST_BACKEND=postgres` (`.ci/run` runs the suite both ways).

mod callers;
mod console_support;
#[path = "../../fixtures/study.rs"]
mod fixture;
mod support;

mod accounts;
mod admin;
mod api;
mod console;
mod console_api;
mod exports;
mod feedback;
mod hostile;
mod limits;
mod malformed;
mod matrix;
mod pages;
mod planning;
mod questions;
mod rejections;
mod route_tables;
mod sections;
mod security;
mod sessions;
mod setup;
mod weight;
