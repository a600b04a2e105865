//! Units of work and repositories.
//!
//! A command runs in one [`Transaction`]: it loads through the repositories, calls the domain,
//! saves the new state with the version it loaded (optimistic concurrency), appends the events
//! to the outbox and writes the audit entry, then commits. Dropping a transaction without
//! committing rolls it back, so an error half-way leaves nothing behind.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use yigong_domain::ids::{InstitutionId, ReferralId, ResidentId};
use yigong_domain::referral::Referral;

use crate::{
    AuditEntry, FollowUpRepository, GridRepository, NetworkRepository, NewEvent, ReferralFilter,
    ResidentRepository, StoreError, TeamRepository,
};

/// A row version: 1 on insert, +1 on every update.
pub type Version = i64;

/// An aggregate with the version it was loaded at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned<T> {
    /// The aggregate.
    pub value: T,
    /// Its version.
    pub version: Version,
}

/// A client's request id for an idempotent create, scoped to the caller and the command:
/// (`caller`, `command`, `request_id`) is unique.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestKey {
    /// Who asked: institution and user, as the service spells them.
    pub caller: String,
    /// The command, e.g. `referral.create`.
    pub command: String,
    /// The client's request id.
    pub request_id: String,
    /// A keyed digest of what the request asked ([`RequestLog::fingerprint`]), so a reused id
    /// with another body is told apart.
    pub fingerprint: String,
    /// What the first request created.
    pub resource_id: Uuid,
}

/// Starts transactions.
#[async_trait]
pub trait UnitOfWork: Send + Sync {
    /// Begins a transaction.
    async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError>;
}

/// Referral storage, inside a transaction.
#[async_trait]
pub trait ReferralRepository: Send {
    /// Loads a referral with its version.
    async fn load_referral(
        &mut self,
        id: ReferralId,
    ) -> Result<Option<Versioned<Referral>>, StoreError>;

    /// Inserts a new referral at version 1. MUST return `Duplicate { constraint: Constraint::OpenReferral }`
    /// when the patient already has an open referral in that direction (a unique index: the one
    /// place that rule is checked against storage, so two concurrent creates cannot both succeed
    /// and no read precedes the insert), `Duplicate { constraint: Constraint::Id }` on a taken id.
    async fn insert_referral(&mut self, referral: &Referral) -> Result<Version, StoreError>;

    /// Updates a referral loaded at `expected`. MUST return `Conflict` when the stored version is
    /// not `expected`, and the new version otherwise.
    async fn update_referral(
        &mut self,
        referral: &Referral,
        expected: Version,
    ) -> Result<Version, StoreError>;
}

/// The outbox, inside a transaction.
#[async_trait]
pub trait OutboxWriter: Send {
    /// Appends events in order, assigning global and per-aggregate sequence numbers. Any
    /// number of events: adapters split them into statements as their drivers require.
    async fn append_events(&mut self, events: &[NewEvent]) -> Result<(), StoreError>;
}

/// The audit log, inside a transaction (entries of writes commit with the write).
#[async_trait]
pub trait AuditWriter: Send {
    /// Appends an entry.
    async fn append_audit(&mut self, entry: &AuditEntry) -> Result<(), StoreError>;

    /// Appends many entries (a batch import audits each patient it wrote).
    async fn append_audits(&mut self, entries: &[AuditEntry]) -> Result<(), StoreError>;
}

/// Idempotency keys, inside a transaction.
#[async_trait]
pub trait IdempotencyKeys: Send {
    /// Claims a request id. MUST return `Duplicate { constraint: Constraint::RequestId }` when the id was
    /// claimed before for the same command (a unique constraint, not a read-then-write).
    async fn claim_request(&mut self, key: &RequestKey) -> Result<(), StoreError>;
}

/// One transaction: every repository, then commit or rollback.
///
/// A command that abandons its transaction and then writes something else (a refusal's audit
/// entry, a retry's read of the first result) calls [`Transaction::rollback`] and awaits it:
/// dropping a transaction also rolls it back, but only once its connection returns to the pool,
/// and until then it holds its locks (on SQLite, the database's write lock). A command that ends
/// with an error may simply drop it.
#[async_trait]
pub trait Transaction:
    ReferralRepository
    + ResidentRepository
    + FollowUpRepository
    + NetworkRepository
    + GridRepository
    + TeamRepository
    + crate::SessionRepository
    + crate::ElderlyCheckRepository
    + crate::CancerRepository
    + crate::DiagnosisRepository
    + crate::ConsultationRepository
    + crate::AdviceRepository
    + OutboxWriter
    + AuditWriter
    + IdempotencyKeys
    + crate::DeadlineClaims
    + Send
{
    /// Commits everything written.
    async fn commit(self: Box<Self>) -> Result<(), StoreError>;

    /// Rolls back everything written, and returns once the database has done so.
    async fn rollback(self: Box<Self>) -> Result<(), StoreError>;
}

/// A page of results and the token of the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// Items.
    pub items: Vec<T>,
    /// Token of the next page, if there is one.
    pub next: Option<String>,
}

/// Read-side referral queries (no transaction), each served by an index.
#[async_trait]
pub trait ReferralQueries: Send + Sync {
    /// A referral with its version.
    async fn get_referral(&self, id: ReferralId)
    -> Result<Option<Versioned<Referral>>, StoreError>;

    /// The referrals that answer `filter` (an inbox, a sent list, a community's), oldest
    /// request first, `limit` per page after `after` (an opaque page token; `NotFound` for a
    /// token this list did not issue).
    async fn list_referrals(
        &self,
        filter: &ReferralFilter,
        limit: u32,
        after: Option<String>,
    ) -> Result<Page<Versioned<Referral>>, StoreError>;

    /// Whether `patient` has a referral addressed to `institution` that is requested, accepted
    /// or arrived: the receiver caring for a referred patient may read the record.
    async fn referred_to(
        &self,
        patient: ResidentId,
        institution: InstitutionId,
    ) -> Result<bool, StoreError>;

    /// The patient's open referrals (at most one each way), from the open-direction index.
    async fn open_referrals_of(
        &self,
        patient: ResidentId,
    ) -> Result<Vec<Versioned<Referral>>, StoreError>;
}

/// The read side of idempotency keys: what the first request with an id created, for a retry
/// of any create command (referrals, residents, grids, contracts, screening batches...).
#[async_trait]
pub trait RequestLog: Send + Sync {
    /// Keys the digest of a request into the fingerprint that is stored and compared: a keyed
    /// hash, since what was asked can hold an identity number, which a plain digest would let
    /// anyone who reads the table guess back.
    fn fingerprint(&self, digest: &[u8]) -> String;

    /// The key as first claimed (what it created, and its request's fingerprint), if
    /// `caller` used `request_id` for `command`.
    async fn request_outcome(
        &self,
        caller: &str,
        command: &str,
        request_id: &str,
    ) -> Result<Option<RequestKey>, StoreError>;
}
