//! The publishers: in-process delivery in order, and JetStream against the local NATS server
//! (127.0.0.1:4222, or `YIGONG_TEST_NATS`): every event acknowledged, a redelivered batch
//! de-duplicated by event id. With `CI=true` NATS is required; elsewhere its absence skips the
//! JetStream test with the reason printed.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use time::macros::datetime;
use uuid::Uuid;
use yigong_bus::{InProcess, JetStream, StreamSettings, event_message};
use yigong_domain::event::DomainEvent;
use yigong_domain::ids::{InstitutionId, ReferralId, ResidentId};
use yigong_domain::referral::{Direction, ReferralEvent, Urgency};
use yigong_ports::{EventPublisher, NewEvent, StoredEvent, subject};
use yigong_proto::v1;

fn event(sequence: i64) -> StoredEvent {
    let domain = DomainEvent::from(ReferralEvent::ReferralRequested {
        referral: ReferralId::from_u128(7),
        patient: ResidentId::from_u128(42),
        from: InstitutionId::from_u128(10),
        to: InstitutionId::from_u128(1),
        direction: Direction::Upward,
        urgency: Urgency::Routine,
        awaiting_approval: false,
        respond_by: Some(datetime!(2026-11-24 9:00 UTC)),
    });
    StoredEvent {
        sequence,
        aggregate_sequence: sequence,
        event: NewEvent::new(
            Uuid::new_v4(),
            None,
            &domain,
            datetime!(2026-11-23 9:00 UTC),
        )
        .unwrap(),
    }
}

#[test]
fn an_event_encodes_as_its_protobuf_message_and_decodes_back() {
    let stored = event(3);
    let bytes = prost::Message::encode_to_vec(&event_message(&stored).unwrap());
    let decoded: v1::Event = prost::Message::decode(bytes.as_slice()).unwrap();
    assert_eq!(decoded.event_id, stored.event.event_id.to_string());
    assert_eq!(decoded.schema_version, 1);
    assert_eq!(decoded.event_type, "referral.referral_requested");
    assert_eq!(decoded.community, "");
    assert_eq!(decoded.aggregate_kind, "referral");
    assert_eq!(
        decoded.aggregate_id,
        ReferralId::from_u128(7).as_uuid().to_string()
    );
    assert_eq!((decoded.aggregate_sequence, decoded.sequence), (3, 3));
    assert_eq!(
        decoded.occurred_at.unwrap().seconds,
        datetime!(2026-11-23 9:00 UTC).unix_timestamp()
    );
    let Some(v1::event::Payload::ReferralRequested(r)) = decoded.payload else {
        panic!("wrong payload: {:?}", decoded.payload);
    };
    assert_eq!(r.patient, ResidentId::from_u128(42).as_uuid().to_string());
    assert_eq!(r.from, InstitutionId::from_u128(10).as_uuid().to_string());
    assert_eq!(
        (r.direction.as_str(), r.urgency.as_str()),
        ("upward", "routine")
    );
    assert!(!r.awaiting_approval);
    assert_eq!(
        r.respond_by.unwrap().seconds,
        datetime!(2026-11-24 9:00 UTC).unix_timestamp()
    );
}

#[test]
fn a_payload_this_version_does_not_know_is_refused_with_its_id() {
    let mut stored = event(1);
    stored.event.payload =
        serde_json::json!({ "aggregate": "referral", "event": { "type": "teleported" } });
    let err = event_message(&stored).unwrap_err();
    assert_eq!(err.event_id, stored.event.event_id);
    assert!(err.to_string().contains("teleported"), "{err}");
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

/// A JetStream publisher on a fresh stream (`max_message_size` as given), or `None` when NATS
/// is missing outside CI.
async fn fresh_stream(
    max_message_size: Option<i32>,
) -> Option<(String, StreamSettings, JetStream)> {
    let url = std::env::var("YIGONG_TEST_NATS").unwrap_or_else(|_| "127.0.0.1:4222".to_owned());
    let tag = Uuid::new_v4().simple().to_string();
    let settings = StreamSettings {
        name: format!("YIGONG_TEST_{tag}"),
        prefix: format!("yigongtest{tag}"),
        max_message_size,
        ..StreamSettings::default()
    };
    match JetStream::connect(&url, &settings).await {
        Ok(p) => Some((url, settings, p)),
        Err(e) if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") => {
            panic!("NATS JetStream is required with CI=true but is unavailable: {e}")
        }
        Err(e) => {
            eprintln!("skipping the JetStream test: {e}");
            None
        }
    }
}

#[tokio::test]
async fn a_message_over_the_streams_limit_is_refused_before_sending_and_the_batch_stops_there() {
    // The largest of the three events below (a community adds to the body).
    let mut stored = event(1);
    stored.event.community = Some(yigong_domain::ids::CommunityId::from_u128(5));
    let size = yigong_bus::outgoing(&stored, "yigong").unwrap().size;
    let limit = i32::try_from(size).unwrap();

    // The size counted here is the server's: a stream limited to it stores the message ...
    let Some((url, at_limit, publisher)) = fresh_stream(Some(limit)).await else {
        return;
    };
    assert_eq!(publisher.publish(&[stored.clone()]).await, (1, None));
    // ... and the server itself refuses it one byte below.
    let client = async_nats::connect(&url).await.unwrap();
    let context = async_nats::jetstream::new(client);
    let below = fresh_stream(Some(limit - 1)).await.unwrap();
    let out = yigong_bus::outgoing(&stored, &below.1.prefix).unwrap();
    let by_server = context.send_publish(out.subject, out.message).await;
    let refused_by_server = match by_server {
        Ok(ack) => ack.await.is_err(),
        Err(_) => true,
    };
    assert!(
        refused_by_server,
        "the server stores {size} bytes above a {} limit",
        limit - 1
    );

    // The publisher refuses it without sending, after the earlier events' acks, and sends
    // nothing after it (a later event of its aggregate must not overtake it).
    let (acked, error) = below.2.publish(&[event(1), stored.clone(), event(2)]).await;
    assert_eq!(acked, 1);
    let Some(yigong_ports::PublishError::Rejected(reason)) = error else {
        panic!("a refusal, not {error:?}");
    };
    assert!(reason.contains("exceeds the stream's maximum"), "{reason}");
    let mut stream = context.get_stream(&below.1.name).await.unwrap();
    assert_eq!(stream.info().await.unwrap().state.messages, 1);
    for name in [&at_limit.name, &below.1.name] {
        context.delete_stream(name).await.unwrap();
    }
}
