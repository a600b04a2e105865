//! events.relay (`../shared/benchmarks.md`): the outbox relay publishing to NATS JetStream,
//! next to raw JetStream publishing of the same payloads in the same run.
//!
//! - **Throughput.** 100,000 events (10,000 referrals × 10, ~350-byte JSON payloads) are
//!   inserted into the outbox of a fresh PostgreSQL schema. Ours: `Relay::step` until the
//!   outbox is empty — lease renewal, reading a batch (1,024; the next one read while the acks
//!   come in), encoding and publishing it with its acks in flight, moving the publication
//!   watermark in one statement — to a fresh stream.
//!   Baseline: `send_publish` of the same messages (`yigong_bus::outgoing`: subject, headers
//!   with `Nats-Msg-Id`, protobuf body; built before timing) to a fresh stream, a window of 16,
//!   64 or 256 acks in flight, awaited together; the best window is the baseline.
//! - **Lag.** Writers commit one event per transaction at 1,000/s (4 tasks) while the relay
//!   runs as `yigong serve` runs it; a core NATS subscriber on the stream's subjects timestamps
//!   each arrival. Lag = arrival − the writer's commit returning.
//!
//! NATS is `YIGONG_BENCH_NATS` (default `127.0.0.1:4222`); streams are deleted afterwards.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, context::PublishAckFuture, message::PublishMessage, stream};
use futures_util::StreamExt;
use sea_orm::sqlx::{self, postgres::PgPoolOptions};
use time::OffsetDateTime;
use uuid::Uuid;
use yigong_bus::{JetStream, StreamSettings};
use yigong_domain::event::DomainEvent;
use yigong_domain::ids::{CommunityId, InstitutionId, ReferralId, ResidentId};
use yigong_domain::referral::{Direction, ReferralEvent, Urgency};
use yigong_ports::{NewEvent, StoredEvent, SystemClock, UnitOfWork};
use yigong_service::{Relay, RelaySettings, Step};
use yigong_store::Store;

use crate::report::{Measured, Report};
use crate::store::{Schema, err};

const WINDOWS: [usize; 3] = [16, 64, 256];
const EVENTS_PER_AGGREGATE: usize = 10;

pub(crate) async fn run(args: &[String]) -> Result<(), String> {
    let usage = || "usage: yigong-bench events [--events N] [--seconds N]".to_owned();
    let (mut events, mut seconds) = (100_000usize, 10u64);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match (flag.as_str(), it.next()) {
            ("--events", Some(n)) => events = n.parse().map_err(|_| usage())?,
            ("--seconds", Some(n)) => seconds = n.parse().map_err(|_| usage())?,
            _ => return Err(usage()),
        }
    }
    let url = std::env::var("YIGONG_BENCH_NATS").unwrap_or_else(|_| "127.0.0.1:4222".to_owned());
    let schema = Schema::create().await?;
    let result = run_in(&schema, &url, events.max(EVENTS_PER_AGGREGATE), seconds).await;
    schema.drop().await;
    let path = result?.write().map_err(err)?;
    println!("wrote {}", path.display());
    Ok(())
}

async fn run_in(schema: &Schema, url: &str, n: usize, seconds: u64) -> Result<Report, String> {
    let store = Arc::new(Store::connect(&schema.url).await.map_err(err)?);
    store.migrate().await.map_err(err)?;
    let events = sample(n)?;
    fill(&schema.url, &events).await?;
    let client = async_nats::connect(url)
        .await
        .map_err(|e| format!("NATS at {url} (set YIGONG_BENCH_NATS): {e}"))?;
    let context = jetstream::new(client.clone());
    let mut report = Report::new("events");

    let mut best: Option<Measured> = None;
    for window in WINDOWS {
        let m = raw_publish(&context, &events, window).await?;
        println!("events raw_publish window={window} rate={:.0}ev/s", m.rate);
        if best.is_none_or(|b| m.rate > b.rate) {
            best = Some(m);
        }
    }
    let ours = relay_outbox(&store, url, n).await?;
    let baseline = best.ok_or("no baseline")?;
    report.case("relay_100k", "ev/s", ours, baseline);

    let lag = lag_under_writes(&store, url, &client, Duration::from_secs(seconds)).await?;
    report.case("lag_at_1k_writes_per_s", "ev/s", lag, lag);
    Ok(report)
}

/// `n` realistic events: referral requests of `n / 10` referrals, ten events each.
fn sample(n: usize) -> Result<Vec<NewEvent>, String> {
    let at = OffsetDateTime::now_utc();
    let aggregates = n.div_ceil(EVENTS_PER_AGGREGATE);
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let referral = ReferralId::from_u128((i % aggregates) as u128 + 1);
        out.push(event(referral, at)?);
    }
    Ok(out)
}

fn event(referral: ReferralId, at: OffsetDateTime) -> Result<NewEvent, String> {
    let e = DomainEvent::from(ReferralEvent::ReferralRequested {
        referral,
        patient: ResidentId::from_uuid(Uuid::new_v4()),
        from: InstitutionId::from_u128(10),
        to: InstitutionId::from_u128(1),
        direction: Direction::Upward,
        urgency: Urgency::Routine,
        awaiting_approval: false,
        respond_by: Some(at + time::Duration::hours(24)),
    });
    NewEvent::new(Uuid::new_v4(), Some(CommunityId::from_u128(500)), &e, at).map_err(err)
}

/// Inserts the events unpublished, positioned and numbered per aggregate, 10,000 a statement.
async fn fill(url: &str, events: &[NewEvent]) -> Result<(), String> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .map_err(err)?;
    let mut per_aggregate: HashMap<Uuid, i64> = HashMap::new();
    let mut offset = 0i64;
    for chunk in events.chunks(10_000) {
        let sequences: Vec<i64> = (1..=chunk.len() as i64).map(|s| s + offset).collect();
        offset += chunk.len() as i64;
        let aggregate_sequences: Vec<i64> = chunk
            .iter()
            .map(|e| {
                let n = per_aggregate.entry(e.aggregate_id).or_insert(0);
                *n += 1;
                *n
            })
            .collect();
        sqlx::query(
            "INSERT INTO outbox_event (sequence, event_id, community_id, aggregate_kind, \
             aggregate_id, aggregate_sequence, event_type, schema_version, payload, occurred_at) \
             SELECT * FROM UNNEST($1::int8[], $2::uuid[], $3::uuid[], $4::text[], $5::uuid[], \
             $6::int8[], $7::text[], $8::int4[], $9::jsonb[], $10::timestamptz[])",
        )
        .bind(sequences)
        .bind(chunk.iter().map(|e| e.event_id).collect::<Vec<_>>())
        .bind(
            chunk
                .iter()
                .map(|e| e.community.map(|c| c.as_uuid()))
                .collect::<Vec<_>>(),
        )
        .bind(
            chunk
                .iter()
                .map(|e| e.aggregate_kind.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(chunk.iter().map(|e| e.aggregate_id).collect::<Vec<_>>())
        .bind(aggregate_sequences)
        .bind(
            chunk
                .iter()
                .map(|e| e.event_type.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(chunk.iter().map(|_| 1i32).collect::<Vec<_>>())
        .bind(chunk.iter().map(|e| &e.payload).collect::<Vec<_>>())
        .bind(chunk.iter().map(|e| e.occurred_at).collect::<Vec<_>>())
        .execute(&pool)
        .await
        .map_err(err)?;
    }
    pool.close().await;
    Ok(())
}

fn fresh_stream() -> StreamSettings {
    let tag = Uuid::new_v4().simple().to_string();
    StreamSettings {
        name: format!("YIGONG_BENCH_{tag}"),
        prefix: format!("yigongbench{tag}"),
        ..StreamSettings::default()
    }
}

/// The baseline: the same messages, `window` acks in flight at a time.
async fn raw_publish(
    context: &jetstream::Context,
    events: &[NewEvent],
    window: usize,
) -> Result<Measured, String> {
    let settings = fresh_stream();
    context
        .create_stream(stream::Config {
            name: settings.name.clone(),
            subjects: vec![format!("{}.>", settings.prefix)],
            duplicate_window: settings.duplicate_window,
            storage: stream::StorageType::File,
            ..Default::default()
        })
        .await
        .map_err(err)?;
    // Exactly the messages the relay sends (subject, headers, protobuf body), built before
    // the clock starts: the baseline is the broker's cost for these messages, nothing else.
    let messages: Vec<(String, PublishMessage)> = events
        .iter()
        .zip(1i64..)
        .map(|(event, sequence)| {
            let stored = StoredEvent {
                sequence,
                aggregate_sequence: 1,
                event: event.clone(),
            };
            let out = yigong_bus::outgoing(&stored, &settings.prefix).map_err(err)?;
            Ok::<_, String>((out.subject, out.message))
        })
        .collect::<Result<_, _>>()?;
    let mut windows = Vec::new();
    let started = Instant::now();
    for chunk in messages.chunks(window) {
        let t0 = Instant::now();
        let mut acks: Vec<PublishAckFuture> = Vec::with_capacity(window);
        for (subject, message) in chunk {
            acks.push(
                context
                    .send_publish(subject.clone(), message.clone())
                    .await
                    .map_err(err)?,
            );
        }
        for ack in acks {
            ack.await.map_err(err)?;
        }
        windows.push(t0.elapsed());
    }
    let elapsed = started.elapsed();
    context.delete_stream(&settings.name).await.map_err(err)?;
    Ok(measured(events.len(), elapsed, windows))
}

/// Ours: relay steps until the outbox is empty.
async fn relay_outbox(store: &Arc<Store>, url: &str, n: usize) -> Result<Measured, String> {
    let settings = fresh_stream();
    let publisher = JetStream::connect(url, &settings).await.map_err(err)?;
    let relay = Relay::new(
        store.clone(),
        Arc::new(publisher),
        Arc::new(SystemClock),
        Uuid::new_v4(),
        RelaySettings::default(),
    );
    let mut steps = Vec::new();
    let started = Instant::now();
    let mut published = 0;
    loop {
        let t0 = Instant::now();
        match relay.step().await.map_err(err)? {
            Step::Relayed {
                published: p,
                refused: None,
            } => published += p,
            Step::Idle => break,
            other => return Err(format!("relay step: {other:?}")),
        }
        steps.push(t0.elapsed());
    }
    let elapsed = started.elapsed();
    relay.release().await.map_err(err)?;
    if published != n {
        return Err(format!("relayed {published} of {n} events"));
    }
    let client = async_nats::connect(url).await.map_err(err)?;
    jetstream::new(client)
        .delete_stream(&settings.name)
        .await
        .map_err(err)?;
    Ok(measured(n, elapsed, steps))
}

/// Commit-to-arrival lag while writers commit 1,000 events a second and the relay runs as the
/// service runs it.
async fn lag_under_writes(
    store: &Arc<Store>,
    url: &str,
    client: &async_nats::Client,
    seconds: Duration,
) -> Result<Measured, String> {
    let settings = fresh_stream();
    let publisher = JetStream::connect(url, &settings).await.map_err(err)?;
    let mut subscriber = client
        .subscribe(format!("{}.>", settings.prefix))
        .await
        .map_err(err)?;
    let committed: Arc<Mutex<HashMap<Uuid, Instant>>> = Arc::default();
    let arrived: Arc<Mutex<HashMap<Uuid, Instant>>> = Arc::default();
    let listener = {
        let arrived = arrived.clone();
        tokio::spawn(async move {
            while let Some(message) = subscriber.next().await {
                let id = message
                    .headers
                    .as_ref()
                    .and_then(|h| h.get("Nats-Msg-Id"))
                    .and_then(|v| Uuid::parse_str(v.as_str()).ok());
                if let (Some(id), Ok(mut arrived)) = (id, arrived.lock()) {
                    arrived.entry(id).or_insert_with(Instant::now);
                }
            }
        })
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let relay = Relay::new(
        store.clone(),
        Arc::new(publisher),
        Arc::new(SystemClock),
        Uuid::new_v4(),
        RelaySettings::default(),
    );
    let relay = tokio::spawn(relay.run({
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|s| *s).await;
        }
    }));
    let end = Instant::now() + seconds;
    let mut writers = Vec::new();
    for w in 0..4u128 {
        let (store, committed) = (store.clone(), committed.clone());
        writers.push(tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(4));
            let mut i = 0u128;
            while Instant::now() < end {
                tick.tick().await;
                let referral = ReferralId::from_u128(1_000_000 + w * 1_000_000 + i);
                i += 1;
                let e = event(referral, OffsetDateTime::now_utc())?;
                let id = e.event_id;
                let mut tx = store.begin().await.map_err(err)?;
                tx.append_events(&[e]).await.map_err(err)?;
                tx.commit().await.map_err(err)?;
                committed.lock().map_err(err)?.insert(id, Instant::now());
            }
            Ok::<(), String>(())
        }));
    }
    for w in writers {
        w.await.map_err(err)??;
    }
    // Let the last writes through, then stop.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = stop.send(true);
    relay.await.map_err(err)?;
    listener.abort();
    let committed = committed.lock().map_err(err)?.clone();
    let arrived = arrived.lock().map_err(err)?.clone();
    let lags: Vec<Duration> = committed
        .iter()
        .filter_map(|(id, c)| Some(arrived.get(id)?.saturating_duration_since(*c)))
        .collect();
    if lags.len() != committed.len() {
        return Err(format!(
            "{} of {} events arrived",
            lags.len(),
            committed.len()
        ));
    }
    jetstream::new(client.clone())
        .delete_stream(&settings.name)
        .await
        .map_err(err)?;
    let mut m = measured(lags.len(), seconds, lags);
    m.cpu_per_op = None;
    Ok(m)
}

/// Throughput of `n` operations in `elapsed`, with the latency spread of `samples`.
fn measured(n: usize, elapsed: Duration, mut samples: Vec<Duration>) -> Measured {
    samples.sort_unstable();
    let pick = |per_mille: usize| {
        samples
            .get((samples.len() * per_mille / 1000).min(samples.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Measured {
        rate: n as f64 / elapsed.as_secs_f64(),
        p50: pick(500),
        p99: pick(990),
        cpu_per_op: None,
    }
}
