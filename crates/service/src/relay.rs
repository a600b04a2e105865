//! The outbox relay: delivers committed events to the broker, in order, at least once, and
//! marks each published only after the broker acknowledged it.
//!
//! - **One relay at a time.** A step first makes sure it holds a lease in the database
//!   ([`RelayOutbox::acquire_lease`], renewed once a third of its ttl has passed); other
//!   instances stand by. One relay publishing in
//!   sequence order keeps every aggregate's events in order. If a holder stalls past its lease
//!   and a second takes over, both publish from the same place in the same order and the
//!   broker drops the second copy of each event by its id, so order still holds.
//! - **Batches, acks in flight.** A step publishes up to `batch` events with all their acks in
//!   flight and marks the acknowledged prefix published in one statement.
//! - **Crashes.** An event published but not yet marked is published again by the next step
//!   (or the next instance): the broker de-duplicates it by event id.
//! - **Outages** ([`PublishError::Unavailable`]) count against no event: the relay retries
//!   with backoff until the broker is back, and the outbox grows meanwhile.
//! - **Refusals** ([`PublishError::Rejected`]) count against the refused event: it is retried
//!   after a growing delay, and after `max_attempts` it is dead-lettered for an operator to
//!   list and replay. While it waits, later events of *its aggregate* wait too (order), and
//!   everything else keeps flowing.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use uuid::Uuid;
use yigong_ports::{
    Clock, EventPublisher, PendingEvent, PublishError, RelayOutbox, StoreError, StoredEvent,
};

/// The lease every relay instance competes for.
pub const RELAY_LEASE: &str = "outbox-relay";

/// How the relay paces itself.
#[derive(Debug, Clone)]
pub struct RelaySettings {
    /// Events published per step (acks in flight together).
    pub batch: u32,
    /// Pause after a step that found nothing to publish.
    pub idle: Duration,
    /// How long a lease lasts without renewal: how soon another instance takes over from one
    /// that died.
    pub lease_ttl: Duration,
    /// Refusals after which an event is dead-lettered.
    pub max_attempts: u32,
    /// Delay after the first refusal (or outage), doubled each time.
    pub retry_base: Duration,
    /// Longest delay between retries.
    pub retry_max: Duration,
}

impl Default for RelaySettings {
    fn default() -> Self {
        Self {
            batch: 256,
            idle: Duration::from_millis(100),
            lease_ttl: Duration::from_secs(15),
            max_attempts: 5,
            retry_base: Duration::from_millis(500),
            retry_max: Duration::from_secs(30),
        }
    }
}

/// What one step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Another instance holds the lease.
    Standby,
    /// Nothing was ready to publish.
    Idle,
    /// Published `published` events; `refused` is the event the broker refused, if any.
    Relayed {
        /// Events acknowledged and marked published.
        published: usize,
        /// The sequence of a refused event (its attempt recorded).
        refused: Option<i64>,
    },
    /// The broker was unreachable after `published` events.
    Unavailable {
        /// Events acknowledged and marked before the outage.
        published: usize,
        /// Why.
        reason: String,
    },
}

/// The relay: one per service instance.
pub struct Relay {
    outbox: Arc<dyn RelayOutbox>,
    publisher: Arc<dyn EventPublisher>,
    clock: Arc<dyn Clock>,
    holder: Uuid,
    settings: RelaySettings,
    /// Until when this relay's lease is known to run (renewed a third of a ttl before it ends,
    /// so a backlog is not slowed by a lease write per batch).
    leased_until: std::sync::Mutex<Option<time::OffsetDateTime>>,
}

impl Relay {
    /// A relay identified by `holder` (a fresh id per process).
    pub fn new(
        outbox: Arc<dyn RelayOutbox>,
        publisher: Arc<dyn EventPublisher>,
        clock: Arc<dyn Clock>,
        holder: Uuid,
        settings: RelaySettings,
    ) -> Self {
        Self {
            outbox,
            publisher,
            clock,
            holder,
            settings,
            leased_until: std::sync::Mutex::new(None),
        }
    }

    /// Takes or renews the lease unless it still runs for more than two thirds of its ttl.
    async fn hold_lease(&self, now: time::OffsetDateTime) -> Result<bool, StoreError> {
        let ttl = time::Duration::try_from(self.settings.lease_ttl).unwrap_or(time::Duration::MAX);
        let fresh = self
            .leased_until
            .lock()
            .map(|until| until.is_some_and(|until| until - now > ttl * 2 / 3))
            .unwrap_or(false);
        if fresh {
            return Ok(true);
        }
        let held = self
            .outbox
            .acquire_lease(RELAY_LEASE, self.holder, now, ttl)
            .await?;
        if let Ok(mut until) = self.leased_until.lock() {
            *until = held.then_some(now + ttl);
        }
        Ok(held)
    }

    /// One round: take the lease, publish what is ready, record the outcome.
    pub async fn step(&self) -> Result<Step, StoreError> {
        let now = self.clock.now();
        if !self.hold_lease(now).await? {
            return Ok(Step::Standby);
        }
        let (ready, attempts) = ready(self.outbox.pending(self.settings.batch).await?, now);
        if ready.is_empty() {
            return Ok(Step::Idle);
        }
        let (acked, error) = self.publisher.publish(&ready).await;
        let acked = acked.min(ready.len());
        let published: Vec<i64> = ready[..acked].iter().map(|e| e.sequence).collect();
        if !published.is_empty() {
            self.outbox
                .mark_published(&published, self.clock.now())
                .await?;
        }
        match (error, ready.get(acked)) {
            (Some(PublishError::Unavailable(reason)), _) => Ok(Step::Unavailable {
                published: acked,
                reason,
            }),
            (Some(PublishError::Rejected(reason)), Some(refused)) => {
                let attempt = attempts[acked].saturating_add(1);
                let now = self.clock.now();
                let dead = attempt >= self.settings.max_attempts;
                let delay = backoff(&self.settings, attempt);
                let retry_at = now + time::Duration::try_from(delay).unwrap_or(time::Duration::MAX);
                self.outbox
                    .record_failure(refused.sequence, &reason, retry_at, dead.then_some(now))
                    .await?;
                if dead {
                    tracing::error!(
                        sequence = refused.sequence,
                        event_id = %refused.event.event_id,
                        event_type = %refused.event.event_type,
                        attempts = attempt,
                        %reason,
                        "event dead-lettered: list with `yigong events dead`, replay with `yigong events replay`"
                    );
                } else {
                    tracing::warn!(
                        sequence = refused.sequence,
                        event_type = %refused.event.event_type,
                        attempt,
                        %reason,
                        "broker refused an event; retrying later"
                    );
                }
                Ok(Step::Relayed {
                    published: acked,
                    refused: Some(refused.sequence),
                })
            }
            _ => Ok(Step::Relayed {
                published: acked,
                refused: None,
            }),
        }
    }

    /// Relays until `shutdown` resolves, then gives the lease up so another instance takes
    /// over at once.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut outages: u32 = 0;
        loop {
            let pause = match self.step().await {
                Ok(Step::Relayed { .. }) => {
                    if outages > 0 {
                        tracing::info!("broker reachable again; relaying the outbox");
                    }
                    outages = 0;
                    Duration::ZERO
                }
                Ok(Step::Idle) => {
                    outages = 0;
                    self.settings.idle
                }
                Ok(Step::Standby) => self.settings.lease_ttl / 3,
                Ok(Step::Unavailable { reason, .. }) => {
                    outages = outages.saturating_add(1);
                    if outages == 1 {
                        tracing::warn!(%reason, "broker unavailable; events wait in the outbox");
                    }
                    backoff(&self.settings, outages)
                }
                Err(error) => {
                    outages = outages.saturating_add(1);
                    tracing::warn!(%error, "relay could not read or update the outbox");
                    backoff(&self.settings, outages)
                }
            };
            if pause.is_zero() {
                // Yield between full batches so a shutdown is seen promptly.
                tokio::select! {
                    () = &mut shutdown => break,
                    () = tokio::task::yield_now() => {}
                }
            } else {
                tokio::select! {
                    () = &mut shutdown => break,
                    () = tokio::time::sleep(pause) => {}
                }
            }
        }
        if let Err(error) = self.release().await {
            tracing::warn!(%error, "relay lease not released; it lapses on its own");
        }
    }

    /// Gives the lease up, so another instance takes over at once instead of after its ttl.
    pub async fn release(&self) -> Result<(), StoreError> {
        if let Ok(mut until) = self.leased_until.lock() {
            *until = None;
        }
        self.outbox.release_lease(RELAY_LEASE, self.holder).await
    }
}

/// The events to publish now, in order: an event waiting out a refusal holds back the rest of
/// its aggregate, nothing else.
fn ready(pending: Vec<PendingEvent>, now: time::OffsetDateTime) -> (Vec<StoredEvent>, Vec<u32>) {
    let mut held = HashSet::new();
    let mut events = Vec::with_capacity(pending.len());
    let mut attempts = Vec::with_capacity(pending.len());
    for p in pending {
        let aggregate = p.stored.event.aggregate_id;
        if held.contains(&aggregate) {
            continue;
        }
        if p.next_attempt_at.is_some_and(|at| at > now) {
            held.insert(aggregate);
            continue;
        }
        events.push(p.stored);
        attempts.push(p.attempts);
    }
    (events, attempts)
}

/// `retry_base × 2^(attempt-1)`, at most `retry_max`.
fn backoff(settings: &RelaySettings, attempt: u32) -> Duration {
    let factor = 1u32 << attempt.saturating_sub(1).min(16);
    settings
        .retry_base
        .saturating_mul(factor)
        .min(settings.retry_max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_ceiling() {
        let s = RelaySettings {
            retry_base: Duration::from_millis(500),
            retry_max: Duration::from_secs(3),
            ..RelaySettings::default()
        };
        let delays: Vec<u128> = (1..=6).map(|a| backoff(&s, a).as_millis()).collect();
        assert_eq!(delays, vec![500, 1000, 2000, 3000, 3000, 3000]);
        assert_eq!(backoff(&s, u32::MAX), Duration::from_secs(3));
    }
}
