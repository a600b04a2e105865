//! # yigong-ports
//!
//! The driven ports of Yigong: what the use cases need from the outside world, as
//! `async-trait` traits (object-safe, so the app can hold `Arc<dyn UnitOfWork>` and tests can
//! mock them with mockall). Adapters implement them: `yigong-store` (sea-orm on SQLite and
//! PostgreSQL), `yigong-bus` (event publishers).
//!
//! **API boundary**: services and adapters depend on these types; change them deliberately.
//!
//! ## Layout
//! - [`error`]: [`StoreError`], the one error every storage port returns, and the typed
//!   [`Constraint`] a refused unique write names.
//! - [`store`]: [`UnitOfWork`] and [`Transaction`] (one transaction per command), the
//!   per-aggregate repositories, [`Versioned`] state for optimistic concurrency, and the
//!   read-side queries.
//! - [`followup`]: residents with where their record is held ([`PatientScope`], what
//!   authorization checks), enrolments, follow-up plans and visits, and the worklist query.
//! - [`network`]: institutions and communities, the area tree, grids with their households
//!   and team assignments, family doctor teams and contracts.
//! - [`elderly`]: 65+ annual health checks.
//! - [`diagnosis`]: remote diagnosis centres and their requests.
//! - [`consultation`]: remote consultations, read by either party.
//! - [`cancer`]: two-cancer exams and the cases an abnormal one opens.
//! - [`screening`]: screening results and the batch import path.
//! - [`outbox`]: events as stored, the change feed, and the relay's view of the outbox.
//! - [`publish`]: [`EventPublisher`], the messaging port, and the subjects events go to.
//! - [`indicator`]: the stored facts of one grid that the domain tallies into indicators, and
//!   the tallies kept of closed periods.
//! - [`deadline`]: what the deadline jobs look for, and their once-only claims.
//! - [`audit`]: audit entries for every read and write of patient data.
//! - [`system`]: [`Clock`] and [`IdSource`], with their real implementations.

pub mod advice;
pub mod audit;
pub mod cancer;
pub mod consultation;
pub mod deadline;
pub mod diagnosis;
pub mod elderly;
pub mod error;
pub mod followup;
pub mod indicator;
pub mod network;
pub mod outbox;
pub mod publish;
pub mod referral_list;
pub mod schedule;
pub mod screening;
pub mod store;
pub mod system;

pub use advice::{AdviceQueries, AdviceRepository, AdviceView};
pub use audit::{Actor, AuditEntry, AuditFilter, AuditLog, AuditOutcome, LoggedEntry};
pub use cancer::{CancerCaseRecord, CancerExamRecord, CancerQueries, CancerRepository, CaseCursor};
pub use consultation::{
    ConsultationCursor, ConsultationParty, ConsultationQueries, ConsultationRepository,
};
pub use deadline::{DeadlineClaims, DeadlineKind, DeadlineQueries};
pub use diagnosis::{DiagnosisQueries, DiagnosisRepository, RequestedCursor, WorklistCursor};
pub use elderly::{ElderlyCheckQueries, ElderlyCheckRecord, ElderlyCheckRepository};
pub use error::{Constraint, StoreError};
pub use followup::{
    FollowUpQueries, FollowUpRepository, PatientRecord, PatientScope, PlanInContext, ResidentBatch,
    ResidentImports, ResidentLookup, ResidentRepository, VisitRecord,
};
pub use indicator::{GridFacts, IndicatorQueries, IndicatorSnapshots, PeriodSnapshot};
pub use network::{
    GridRepository, HouseholdRecord, NetworkQueries, NetworkRepository, TeamRepository,
};
pub use outbox::{
    ChangeFeed, DeadLetter, NewEvent, PendingEvent, Progress, Refusal, RelayOutbox, StoredEvent,
};
pub use publish::{EventPublisher, PublishError, subject};
pub use referral_list::{ReferralFilter, ReferralParty};
pub use schedule::{SessionPlace, SessionQueries, SessionRepository};
pub use screening::{
    ScreeningBatch, ScreeningDueQueries, ScreeningFinding, ScreeningRecord, ScreeningStore,
};
pub use store::{
    AuditWriter, IdempotencyKeys, OutboxWriter, Page, ReferralQueries, ReferralRepository,
    RequestKey, RequestLog, Transaction, UnitOfWork, Version, Versioned,
};
pub use system::{Clock, IdSource, RandomIds, SystemClock};
