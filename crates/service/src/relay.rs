//! The outbox relay: delivers committed events to the broker, in order, at least once, and
//! records them published only after the broker acknowledged them.
//!
//! - **One relay at a time.** A step first makes sure it holds a lease in the database
//!   ([`RelayOutbox::acquire_lease`], renewed once a third of its ttl has passed); other
//!   instances stand by. One relay publishing in sequence order keeps every aggregate's events
//!   in order. Progress is recorded under the lease only, so a relay that stalled past its
//!   lease cannot move the watermark of the one that took over; it can at worst publish again
//!   what the broker then drops by event id.
//! - **Batches, acks in flight, a watermark.** A step publishes up to `batch` events with all
//!   their acks in flight and moves the publication watermark past the acknowledged prefix in
//!   one small write ([`Progress`]). While the broker acknowledges a batch the next one is
//!   read; it is used only if the batch went through whole, without an event of its own state.
//! - **Crashes.** An event published but not yet recorded is published again by the next step
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
    Clock, EventPublisher, PendingEvent, Progress, PublishError, Refusal, RelayOutbox, StoreError,
    StoredEvent,
};

/// The lease every relay instance competes for.
pub const RELAY_LEASE: &str = "outbox-relay";

/// How the relay paces itself.
#[derive(Debug, Clone)]
pub struct RelaySettings {
    /// Events published per step (acks in flight together). Large enough that a backlog pays
    /// the per-step costs (reads, the watermark, waiting for the last ack) rarely; a step takes
    /// what is there, so a small flow is not delayed by it.
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
            batch: 1024,
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
    /// The next batch, read while the broker acknowledged the previous one.
    prefetched: std::sync::Mutex<Option<Vec<PendingEvent>>>,
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
            prefetched: std::sync::Mutex::new(None),
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
            self.forget();
            return Ok(Step::Standby);
        }
        let rows = match self.prefetched.lock().ok().and_then(|mut p| p.take()) {
            Some(rows) => rows,
            None => {
                self.outbox
                    .pending(RELAY_LEASE, 0, self.settings.batch)
                    .await?
            }
        };
        let round = Round::plan(rows, now);
        if round.ready.is_empty() {
            if round.held.is_empty() {
                return Ok(Step::Idle);
            }
            // Only events held back: let the watermark pass them, so later ones are reached.
            let progress = Progress {
                through: round.last,
                held: round.held,
                ..Progress::default()
            };
            return self
                .record(
                    &progress,
                    Step::Relayed {
                        published: 0,
                        refused: None,
                    },
                )
                .await;
        }
        let ((acked, error), next) = tokio::join!(
            self.publisher.publish(&round.ready),
            self.outbox
                .pending(RELAY_LEASE, round.last, self.settings.batch)
        );
        let acked = acked.min(round.ready.len());
        // The first event not acknowledged, if any: the watermark stops before it.
        let failed = round.ready.get(acked);
        let refused = matches!(error, Some(PublishError::Rejected(_)));
        let mut progress = round.progress(acked, failed.map(|e| (e.sequence, refused)));
        let step = match (error, failed) {
            (Some(PublishError::Unavailable(reason)), _) => Step::Unavailable {
                published: acked,
                reason,
            },
            (Some(PublishError::Rejected(reason)), Some(refused)) => {
                progress.refusal = Some(self.refusal(refused, round.attempts[acked], reason));
                Step::Relayed {
                    published: acked,
                    refused: Some(refused.sequence),
                }
            }
            _ => Step::Relayed {
                published: acked,
                refused: None,
            },
        };
        let whole = failed.is_none() && round.plain;
        if progress == Progress::default() {
            // Nothing acknowledged, nothing to note: the batch is simply read again.
            return Ok(step);
        }
        let step = self.record(&progress, step).await?;
        // A full batch read meanwhile is exact after a whole batch; a short one may miss
        // events committed since it was read, so it is read again (lag over saved work).
        if whole
            && matches!(step, Step::Relayed { .. })
            && let (Ok(next), Ok(mut prefetched)) = (next, self.prefetched.lock())
            && next.len() >= self.settings.batch as usize
        {
            *prefetched = Some(next);
        }
        Ok(step)
    }

    /// Records a round's progress; a relay that finds its lease gone stands by.
    async fn record(&self, progress: &Progress, step: Step) -> Result<Step, StoreError> {
        let recorded = self
            .outbox
            .record(RELAY_LEASE, self.holder, progress, self.clock.now())
            .await?;
        if recorded {
            Ok(step)
        } else {
            tracing::warn!("relay lease lost to another instance; standing by");
            self.forget();
            Ok(Step::Standby)
        }
    }

    /// Counts a refusal against `refused`, dead-lettering it after the last allowed attempt.
    fn refusal(&self, refused: &StoredEvent, attempts_before: u32, reason: String) -> Refusal {
        let attempt = attempts_before.saturating_add(1);
        let now = self.clock.now();
        let dead = attempt >= self.settings.max_attempts;
        let delay = backoff(&self.settings, attempt);
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
        Refusal {
            sequence: refused.sequence,
            error: reason,
            retry_at: now + time::Duration::try_from(delay).unwrap_or(time::Duration::MAX),
            dead_at: dead.then_some(now),
        }
    }

    /// Drops what this relay believed about its lease and the next batch.
    fn forget(&self) {
        if let Ok(mut until) = self.leased_until.lock() {
            *until = None;
        }
        if let Ok(mut prefetched) = self.prefetched.lock() {
            *prefetched = None;
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
        self.forget();
        self.outbox.release_lease(RELAY_LEASE, self.holder).await
    }
}

/// One round's events, sorted out: what to publish now, and what waits.
struct Round {
    /// The events to publish now, in order.
    ready: Vec<StoredEvent>,
    /// Refusals so far of each ready event.
    attempts: Vec<u32>,
    /// Whether each ready event had delivery state of its own (a retry).
    retry: Vec<bool>,
    /// Events not yet reached that wait behind a refused event of their aggregate.
    held: Vec<i64>,
    /// The sequences of every event read, ascending.
    read: Vec<i64>,
    /// The last sequence read.
    last: i64,
    /// Every event read is ready and none has state of its own: if all are acknowledged, the
    /// next batch read meanwhile is exact.
    plain: bool,
}

impl Round {
    /// An event waiting out a refusal holds back the rest of its aggregate, nothing else.
    fn plan(pending: Vec<PendingEvent>, now: time::OffsetDateTime) -> Round {
        let mut waiting = HashSet::new();
        let mut round = Round {
            ready: Vec::with_capacity(pending.len()),
            attempts: Vec::with_capacity(pending.len()),
            retry: Vec::with_capacity(pending.len()),
            held: Vec::new(),
            read: Vec::with_capacity(pending.len()),
            last: pending.last().map_or(0, |p| p.stored.sequence),
            plain: true,
        };
        for p in pending {
            let aggregate = p.stored.event.aggregate_id;
            round.read.push(p.stored.sequence);
            round.plain &= p.next_attempt_at.is_none();
            if waiting.contains(&aggregate) {
                if p.next_attempt_at.is_none() {
                    round.held.push(p.stored.sequence);
                }
                round.plain = false;
                continue;
            }
            if p.next_attempt_at.is_some_and(|at| at > now) {
                waiting.insert(aggregate);
                round.plain = false;
                continue;
            }
            round.retry.push(p.next_attempt_at.is_some());
            round.attempts.push(p.attempts);
            round.ready.push(p.stored);
        }
        round
    }

    /// The progress after `acked` ready events were acknowledged and, if `failed = (sequence,
    /// refused)`, the next one was not: the watermark stops before it, or at it when it was
    /// refused (its refusal is recorded with the progress, giving it state of its own).
    fn progress(&self, acked: usize, failed: Option<(i64, bool)>) -> Progress {
        let through = match failed {
            None => self.last,
            Some((failed, true)) => failed,
            Some((failed, false)) => self
                .read
                .iter()
                .copied()
                .take_while(|s| *s < failed)
                .last()
                .unwrap_or(0),
        };
        Progress {
            through,
            retried: self.ready[..acked]
                .iter()
                .zip(&self.retry)
                .filter(|(_, retry)| **retry)
                .map(|(e, _)| e.sequence)
                .collect(),
            held: self
                .held
                .iter()
                .copied()
                .filter(|s| *s <= through)
                .collect(),
            refusal: None,
        }
    }
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
    use proptest::prelude::*;

    use super::*;

    const NOW: time::OffsetDateTime = time::macros::datetime!(2026-11-23 10:00 UTC);

    /// An event read: its aggregate, and its own delivery state (none, due, or waiting).
    fn read(sequence: i64, aggregate: u8, state: Option<bool>) -> PendingEvent {
        PendingEvent {
            stored: StoredEvent {
                sequence,
                aggregate_sequence: 1,
                event: yigong_ports::NewEvent {
                    event_id: Uuid::from_u128(sequence as u128),
                    community: None,
                    aggregate_kind: "referral".into(),
                    aggregate_id: Uuid::from_u128(u128::from(aggregate)),
                    event_type: "referral.referral_cancelled".into(),
                    schema_version: 1,
                    payload: serde_json::Value::Null,
                    occurred_at: NOW,
                },
            },
            attempts: u32::from(state.is_some()),
            next_attempt_at: state
                .map(|due| NOW + time::Duration::seconds(if due { -1 } else { 30 })),
        }
    }

    proptest! {
        /// Whatever was read and however publication ended: the watermark passes only events
        /// acknowledged, refused, held back (given state) or already with state of their own;
        /// an aggregate's events are published in order; a batch that went through moves the
        /// watermark past everything read.
        #[test]
        fn the_watermark_never_passes_an_event_that_could_be_lost(
            events in proptest::collection::vec((0u8..4, proptest::option::of(any::<bool>())), 0..40),
            gaps in proptest::collection::vec(1i64..3, 40),
            acked_fraction in 0.0f64..=1.0,
            refused in any::<bool>(),
        ) {
            let mut sequence = 0;
            let pending: Vec<PendingEvent> = events
                .iter()
                .zip(&gaps)
                .map(|((aggregate, state), gap)| {
                    sequence += gap;
                    read(sequence, *aggregate, *state)
                })
                .collect();
            let round = Round::plan(pending.clone(), NOW);
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
            let acked = ((round.ready.len() as f64) * acked_fraction).floor() as usize;
            let failed = round.ready.get(acked).map(|e| (e.sequence, refused));
            let progress = round.progress(acked, failed);

            let published: HashSet<i64> = round.ready[..acked].iter().map(|e| e.sequence).collect();
            let ready: HashSet<i64> = round.ready.iter().map(|e| e.sequence).collect();
            for p in &pending {
                let s = p.stored.sequence;
                if s <= progress.through {
                    prop_assert!(
                        published.contains(&s)
                            || progress.held.contains(&s)
                            || p.next_attempt_at.is_some()
                            || failed == Some((s, true)),
                        "event {s} passed without being published or tracked"
                    );
                }
                if progress.held.contains(&s) {
                    prop_assert!(p.next_attempt_at.is_none() && !ready.contains(&s));
                }
            }
            // Per aggregate, the events published come before any that wait.
            for (i, p) in pending.iter().enumerate() {
                if ready.contains(&p.stored.sequence) {
                    let aggregate = p.stored.event.aggregate_id;
                    let in_order = pending[..i].iter().all(|q| {
                        q.stored.event.aggregate_id != aggregate
                            || ready.contains(&q.stored.sequence)
                    });
                    prop_assert!(in_order, "event {} published ahead of its aggregate", p.stored.sequence);
                }
            }
            let retried: Vec<i64> = round.ready[..acked]
                .iter()
                .zip(&pending_state(&pending, &round.ready[..acked]))
                .filter(|(_, state)| **state)
                .map(|(e, _)| e.sequence)
                .collect();
            prop_assert_eq!(&progress.retried, &retried);
            if failed.is_none() {
                prop_assert_eq!(progress.through, pending.last().map_or(0, |p| p.stored.sequence));
            }
        }
    }

    /// Whether each of `events` had state of its own when read.
    fn pending_state(pending: &[PendingEvent], events: &[StoredEvent]) -> Vec<bool> {
        events
            .iter()
            .map(|e| {
                pending
                    .iter()
                    .any(|p| p.stored.sequence == e.sequence && p.next_attempt_at.is_some())
            })
            .collect()
    }

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
