//! Integration tests of the domain crate, as one binary (one link, one run).
//!
//! - `vectors`: V1–V20 of `domain-rules.md` section 9.
//! - `properties`: property tests for every rule family.
//! - `referral`: referral scenarios (network rules, approval, deadlines, recognition, quota).
//! - `schedule`: specialist sessions (reserved share, bookings, releases, patients seen).
// Helpers outside #[test] functions unwrap too: a panic in a test is a failing test.
#![allow(
    dead_code,
    unreachable_pub,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used
)]

mod consultation;
mod diagnosis;
mod properties;
mod referral;
mod schedule;
mod support;
mod tidy;
mod vectors;
