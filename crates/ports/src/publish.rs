//! Where relayed events go: the driven messaging port. The relay (issue #5) reads the outbox
//! and hands events here; adapters deliver them in-process or to NATS JetStream.

use async_trait::async_trait;

use crate::StoredEvent;

/// Why a publisher could not take events.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// The broker is unreachable or did not acknowledge in time: retry later.
    #[error("broker unavailable: {0}")]
    Unavailable(String),
    /// The broker refused the event (no stream for its subject, a bad header): retrying the same
    /// event will not help.
    #[error("event refused: {0}")]
    Rejected(String),
}

/// Publishes outbox events, in order, de-duplicated by event id downstream.
#[async_trait]
pub trait EventPublisher: Send + Sync {
    /// Publishes `events` in order with their acknowledgements in flight together, and returns
    /// how many of them, from the first, were acknowledged (durably stored by the broker); the
    /// error, if any, is the first unacknowledged event's. A relay marks exactly the
    /// acknowledged prefix published, so order holds and nothing is marked before its ack.
    async fn publish(&self, events: &[StoredEvent]) -> (usize, Option<PublishError>);
}

/// The subject of an event: `yigong.<community>.<aggregate>.<event>`, the community as a
/// simple UUID or `network` for events of no community, the event its type's last part.
pub fn subject(event: &StoredEvent) -> String {
    let e = &event.event;
    let community = e.community.map_or_else(
        || "network".to_owned(),
        |c| c.as_uuid().simple().to_string(),
    );
    let name = e
        .event_type
        .rsplit_once('.')
        .map_or(e.event_type.as_str(), |(_, n)| n);
    format!("yigong.{community}.{}.{name}", e.aggregate_kind)
}
