//! `docs/go-live.md`, run as written: every `sh` block of the document, in order, in one bash
//! session with the built `yigong` on the `PATH`, over an empty database (a SQLite file and a
//! fresh PostgreSQL schema). Then the service the document ends with is started on that
//! database with the keys the document made, and the county it built is used over gRPC: the
//! township doctor finds the sample residents by name and phone and opens their household's
//! roster, the county operator reads county-wide figures, and no table holds an identity
//! number, name or phone of the samples in clear.

use std::path::Path;
use std::process::Command;

use yigong_proto::v1 as pb;
use yigong_test_support::backends::{self, Backend};

use crate::search::no_table_holds;
use crate::support::{TestApp, spawn_serving};

/// What the document's blocks leave in the session, printed by the test after them.
const EXPORTS: [&str; 4] = [
    "YIGONG_TOKEN_KEY",
    "YIGONG_DATA_KEYS",
    "TOKEN_OPERATOR",
    "TOKEN_DOCTOR",
];

/// The `sh` blocks of the document, in order.
fn shell_blocks(doc: &str) -> String {
    let mut script = String::new();
    let mut inside = false;
    for line in doc.lines() {
        match (inside, line.trim_end()) {
            (false, "```sh") => inside = true,
            (true, "```") => inside = false,
            (true, l) => {
                script.push_str(l);
                script.push('\n');
            }
            _ => {}
        }
    }
    script
}

async fn follow_the_document(backend: Backend) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let doc = std::fs::read_to_string(root.join("docs/go-live.md")).unwrap();
    let mut script = format!("set -euo pipefail\n{}", shell_blocks(&doc));
    assert!(script.matches("yigong ").count() >= 9, "{script}");
    for var in EXPORTS {
        script.push_str(&format!("printf '%s\\n' \"${var}\"\n"));
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_yigong")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(&root)
        .env("PATH", path)
        .env("YIGONG_DATABASE_URL", &backend.url)
        .env_remove("YIGONG_DATA_KEYS")
        .env_remove("YIGONG_TOKEN_KEY")
        .env("RUST_LOG", "warn")
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}: the document's commands failed\n--- stdout\n{stdout}\n--- stderr\n{}",
        backend.name,
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Vec<&str> = stdout.lines().rev().take(EXPORTS.len()).collect();
    let [doctor, operator, data_keys, token_key] = printed[..] else {
        panic!("{stdout}")
    };
    assert!(!doctor.is_empty() && !operator.is_empty());
    let mut app = spawn_serving(backend, &[], token_key, data_keys).await;
    app.tokens.insert("TOKEN_DOCTOR".into(), doctor.to_owned());
    app.tokens
        .insert("TOKEN_OPERATOR".into(), operator.to_owned());
    use_the_county(&app).await;
}

async fn use_the_county(s: &TestApp) {
    use pb::search_residents_request::Query;
    use yigong_proto::v1::grid_service_client::GridServiceClient;
    use yigong_proto::v1::indicator_service_client::IndicatorServiceClient;
    use yigong_proto::v1::resident_service_client::ResidentServiceClient;
    let mut residents = ResidentServiceClient::new(s.channel.clone());
    let search = |query: Query| pb::SearchResidentsRequest {
        query: Some(query),
        ..Default::default()
    };
    let found = residents
        .search_residents(s.as_("TOKEN_DOCTOR", search(Query::NamePrefix("刘".into()))))
        .await
        .unwrap()
        .into_inner()
        .residents;
    assert_eq!(found.len(), 1, "{found:?}");
    let liu = &found[0];
    assert_eq!(liu.personal.as_ref().unwrap().display_name, "刘桂兰");
    let by_phone = residents
        .search_residents(s.as_("TOKEN_DOCTOR", search(Query::Phone("139 0731 0004".into()))))
        .await
        .unwrap()
        .into_inner()
        .residents;
    assert_eq!(
        by_phone[0].personal.as_ref().unwrap().display_name,
        "阿依古丽·买买提"
    );
    let household = residents
        .list_residents(s.as_(
            "TOKEN_DOCTOR",
            pb::ListResidentsRequest {
                parent: liu.household.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .residents;
    let mut names: Vec<String> = household
        .iter()
        .map(|r| r.personal.as_ref().unwrap().display_name.clone())
        .collect();
    names.sort();
    assert_eq!(names, ["刘桂兰", "王德顺"], "one household of the sample");

    // The county's area: its figures count the four residents and their three contracts.
    let county = GridServiceClient::new(s.channel.clone())
        .list_areas(s.as_("TOKEN_OPERATOR", pb::ListAreasRequest::default()))
        .await
        .unwrap()
        .into_inner()
        .areas
        .into_iter()
        .find(|a| a.kind == "county")
        .expect("the county's area");
    let report = IndicatorServiceClient::new(s.channel.clone())
        .get_area_indicators(s.as_(
            "TOKEN_OPERATOR",
            pb::GetAreaIndicatorsRequest {
                area: county.name,
                date: None,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let total = report.total.expect("a total");
    assert_eq!(total.households, 3, "{total:?}");
    assert_eq!(total.permanent_residents, 4, "{total:?}");
    // Three are 65 or over (one with a hearing disability), and each of them signed.
    assert_eq!(total.key_population, 3, "{total:?}");
    let today = time::OffsetDateTime::now_utc().date();
    let in_force =
        (time::macros::date!(2026 - 12 - 01)..time::macros::date!(2027 - 12 - 01)).contains(&today);
    let signed = if in_force { 3 } else { 0 };
    assert_eq!(
        (total.contracted, total.key_population_contracted),
        (signed, signed),
        "the samples' contracts run from 2026-12-01 for 12 months: {total:?}"
    );

    no_table_holds(
        s,
        &[
            "430524195203140224",
            "刘桂兰",
            "阿依古丽",
            "13907310001",
            "13907310004",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_county_goes_live_by_following_docs_go_live() {
    for backend in backends::unmigrated().await {
        if backend.name == "sqlite-memory" {
            continue; // one process's memory: the document's commands are many processes
        }
        follow_the_document(backend).await;
    }
}
