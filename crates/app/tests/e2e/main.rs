//! End to end: the real `yigong` binary started on a free port over a fresh database (SQLite
//! file and PostgreSQL), seeded with the small demo county, driven over gRPC with the tokens it
//! prints. One patient's whole story, plus the refusals a hospital system must be able to
//! rely on: another township cannot read the patient, malformed requests are INVALID_ARGUMENT
//! naming the field, undecodable or oversize messages get their own status, a retried create
//! creates nothing, two concurrent accepts have one winner,
//! and health reports SERVING.
//!
//! Seeding the demo county is the expensive part, so each backend starts one service
//! ([`support::spawn_app`]) and walks every step over it, in order: the later steps use the
//! patient, the enrolment and the contract the earlier ones made, and count what they left
//! (the break-glass audit log, the worklist, the township's teams). Each step is one module,
//! named after what it checks. `deadline_jobs` alone runs in-process: the deadline jobs over
//! every backend's store, with a clock the test sets.
#![allow(
    missing_docs,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used
)]

mod advice;
mod area_scope;
mod assessed_rates;
mod audit_review;
mod break_glass;
mod browser;
mod cards;
mod change_feed;
mod closing;
mod deadline_jobs;
mod demo_diagnosis;
mod directory;
mod due_lists;
mod elderly_check;
mod every_method;
mod finding;
mod go_live;
mod green_channel;
mod grid_administration;
mod health_record;
mod history;
mod inbox_watch;
mod malformed;
mod network_administration;
mod operators_http;
mod recognised_report;
mod remote_consultation;
mod remote_diagnosis;
mod screening_programmes;
mod search;
mod sessions;
mod storage_outage;
mod story;
mod summary;
mod support;
mod team_administration;
mod two_cancer;
mod visit_rules;
mod wire_limits;
mod worklist_watch;

use yigong_test_support::backends;

use crate::support::{TestApp, spawn_app};

/// Every step, in order, over one service.
async fn walk(app: &TestApp) {
    let (patient, enrolment) = story::story(app).await;
    summary::summary(app, &patient, false).await;
    directory::directory(app, &patient).await;
    summary::summary(app, &patient, true).await;
    break_glass::break_glass(app, &patient, &app.backend.url).await;
    change_feed::change_feed(app, &patient).await;
    inbox_watch::inbox_watch(app).await;
    closing::closing(app).await;
    green_channel::green_channel(app).await;
    advice::advice(app).await;
    visit_rules::visit_rules(app).await;
    screening_programmes::screening_programmes(app).await;
    elderly_check::elderly_check(app).await;
    two_cancer::two_cancer(app).await;
    remote_diagnosis::remote_diagnosis(app).await;
    worklist_watch::worklist_watch(app).await;
    remote_consultation::remote_consultation(app).await;
    demo_diagnosis::demo_diagnosis(app).await;
    assessed_rates::assessed_rates(app).await;
    due_lists::due_lists(app).await;
    sessions::sessions(app).await;
    network_administration::network_administration(app).await;
    grid_administration::grid_administration(app).await;
    area_scope::area_scope(app).await;
    team_administration::team_and_follow_up_administration(app, &patient, &enrolment).await;
    history::history(app, &patient, &enrolment).await;
    search::search(app).await;
    let recorded = health_record::health_record(app).await;
    finding::finding(app, &recorded).await;
    cards::cards(app).await;
    malformed::malformed(app, &patient).await;
    wire_limits::wire_limits(app).await;
    every_method::every_method(app).await;
    audit_review::audit_review(app, &patient).await;
    operators_http::operators_http(app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_on_sqlite_walks_the_whole_story() {
    let app = spawn_app(backends::sqlite_file().await).await;
    walk(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_on_postgres_walks_the_whole_story() {
    match backends::postgres().await {
        Ok(backend) => walk(&spawn_app(backend).await).await,
        Err(reason) if backends::ci() => {
            panic!("PostgreSQL is required with CI=true but is unavailable: {reason}")
        }
        Err(reason) => eprintln!("skipping the PostgreSQL end-to-end test: {reason}"),
    }
}

/// The dashboard in headless Chromium, over SQLite (the browser, not the engine, is tested).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_works_in_a_real_browser() {
    let Some(driver) = browser::chromedriver() else {
        if backends::ci() {
            panic!("chromedriver is required with CI=true (.ci/run installs chromium-driver)");
        }
        return eprintln!(
            "skipping the browser test: no chromedriver (apt install chromium-driver)"
        );
    };
    let app = spawn_app(backends::sqlite_file().await).await;
    browser::browser(&app, &driver).await;
}

/// PostgreSQL only: its connections pass through a proxy the test cuts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_the_database_unreachable_health_says_so_and_requests_fail_fast() {
    let mut backend = match backends::postgres().await {
        Ok(backend) => backend,
        Err(reason) if backends::ci() => {
            panic!("PostgreSQL is required with CI=true but is unavailable: {reason}")
        }
        Err(reason) => return eprintln!("skipping the storage outage test: {reason}"),
    };
    // `postgres://user@host:port/db…`: the service connects through the proxy instead.
    let upstream = backend
        .url
        .split_once('@')
        .and_then(|(_, rest)| rest.split('/').next())
        .expect("a postgres://user@host:port/… URL")
        .to_owned();
    let proxy = storage_outage::Proxy::start(&upstream).await;
    backend.url = backend.url.replacen(&upstream, &proxy.address, 1);
    let app = spawn_app(backend).await;
    storage_outage::storage_outage(&app, &proxy).await;
}
