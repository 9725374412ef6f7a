//! The round engine end to end through its use cases, on a fresh SQLite file per test and,
//! when `DELPHI_TEST_POSTGRES_URL` is set, on a fresh PostgreSQL database as well.

mod accounts;
mod authorization;
mod counting;
mod erasure;
mod exports;
#[path = "../../../delphi-web/fixtures/study.rs"]
mod fixture;
mod instances;
mod lifecycle;
mod planning;
mod questions;
mod refusals;
mod sessions;
mod setup;
mod support;
mod three_rounds;
