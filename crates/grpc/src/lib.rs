//! # yigong-grpc
//!
//! The tonic adapter of the use cases: translation between wire messages (`yigong-proto`) and
//! use-case types, and error mapping to rich gRPC status. No business rule lives here; every
//! decision is the service's or the domain's.
//!
//! - [`auth`] — bearer tokens (HS256 JWT) and the interceptor that puts the principal on requests.
//! - [`status`] — `ServiceError` → `tonic::Status` with `google.rpc` details, every text capped.
//! - [`limits`] — a message over the size limit answered `RESOURCE_EXHAUSTED`.
//! - [`wire`] — resource names, etags, timestamps and the caller's principal.
//! - [`referral`] — `yigong.v1.ReferralService`.
//! - [`advice`] — `yigong.v1.ReferralAdviceService` (referrals called for and not sent).
//! - [`audit`] — `yigong.v1.AuditService` (the audit log, for operators).
//! - [`changes`] — `yigong.v1.ChangeFeedService`.
//! - `watch` — the streams' loops: a list page by page, a watch over the outbox.
//! - [`followup`] — `yigong.v1.FollowUpService` (with the streamed worklist).
//! - [`grid`] — `yigong.v1.GridService` (areas, grids and households).
//! - [`indicator`] — `yigong.v1.IndicatorService`.
//! - [`network`] — `yigong.v1.NetworkService`.
//! - [`resident`] — `yigong.v1.ResidentService`.
//! - [`screening`] — `yigong.v1.ScreeningService` (with the client-streamed import).
//! - [`team`] — `yigong.v1.TeamService` (teams and contracts).
//! - [`diagnosis`] — `yigong.v1.DiagnosisService` (remote diagnosis centres, their requests,
//!   worklists and reports).
//! - [`consultation`] — `yigong.v1.ConsultationService` (remote consultation).
//! - [`cancer`] — `yigong.v1.TwoCancerService` (two-cancer exams, cases and their worklist).
//! - [`elderly`] — `yigong.v1.ElderlyCheckService` (the 65+ annual check).

pub mod advice;
pub mod audit;
pub mod auth;
pub mod cancer;
pub mod changes;
pub mod consultation;
pub mod diagnosis;
pub mod elderly;
pub mod followup;
pub mod grid;
pub mod history;
pub mod indicator;
pub mod limits;
pub mod network;
pub mod personal;
pub mod referral;
pub mod resident;
pub mod schedule;
pub mod screening;
pub mod status;
pub mod team;
mod watch;
pub mod wire;

pub use advice::AdviceApi;
pub use audit::AuditApi;
pub use auth::{Authenticator, TokenKey};
pub use cancer::TwoCancerApi;
pub use changes::ChangeFeedApi;
pub use consultation::ConsultationApi;
pub use diagnosis::DiagnosisApi;
pub use elderly::ElderlyCheckApi;
pub use followup::FollowUpApi;
pub use grid::GridApi;
pub use history::HistoryApi;
pub use indicator::IndicatorApi;
pub use network::NetworkApi;
pub use referral::ReferralApi;
pub use resident::ResidentApi;
pub use schedule::ScheduleApi;
pub use screening::ScreeningApi;
pub use status::to_status;
pub use team::TeamApi;
