//! The relay against mocked ports: the lease gates everything, only acknowledged events are
//! marked, outages count against no event, refusals are retried then dead-lettered, and an
//! event waiting out a refusal holds back its own aggregate only.

use std::sync::Arc;

use async_trait::async_trait;
use mockall::{Sequence, mock, predicate::eq};
use time::OffsetDateTime;
use uuid::Uuid;
use yigong_ports::{
    Clock, DeadLetter, EventPublisher, NewEvent, PendingEvent, PublishError, RelayOutbox,
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
        async fn pending(&self, limit: u32) -> Result<Vec<PendingEvent>, StoreError>;
        async fn mark_published(&self, sequences: &[i64], at: OffsetDateTime) -> Result<(), StoreError>;
        async fn record_failure(&self, sequence: i64, error: &str, retry_at: OffsetDateTime, dead_at: Option<OffsetDateTime>) -> Result<(), StoreError>;
        async fn dead_letters(&self, after: i64, limit: u32) -> Result<Vec<DeadLetter>, StoreError>;
        async fn replay(&self, sequences: &[i64]) -> Result<u64, StoreError>;
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
            published_at: None,
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
    Relay::new(
        Arc::new(outbox),
        Arc::new(publisher),
        Arc::new(FixedClock),
        HOLDER,
        RelaySettings {
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
async fn only_the_acknowledged_prefix_is_marked_and_an_outage_counts_against_no_event() {
    let mut outbox = MockOutbox::new();
    holds_lease(&mut outbox);
    outbox.expect_pending().with(eq(256)).returning(|_| {
        Ok(vec![
            pending(1, 1, 0, None),
            pending(2, 2, 0, None),
            pending(3, 1, 0, None),
        ])
    });
    let mut publisher = MockPublisher::new();
    publisher
        .expect_publish()
        .withf(|events| sequences(events) == vec![1, 2, 3])
        .returning(|_| (2, Some(PublishError::Unavailable("no responders".into()))));
    outbox
        .expect_mark_published()
        .withf(|seqs, _| seqs == [1, 2])
        .times(1)
        .returning(|_, _| Ok(()));
    outbox.expect_record_failure().never();
    assert_eq!(
        relay(outbox, publisher).step().await.unwrap(),
        Step::Unavailable {
            published: 2,
            reason: "no responders".into()
        }
    );
}

#[tokio::test]
async fn nothing_acknowledged_marks_nothing() {
    let mut outbox = MockOutbox::new();
    holds_lease(&mut outbox);
    outbox
        .expect_pending()
        .returning(|_| Ok(vec![pending(1, 1, 0, None)]));
    let mut publisher = MockPublisher::new();
    publisher
        .expect_publish()
        .returning(|_| (0, Some(PublishError::Unavailable("timed out".into()))));
    outbox.expect_mark_published().never();
    let step = relay(outbox, publisher).step().await.unwrap();
    assert!(matches!(step, Step::Unavailable { published: 0, .. }));
}

#[tokio::test]
async fn a_refusal_is_counted_and_retried_later_and_the_last_allowed_one_dead_letters() {
    for (attempts_before, dead) in [(0, false), (1, false), (2, true)] {
        let mut outbox = MockOutbox::new();
        holds_lease(&mut outbox);
        outbox.expect_pending().returning(move |_| {
            Ok(vec![
                pending(1, 1, 0, None),
                pending(2, 2, attempts_before, None),
            ])
        });
        let mut publisher = MockPublisher::new();
        publisher.expect_publish().returning(|_| {
            (
                1,
                Some(PublishError::Rejected(
                    "maximum message size exceeded".into(),
                )),
            )
        });
        let mut order = Sequence::new();
        outbox
            .expect_mark_published()
            .withf(|seqs, _| seqs == [1])
            .times(1)
            .in_sequence(&mut order)
            .returning(|_, _| Ok(()));
        let now = FixedClock.now();
        outbox
            .expect_record_failure()
            .withf(move |seq, error, retry_at, dead_at| {
                *seq == 2
                    && error == "maximum message size exceeded"
                    && *retry_at > now
                    && *dead_at == dead.then_some(now)
            })
            .times(1)
            .in_sequence(&mut order)
            .returning(|_, _, _, _| Ok(()));
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
    outbox.expect_pending().returning(|_| {
        Ok(vec![
            pending(1, 1, 1, Some(30)), // aggregate 1 waits 30 s
            pending(2, 2, 0, None),
            pending(3, 1, 0, None),     // behind it: must wait too
            pending(4, 3, 2, Some(-1)), // its wait is over: retried
        ])
    });
    let mut publisher = MockPublisher::new();
    publisher
        .expect_publish()
        .withf(|events| sequences(events) == vec![2, 4])
        .returning(|events| (events.len(), None));
    outbox
        .expect_mark_published()
        .withf(|seqs, _| seqs == [2, 4])
        .times(1)
        .returning(|_, _| Ok(()));
    assert_eq!(
        relay(outbox, publisher).step().await.unwrap(),
        Step::Relayed {
            published: 2,
            refused: None
        }
    );
}

#[tokio::test]
async fn all_held_back_is_idle() {
    let mut outbox = MockOutbox::new();
    holds_lease(&mut outbox);
    outbox
        .expect_pending()
        .returning(|_| Ok(vec![pending(1, 1, 1, Some(30)), pending(2, 1, 0, None)]));
    let mut publisher = MockPublisher::new();
    publisher.expect_publish().never();
    assert_eq!(relay(outbox, publisher).step().await.unwrap(), Step::Idle);
}

#[tokio::test]
async fn run_releases_the_lease_on_shutdown() {
    let mut outbox = MockOutbox::new();
    holds_lease(&mut outbox);
    outbox.expect_pending().returning(|_| Ok(vec![]));
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
