//! Residents (the patients' registry) and chronic-disease follow-up: enrolments, plans, visits.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::Date;
use yigong_domain::followup::{Enrolment, FollowUpPlan, Visit, VisitClass, WorklistPosition};
use yigong_domain::identity::{IdentityDocument, Resident};
use yigong_domain::ids::{
    CommunityId, EnrolmentId, GridId, HouseholdId, InstitutionId, PlanId, ResidentId, TeamId,
    VisitId,
};
use yigong_domain::personal::SearchTerm;

use crate::{AuditEntry, NewEvent, RequestKey, StoreError, Version, Versioned};

/// Who holds a patient's record: what authorization checks before anyone reads or changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientScope {
    /// The medical community the holding institution belongs to.
    pub community: Option<CommunityId>,
    /// The primary institution that keeps the health record.
    pub institution: InstitutionId,
    /// The responsibility grid of the household, if assigned.
    pub grid: Option<GridId>,
}

/// A resident's record with where it is held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientRecord {
    /// The resident.
    pub resident: Resident,
    /// Who holds the record.
    pub scope: PatientScope,
}

/// Which residents a lookup reads, each from an index in resident id order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResidentLookup {
    /// Those answering to a search term (found by the term's keyed hash, never in clear).
    Term(SearchTerm),
    /// The roster of a grid.
    Grid(GridId),
    /// The roster of a household.
    Household(HouseholdId),
}

/// A recorded follow-up visit, kept for the yearly indicators and the patient's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitRecord {
    /// The visit.
    pub id: VisitId,
    /// The plan it fulfilled.
    pub plan: PlanId,
    /// The patient.
    pub patient: ResidentId,
    /// The team that recorded it.
    pub team: TeamId,
    /// The visit as recorded.
    pub visit: Visit,
    /// Its classification.
    pub class: VisitClass,
}

/// A plan as commands see it: with its enrolment (who manages it) and the patient's record
/// (where it is held, the age the classification needs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanInContext {
    /// The plan.
    pub plan: Versioned<FollowUpPlan>,
    /// Its enrolment.
    pub enrolment: Versioned<Enrolment>,
    /// The patient.
    pub patient: Versioned<PatientRecord>,
}

/// Resident storage, inside a transaction.
#[async_trait]
pub trait ResidentRepository: Send {
    /// Loads a resident's record with its version.
    async fn load_resident(
        &mut self,
        id: ResidentId,
    ) -> Result<Option<Versioned<PatientRecord>>, StoreError>;

    /// Inserts a resident at version 1. MUST return `Duplicate { constraint: Constraint::ResidentDocument }`
    /// when a resident with the same identity document exists (a unique index).
    async fn insert_resident(&mut self, record: &PatientRecord) -> Result<Version, StoreError>;

    /// Replaces a resident's record loaded at `expected` (household, grid and body; the
    /// identity document never changes) and returns the new version; `Conflict` when it moved.
    async fn update_resident(
        &mut self,
        record: &PatientRecord,
        expected: Version,
    ) -> Result<Version, StoreError>;

    /// Inserts many residents at version 1 (multi-row statements). MUST return
    /// `Duplicate { constraint: Constraint::ResidentDocument }` when a document is registered.
    async fn insert_residents(&mut self, records: &[PatientRecord]) -> Result<(), StoreError>;

    /// The positions in `residents` of those whose identity document is already registered:
    /// a batch import reports them row by row instead of failing on the unique index.
    async fn registered_documents(
        &mut self,
        residents: &[Resident],
    ) -> Result<Vec<usize>, StoreError>;

    /// Bumps the version of a resident's record loaded at `expected` (`Conflict` when it
    /// moved): commands on what a resident may hold only once — a contract in force — take
    /// this lock, so two concurrent ones cannot both succeed.
    async fn lock_resident(
        &mut self,
        id: ResidentId,
        expected: Version,
    ) -> Result<Version, StoreError>;
}

/// A batch of new residents, written atomically: the records, their events, an audit entry
/// per record and the client's request id, or nothing.
#[derive(Debug, Clone, PartialEq)]
pub struct ResidentBatch {
    /// The records, each at version 1.
    pub records: Vec<PatientRecord>,
    /// Their events (each of a new resident, so sequences start at 1).
    pub events: Vec<NewEvent>,
    /// An entry per record written.
    pub audits: Vec<AuditEntry>,
    /// The client's request id, claimed in the batch's transaction: a retried batch writes
    /// nothing and the store answers `Duplicate { constraint: Constraint::RequestId }`.
    pub request: Option<RequestKey>,
}

/// The bulk write of residents: one transaction of its own (on PostgreSQL `COPY` for the
/// records and their search terms, arrays through `UNNEST` for events and audit entries), which
/// the ORM's transactions cannot offer. Reads before validation go through a [`Transaction`].
///
/// [`Transaction`]: crate::Transaction
#[async_trait]
pub trait ResidentImports: Send + Sync {
    /// Writes the batch. MUST return `Duplicate { constraint: Constraint::ResidentDocument }`
    /// when a document is registered (a unique index), and `Duplicate { constraint:
    /// Constraint::RequestId }` when the request id was claimed; either way nothing is written.
    async fn import_residents(&self, batch: &ResidentBatch) -> Result<(), StoreError>;
}

/// Enrolments, plans and visits, inside a transaction.
#[async_trait]
pub trait FollowUpRepository: Send {
    /// Loads an enrolment with its version.
    async fn load_enrolment(
        &mut self,
        id: EnrolmentId,
    ) -> Result<Option<Versioned<Enrolment>>, StoreError>;

    /// The patient's open (not closed) enrolments.
    async fn open_enrolments(
        &mut self,
        patient: ResidentId,
    ) -> Result<Vec<Versioned<Enrolment>>, StoreError>;

    /// Inserts an enrolment at version 1. MUST return `Duplicate { constraint: Constraint::OpenEnrolment }`
    /// when the patient already has an open enrolment for the condition (a unique index).
    async fn insert_enrolment(&mut self, enrolment: &Enrolment) -> Result<Version, StoreError>;

    /// Updates an enrolment loaded at `expected`; `Conflict` when the stored version differs.
    async fn update_enrolment(
        &mut self,
        enrolment: &Enrolment,
        expected: Version,
    ) -> Result<Version, StoreError>;

    /// The enrolment's plans still waiting for a visit.
    async fn waiting_plans_of(
        &mut self,
        enrolment: EnrolmentId,
    ) -> Result<Vec<Versioned<FollowUpPlan>>, StoreError>;

    /// Loads a plan with its enrolment and its patient's record: all a command on the plan
    /// needs to authorize and apply it, in one round trip.
    async fn load_plan(&mut self, id: PlanId) -> Result<Option<PlanInContext>, StoreError>;

    /// Inserts a plan at version 1.
    async fn insert_plan(&mut self, plan: &FollowUpPlan) -> Result<Version, StoreError>;

    /// Updates a plan loaded at `expected`; `Conflict` when the stored version differs.
    async fn update_plan(
        &mut self,
        plan: &FollowUpPlan,
        expected: Version,
    ) -> Result<Version, StoreError>;

    /// Inserts a visit. MUST return `Duplicate { constraint: Constraint::Id }` on a taken id.
    async fn insert_visit(&mut self, visit: &VisitRecord) -> Result<(), StoreError>;
}

/// Read-side follow-up queries (no transaction), each served by an index.
#[async_trait]
pub trait FollowUpQueries: Send + Sync {
    /// A resident's record with where it is held (authorization decides who sees it).
    async fn get_resident(
        &self,
        id: ResidentId,
    ) -> Result<Option<Versioned<PatientRecord>>, StoreError>;

    /// The record of the person holding `document`, if registered (one record per document,
    /// from the document's unique index).
    async fn find_by_document(
        &self,
        document: &IdentityDocument,
    ) -> Result<Option<Versioned<PatientRecord>>, StoreError>;

    /// The records of `ids` that exist, in no particular order (a page's patients at once).
    async fn get_residents(
        &self,
        ids: &[ResidentId],
    ) -> Result<Vec<Versioned<PatientRecord>>, StoreError>;

    /// At most `limit` records of `lookup` with an id after `after`, in id order. A term's
    /// records MUST be exactly those whose [`Resident::personal`]'s `search_terms()` hold it
    /// as last written.
    async fn find_residents(
        &self,
        lookup: &ResidentLookup,
        after: Option<ResidentId>,
        limit: u32,
    ) -> Result<Vec<Versioned<PatientRecord>>, StoreError>;

    /// A plan with its version.
    async fn get_plan(&self, id: PlanId) -> Result<Option<Versioned<FollowUpPlan>>, StoreError>;

    /// An enrolment with its version.
    async fn get_enrolment(
        &self,
        id: EnrolmentId,
    ) -> Result<Option<Versioned<Enrolment>>, StoreError>;

    /// A patient's enrolments, open and closed, latest enrolment first (a patient has a few:
    /// one per condition at a time).
    async fn enrolments_of(
        &self,
        patient: ResidentId,
    ) -> Result<Vec<Versioned<Enrolment>>, StoreError>;

    /// A patient's follow-up plans, latest due first (four or so a year per condition).
    async fn plans_of(
        &self,
        patient: ResidentId,
    ) -> Result<Vec<Versioned<FollowUpPlan>>, StoreError>;

    /// A patient's visits, latest first, from the `(patient, visited_on)` index.
    async fn visits_of(&self, patient: ResidentId) -> Result<Vec<VisitRecord>, StoreError>;

    /// One page of the candidates of a team's overdue worklist: its plans still waiting for a
    /// visit, due before `due_before`, not snoozed past `on` (a reached patient's remind-on
    /// date), in [`WorklistPosition`] order, strictly after `after`, at most `limit`. Served by
    /// the `(team, state, rank, due, id)` index, so a page costs its own size whatever the
    /// county's. Whether each is overdue stays the domain's call.
    async fn worklist_page(
        &self,
        team: TeamId,
        due_before: Date,
        on: Date,
        after: Option<WorklistPosition>,
        limit: u32,
    ) -> Result<Vec<FollowUpPlan>, StoreError>;
}
