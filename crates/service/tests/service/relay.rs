//! The relay against mocked ports: the lease gates everything, only the acknowledged prefix
//! moves the watermark, outages count against no event, refusals are retried then
//! dead-lettered, an event waiting out a refusal holds back its own aggregate only, and the
//! next batch read during publication is used only after a whole batch went through.

use std::sync::Arc;

use async_trait::async_trait;
use mockall::{Sequence, mock, predicate::eq};
use time::OffsetDateTime;
use uuid::Uuid;
use yigong_ports::{
    Clock, DeadLetter, EventPublisher, NewEvent, PendingEvent, Progress, PublishError, RelayOutbox,
    StoreError, StoredEvent,
};
use yigong_service::{RELAY_LEASE, Relay, RelaySettings, Step};

use crate::support::FixedClock;

mock! {
    pub Outbox {}
    #[async_trait]
    impl RelayOutbox for Outbox {
        async fn acquire_lease(&self, name: &str, holder: Uuid, now: OffsetDateTime, ttl: time::Duration) -> Result<bool, StoreError>;
        async fn release_lease(&self, name: &str, holder: Uuid) -> Result<(), StoreError>;
        async fn pending(&self, name: &str, after: i64, limit: u32) -> Result<Vec<PendingEvent>, StoreError>;
        async fn record(&self, name: &str, holder: Uuid, progress: &Progress, now: OffsetDateTime) -> Result<bool, StoreError>;
        async fn dead_letters(&self, after: i64, limit: u32) -> Result<Vec<DeadLetter>, StoreError>;
        async fn replay(&self, sequences: &[i64], now: OffsetDateTime) -> Result<u64, StoreError>;
    }
}

mock! {
    pub Publisher {}
    #[async_trait]
    impl EventPublisher for Publisher {
        async fn publish(&self, events: &[StoredEvent]) -> (usize, Option<PublishError>);
    }
}

const HOLDER: Uuid = Uuid::from_u128(77);

fn pending(sequence: i64, aggregate: u128, attempts: u32, wait: Option<i64>) -> PendingEvent {
    PendingEvent {
        stored: StoredEvent {
            sequence,
            aggregate_sequence: sequence,
            event: NewEvent {
                event_id: Uuid::from_u128(1000 + sequence as u128),
                community: None,
                aggregate_kind: "referral".into(),
                aggregate_id: Uuid::from_u128(aggregate),
                event_type: "referral.referral_cancelled".into(),
                schema_version: 1,
                payload: serde_json::json!({}),
                occurred_at: FixedClock.now(),
            },
        },
        attempts,
        next_attempt_at: wait.map(|s| FixedClock.now() + time::Duration::seconds(s)),
    }
}

fn relay(outbox: MockOutbox, publisher: MockPublisher) -> Relay {
    relay_in_batches_of(256, outbox, publisher)
}

fn relay_in_batches_of(batch: u32, outbox: MockOutbox, publisher: MockPublisher) -> Relay {
    Relay::new(
        Arc::new(outbox),
        Arc::new(publisher),
        Arc::new(FixedClock),
        HOLDER,
        RelaySettings {
            batch,
            max_attempts: 3,
            ..RelaySettings::default()
        },
    )
}

fn sequences(events: &[StoredEvent]) -> Vec<i64> {
    events.iter().map(|e| e.sequence).collect()
}

fn holds_lease(outbox: &mut MockOutbox) {
    outbox
        .expect_acquire_lease()
        .withf(|name, holder, _, _| name == RELAY_LEASE && *holder == HOLDER)
        .returning(|_, _, _, _| Ok(true));
}

/// Expects `pending(RELAY_LEASE, after, 256)` once, answering `rows`.
fn reads(outbox: &mut MockOutbox, after: i64, rows: Vec<PendingEvent>) {
    outbox
        .expect_pending()
        .with(eq(RELAY_LEASE), eq(after), eq(256))
        .times(1)
        .return_once(move |_, _, _| Ok(rows));
}

/// Expects one `record` of exactly `expected` under this relay's lease.
fn records(outbox: &mut MockOutbox, expected: Progress) {
    outbox
        .expect_record()
        .withf(move |name, holder, progress, _| {
            name == RELAY_LEASE && *holder == HOLDER && *progress == expected
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
}

fn through(through: i64) -> Progress {
    Progress {
        through,
        ..Progress::default()
    }
}

#[tokio::test]
async fn without_the_lease_nothing_is_read_or_published() {
    let mut outbox = MockOutbox::new();
    outbox
        .expect_acquire_lease()
        .returning(|_, _, _, _| Ok(false));
    outbox.expect_pending().never();
    let mut publisher = MockPublisher::new();
    publisher.expect_publish().never();
    assert_eq!(
        relay(outbox, publisher).step().await.unwrap(),
        Step::Standby
    );
}

#[tokio::test]
async fn only_the_acknowledged_prefix_is_passed_and_an_outage_counts_against_no_event() {
    let mut outbox = MockOutbox::new();
    holds_lease(&mut outbox);
    reads(
        &mut outbox,
        0,
        vec![
            pending(1, 1, 0, None),
            pending(2, 2, 0, None),
            pending(3, 1, 0, None),
        ],
    );
    reads(&mut outbox, 3, vec![]);
    let mut publisher = MockPublisher::new();
    publisher
        .expect_publish()
        .withf(|events| sequences(events) == vec![1, 2, 3])
        .returning(|_| (2, Some(PublishError::Unavailable("no responders".into()))));
    records(&mut outbox, through(2));
    assert_eq!(
        relay(outbox, publisher).step().await.unwrap(),
        Step::Unavailable {
            published: 2,
            reason: "no responders".into()
        }
    );
}

#[tokio::test]
async fn nothing_acknowledged_records_nothing() {
    let mut outbox = MockOutbox::new();
    holds_lease(&mut outbox);
    outbox
        .expect_pending()
        .returning(|_, _, _| Ok(vec![pending(1, 1, 0, None)]));
    let mut publisher = MockPublisher::new();
    publisher
        .expect_publish()
        .returning(|_| (0, Some(PublishError::Unavailable("timed out".into()))));
    outbox.expect_record().never();
    let step = relay(outbox, publisher).step().await.unwrap();
    assert!(matches!(step, Step::Unavailable { published: 0, .. }));
}

#[tokio::test]
async fn a_refusal_is_counted_and_retried_later_and_the_last_allowed_one_dead_letters() {
    for (attempts_before, dead) in [(0, false), (1, false), (2, true)] {
        let mut outbox = MockOutbox::new();
        holds_lease(&mut outbox);
        // An event refused before is due again (its wait is over).
        let wait = (attempts_before > 0).then_some(-1);
        reads(
            &mut outbox,
            0,
            vec![
                pending(1, 1, 0, None),
                pending(2, 2, attempts_before, wait),
                pending(3, 3, 0, None),
            ],
        );
        reads(&mut outbox, 3, vec![]);
        let mut publisher = MockPublisher::new();
        publisher.expect_publish().returning(|_| {
            (
                1,
                Some(PublishError::Rejected(
                    "maximum message size exceeded".into(),
                )),
            )
        });
        let now = FixedClock.now();
        outbox
            .expect_record()
            .withf(move |_, _, p, _| {
                let Some(refusal) = &p.refusal else {
                    return false;
                };
                // The watermark passes the refused event (it has state of its own now), not
                // the unpublished one after it.
                p.through == 2
                    && p.retried.is_empty()
                    && p.held.is_empty()
                    && refusal.sequence == 2
                    && refusal.error == "maximum message size exceeded"
                    && refusal.retry_at > now
                    && refusal.dead_at == dead.then_some(now)
            })
            .times(1)
            .returning(|_, _, _, _| Ok(true));
        assert_eq!(
            relay(outbox, publisher).step().await.unwrap(),
            Step::Relayed {
                published: 1,
                refused: Some(2)
            },
            "after {attempts_before} earlier refusals"
        );
    }
}

#[tokio::test]
async fn an_event_waiting_out_a_refusal_holds_back_its_aggregate_only() {
    let mut outbox = MockOutbox::new();
    holds_lease(&mut outbox);
    reads(
        &mut outbox,
        0,
        vec![
            pending(1, 1, 1, Some(30)), // aggregate 1 waits 30 s
            pending(2, 2, 0, None),
            pending(3, 1, 0, None),     // behind it: must wait too
            pending(4, 3, 2, Some(-1)), // its wait is over: retried
        ],
    );
    reads(&mut outbox, 4, vec![]);
    let mut publisher = MockPublisher::new();
    publisher
        .expect_publish()
        .withf(|events| sequences(events) == vec![2, 4])
        .returning(|events| (events.len(), None));
    // 3 gets state of its own so the watermark can pass it; 4's retry is over.
    records(
        &mut outbox,
        Progress {
            through: 4,
            retried: vec![4],
            held: vec![3],
            refusal: None,
        },
    );
    assert_eq!(
        relay(outbox, publisher).step().await.unwrap(),
        Step::Relayed {
            published: 2,
            refused: None
        }
    );
}

#[tokio::test]
async fn events_all_held_back_are_passed_so_later_ones_are_reached() {
    let mut outbox = MockOutbox::new();
    holds_lease(&mut outbox);
    reads(
        &mut outbox,
        0,
        vec![pending(1, 1, 1, Some(30)), pending(2, 1, 0, None)],
    );
    let mut publisher = MockPublisher::new();
    publisher.expect_publish().never();
    records(
        &mut outbox,
        Progress {
            through: 2,
            held: vec![2],
            ..Progress::default()
        },
    );
    assert_eq!(
        relay(outbox, publisher).step().await.unwrap(),
        Step::Relayed {
            published: 0,
            refused: None
        }
    );
}

#[tokio::test]
async fn only_events_waiting_out_refusals_is_idle() {
    let mut outbox = MockOutbox::new();
    holds_lease(&mut outbox);
    reads(&mut outbox, 0, vec![pending(1, 1, 1, Some(30))]);
    outbox.expect_record().never();
    let mut publisher = MockPublisher::new();
    publisher.expect_publish().never();
    assert_eq!(relay(outbox, publisher).step().await.unwrap(), Step::Idle);
}

/// Expects the reads `(after, rows)` in this order, in batches of `batch`.
fn reads_in_order(outbox: &mut MockOutbox, batch: u32, reads: Vec<(i64, Vec<PendingEvent>)>) {
    let mut order = Sequence::new();
    for (after, rows) in reads {
        outbox
            .expect_pending()
            .with(eq(RELAY_LEASE), eq(after), eq(batch))
            .times(1)
            .in_sequence(&mut order)
            .return_once(move |_, _, _| Ok(rows));
    }
}

#[tokio::test]
async fn a_full_batch_read_during_publication_is_used_after_a_whole_batch() {
    let mut outbox = MockOutbox::new();
    holds_lease(&mut outbox);
    let p = |s: i64| pending(s, s as u128 % 2, 0, None);
    reads_in_order(
        &mut outbox,
        2,
        vec![
            (0, vec![p(1), p(2)]),
            (2, vec![p(3), p(4)]), // full: used by the next round
            (4, vec![p(5)]),       // short (5 may not be alone by now): read again
            (0, vec![p(5)]),
            (5, vec![]),
        ],
    );
    let mut publisher = MockPublisher::new();
    publisher
        .expect_publish()
        .returning(|events| (events.len(), None));
    for t in [2, 4, 5] {
        records(&mut outbox, through(t));
    }
    let relay = relay_in_batches_of(2, outbox, publisher);
    for published in [2, 2, 1] {
        assert_eq!(
            relay.step().await.unwrap(),
            Step::Relayed {
                published,
                refused: None
            }
        );
    }
}

#[tokio::test]
async fn after_a_refusal_the_next_round_reads_again_from_the_watermark() {
    let mut outbox = MockOutbox::new();
    holds_lease(&mut outbox);
    let p = |s: i64| pending(s, s as u128, 0, None);
    reads_in_order(
        &mut outbox,
        2,
        vec![(0, vec![p(1), p(2)]), (2, vec![p(3), p(4)]), (0, vec![])],
    );
    let mut publisher = MockPublisher::new();
    publisher
        .expect_publish()
        .returning(|_| (1, Some(PublishError::Rejected("too big".into()))));
    outbox.expect_record().returning(|_, _, _, _| Ok(true));
    let relay = relay_in_batches_of(2, outbox, publisher);
    assert_eq!(
        relay.step().await.unwrap(),
        Step::Relayed {
            published: 1,
            refused: Some(2)
        }
    );
    assert_eq!(relay.step().await.unwrap(), Step::Idle);
}

#[tokio::test]
async fn a_relay_whose_lease_was_taken_over_stands_by_and_asks_again() {
    let mut outbox = MockOutbox::new();
    outbox
        .expect_acquire_lease()
        .times(2)
        .returning(|_, _, _, _| Ok(true));
    let p = |s: i64| pending(s, 1, 0, None);
    reads_in_order(
        &mut outbox,
        1,
        vec![
            (0, vec![p(1)]),
            (1, vec![p(2)]),
            (0, vec![p(1)]),
            (1, vec![p(2)]),
        ],
    );
    outbox.expect_record().returning(|_, _, _, _| Ok(false));
    let mut publisher = MockPublisher::new();
    publisher
        .expect_publish()
        .withf(|events| sequences(events) == vec![1])
        .times(2)
        .returning(|events| (events.len(), None));
    let relay = relay_in_batches_of(1, outbox, publisher);
    // Nothing recorded: the lease is asked for again, and the batch read meanwhile is dropped.
    assert_eq!(relay.step().await.unwrap(), Step::Standby);
    assert_eq!(relay.step().await.unwrap(), Step::Standby);
}

#[tokio::test]
async fn run_releases_the_lease_on_shutdown() {
    let mut outbox = MockOutbox::new();
    holds_lease(&mut outbox);
    outbox.expect_pending().returning(|_, _, _| Ok(vec![]));
    outbox
        .expect_release_lease()
        .withf(|name, holder| name == RELAY_LEASE && *holder == HOLDER)
        .times(1)
        .returning(|_, _| Ok(()));
    let publisher = MockPublisher::new();
    relay(outbox, publisher)
        .run(tokio::time::sleep(std::time::Duration::from_millis(250)))
        .await;
}
