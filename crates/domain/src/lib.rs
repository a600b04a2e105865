//! # yigong-domain
//!
//! The business rules of Yigong (医共), the software core of a county medical community:
//! two-way referral, screening, chronic-disease follow-up and grid management, with the numbers
//! and sources of `domain-rules.md`.
//!
//! **Pure by design**: no I/O, no async, no clock (every date is an argument), no database,
//! protobuf or HTTP types. Services embed it; adapters translate to and from it.
//!
//! ## Layout
//! - [`rule`]: rule ids with their sources, [`rule::RuleSet`], [`rule::Explanation`].
//! - [`profile`]: rule profiles (`bphs3` and county overrides) as validated data; a leaf.
//! - [`measure`]: blood pressure, glucose and other readings that cannot be implausible.
//! - [`identity`]: citizen identity numbers (GB 11643), other documents, residents.
//! - [`network`]: institutions, levels, medical communities.
//! - [`personal`]: the personal information form of the health record (name, phones, history).
//! - [`grid`]: the area tree, responsibility grids, team history, households, metrics.
//! - [`contract`]: family doctor teams ("3+1+N"), contracts, key populations.
//! - [`screening`]: programmes and eligibility, blood-pressure and glucose outcomes, self-care
//!   scores, two-cancer cases.
//! - [`elderly`]: the 65+ annual health check (its form, findings and whose annual check it is).
//! - [`followup`]: managed patients' enrolment, visit classification, plans, worklists, years.
//! - [`referral`]: the referral slip and its state machine, deadlines, mutual recognition.
//! - [`diagnosis`]: remote diagnosis centres, their requests, reports and critical values.
//! - [`consultation`]: remote consultations, a county specialist's written opinion.
//! - [`indicator`]: indicators (sections 4 and 6) as rates over in-memory data.
//! - [`event`]: the catalogue of domain events, [`event::DomainEvent`], for the outbox.
//! - [`calendar`]: the date arithmetic the rules use.
//! - [`text`]: required free text counted in visible characters; values quoted in errors.
//! - [`ids`]: typed identifiers.
//! - `vocabulary`: the `codes!` macro that gives each vocabulary its one spelling.
//!
//! No module cycle: `tests/domain/tidy.rs` checks the graph of the modules' `crate::` paths.
//!
//! Commands on aggregates return the new state together with its events, so a caller cannot
//! apply a change and forget to publish it.

pub mod calendar;
pub mod consultation;
pub mod contract;
pub mod diagnosis;
pub mod elderly;
pub mod event;
pub mod followup;
pub mod grid;
pub mod identity;
pub mod ids;
pub mod indicator;
pub mod measure;
pub mod network;
pub mod personal;
pub mod profile;
pub mod referral;
pub mod rule;
pub mod schedule;
pub mod screening;
pub mod text;
mod vocabulary;
