//! Signing in: the API's bearer token, pasted once and kept in a cookie the page's scripts
//! cannot read (`HttpOnly`) and other sites cannot send (`SameSite=Strict`); `Secure` when the
//! request came over TLS through a proxy. Each request is admitted by the API's own
//! `Authenticator`, so a token that expires, or whose institution closes, stops working here
//! too. A script may send `Authorization: Bearer` instead of the cookie (the exports).

use std::sync::Arc;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use yigong_service::Principal;

use super::i18n::{Lang, Words};
use super::{Dashboard, Refusal};

/// The session cookie's name.
pub(crate) const COOKIE: &str = "yigong_session";

/// The longest token accepted: far above a signed token's length, far below a header limit.
const MAX_TOKEN: usize = 4096;

/// The `lang` query parameter every page takes.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct LangQuery {
    pub(crate) lang: Option<String>,
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    w: &'static Words,
    lang: Lang,
    error: Option<&'static str>,
}

/// A page, or a logged 500 if its template fails.
pub(crate) fn render_page(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(%error, "a dashboard page failed to render");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// The sign-in form.
pub(crate) async fn form(Query(q): Query<LangQuery>) -> Response {
    let lang = Lang::from_code(q.lang.as_deref());
    render_page(&SignInPage {
        w: lang.words(),
        lang,
        error: None,
    })
}

#[derive(Debug, Deserialize)]
pub(crate) struct SignIn {
    token: String,
    lang: Option<String>,
}

/// Checks the token as the API would and, if admitted, keeps it in the session cookie.
pub(crate) async fn sign_in(
    State(d): State<Arc<Dashboard>>,
    headers: HeaderMap,
    Form(form): Form<SignIn>,
) -> Response {
    if !same_origin(&headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let lang = Lang::from_code(form.lang.as_deref());
    let token = form.token.trim();
    let admitted = token.len() <= MAX_TOKEN && d.auth.principal_of(token).is_ok();
    if !admitted {
        tracing::info!("dashboard sign-in refused");
        let page = SignInPage {
            w: lang.words(),
            lang,
            error: Some(lang.words().refused),
        };
        return (StatusCode::UNAUTHORIZED, render_page(&page)).into_response();
    }
    let secure = if behind_tls(&headers) { "; Secure" } else { "" };
    let cookie = format!("{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}");
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&format!("/dashboard?lang={}", query_lang(lang))),
    )
        .into_response()
}

/// Forgets the session.
pub(crate) async fn sign_out(headers: HeaderMap) -> Response {
    if !same_origin(&headers) {
        return StatusCode::FORBIDDEN.into_response();
    }
    let secure = if behind_tls(&headers) { "; Secure" } else { "" };
    let cookie = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}");
    ([(header::SET_COOKIE, cookie)], Redirect::to("/sign-in")).into_response()
}

/// The `lang` value of links.
pub(crate) fn query_lang(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "zh",
        Lang::En => "en",
    }
}

/// Whether a form was posted from the dashboard's own pages: another site may not sign a
/// browser in with its own token, nor out (login CSRF). Browsers say where a request comes
/// from (`Sec-Fetch-Site`, else `Origin`); a client that says neither is not a browser.
fn same_origin(headers: &HeaderMap) -> bool {
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = value("sec-fetch-site") {
        return matches!(site, "same-origin" | "none");
    }
    match (value("origin"), value("host")) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, at)| at.eq_ignore_ascii_case(host)),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

fn behind_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

/// The token a request carries: the bearer header, else the session cookie.
fn token_of(headers: &HeaderMap) -> Option<&str> {
    if let Some(bearer) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some(bearer);
    }
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(COOKIE)?.strip_prefix('='))
}

/// The principal of a request, or where to send it: the sign-in page (a browser) or 401 (a
/// script that sent a bearer token).
pub(crate) fn principal(
    d: &Dashboard,
    headers: &HeaderMap,
    lang: Lang,
) -> Result<Principal, Refusal> {
    let refused = || {
        if headers.contains_key(header::AUTHORIZATION) {
            Refusal::BadToken(lang)
        } else {
            Refusal::SignIn(lang)
        }
    };
    let token = token_of(headers).ok_or_else(refused)?;
    if token.len() > MAX_TOKEN {
        return Err(refused());
    }
    d.auth.principal_of(token).map_err(|_| refused())
}
