//! Metrics for the people who run the service, in Prometheus's text format (served at
//! `/metrics` by [`crate::http`]): every gRPC call counted by method and status code and
//! timed, the outbox's backlog and the relay's lag, the database pool. Through the `metrics`
//! facade and its Prometheus recorder, so a counter is one line where it happens; this module
//! holds the tower layer that observes every call and the gauges read at each scrape.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::Instant;

use http_body::{Body, Frame, SizeHint};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tonic::Code;

/// Calls, by `method` (`/yigong.v1.ReferralService/GetReferral`) and `code` (`OK`,
/// `NOT_FOUND`, …).
pub const REQUESTS: &str = "yigong_grpc_requests_total";
/// Call latency in seconds, by `method`: from the request's arrival to its last frame.
pub const DURATION: &str = "yigong_grpc_request_duration_seconds";

/// A deadline pass's duration in seconds (`events::run_deadlines`).
pub const DEADLINE_PASS: &str = "yigong_deadline_pass_duration_seconds";

/// Latency buckets: a cached read takes about a millisecond, a commit a few, a page of a
/// large list tens.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's recorder, installed on first use; `None` when another recorder holds the
/// process (then `/metrics` says so rather than serve nothing).
pub fn recorder() -> Option<PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(DURATION.to_owned()), BUCKETS)
                .ok()?
                .set_buckets_for_metric(Matcher::Full(DEADLINE_PASS.to_owned()), BUCKETS)
                .ok()?
                .install_recorder()
                .ok()
        })
        .clone()
}

/// The tower layer that counts and times every gRPC call (outside the API's own layers, so it
/// sees the status a client gets).
#[derive(Debug, Clone, Copy, Default)]
pub struct GrpcMetricsLayer;

impl<S> tower::Layer<S> for GrpcMetricsLayer {
    type Service = GrpcMetrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GrpcMetrics { inner }
    }
}

/// [`GrpcMetricsLayer`]'s service.
#[derive(Debug, Clone)]
pub struct GrpcMetrics<S> {
    inner: S,
}

impl<S, ReqBody, ResBody> tower::Service<http::Request<ReqBody>> for GrpcMetrics<S>
where
    S: tower::Service<http::Request<ReqBody>, Response = http::Response<ResBody>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    ResBody: Send + 'static,
{
    type Response = http::Response<Observed<ResBody>>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<ReqBody>) -> Self::Future {
        let method = request.uri().path().to_owned();
        let started = Instant::now();
        let call = self.inner.call(request);
        Box::pin(async move {
            let response = call.await?;
            // A refusal before any message is a trailers-only response: its code is a header.
            let code = grpc_status(response.headers());
            Ok(response.map(|body| Observed {
                body,
                method,
                started,
                code,
                recorded: false,
            }))
        })
    }
}

/// The `grpc-status` in `headers`, if there is one.
fn grpc_status(headers: &http::HeaderMap) -> Option<Code> {
    headers
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i32>().ok())
        .map(Code::from_i32)
}

/// A response body that records its call once it ends: with the code its trailers (or
/// headers) carried, or `CANCELLED` when the client went away first.
#[derive(Debug)]
pub struct Observed<B> {
    body: B,
    method: String,
    started: Instant,
    code: Option<Code>,
    recorded: bool,
}

impl<B> Observed<B> {
    fn record(&mut self) {
        if std::mem::replace(&mut self.recorded, true) {
            return;
        }
        let code = self.code.unwrap_or(Code::Cancelled);
        // A path no service serves is answered UNIMPLEMENTED: counting it under its own
        // name would let any client grow the metrics without bound.
        let method = if code == Code::Unimplemented {
            "unknown".to_owned()
        } else {
            std::mem::take(&mut self.method)
        };
        metrics::counter!(REQUESTS, "method" => method.clone(), "code" => code_name(code))
            .increment(1);
        metrics::histogram!(DURATION, "method" => method)
            .record(self.started.elapsed().as_secs_f64());
    }
}

impl<B> Body for Observed<B>
where
    B: Body + Unpin,
{
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(code) = frame.trailers_ref().and_then(grpc_status) {
                    self.code = Some(code);
                }
            }
            Poll::Ready(Some(Err(_))) => {
                self.code.get_or_insert(Code::Internal);
                self.record();
            }
            Poll::Ready(None) => {
                // A body that ends without a status is an OK unary response of old clients'
                // servers; tonic always sends one, so this is only a fallback.
                self.code.get_or_insert(Code::Ok);
                self.record();
            }
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

impl<B> Drop for Observed<B> {
    fn drop(&mut self) {
        self.record();
    }
}

/// A code as gRPC's status table names it.
fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_table_name() {
        for n in 0..=16 {
            let code = Code::from_i32(n);
            assert_eq!(
                code_name(code).to_ascii_lowercase().replace('_', ""),
                format!("{code:?}").to_ascii_lowercase()
            );
        }
    }

    #[test]
    fn a_trailers_only_refusal_names_its_code() {
        let mut headers = http::HeaderMap::new();
        headers.insert("grpc-status", http::HeaderValue::from_static("5"));
        assert_eq!(grpc_status(&headers), Some(Code::NotFound));
        assert_eq!(grpc_status(&http::HeaderMap::new()), None);
    }
}
