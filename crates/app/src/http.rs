//! The service's HTTP side (`yigong serve --http-listen`), for load balancers and the
//! Prometheus scraper: `/healthz` (the process answers), `/readyz` (ready only while storage
//! answers, as the gRPC health service says) and `/metrics` (see [`crate::metrics`]); and for
//! county operators, the dashboard ([`crate::dashboard`]).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;
use time::OffsetDateTime;
use tokio::net::TcpListener;
use yigong_ports::{ChangeFeed, RelayOutbox};
use yigong_store::Store;

use crate::AppError;

/// What the HTTP side reads.
#[derive(Clone)]
pub struct HttpState {
    /// The store, for the gauges read at each scrape.
    pub store: Arc<Store>,
    /// Whether storage answered at its last check.
    pub ready: Arc<AtomicBool>,
    /// The metrics recorder, when this process holds it.
    pub metrics: Option<PrometheusHandle>,
    /// The dashboard, when served.
    pub dashboard: Option<Arc<crate::dashboard::Dashboard>>,
}

/// The routes.
pub fn router(state: HttpState) -> Router {
    let dashboard = state.dashboard.clone();
    let operators = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(state);
    match dashboard {
        Some(d) => operators.merge(crate::dashboard::routes(d)),
        None => operators,
    }
}

/// Serves the routes on `listener` until `shutdown`.
pub async fn serve(
    listener: TcpListener,
    state: HttpState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), AppError> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| AppError::Serve(format!("http: {e}")))
}

async fn readyz(State(state): State<HttpState>) -> impl IntoResponse {
    if state.ready.load(Ordering::Relaxed) {
        (StatusCode::OK, "ready\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "storage does not answer\n")
    }
}

async fn metrics(State(state): State<HttpState>) -> impl IntoResponse {
    let Some(handle) = state.metrics.as_ref() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "another metrics recorder holds this process\n".to_owned(),
        );
    };
    gauges(&state.store).await;
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
}

/// The gauges read at each scrape: the pool, and the outbox behind the relay (its backlog and
/// how long its oldest event has waited). A store that does not answer leaves the outbox
/// gauges as they were; `/readyz` and the request codes say why.
async fn gauges(store: &Store) {
    let pool = store.pool_stats();
    metrics::gauge!("yigong_db_pool_connections", "state" => "open").set(f64::from(pool.open));
    metrics::gauge!("yigong_db_pool_connections", "state" => "idle").set(f64::from(pool.idle));
    let (Ok(latest), Ok(pending)) = (
        store.latest_sequence().await,
        store.pending(yigong_service::RELAY_LEASE, 0, 1).await,
    ) else {
        return;
    };
    #[allow(clippy::cast_precision_loss, reason = "a gauge is a float")]
    let latest_f = latest as f64;
    metrics::gauge!("yigong_outbox_latest_sequence").set(latest_f);
    let oldest = pending.iter().min_by_key(|p| p.stored.sequence);
    let (backlog, lag) = oldest.map_or((0.0, 0.0), |p| {
        #[allow(clippy::cast_precision_loss, reason = "a gauge is a float")]
        let waiting = (latest - p.stored.sequence + 1).max(0) as f64;
        let age = (OffsetDateTime::now_utc() - p.stored.event.occurred_at).as_seconds_f64();
        (waiting, age.max(0.0))
    });
    metrics::gauge!("yigong_outbox_backlog_events").set(backlog);
    metrics::gauge!("yigong_relay_lag_seconds").set(lag);
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;

    async fn get(router: &Router, path: &str) -> (StatusCode, String) {
        let response = router
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn ready_follows_storage_and_metrics_show_the_pool_and_the_outbox() {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        store.migrate().await.unwrap();
        let ready = Arc::new(AtomicBool::new(true));
        let router = router(HttpState {
            dashboard: None,
            store: Arc::new(store),
            ready: ready.clone(),
            metrics: crate::metrics::recorder(),
        });
        assert_eq!(get(&router, "/healthz").await.0, StatusCode::OK);
        assert_eq!(get(&router, "/readyz").await.0, StatusCode::OK);
        ready.store(false, Ordering::Relaxed);
        assert_eq!(
            get(&router, "/readyz").await.0,
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(get(&router, "/healthz").await.0, StatusCode::OK);
        let (status, text) = get(&router, "/metrics").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            text.contains("yigong_db_pool_connections{state=\"open\"}"),
            "{text}"
        );
        assert!(text.contains("yigong_outbox_backlog_events 0"), "{text}");
    }
}
