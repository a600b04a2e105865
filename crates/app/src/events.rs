//! Domain events leaving the service (the deadline jobs run beside them, see
//! `yigong_service::DeadlineJobs`): the outbox relay, to NATS JetStream when a URL is
//! configured and to the in-process bus otherwise, and the operator's dead-letter commands.
//!
//! The API never waits for the broker. With JetStream configured the relay connects in the
//! background (retrying with backoff while the broker is unreachable) and the stream is created
//! or updated on connect; until then events wait in the outbox, which is the point of having
//! one.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use uuid::Uuid;
use yigong_bus::{InProcess, JetStream, StreamSettings};
use yigong_ports::{DeadLetter, EventPublisher, RelayOutbox, SystemClock};
use yigong_service::{Relay, RelaySettings};
use yigong_store::Store;

/// Where events go, how the relay paces itself, how often deadlines are checked.
#[derive(Debug, Clone)]
pub struct EventsConfig {
    /// `nats://host:4222`: relay to JetStream; `None`: the in-process bus.
    pub nats_url: Option<String>,
    /// The JetStream stream.
    pub stream: StreamSettings,
    /// Batch size, retries, dead-lettering.
    pub relay: RelaySettings,
    /// Time between two passes of the deadline jobs (the first runs at start: catch-up).
    pub deadline_interval: Duration,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self {
            nats_url: None,
            stream: StreamSettings::default(),
            relay: RelaySettings::default(),
            deadline_interval: Duration::from_secs(60),
        }
    }
}

/// Runs a deadline pass every `every` until `shutdown` resolves, the first at once (catch-up
/// after downtime), each counted for Prometheus: `yigong_deadline_announcements_total{kind}`,
/// `yigong_deadline_passes_total{outcome}` and `yigong_deadline_pass_duration_seconds`.
pub async fn run_deadlines(
    jobs: yigong_service::DeadlineJobs,
    every: Duration,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        let started = std::time::Instant::now();
        let outcome = match jobs.run_once().await {
            Ok(fired) => {
                for (kind, n) in [
                    ("referral_escalated", fired.escalated),
                    ("arrival_missed", fired.missed_arrivals),
                    ("emergency_unreferred", fired.unreferred_emergencies),
                    ("plan_due", fired.due),
                    ("plan_overdue", fired.overdue),
                    ("contract_expiring", fired.expiring),
                    ("diagnosis", fired.diagnosis),
                ] {
                    metrics::counter!("yigong_deadline_announcements_total", "kind" => kind)
                        .increment(n as u64);
                }
                if fired != yigong_service::Fired::default() {
                    tracing::info!(?fired, "deadlines announced");
                }
                "ok"
            }
            Err(error) => {
                tracing::warn!(%error, "deadline pass failed; retrying next time");
                "failed"
            }
        };
        metrics::counter!("yigong_deadline_passes_total", "outcome" => outcome).increment(1);
        metrics::histogram!(crate::metrics::DEADLINE_PASS).record(started.elapsed().as_secs_f64());
        tokio::select! {
            () = &mut shutdown => break,
            () = tokio::time::sleep(every) => {}
        }
    }
}

/// Runs the relay until `shutdown` turns true; returns when it has stopped and given up its
/// lease.
pub async fn run_relay(
    store: Arc<Store>,
    config: EventsConfig,
    bus: InProcess,
    mut shutdown: watch::Receiver<bool>,
) {
    let publisher: Arc<dyn EventPublisher> = match &config.nats_url {
        None => Arc::new(bus),
        Some(url) => match connect(url, &config.stream, &mut shutdown).await {
            Some(jetstream) => Arc::new(jetstream),
            None => return,
        },
    };
    let holder = Uuid::new_v4();
    tracing::info!(%holder, broker = config.nats_url.as_deref().unwrap_or("in-process"), "outbox relay started");
    let relay = Relay::new(
        store,
        publisher,
        Arc::new(SystemClock),
        holder,
        config.relay,
    );
    relay
        .run(async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        })
        .await;
}

/// Connects to JetStream, retrying with backoff; `None` if shut down first.
async fn connect(
    url: &str,
    stream: &StreamSettings,
    shutdown: &mut watch::Receiver<bool>,
) -> Option<JetStream> {
    let mut delay = Duration::from_millis(250);
    loop {
        match JetStream::connect(url, stream).await {
            Ok(jetstream) => return Some(jetstream),
            Err(error) => {
                tracing::warn!(%error, retry_in = ?delay, "JetStream not reachable; events wait in the outbox");
            }
        }
        tokio::select! {
            _ = shutdown.wait_for(|stop| *stop) => return None,
            () = tokio::time::sleep(delay) => {}
        }
        delay = (delay * 2).min(Duration::from_secs(10));
    }
}

/// Dead letters after `after`, at most `limit`, as an operator's listing: one tab-separated
/// line each (sequence, event id, type, attempts, dead since, last error), with a header.
pub async fn list_dead(
    store: &dyn RelayOutbox,
    after: i64,
    limit: u32,
) -> Result<String, yigong_ports::StoreError> {
    let dead = store.dead_letters(after, limit).await?;
    Ok(render_dead(&dead))
}

fn render_dead(dead: &[DeadLetter]) -> String {
    let mut out = String::from("sequence\tevent_id\tevent_type\tattempts\tdead_at\tlast_error\n");
    for d in dead {
        let at = d
            .dead_at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\n",
            d.stored.sequence,
            d.stored.event.event_id,
            d.stored.event.event_type,
            d.attempts,
            at,
            d.last_error.replace(['\t', '\n'], " ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;
    use yigong_ports::{NewEvent, StoredEvent};

    use super::*;

    #[test]
    fn a_dead_letter_lists_on_one_line_whatever_its_error_holds() {
        let at = datetime!(2026-11-23 10:00 UTC);
        let dead = DeadLetter {
            stored: StoredEvent {
                sequence: 7,
                aggregate_sequence: 1,
                event: NewEvent {
                    event_id: Uuid::from_u128(9),
                    community: None,
                    aggregate_kind: "referral".into(),
                    aggregate_id: Uuid::from_u128(1),
                    event_type: "referral.referral_rejected".into(),
                    schema_version: 1,
                    payload: serde_json::json!({}),
                    occurred_at: at,
                },
            },
            attempts: 5,
            last_error: "message size\texceeds\nmaximum".into(),
            dead_at: at,
        };
        let text = render_dead(&[dead]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[1],
            "7\t00000000-0000-0000-0000-000000000009\treferral.referral_rejected\t5\t2026-11-23T10:00:00Z\tmessage size exceeds maximum"
        );
    }
}
