//! The repository contract suite: every test runs against SQLite in memory, SQLite on disk and
//! PostgreSQL (a fresh schema per test, so parallel runs never collide).
//!
//! PostgreSQL is at `YIGONG_TEST_POSTGRES` (default `postgres://postgres@127.0.0.1:5432/test`).
//! With `CI=true` it is mandatory and its absence fails the run; elsewhere the PostgreSQL leg is
//! skipped with the reason printed.
#![allow(
    missing_docs,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used
)]

mod advice;
mod cancer;
mod clock;
mod concurrency;
mod consultation;
mod deadline;
mod diagnosis;
mod elderly;
mod followup;
mod indicator;
mod referral_lists;
mod referrals;
mod registration;
mod relay;
mod schedule;
mod screening;
mod search;

// The backends and the domain values, shared with the workspace's tests (`yigong-test-support`);
// the suite's modules name them `crate::backends` and `crate::support`.
use yigong_test_support::backends;
use yigong_test_support::fixtures as support;

/// How many rows `table` holds.
pub(crate) async fn rows_in(store: &yigong_store::Store, table: &str) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let db = store.connection();
    db.query_one_raw(Statement::from_string(
        db.get_database_backend(),
        format!("SELECT COUNT(*) AS n FROM {table}"),
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get::<i64>("", "n")
    .unwrap()
}
