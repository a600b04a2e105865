//! # yigong-grpc
//!
//! The tonic adapter of the use cases: translation between wire messages (`yigong-proto`) and
//! use-case types, and error mapping to rich gRPC status. No business rule lives here; every
//! decision is the service's or the domain's.
//!
//! - [`auth`] — bearer tokens (HS256 JWT) and the interceptor that puts the principal on requests.
//! - [`status`] — `ServiceError` → `tonic::Status` with `google.rpc` details.
//! - [`wire`] — resource names, etags, timestamps and the caller's principal.
//! - [`referral`] — `yigong.v1.ReferralService`.

pub mod auth;
pub mod referral;
pub mod status;
pub mod wire;

pub use auth::{Authenticator, TokenKey};
pub use referral::ReferralApi;
pub use status::to_status;
