//! # yigong-service
//!
//! The use cases: the driving side of the hexagon. Each command loads through the ports, calls
//! the domain, and in **one transaction** saves the new state, appends the events to the outbox
//! and writes the audit entry. The caller's [`Principal`] is an argument of every use case and
//! authorization is decided here, in one place.
//!
//! ## Layout
//! - [`principal`]: who is calling.
//! - [`access`]: what the caller may see and do — the one place that decides — and the cached
//!   [`NetworkView`] it reads.
//! - [`audit`]: the audit log reviewed by operators, within their community.
//! - [`error`]: [`ServiceError`], the use cases' one error type (adapters map it to gRPC codes).
//! - [`Deps`]: the ports, network and profile every use case runs on.
//! - [`referral`]: the referral use cases.
//! - [`resident`]: the resident registry (register one or a batch, read, break-glass read,
//!   update).
//! - [`followup`]: chronic-disease follow-up (enrol, record a visit or an outreach, close an
//!   enrolment, the overdue worklist).
//! - [`network`]: institutions and communities.
//! - [`grid`]: the area tree, grids, households and team assignments.
//! - [`team`]: family doctor teams and contracts.
//! - [`changes`]: the change feed (the outbox by cursor) for integrating systems.
//! - [`deadline`]: the deadline jobs (escalation, plans due and overdue, contracts expiring),
//!   each deadline announced once across instances.
//! - [`relay`]: the outbox relay to the broker (lease, batches, retries, dead letters).
//! - [`screening`]: the batch import of screening results, validated row by row.
//! - [`elderly`]: the 65+ annual health check, recorded and read per resident.
//! - [`cancer`]: two-cancer exams, the cases an abnormal one opens, and the open-case worklist.
//! - [`diagnosis`]: remote diagnosis centres, their requests, worklists and reports.

pub mod access;
pub mod audit;
pub mod cancer;
pub mod card;
pub mod changes;
pub mod consultation;
pub mod deadline;
mod deps;
pub mod diagnosis;
pub mod due;
pub mod elderly;
pub mod error;
pub mod followup;
pub mod grid;
pub mod history;
pub mod indicator;
pub mod network;
pub mod principal;
pub mod recognition;
pub mod referral;
pub mod relay;
pub mod resident;
pub mod schedule;
pub mod screening;
pub mod search;
pub mod summary;
pub mod team;

pub use access::NetworkView;
pub use audit::{AuditPage, AuditQuery, AuditService};
pub use cancer::{OpenCase, StepForm, TwoCancerService};
pub use card::PatientCard;
pub use changes::{ChangePage, ChangeService, ReferralChanges, WorklistChanges};
pub use consultation::{
    ConsultationInput, ConsultationService, ConsultationStep, ConsultationView,
};
pub use deadline::{DeadlineJobs, Fired};
pub use deps::Deps;
pub use diagnosis::{
    CentreFigures, DiagnosisService, Interval, MAX_FIGURES_DAYS, RequestInput, Transition,
};
pub use due::{DueEntry, ScreeningDueService};
pub use elderly::ElderlyCheckService;
pub use error::{ServiceError, element_path};
pub use followup::{FollowUpService, NewEnrolment, RecordedVisit};
pub use grid::{
    CreateGrid, GridService, HouseholdImport, HouseholdRow, MAX_HOUSEHOLDS_PER_COMMAND, MergeGrids,
    NewArea, NewHousehold, SplitGrid, SplitPart,
};
pub use history::HistoryService;
pub use indicator::{GridLine, IndicatorReport, IndicatorService, MAX_TREND, Reopened, TrendPoint};
pub use network::{NetworkService, NewCommunity, NewInstitution};
pub use principal::{Principal, Role};
pub use recognition::Recognitions;
pub use referral::{
    AdviceList, AdviceService, GreenChannel, NewReferral, ReferralFlow, ReferralListing,
    ReferralService, ReferralView, ResultInput,
};
pub use relay::{RELAY_LEASE, Relay, RelaySettings, Step};
pub use resident::{
    DocumentInput, NewResident, ResidentImport, ResidentRow, ResidentService, ResidentUpdate,
};
pub use schedule::{OpenSession, ScheduleService, SessionInput};
pub use screening::{
    BatchOutcome, BodySize, MAX_BATCH_ROWS, RowError, RowReading, ScreeningRow, ScreeningService,
};
pub use search::Roster;
pub use summary::PatientSummary;
pub use team::{NewContract, NewTeam, Succession, TeamService};
