//! The publishers: in-process delivery in order, and JetStream against the local NATS server
//! (127.0.0.1:4222, or `YIGONG_TEST_NATS`): every event acknowledged, a redelivered batch
//! de-duplicated by event id. With `CI=true` NATS is required; elsewhere its absence skips the
//! JetStream test with the reason printed.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use time::macros::datetime;
use uuid::Uuid;
use yigong_bus::{InProcess, JetStream, StreamSettings};
use yigong_ports::{EventPublisher, NewEvent, StoredEvent, subject};

fn event(sequence: i64) -> StoredEvent {
    StoredEvent {
        sequence,
        aggregate_sequence: sequence,
        published_at: None,
        event: NewEvent {
            event_id: Uuid::new_v4(),
            community: None,
            aggregate_kind: "referral".to_owned(),
            aggregate_id: Uuid::from_u128(7),
            event_type: "referral.referral_requested".to_owned(),
            schema_version: 1,
            payload: serde_json::json!({ "n": sequence }),
            occurred_at: datetime!(2026-11-23 9:00 UTC),
        },
    }
}

#[test]
fn subjects_name_community_aggregate_and_event() {
    assert_eq!(
        subject(&event(1)),
        "yigong.network.referral.referral_requested"
    );
}

#[tokio::test]
async fn in_process_subscribers_get_every_event_in_order() {
    let bus = InProcess::new(16);
    let mut subscriber = bus.subscribe();
    let events: Vec<StoredEvent> = (1..=3).map(event).collect();
    assert_eq!(bus.publish(&events).await, (3, None));
    for expected in &events {
        assert_eq!(&subscriber.recv().await.unwrap(), expected);
    }
}

#[tokio::test]
async fn jetstream_acknowledges_and_drops_redeliveries() {
    let url = std::env::var("YIGONG_TEST_NATS").unwrap_or_else(|_| "127.0.0.1:4222".to_owned());
    let tag = Uuid::new_v4().simple().to_string();
    let settings = StreamSettings {
        name: format!("YIGONG_TEST_{tag}"),
        prefix: format!("yigongtest{tag}"),
        ..StreamSettings::default()
    };
    let publisher = match JetStream::connect(&url, &settings).await {
        Ok(p) => p,
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") => {
            panic!("NATS JetStream is required with CI=true but is unavailable: {e}")
        }
        Err(e) => {
            eprintln!("skipping the JetStream test: {e}");
            return;
        }
    };
    let events: Vec<StoredEvent> = (1..=5).map(event).collect();
    assert_eq!(publisher.publish(&events).await, (5, None));
    // The relay died between publish and mark: the same events again are acknowledged and
    // dropped by the server (same Nats-Msg-Id), not stored twice.
    assert_eq!(publisher.publish(&events[..3]).await, (3, None));

    let client = async_nats::connect(&url).await.unwrap();
    let context = async_nats::jetstream::new(client);
    let mut stream = context.get_stream(&settings.name).await.unwrap();
    assert_eq!(stream.info().await.unwrap().state.messages, 5);
    context.delete_stream(&settings.name).await.unwrap();
}
