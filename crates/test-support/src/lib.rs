//! For tests only: what the repository contract suite (`crates/store/tests/contract/`), the
//! workspace tests (`tests/`) and the end-to-end tests (`crates/app/tests/e2e/`) share.
//!
//! - [`backends`]: a fresh store on every backend available here — SQLite in memory, SQLite on
//!   disk and PostgreSQL (a fresh schema each, at `YIGONG_TEST_POSTGRES`, default
//!   `postgres://postgres@127.0.0.1:5432/test`). With `CI=true` PostgreSQL is mandatory and its
//!   absence fails the run; elsewhere its leg is skipped with the reason printed.
//! - [`clock`]: [`clock::SetClock`], a clock the test sets.
//! - [`fixtures`]: domain values (a two-institution network, routine upward referrals).
//!
//! It is a `[dev-dependencies]` entry only; no shipped crate depends on it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test support: a setup that cannot be done fails the test that asked for it"
)]

pub mod backends;
pub mod clock;
pub mod fixtures;
