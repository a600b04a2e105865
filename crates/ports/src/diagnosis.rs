//! Remote diagnosis (远程诊断): centres with their rosters, and requests through their states.

use async_trait::async_trait;
use time::OffsetDateTime;
use yigong_domain::diagnosis::{DiagnosisCentre, DiagnosisRequest, Modality};
use yigong_domain::ids::{CommunityId, DiagnosisCentreId, DiagnosisRequestId, InstitutionId};

use crate::{StoreError, Version, Versioned};

/// Where a reader's worklist page starts: after this line in (priority, acquired at, id) order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorklistCursor {
    /// The priority's rank: 0 emergency, 1 urgent, 2 routine.
    pub rank: u8,
    /// When the line's study was acquired.
    pub acquired_at: OffsetDateTime,
    /// The line's request.
    pub request: DiagnosisRequestId,
}

/// Where a requester's list page starts: after this request in (requested at, id) order,
/// latest first.
pub type RequestedCursor = (OffsetDateTime, DiagnosisRequestId);

/// Centres and requests inside a transaction.
#[async_trait]
pub trait DiagnosisRepository: Send {
    /// Inserts a centre at version 1.
    async fn insert_centre(&mut self, centre: &DiagnosisCentre) -> Result<Version, StoreError>;

    /// A centre, read in the transaction (its version guards the update).
    async fn load_centre(
        &mut self,
        id: DiagnosisCentreId,
    ) -> Result<Option<Versioned<DiagnosisCentre>>, StoreError>;

    /// Updates a centre loaded at `expected`; `Conflict` when the stored version differs.
    async fn update_centre(
        &mut self,
        centre: &DiagnosisCentre,
        expected: Version,
    ) -> Result<Version, StoreError>;

    /// Inserts a request at version 1. MUST return `Duplicate { constraint: Constraint::Id }`
    /// on a taken id.
    async fn insert_request(&mut self, request: &DiagnosisRequest) -> Result<Version, StoreError>;

    /// A request, read in the transaction.
    async fn load_request(
        &mut self,
        id: DiagnosisRequestId,
    ) -> Result<Option<Versioned<DiagnosisRequest>>, StoreError>;

    /// Updates a request loaded at `expected`; `Conflict` when the stored version differs: of
    /// two readers claiming at once, exactly one lands.
    async fn update_request(
        &mut self,
        request: &DiagnosisRequest,
        expected: Version,
        next_deadline: Option<OffsetDateTime>,
    ) -> Result<Version, StoreError>;
}

/// Reads of centres and requests (no transaction).
#[async_trait]
pub trait DiagnosisQueries: Send + Sync {
    /// A centre.
    async fn get_centre(
        &self,
        id: DiagnosisCentreId,
    ) -> Result<Option<Versioned<DiagnosisCentre>>, StoreError>;

    /// The centres serving a community, by name.
    async fn centres_of(
        &self,
        community: CommunityId,
    ) -> Result<Vec<Versioned<DiagnosisCentre>>, StoreError>;

    /// A request.
    async fn get_request(
        &self,
        id: DiagnosisRequestId,
    ) -> Result<Option<Versioned<DiagnosisRequest>>, StoreError>;

    /// A centre's requests waiting for a reader (acquired, in reading, preliminary), emergency
    /// first, then the longest waiting; of one modality when given; after `after`, at most
    /// `limit`.
    async fn worklist(
        &self,
        centre: DiagnosisCentreId,
        modality: Option<Modality>,
        after: Option<WorklistCursor>,
        limit: u64,
    ) -> Result<Vec<Versioned<DiagnosisRequest>>, StoreError>;

    /// An institution's requests, latest first, after `after`, at most `limit`.
    async fn requested_by(
        &self,
        institution: InstitutionId,
        after: Option<RequestedCursor>,
        limit: u64,
    ) -> Result<Vec<Versioned<DiagnosisRequest>>, StoreError>;

    /// A centre's requests made from `from` until before `until`, for its figures.
    async fn requests_of_centre(
        &self,
        centre: DiagnosisCentreId,
        from: OffsetDateTime,
        until: OffsetDateTime,
    ) -> Result<Vec<DiagnosisRequest>, StoreError>;

    /// Requests whose next deadline (turnaround or critical value) is at or before `now`,
    /// earliest first, at most `limit`.
    async fn deadlines_due(
        &self,
        now: OffsetDateTime,
        limit: u64,
    ) -> Result<Vec<DiagnosisRequestId>, StoreError>;
}
