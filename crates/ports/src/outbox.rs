//! The outbox: domain events stored in the command's transaction, relayed later.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;
use yigong_domain::event::{DomainEvent, EVENT_SCHEMA_VERSION};
use yigong_domain::ids::CommunityId;

use crate::StoreError;

/// An event to append: the domain event with the envelope the relay and consumers need.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    /// Unique event id (JetStream de-duplication uses it).
    pub event_id: Uuid,
    /// The community whose subject the event goes to, if any.
    pub community: Option<CommunityId>,
    /// `referral`, `follow_up`, ...
    pub aggregate_kind: String,
    /// The aggregate instance, for per-aggregate order.
    pub aggregate_id: Uuid,
    /// `referral.referral_accepted`, ...
    pub event_type: String,
    /// Payload schema version.
    pub schema_version: u32,
    /// The event as JSON.
    pub payload: serde_json::Value,
    /// When the command ran.
    pub occurred_at: OffsetDateTime,
}

impl NewEvent {
    /// Wraps a domain event.
    pub fn new(
        event_id: Uuid,
        community: Option<CommunityId>,
        event: &DomainEvent,
        occurred_at: OffsetDateTime,
    ) -> Result<NewEvent, StoreError> {
        let payload = serde_json::to_value(event).map_err(|e| StoreError::Corrupt {
            entity: "event",
            detail: e.to_string(),
        })?;
        Ok(NewEvent {
            event_id,
            community,
            aggregate_kind: event.aggregate_kind().as_str().to_owned(),
            aggregate_id: event.aggregate_id(),
            event_type: event.type_name().to_owned(),
            schema_version: EVENT_SCHEMA_VERSION,
            payload,
            occurred_at,
        })
    }
}

/// An event as stored, with its global and per-aggregate sequence numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    /// Global, monotonic position in the outbox: the change-feed cursor.
    pub sequence: i64,
    /// Position among the aggregate's events, from 1.
    pub aggregate_sequence: i64,
    /// The event.
    pub event: NewEvent,
    /// When the relay published it.
    pub published_at: Option<OffsetDateTime>,
}

/// Incremental sync without timestamps.
#[async_trait]
pub trait ChangeFeed: Send + Sync {
    /// Events with `sequence > cursor`, in sequence order, at most `limit`.
    async fn changes_since(&self, cursor: i64, limit: u32) -> Result<Vec<StoredEvent>, StoreError>;

    /// The sequence of the latest committed event (0 when there is none): where a watcher that
    /// wants only what happens from now on starts.
    async fn latest_sequence(&self) -> Result<i64, StoreError>;
}

/// An unpublished event with its delivery history, as the relay sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingEvent {
    /// The event.
    pub stored: StoredEvent,
    /// Failed attempts so far.
    pub attempts: u32,
    /// Not to be retried before this instant (after a refusal).
    pub next_attempt_at: Option<OffsetDateTime>,
}

/// An event the relay gave up on: it stays in the outbox until an operator replays it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// The event.
    pub stored: StoredEvent,
    /// Attempts made.
    pub attempts: u32,
    /// The broker's last refusal.
    pub last_error: String,
    /// When it was dead-lettered.
    pub dead_at: OffsetDateTime,
}

/// The outbox as the relay drives it: a lease so that one instance relays at a time (which keeps
/// the global, hence per-aggregate, order), unpublished events in sequence order, and the
/// bookkeeping of publication, refusals and dead letters.
#[async_trait]
pub trait RelayOutbox: Send + Sync {
    /// Takes or renews the lease `name` for `holder` until `now + ttl`. `false` when another
    /// holder's lease is still running. A holder that crashes simply stops renewing: the lease
    /// passes on after `ttl`, and nothing else has to be cleaned up.
    async fn acquire_lease(
        &self,
        name: &str,
        holder: Uuid,
        now: OffsetDateTime,
        ttl: time::Duration,
    ) -> Result<bool, StoreError>;

    /// Gives the lease up at once (clean shutdown), if `holder` has it.
    async fn release_lease(&self, name: &str, holder: Uuid) -> Result<(), StoreError>;

    /// Up to `limit` unpublished, live (not dead-lettered) events, in sequence order.
    async fn pending(&self, limit: u32) -> Result<Vec<PendingEvent>, StoreError>;

    /// Marks events published (after the broker acknowledged them), in one statement.
    async fn mark_published(&self, sequences: &[i64], at: OffsetDateTime)
    -> Result<(), StoreError>;

    /// Records a refused attempt: retry at `retry_at`, or dead-letter it when `dead_at` is set.
    async fn record_failure(
        &self,
        sequence: i64,
        error: &str,
        retry_at: OffsetDateTime,
        dead_at: Option<OffsetDateTime>,
    ) -> Result<(), StoreError>;

    /// Dead letters with `sequence > after`, in sequence order, at most `limit`.
    async fn dead_letters(&self, after: i64, limit: u32) -> Result<Vec<DeadLetter>, StoreError>;

    /// Returns dead letters to the relay with a fresh count of attempts: those listed, or every
    /// one when `sequences` is empty. Returns how many were returned.
    async fn replay(&self, sequences: &[i64]) -> Result<u64, StoreError>;
}
