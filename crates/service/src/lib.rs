//! # yigong-service
//!
//! The use cases: the driving side of the hexagon. Each command loads through the ports, calls
//! the domain, and in **one transaction** saves the new state, appends the events to the outbox
//! and writes the audit entry. The caller's [`Principal`] is an argument of every use case and
//! authorization is decided here, in one place.
//!
//! ## Layout
//! - [`principal`]: who is calling, and what they may see and change.
//! - [`error`]: [`ServiceError`], the use cases' one error type (adapters map it to gRPC codes).
//! - [`referral`]: the referral use cases.

pub mod error;
pub mod principal;
pub mod referral;

pub use error::ServiceError;
pub use principal::{Principal, Role};
pub use referral::{Deps, NewReferral, ReferralService};
