//! Fault tests of event delivery: the real store (PostgreSQL, mandatory with `CI=true`), the real
//! relay and real NATS JetStream (127.0.0.1:4222 or `YIGONG_TEST_NATS`, mandatory with
//! `CI=true`; a test that stops the broker starts its own `nats-server` on a free port and only
//! ever stops that one). A durable pull consumer, as a hospital system would run, checks what
//! arrived: every event exactly once, each aggregate's events in order.
#![allow(
    missing_docs,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used
)]

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, consumer};
use async_trait::async_trait;
use futures_util::StreamExt;
use time::OffsetDateTime;
use tokio::sync::watch;
use uuid::Uuid;
use yigong_bus::{JetStream, StreamSettings};
use yigong_domain::event::DomainEvent;
use yigong_domain::ids::{CommunityId, ReferralId};
use yigong_domain::network::Network;
use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::ReferralEvent;
use yigong_ports::{ChangeFeed, Clock, RandomIds, ReferralQueries};
use yigong_ports::{
    EventPublisher, NewEvent, PublishError, RelayOutbox, StoredEvent, SystemClock, UnitOfWork,
};
use yigong_proto::v1;
use yigong_service::{DeadlineJobs, Deps, RELAY_LEASE, Relay, RelaySettings};
use yigong_store::Store;
use yigong_test_support::{backends, fixtures};

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Fast pacing so a test sees retries and take-overs in a second or two.
fn quick() -> RelaySettings {
    RelaySettings {
        batch: 64,
        idle: Duration::from_millis(20),
        lease_ttl: Duration::from_secs(1),
        max_attempts: 3,
        retry_base: Duration::from_millis(50),
        retry_max: Duration::from_millis(400),
    }
}

/// A fresh PostgreSQL schema, or `None` (printed) when PostgreSQL is absent outside CI.
async fn store() -> Option<(backends::Backend, Arc<Store>)> {
    match backends::postgres().await {
        Ok(backend) => {
            let store = Arc::new(Store::connect(&backend.url).await.unwrap());
            Some((backend, store))
        }
        Err(reason) if ci() => panic!("PostgreSQL is required with CI=true: {reason}"),
        Err(reason) => {
            eprintln!("skipping: PostgreSQL unavailable: {reason}");
            None
        }
    }
}

fn shared_nats() -> String {
    std::env::var("YIGONG_TEST_NATS").unwrap_or_else(|_| "127.0.0.1:4222".to_owned())
}

/// A stream of this test's own (two streams may not share subjects).
fn stream_settings() -> StreamSettings {
    let tag = Uuid::new_v4().simple().to_string();
    StreamSettings {
        name: format!("YIGONG_FAULT_{tag}"),
        prefix: format!("yigongfault{tag}"),
        ..StreamSettings::default()
    }
}

async fn jetstream(url: &str, settings: &StreamSettings) -> Option<JetStream> {
    match JetStream::connect(url, settings).await {
        Ok(p) => Some(p),
        Err(e) if ci() => panic!("NATS JetStream is required with CI=true: {e}"),
        Err(e) => {
            eprintln!("skipping: NATS JetStream unavailable: {e}");
            None
        }
    }
}

/// Commits one event for each aggregate, each in its own transaction (as commands do).
async fn write(store: &Store, aggregates: &[Uuid], round: usize) {
    for aggregate in aggregates {
        write_event(store, *aggregate, format!("round {round}")).await;
    }
}

async fn write_event(store: &Store, aggregate: Uuid, reason: String) {
    let event = DomainEvent::from(ReferralEvent::ReferralCancelled {
        referral: ReferralId::from_uuid(aggregate),
        reason,
    });
    let new = NewEvent::new(
        Uuid::new_v4(),
        Some(CommunityId::from_u128(500)),
        &event,
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    let mut tx = store.begin().await.unwrap();
    tx.append_events(&[new]).await.unwrap();
    tx.commit().await.unwrap();
}

/// A relay task and its stop switch.
struct Running {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

fn start_relay(store: &Arc<Store>, publisher: Arc<dyn EventPublisher>) -> Running {
    let (stop, mut stopped) = watch::channel(false);
    let relay = Relay::new(
        store.clone(),
        publisher,
        Arc::new(SystemClock),
        Uuid::new_v4(),
        quick(),
    );
    let task = tokio::spawn(relay.run(async move {
        let _ = stopped.wait_for(|s| *s).await;
    }));
    Running { stop, task }
}

impl Running {
    async fn stop(self) {
        let _ = self.stop.send(true);
        self.task.await.unwrap();
    }
}

/// Waits until the outbox holds nothing live to publish.
async fn drained(store: &Store, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if store.pending(RELAY_LEASE, 0, 1).await.unwrap().is_empty() {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the outbox did not drain within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// What a hospital's durable consumer received: (event id, aggregate id, aggregate sequence).
async fn consume(url: &str, stream: &str, expected: usize) -> Vec<(String, String, i64)> {
    let client = async_nats::connect(url).await.unwrap();
    let context = jetstream::new(client);
    let stream = context.get_stream(stream).await.unwrap();
    let consumer: consumer::PullConsumer = stream
        .get_or_create_consumer(
            "hospital",
            consumer::pull::Config {
                durable_name: Some("hospital".to_owned()),
                ack_policy: consumer::AckPolicy::Explicit,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut got = Vec::new();
    // Until the expected count, then one more wait to catch anything extra (a duplicate).
    loop {
        let mut batch = consumer
            .batch()
            .max_messages(500)
            .expires(Duration::from_millis(if got.len() >= expected {
                700
            } else {
                2000
            }))
            .messages()
            .await
            .unwrap();
        let before = got.len();
        while let Some(message) = batch.next().await {
            let message = message.unwrap();
            // The body is a `yigong.v1.Event`; the headers say how to decode it, the subject
            // where it belongs.
            let event: v1::Event = prost::Message::decode(message.payload.as_ref()).unwrap();
            let headers = message.headers.clone().unwrap();
            let header = |name: &str| headers.get(name).unwrap().as_str().to_owned();
            assert_eq!(header("Nats-Msg-Id"), event.event_id);
            assert_eq!(header("Content-Type"), yigong_bus::CONTENT_TYPE);
            assert_eq!(
                header("Yigong-Schema-Version"),
                event.schema_version.to_string()
            );
            let name = event.event_type.rsplit('.').next().unwrap_or_default();
            let route = format!(".{}.{name}", event.aggregate_kind);
            assert!(
                message.subject.ends_with(&route),
                "{} routes {route}",
                message.subject
            );
            assert!(event.payload.is_some(), "a payload of a known kind");
            got.push((event.event_id, event.aggregate_id, event.aggregate_sequence));
            message.ack().await.unwrap();
        }
        if got.len() == before {
            break;
        }
    }
    got
}

/// Every event exactly once, each aggregate's in order from 1 without gaps.
fn assert_exactly_once_in_order(got: &[(String, String, i64)], expected: usize) {
    let ids: HashSet<&String> = got.iter().map(|(id, _, _)| id).collect();
    assert_eq!(ids.len(), got.len(), "a duplicate was delivered");
    assert_eq!(got.len(), expected, "events missing or extra");
    let mut last: HashMap<&String, i64> = HashMap::new();
    for (_, aggregate, sequence) in got {
        let previous = last.insert(aggregate, *sequence).unwrap_or(0);
        assert_eq!(
            *sequence,
            previous + 1,
            "aggregate {aggregate} out of order"
        );
    }
}

async fn delete_stream(url: &str, name: &str) {
    let client = async_nats::connect(url).await.unwrap();
    jetstream::new(client).delete_stream(name).await.unwrap();
}

fn aggregates(n: u128) -> Vec<Uuid> {
    (0..n).map(|_| Uuid::new_v4()).collect()
}

/// A `nats-server` of this test's own, on a free port with its own storage directory.
struct OwnNats {
    port: u16,
    dir: PathBuf,
    child: Option<tokio::process::Child>,
}

impl OwnNats {
    fn binary() -> Option<PathBuf> {
        let candidates = std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .unwrap_or_default()
            .into_iter()
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/bin")]);
        candidates
            .map(|d| d.join("nats-server"))
            .find(|p| p.is_file())
    }

    async fn start() -> Option<OwnNats> {
        if Self::binary().is_none() {
            assert!(
                !ci(),
                "nats-server is required with CI=true (Debian package nats-server)"
            );
            eprintln!("skipping: no nats-server binary to start and stop");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!("yigong-nats-{}", Uuid::new_v4().simple()));
        let mut nats = OwnNats {
            port,
            dir,
            child: None,
        };
        nats.resume().await;
        Some(nats)
    }

    fn url(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    async fn resume(&mut self) {
        let child = tokio::process::Command::new(Self::binary().unwrap())
            .args([
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-sd",
            ])
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        self.child = Some(child);
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(self.url()).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("our nats-server did not start on {}", self.url());
    }

    async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().await.unwrap();
        }
    }
}

impl Drop for OwnNats {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.start_kill();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_broker_stopped_while_writes_continue_loses_nothing() {
    let Some((_backend, store)) = store().await else {
        return;
    };
    let Some(mut nats) = OwnNats::start().await else {
        return;
    };
    let settings = stream_settings();
    let publisher = jetstream(&nats.url(), &settings).await.unwrap();
    let relay = start_relay(&store, Arc::new(publisher));
    let referrals = aggregates(20);

    write(&store, &referrals, 1).await;
    drained(&store, Duration::from_secs(10)).await;

    nats.stop().await;
    for round in 2..=4 {
        write(&store, &referrals, round).await; // writes succeed without the broker
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        store.pending(RELAY_LEASE, 0, 1000).await.unwrap().len(),
        60,
        "the outbox holds what the broker could not take"
    );

    nats.resume().await;
    write(&store, &referrals, 5).await;
    drained(&store, Duration::from_secs(30)).await;
    relay.stop().await;

    let got = consume(&nats.url(), &settings.name, 100).await;
    assert_exactly_once_in_order(&got, 100);
}

/// Publishes for real, then never returns: the process "dies" between publish and mark.
struct DiesAfterPublishing(JetStream);

#[async_trait]
impl EventPublisher for DiesAfterPublishing {
    async fn publish(&self, events: &[StoredEvent]) -> (usize, Option<PublishError>) {
        let acked = self.0.publish(events).await;
        assert_eq!(acked.0, events.len());
        std::future::pending().await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_killed_between_publish_and_mark_causes_no_duplicate() {
    let Some((_backend, store)) = store().await else {
        return;
    };
    let url = shared_nats();
    let settings = stream_settings();
    let Some(publisher) = jetstream(&url, &settings).await else {
        return;
    };
    let referrals = aggregates(10);
    write(&store, &referrals, 1).await;
    write(&store, &referrals, 2).await;

    let doomed = start_relay(&store, Arc::new(DiesAfterPublishing(publisher.clone())));
    // Let it publish, then kill it before it marks anything.
    tokio::time::sleep(Duration::from_millis(500)).await;
    doomed.task.abort();
    assert_eq!(
        store.pending(RELAY_LEASE, 0, 1000).await.unwrap().len(),
        20,
        "nothing was marked"
    );

    // Its lease lapses; the next relay publishes the same events again, and more.
    write(&store, &referrals, 3).await;
    let next = start_relay(&store, Arc::new(publisher));
    drained(&store, Duration::from_secs(15)).await;
    next.stop().await;

    let got = consume(&url, &settings.name, 30).await;
    assert_exactly_once_in_order(&got, 30);
    delete_stream(&url, &settings.name).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_relays_at_once_deliver_without_duplicates_or_gaps() {
    let Some((_backend, store)) = store().await else {
        return;
    };
    let url = shared_nats();
    let settings = stream_settings();
    let Some(first) = jetstream(&url, &settings).await else {
        return;
    };
    let second = jetstream(&url, &settings).await.unwrap();
    let a = start_relay(&store, Arc::new(first));
    let b = start_relay(&store, Arc::new(second));
    let referrals = aggregates(25);
    for round in 1..=4 {
        write(&store, &referrals, round).await;
    }
    // One relay stops half-way (a rolling restart): the other takes over.
    a.stop().await;
    for round in 5..=6 {
        write(&store, &referrals, round).await;
    }
    drained(&store, Duration::from_secs(15)).await;
    b.stop().await;

    let got = consume(&url, &settings.name, 150).await;
    assert_exactly_once_in_order(&got, 150);
    delete_stream(&url, &settings.name).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poison_event_is_dead_lettered_the_rest_flows_and_replay_delivers_it() {
    let Some((_backend, store)) = store().await else {
        return;
    };
    let url = shared_nats();
    let mut settings = stream_settings();
    settings.max_message_size = Some(4096);
    let Some(publisher) = jetstream(&url, &settings).await else {
        return;
    };
    let referrals = aggregates(10);
    write(&store, &referrals, 1).await;
    // An event too large for the stream: the broker refuses it every time.
    let poisoned = referrals[3];
    write_event(&store, poisoned, "x".repeat(10_000)).await;
    write(&store, &referrals, 2).await;

    let relay = start_relay(&store, Arc::new(publisher));
    drained(&store, Duration::from_secs(15)).await;
    relay.stop().await;
    let dead = store.dead_letters(0, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].stored.event.aggregate_id, poisoned);
    assert_eq!(dead[0].attempts, quick().max_attempts);
    // Refused before sending (the stream's size limit is checked by the publisher), so the
    // aggregate's later event waited behind it instead of overtaking it in the stream.
    assert!(
        dead[0].last_error.contains("exceeds the stream's maximum"),
        "{}",
        dead[0].last_error
    );
    // Everything else arrived, the poisoned aggregate's later event included.
    let got = consume(&url, &settings.name, 20).await;
    assert_eq!(got.len(), 20);
    assert!(
        got.iter()
            .all(|(id, _, _)| *id != dead[0].stored.event.event_id.to_string())
    );

    // The operator raises the limit and replays: the event is delivered.
    settings.max_message_size = Some(1 << 20);
    let publisher = jetstream(&url, &settings).await.unwrap();
    assert_eq!(
        store
            .replay(&[dead[0].stored.sequence], OffsetDateTime::now_utc())
            .await
            .unwrap(),
        1
    );
    let relay = start_relay(&store, Arc::new(publisher));
    drained(&store, Duration::from_secs(15)).await;
    relay.stop().await;
    assert!(store.dead_letters(0, 10).await.unwrap().is_empty());
    let got = consume(&url, &settings.name, 1).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, dead[0].stored.event.event_id.to_string());
    delete_stream(&url, &settings.name).await;
}

struct FixedClock(OffsetDateTime);

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        self.0
    }
}

/// One instance's deadline jobs, its clock at `now`.
fn deadline_jobs(store: &Arc<Store>, now: OffsetDateTime) -> DeadlineJobs {
    let deps = Deps::on_store(
        store.clone(),
        Network::new(),
        Arc::new(FixedClock(now)),
        Arc::new(RandomIds),
        Arc::new(RuleProfile::bphs3()),
    );
    DeadlineJobs::new(deps, store.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadline_jobs_on_two_instances_escalate_each_referral_once_and_catch_up() {
    let Some((_backend, store)) = store().await else {
        return;
    };
    // 40 routine requests, sent a minute apart; each must be answered within 24 hours.
    let referrals: Vec<_> = (0..40i64)
        .map(|i| fixtures::upward(1000 + i as u128, 5000 + i as u128, i))
        .collect();
    for r in &referrals {
        let mut tx = store.begin().await.unwrap();
        tx.insert_referral(r).await.unwrap();
        tx.commit().await.unwrap();
    }
    let deadline = referrals[0].respond_by().unwrap();

    // Before the first deadline nothing fires.
    let early = deadline_jobs(&store, deadline - time::Duration::minutes(1));
    assert_eq!(early.run_once().await.unwrap().escalated, 0);

    // The jobs were down for two days; two instances come back at once and race.
    let later = deadline + time::Duration::days(2);
    let (a, b) = (deadline_jobs(&store, later), deadline_jobs(&store, later));
    let (fa, fb) = tokio::join!(a.run_once(), b.run_once());
    let (fa, fb) = (fa.unwrap(), fb.unwrap());
    assert_eq!(
        fa.escalated + fb.escalated,
        40,
        "every missed deadline fired: {fa:?} {fb:?}"
    );
    // Passes after that find nothing left.
    let (fa, fb) = tokio::join!(a.run_once(), b.run_once());
    assert_eq!(fa.unwrap().escalated + fb.unwrap().escalated, 0);

    let events = store.changes_since(0, 10_000).await.unwrap();
    let mut escalations: HashMap<Uuid, usize> = HashMap::new();
    for e in events
        .iter()
        .filter(|e| e.event.event_type == "referral.referral_escalated")
    {
        *escalations.entry(e.event.aggregate_id).or_default() += 1;
    }
    assert_eq!(escalations.len(), 40);
    assert!(
        escalations.values().all(|n| *n == 1),
        "an escalation fired twice"
    );
    for r in &referrals {
        let stored = store.get_referral(r.id()).await.unwrap().unwrap();
        assert!(stored.value.escalated());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emergency_left_without_a_referral_escalates_once_across_instances() {
    use yigong_domain::ids::{AdviceId, ResidentId, VisitId};
    use yigong_domain::referral::{AdviceSource, NewAdvice, ReasonCode, ReferralAdvice, Urgency};
    use yigong_ports::AdviceQueries;
    let Some((_backend, store)) = store().await else {
        return;
    };
    // 30 emergency advice a minute apart, and one routine that never escalates.
    let profile = RuleProfile::bphs3();
    let given: Vec<_> = (0..31i64)
        .map(|i| {
            let (advice, _) = ReferralAdvice::advise(
                NewAdvice {
                    id: AdviceId::from_u128(3000 + i as u128),
                    patient: ResidentId::from_u128(7000 + i as u128),
                    community: Some(CommunityId::from_u128(500)),
                    institution: fixtures::TOWNSHIP,
                    team: None,
                    urgency: if i == 30 {
                        Urgency::Routine
                    } else {
                        Urgency::Emergency
                    },
                    reason: ReasonCode::DangerSign,
                    source: AdviceSource::Visit(VisitId::from_u128(3000 + i as u128)),
                    at: fixtures::NOW + time::Duration::minutes(i),
                },
                &profile,
            );
            advice
        })
        .collect();
    let mut tx = store.begin().await.unwrap();
    for a in &given {
        tx.insert_advice(a).await.unwrap();
    }
    tx.commit().await.unwrap();
    let deadline = given[0].escalate_at().unwrap();

    let early = deadline_jobs(&store, deadline - time::Duration::seconds(1));
    assert_eq!(early.run_once().await.unwrap().unreferred_emergencies, 0);
    let later = deadline + time::Duration::hours(3);
    let (a, b) = (deadline_jobs(&store, later), deadline_jobs(&store, later));
    let (fa, fb) = tokio::join!(a.run_once(), b.run_once());
    let (fa, fb) = (fa.unwrap(), fb.unwrap());
    assert_eq!(
        fa.unreferred_emergencies + fb.unreferred_emergencies,
        30,
        "{fa:?} {fb:?}"
    );
    let (fa, fb) = tokio::join!(a.run_once(), b.run_once());
    assert_eq!(
        fa.unwrap().unreferred_emergencies + fb.unwrap().unreferred_emergencies,
        0
    );
    let events = store.changes_since(0, 10_000).await.unwrap();
    let mut escalations: HashMap<Uuid, usize> = HashMap::new();
    for e in events
        .iter()
        .filter(|e| e.event.event_type == "advice.advice_escalated")
    {
        *escalations.entry(e.event.aggregate_id).or_default() += 1;
    }
    assert_eq!(escalations.len(), 30);
    assert!(
        escalations.values().all(|n| *n == 1),
        "an escalation fired twice"
    );
    for a in &given {
        let stored = store.get_advice(a.id()).await.unwrap().unwrap();
        assert_eq!(stored.value.escalated(), a.urgency() == Urgency::Emergency);
        assert!(stored.value.is_open());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_arrival_is_told_to_the_desk_once_across_instances() {
    let Some((_backend, store)) = store().await else {
        return;
    };
    // 12 accepted referrals, appointments a minute apart from a day after acceptance; one
    // patient arrives on time.
    let profile = RuleProfile::bphs3();
    let accepted_at = fixtures::NOW;
    let referrals: Vec<_> = (0..12i64)
        .map(|i| {
            let r = fixtures::upward(2000 + i as u128, 6000 + i as u128, 0);
            let appointment = yigong_domain::referral::Appointment {
                at: accepted_at + time::Duration::days(1) + time::Duration::minutes(i),
                slot: yigong_domain::referral::SlotKind::General,
            };
            let (r, _) = r
                .accept(
                    appointment,
                    fixtures::receiving(),
                    None,
                    accepted_at,
                    &profile,
                )
                .unwrap();
            if i == 0 {
                r.arrive(appointment.at).unwrap().0
            } else {
                r
            }
        })
        .collect();
    for r in &referrals {
        let mut tx = store.begin().await.unwrap();
        tx.insert_referral(r).await.unwrap();
        tx.commit().await.unwrap();
    }
    let deadline = referrals[11].arrive_by().unwrap();
    let early = deadline_jobs(
        &store,
        referrals[1].arrive_by().unwrap() - time::Duration::minutes(1),
    );
    assert_eq!(early.run_once().await.unwrap().missed_arrivals, 0);
    let (a, b) = (
        deadline_jobs(&store, deadline),
        deadline_jobs(&store, deadline),
    );
    let (fa, fb) = tokio::join!(a.run_once(), b.run_once());
    let (fa, fb) = (fa.unwrap(), fb.unwrap());
    assert_eq!(fa.missed_arrivals + fb.missed_arrivals, 11, "{fa:?} {fb:?}");
    let again = a.run_once().await.unwrap();
    assert_eq!(again.missed_arrivals, 0);

    let events = store.changes_since(0, 10_000).await.unwrap();
    let mut told: HashMap<Uuid, usize> = HashMap::new();
    for e in events
        .iter()
        .filter(|e| e.event.event_type == "referral.arrival_missed")
    {
        *told.entry(e.event.aggregate_id).or_default() += 1;
    }
    assert_eq!(told.len(), 11);
    assert!(
        told.values().all(|n| *n == 1),
        "a missed arrival told twice"
    );
    assert!(!told.contains_key(&referrals[0].id().as_uuid()));
    for r in &referrals[1..] {
        let stored = store.get_referral(r.id()).await.unwrap().unwrap();
        assert!(stored.value.arrival_missed());
    }
}
