//! The panellist's pages and API, and the researcher's pages, against the real server on a
//! fresh SQLite file per test, or a fresh PostgreSQL database with
//! `DELPHI_TEST_BACKEND=postgres` (`.ci/run` runs the suite both ways).

#[path = "../../fixtures/study.rs"]
mod fixture;
mod support;

mod admin;
mod api;
mod feedback;
mod limits;
mod pages;
mod security;
mod weight;
