//! The county operators' web dashboard, on the HTTP side (`--http-listen`): the overview of an
//! area (the county by default) with its headline rates against their targets, its parts to
//! drill into and its grids, a chart; the referral flows of every institution
//! ([`referrals`]); every table exported as CSV or Excel.
//!
//! Pages are rendered on the server (askama templates, escaped by default) from the same
//! `IndicatorService` the API serves, so the figures are the cached, current ones and a page
//! view is audited as the report read it is; table cells are `yigong report`'s own. Sign-in
//! takes the same bearer token as the API and keeps it in an `HttpOnly`, `SameSite=Strict`
//! cookie; the same `Authenticator` admits it. Assets (Apache ECharts, the stylesheet, the
//! chart script) are embedded in the binary, and a strict content security policy allows only
//! them: no inline script, nothing from elsewhere.

mod assets;
mod export;
mod i18n;
mod overview;
mod referrals;
mod session;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use yigong_grpc::Authenticator;
use yigong_ports::NetworkQueries;
use yigong_service::{IndicatorService, ReferralService};

/// What the dashboard reads and who it admits.
pub struct Dashboard {
    indicators: IndicatorService,
    referrals: ReferralService,
    auth: Authenticator,
    directory: Arc<dyn NetworkQueries>,
}

impl Dashboard {
    /// The dashboard over `indicators` (shared with the API, so one cache serves both) and
    /// `referrals` (the flows page), admitting the callers `auth` admits.
    pub fn new(
        indicators: IndicatorService,
        referrals: ReferralService,
        auth: Authenticator,
        directory: Arc<dyn NetworkQueries>,
    ) -> Self {
        Self {
            indicators,
            referrals,
            auth,
            directory,
        }
    }
}

/// Why a page is not shown, answered in the caller's language.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Refusal {
    /// No session: to the sign-in page.
    SignIn(i18n::Lang),
    /// A script's bearer token was refused: 401.
    BadToken(i18n::Lang),
    /// A page saying why, with its status.
    Message(i18n::Lang, StatusCode, &'static str),
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::SignIn(lang) => {
                Redirect::to(&format!("/sign-in?lang={}", session::query_lang(lang)))
                    .into_response()
            }
            Refusal::BadToken(lang) => (
                StatusCode::UNAUTHORIZED,
                [(header::WWW_AUTHENTICATE, "Bearer")],
                lang.words().refused,
            )
                .into_response(),
            Refusal::Message(lang, status, text) => overview::message(lang, status, text),
        }
    }
}

/// The dashboard's routes, with the security headers every response carries.
pub(crate) fn routes(dashboard: Arc<Dashboard>) -> Router {
    Router::new()
        .route("/", get(|| async { Redirect::to("/dashboard") }))
        .route("/dashboard", get(overview::page))
        .route("/dashboard/export", get(export::table))
        .route("/dashboard/referrals", get(referrals::page))
        .route("/dashboard/referrals/export", get(referrals::export))
        .route("/sign-in", get(session::form).post(session::sign_in))
        .route("/sign-out", post(session::sign_out))
        .route("/assets/{file}", get(assets::asset))
        .with_state(dashboard)
        .layer(axum::middleware::map_response(secure_headers))
}

/// Only the page's own scripts and styles; never framed; no referrer leaves the county.
async fn secure_headers(mut response: axum::response::Response) -> axum::response::Response {
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    // Figures and exports are not kept by the browser: after signing out, "back" shows none.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
