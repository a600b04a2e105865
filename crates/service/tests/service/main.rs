//! Use cases against mocked ports (mockall): the transaction sequence, authorization in one
//! place, idempotent retries, and failure injection (an error half-way never commits).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

mod followup;
mod grid;
mod indicator;
mod indicator_cache;
mod referral;
mod referral_list;
mod registration;
mod relay;
mod screening;
mod search;
mod summary;
mod support;
