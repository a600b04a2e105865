//! The dashboard's assets, compiled into the binary: Apache ECharts 6.1.0 (the common build:
//! bar, line and pie charts; Apache-2.0, its licence and notice beside it in `assets/`), the
//! stylesheet and the chart script. Nothing is fetched from elsewhere.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

const ECHARTS: &[u8] = include_bytes!("../../assets/echarts/echarts.common.min.js");
const CSS: &str = include_str!("../../assets/dashboard.css");
const SCRIPT: &str = include_str!("../../assets/dashboard.js");

/// `GET /assets/{file}`.
pub(crate) async fn asset(Path(file): Path<String>) -> Response {
    let (body, kind, cache): (&'static [u8], _, _) = match file.as_str() {
        // Named by version: never changes under its name.
        "echarts-6.1.0.min.js" => (
            ECHARTS,
            "text/javascript; charset=utf-8",
            "public, max-age=31536000, immutable",
        ),
        "dashboard.css" => (
            CSS.as_bytes(),
            "text/css; charset=utf-8",
            "public, max-age=3600",
        ),
        "dashboard.js" => (
            SCRIPT.as_bytes(),
            "text/javascript; charset=utf-8",
            "public, max-age=3600",
        ),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, cache)],
        body,
    )
        .into_response()
}
