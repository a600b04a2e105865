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

    /// The domain event the payload holds; `Corrupt` for one this build cannot read.
    pub fn decode(&self) -> Result<DomainEvent, StoreError> {
        DomainEvent::deserialize(&self.payload).map_err(|e| StoreError::Corrupt {
            entity: "event",
            detail: e.to_string(),
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

/// An event due for publication, with its delivery history, as the relay sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingEvent {
    /// The event.
    pub stored: StoredEvent,
    /// Refused attempts so far.
    pub attempts: u32,
    /// Set when the event has a delivery of its own to track (refused, held back behind a
    /// refused event of its aggregate, or replayed): not to be tried before this instant.
    /// `None` for an event simply not yet reached.
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

/// What one round of the relay achieved, recorded at once ([`RelayOutbox::record`]).
///
/// Publication is tracked by a watermark, not per event: every event at or below it is
/// published unless it carries delivery state of its own (see [`PendingEvent::next_attempt_at`]).
/// A round moves the watermark to `through`, so a batch costs one small write; only the rare
/// events that need tracking of their own are written one by one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Progress {
    /// The watermark after this round: every event up to this sequence was acknowledged by the
    /// broker, or is listed in `held` or `refusal`, or already had state of its own. Never moves
    /// back; 0 leaves it where it is.
    pub through: i64,
    /// Events with state of their own that the broker has now acknowledged: published.
    pub retried: Vec<i64>,
    /// Events not yet reached that were held back behind a refused event of their aggregate:
    /// given state of their own (due at once) so the watermark can pass them.
    pub held: Vec<i64>,
    /// The event the broker refused, if any.
    pub refusal: Option<Refusal>,
}

/// A refused delivery: counted against the event, retried at `retry_at`, or dead-lettered.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// The refused event.
    pub sequence: i64,
    /// The broker's reason (kept short for an operator's listing).
    pub error: String,
    /// When to try again.
    pub retry_at: OffsetDateTime,
    /// Set when this was the last allowed attempt: the event becomes a dead letter.
    pub dead_at: Option<OffsetDateTime>,
}

/// The outbox as the relay drives it: a lease so that one instance relays at a time (which keeps
/// the global, hence per-aggregate, order), the events due for publication in sequence order,
/// and the bookkeeping of publication, refusals and dead letters.
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

    /// Gives the lease up at once (clean shutdown), if `holder` has it. The progress recorded
    /// under the lease stays.
    async fn release_lease(&self, name: &str, holder: Uuid) -> Result<(), StoreError>;

    /// The events due for publication under the lease `name`, in sequence order: first those
    /// with delivery state of their own at or below the watermark (live, not dead-lettered),
    /// then up to `limit` events after both the watermark and `after` (a relay that read up to
    /// `after` already reads on from there).
    async fn pending(
        &self,
        name: &str,
        after: i64,
        limit: u32,
    ) -> Result<Vec<PendingEvent>, StoreError>;

    /// Records a round's [`Progress`] atomically, if `holder` still holds the lease `name` at
    /// `now`: `false` (and nothing recorded) when it does not, so a relay that lost its lease
    /// cannot move the watermark of the one that took over.
    async fn record(
        &self,
        name: &str,
        holder: Uuid,
        progress: &Progress,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError>;

    /// Dead letters with `sequence > after`, in sequence order, at most `limit`.
    async fn dead_letters(&self, after: i64, limit: u32) -> Result<Vec<DeadLetter>, StoreError>;

    /// Returns dead letters to the relay with a fresh count of attempts, due at once (`now`):
    /// those listed, or every one when `sequences` is empty. Returns how many were returned.
    async fn replay(&self, sequences: &[i64], now: OffsetDateTime) -> Result<u64, StoreError>;
}
