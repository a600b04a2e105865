//! # yigong-grpc
//!
//! The tonic adapter of the use cases: translation between wire messages (`yigong-proto`) and
//! use-case types, and error mapping to rich gRPC status. No business rule lives here; every
//! decision is the service's or the domain's.
//!
//! - [`status`] — `ServiceError` → `tonic::Status` with `google.rpc` details.
//! - [`wire`] — resource names, etags, timestamps and the caller's principal.
//! - [`referral`] — `yigong.v1.ReferralService`.

pub mod referral;
pub mod status;
pub mod wire;

pub use referral::ReferralApi;
pub use status::to_status;
