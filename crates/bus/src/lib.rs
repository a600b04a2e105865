//! # yigong-bus
//!
//! Publishers of Yigong's domain events behind the [`EventPublisher`] port:
//!
//! - [`InProcess`]: the embedded default — a broadcast channel other parts of the service
//!   subscribe to; every event is "acknowledged" once handed over.
//! - [`JetStream`]: NATS JetStream. The stream (`yigong.>`) is created or updated on connect
//!   (the subjects' first token is configurable, for tests);
//!   each event is published with `Nats-Msg-Id` = its event id, so a redelivery inside the
//!   duplicate window is dropped by the server; all of a batch's acks are in flight together
//!   and counted in order.
//!
//! Payloads are `yigong.v1.Event` protobuf messages ([`event_message`], from
//! `proto/yigong/v1/events.proto`), so consumers in any language decode them; subjects route
//! them, and headers say only how to decode. An event that cannot be encoded is refused
//! like one the broker refuses.
//!
//! ## Layout
//! - this file: [`InProcess`], [`JetStream`] and their settings.
//! - `wire`: [`event_message`], outbox rows as `yigong.v1.Event` messages, and the headers
//!   and bodies a JetStream message carries.

use std::time::Duration;

mod wire;

pub use wire::{EncodeError, event_message};

use async_nats::jetstream::{self, context::PublishErrorKind, message::PublishMessage, stream};
use async_trait::async_trait;
use tokio::sync::broadcast;
use yigong_ports::{EventPublisher, PublishError, StoredEvent, subject};

/// The in-process bus: subscribers get every published event (a slow subscriber that falls
/// behind the channel's capacity skips ahead, as `broadcast` does).
#[derive(Clone)]
pub struct InProcess {
    sender: broadcast::Sender<StoredEvent>,
}

impl InProcess {
    /// A bus keeping up to `capacity` events for slow subscribers.
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity.max(1));
        Self { sender }
    }

    /// A new subscriber, seeing events published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<StoredEvent> {
        self.sender.subscribe()
    }
}

#[async_trait]
impl EventPublisher for InProcess {
    async fn publish(&self, events: &[StoredEvent]) -> (usize, Option<PublishError>) {
        for e in events {
            // No subscriber is not a failure: in-process delivery is best effort by design.
            let _ = self.sender.send(e.clone());
        }
        (events.len(), None)
    }
}

/// Settings of the JetStream stream.
#[derive(Debug, Clone)]
pub struct StreamSettings {
    /// The stream's name.
    pub name: String,
    /// The subjects' first token, `yigong` in production (tests use their own, since two
    /// streams may not share subjects).
    pub prefix: String,
    /// How long the server remembers event ids to drop redeliveries.
    pub duplicate_window: Duration,
    /// The largest message the stream takes, in bytes (`None`: the server's limit). A larger
    /// event is refused, retried, then dead-lettered, without holding up the others.
    pub max_message_size: Option<i32>,
}

impl Default for StreamSettings {
    fn default() -> Self {
        Self {
            name: "YIGONG".to_owned(),
            prefix: "yigong".to_owned(),
            duplicate_window: Duration::from_secs(120),
            max_message_size: None,
        }
    }
}

/// Publishes to NATS JetStream.
#[derive(Clone)]
pub struct JetStream {
    client: async_nats::Client,
    context: jetstream::Context,
    prefix: String,
    /// The stream's message size limit, checked before sending (see [`EventPublisher::publish`]).
    max_message_size: Option<usize>,
}

/// Why the JetStream publisher could not start.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The server is unreachable.
    #[error("NATS at {url}: {source}")]
    Connect {
        /// The URL tried.
        url: String,
        /// Why.
        source: async_nats::ConnectError,
    },
    /// The stream could not be created or updated.
    #[error("JetStream stream {name}: {reason}")]
    Stream {
        /// The stream.
        name: String,
        /// Why.
        reason: String,
    },
}

impl JetStream {
    /// Connects and creates or updates the stream holding `yigong.>`.
    pub async fn connect(url: &str, settings: &StreamSettings) -> Result<Self, ConnectError> {
        let client = async_nats::connect(url)
            .await
            .map_err(|source| ConnectError::Connect {
                url: url.to_owned(),
                source,
            })?;
        let context = jetstream::new(client.clone());
        context
            .create_or_update_stream(stream::Config {
                name: settings.name.clone(),
                subjects: vec![format!("{}.>", settings.prefix)],
                duplicate_window: settings.duplicate_window,
                storage: stream::StorageType::File,
                max_message_size: settings.max_message_size.unwrap_or(-1),
                ..Default::default()
            })
            .await
            .map_err(|e| ConnectError::Stream {
                name: settings.name.clone(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            client,
            context,
            prefix: settings.prefix.clone(),
            max_message_size: settings
                .max_message_size
                .and_then(|m| usize::try_from(m).ok()),
        })
    }
}

fn classify(e: &jetstream::context::PublishError) -> PublishError {
    match e.kind() {
        PublishErrorKind::TimedOut | PublishErrorKind::BrokenPipe => {
            PublishError::Unavailable(e.to_string())
        }
        _ => PublishError::Rejected(e.to_string()),
    }
}

#[async_trait]
impl EventPublisher for JetStream {
    async fn publish(&self, events: &[StoredEvent]) -> (usize, Option<PublishError>) {
        // While the client reconnects, publishing would only queue messages in its buffer
        // (and block once it is full): report the outage and let the relay back off.
        if self.client.connection_state() != async_nats::connection::State::Connected {
            return (
                0,
                Some(PublishError::Unavailable(
                    "not connected to NATS".to_owned(),
                )),
            );
        }
        let mut pending = Vec::with_capacity(events.len());
        for e in events {
            // Refusals found here stop the batch before the event: the stream cannot store
            // later events of its aggregate ahead of it. (The stream's own refusals come back
            // with the acks, after later messages were sent; its size limit, the one a single
            // event trips, is therefore checked here.)
            let refused = match outgoing(e, &self.prefix) {
                Ok(out) => match self.max_message_size {
                    Some(limit) if out.size > limit => Err(format!(
                        "message of {} bytes exceeds the stream's maximum of {limit}",
                        out.size
                    )),
                    _ => Ok(out),
                },
                Err(unencodable) => Err(unencodable.to_string()),
            };
            let Outgoing {
                subject, message, ..
            } = match refused {
                Ok(out) => out,
                Err(reason) => {
                    // Not retryable by waiting: a refusal, after the earlier events' acks.
                    let acked = count_acks(pending).await;
                    let error = acked.1.unwrap_or(PublishError::Rejected(reason));
                    return (acked.0, Some(error));
                }
            };
            match self.context.send_publish(subject, message).await {
                Ok(ack) => pending.push(ack),
                Err(err) => {
                    // Earlier sends are in flight: count their acks before reporting.
                    let acked = count_acks(pending).await;
                    let error = acked.1.unwrap_or_else(|| classify(&err));
                    return (acked.0, Some(error));
                }
            }
        }
        count_acks(pending).await
    }
}

/// A message as [`JetStream`] sends it.
pub struct Outgoing {
    /// `<prefix>.<community>.<aggregate>.<event>`.
    pub subject: String,
    /// Body, headers and `Nats-Msg-Id`.
    pub message: PublishMessage,
    /// Bytes of body and headers, as a stream's maximum message size counts them.
    pub size: usize,
}

/// The message [`JetStream`] sends for `e`, under `prefix` (`yigong` in production). Public so
/// a benchmark can publish exactly the same messages without the relay.
pub fn outgoing(e: &StoredEvent, prefix: &str) -> Result<Outgoing, EncodeError> {
    let body = prost::Message::encode_to_vec(&event_message(e)?);
    let headers = envelope(e);
    let message_id = e.event.event_id.to_string();
    // The header block as sent: "NATS/1.0\r\n", "<name>: <value>\r\n" each, "\r\n".
    let header_line = |name: &str, value: &str| name.len() + 2 + value.len() + 2;
    let size = body.len()
        + 12
        + headers
            .iter()
            .flat_map(|(name, values)| values.iter().map(move |v| (name, v)))
            .map(|(name, v)| header_line(name.as_ref(), v.as_str()))
            .sum::<usize>()
        + header_line("Nats-Msg-Id", &message_id);
    let message = PublishMessage::build()
        .payload(body.into())
        .headers(headers)
        .message_id(message_id);
    let subject = subject(e);
    let subject = match subject.strip_prefix("yigong.") {
        Some(rest) => format!("{prefix}.{rest}"),
        None => subject,
    };
    Ok(Outgoing {
        subject,
        message,
        size,
    })
}

/// What a consumer needs before decoding, and nothing it finds elsewhere: the body's type and
/// schema version (`Nats-Msg-Id` is set apart). Routing is by subject (community, aggregate,
/// event), the rest of the envelope is in the body; repeating it in headers would add some
/// 250 bytes to every stored message and cost the relay a third of its throughput (decision
/// 0009).
fn envelope(e: &StoredEvent) -> async_nats::HeaderMap {
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Content-Type", CONTENT_TYPE);
    headers.insert(
        "Yigong-Schema-Version",
        e.event.schema_version.to_string().as_str(),
    );
    headers
}

/// The `Content-Type` of every message: a protobuf `yigong.v1.Event`.
pub const CONTENT_TYPE: &str = "application/x-protobuf; messageType=yigong.v1.Event";

/// Awaits acks in order; the count stops at the first failure.
async fn count_acks(
    pending: Vec<jetstream::context::PublishAckFuture>,
) -> (usize, Option<PublishError>) {
    let mut acked = 0;
    for ack in pending {
        match ack.await {
            Ok(_) => acked += 1,
            Err(e) => return (acked, Some(classify(&e))),
        }
    }
    (acked, None)
}
