//! Follow-up of managed patients (随访): enrolment, visit classification, plans and worklists.
//!
//! Classification follows BPHS-3 in a fixed order: danger signs first (emergency referral),
//! then the class. "Two consecutive" looks only at the class of the patient's most recent
//! completed visit, passed in as [`VisitContext::previous`]. Classification is a pure, total
//! function that allocates nothing: a county classifies millions of visits in a report run.
//!
//! A plan stores only what happened (due date, done, missed, lost, closed, outreach);
//! **overdue is derived** from the date asked about ([`FollowUpPlan::status_on`]), never stored,
//! so it cannot go stale.
//!
//! ## Files
//! - `vocabulary`: conditions, contact modes, danger signs, adverse reactions, complications,
//!   close reasons.
//! - `visit`: the visit of each condition ([`Visit`]) and what a mental-disorder visit observes.
//! - `classify`: [`classify()`] and the rules of each condition, giving an [`Assessment`].
//! - `enrolment`: a confirmed patient's [`Enrolment`], which schedules the first plans.
//! - `plan`: the [`FollowUpPlan`], its state, derived status and stored form; recording a visit.
//! - `overdue`: what is done about an overdue plan: outreach ([`OutreachOutcome`]) and, past
//!   the window, recording it missed with a catch-up.
//! - `worklist`: a team's risk-ordered [`overdue_worklist`] and its [`WorklistPosition`].
//! - `year`: a patient's [`YearOfCare`]: standardized management and control.
//! - `event`: [`FollowUpEvent`], for the outbox.
//! - `error`: [`FollowUpError`].

mod classify;
mod enrolment;
mod error;
mod event;
#[cfg(test)]
mod fixtures;
mod overdue;
mod plan;
mod visit;
mod vocabulary;
mod worklist;
mod year;

pub use classify::{
    Assessment, ReferralNeed, VisitClass, VisitContext, classify, classify_diabetes,
    classify_hypertension, classify_mental_disorder,
};
pub use enrolment::{Confirmation, EnrolPatient, Enrolment};
pub use error::FollowUpError;
pub use event::FollowUpEvent;
pub use overdue::{OutreachCodeError, OutreachOutcome};
pub use plan::{FollowUpPlan, PlanOrigin, PlanRecord, PlanState, PlanStatus, VisitRecorded};
pub use visit::{
    Dangerousness, DangerousnessError, DiabetesVisit, HypertensionVisit, Insight,
    MentalDisorderVisit, SocialFunction, Symptoms, Visit,
};
pub use vocabulary::{
    AdverseReaction, CloseReason, Complication, Condition, ContactMode, DangerSign, DangerSigns,
    MentalDiagnosis,
};
pub use worklist::{WorklistEntry, WorklistPosition, overdue_worklist};
pub use year::{VisitSummary, YearOfCare};
