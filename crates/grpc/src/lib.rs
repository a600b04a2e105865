//! # yigong-grpc
//!
//! The tonic adapter of the use cases: translation between wire messages (`yigong-proto`) and
//! use-case types, and error mapping to rich gRPC status. No business rule lives here; every
//! decision is the service's or the domain's.
//!
//! - [`status`]: `ServiceError` → `tonic::Status` with `google.rpc` details.

pub mod status;

pub use status::to_status;
