//! The HTTP side of the running binary: health and readiness for load balancers, Prometheus
//! metrics that count the calls this walk made, and the dashboard: refused without a token,
//! signed in with one, showing the same numbers `yigong report` prints for the same area, and
//! exporting them.

use std::process::Stdio;

use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use yigong_proto::v1 as pb;
use yigong_proto::v1::grid_service_client::GridServiceClient;

use crate::support::{DATA_KEYS, TestApp};

type Http = Client<hyper_util::client::legacy::connect::HttpConnector, Full<bytes::Bytes>>;

/// GET `path` with `headers`: status, the headers asked for, body.
pub(crate) async fn get(
    s: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, http::HeaderMap, Vec<u8>) {
    send(s, http::Method::GET, path, headers, "").await
}

/// `method` `path` with `headers` and `body`.
async fn send(
    s: &TestApp,
    method: http::Method,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, http::HeaderMap, Vec<u8>) {
    let client: Http = Client::builder(TokioExecutor::new()).build_http();
    let mut request = http::Request::builder()
        .method(method)
        .uri(format!("http://{}{path}", s.http));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = client
        .request(request.body(Full::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = response.status().as_u16();
    let head = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, head, body.to_vec())
}

fn text(body: &[u8]) -> String {
    String::from_utf8(body.to_vec()).unwrap()
}

/// The cells of the `<tr>`s of class `class` in the table with id `table` of `html`, tags and
/// entities stripped.
pub(crate) fn rows_of(html: &str, table: &str, class: &str) -> Vec<Vec<String>> {
    let start = html.find(&format!("<table id=\"{table}\"")).unwrap();
    let end = start + html[start..].find("</table>").unwrap();
    html[start..end]
        .split("<tr")
        .skip(1)
        .filter(|tr| tr.starts_with(&format!(" class=\"{class}\"")))
        .map(cells)
        .collect()
}

/// A row's `<td>` and `<th>` cells in order, tags stripped.
fn cells(tr: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = tr;
    while let Some(at) = [rest.find("<td"), rest.find("<th")]
        .into_iter()
        .flatten()
        .min()
    {
        let cell = &rest[at..];
        let inner = &cell[cell.find('>').unwrap() + 1..];
        let close = inner.find("</t").unwrap();
        let mut text = String::new();
        let mut in_tag = false;
        for c in inner[..close].chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        out.push(text.replace("&amp;", "&").trim().to_owned());
        rest = &inner[close..];
    }
    out
}

/// `yigong report` over the service's own database.
async fn report(s: &TestApp, args: &[&str]) -> Vec<Vec<String>> {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_yigong"))
        .arg("report")
        .args(args)
        .args(["--csv", "--database-url", &s.backend.url])
        .env("YIGONG_DATA_KEYS", DATA_KEYS)
        .env("RUST_LOG", "error")
        .stderr(Stdio::inherit())
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "yigong report {args:?} failed");
    text(&out.stdout)
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

pub(crate) async fn operators_http(s: &TestApp) {
    let (status, _, body) = get(s, "/healthz", &[]).await;
    assert_eq!((status, text(&body).trim()), (200, "ok"));
    let (status, _, _) = get(s, "/readyz", &[]).await;
    assert_eq!(status, 200);
    let (status, head, body) = get(s, "/metrics", &[]).await;
    assert_eq!(status, 200);
    assert!(
        head[http::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let metrics = text(&body);
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("yigong_grpc_requests_total{")
                && l.contains("method=\"/yigong.v1.ReferralService/CreateReferral\"")
                && l.contains("code=\"OK\"")),
        "the walk's creates are counted"
    );
    assert!(metrics.contains("yigong_outbox_latest_sequence"));
    assert!(metrics.contains("yigong_db_pool_connections{state=\"open\"}"));
    assert!(
        metrics.contains("yigong_deadline_passes_total{outcome=\"ok\"}"),
        "the deadline jobs' passes are counted"
    );
    assert!(metrics.contains("yigong_deadline_announcements_total{kind=\"plan_due\"}"));

    // No token: to the sign-in page. A bad token from a script: 401.
    let (status, head, _) = get(s, "/dashboard", &[]).await;
    assert_eq!(status, 303);
    assert_eq!(head[http::header::LOCATION], "/sign-in?lang=zh");
    let (status, head, _) = get(s, "/dashboard", &[("authorization", "Bearer not-a-token")]).await;
    assert_eq!(status, 401);
    assert_eq!(head[http::header::WWW_AUTHENTICATE], "Bearer");
    // Another site may not sign a browser in (with its own token) nor out.
    let form = format!("token={}", s.tokens["TOKEN_COUNTY"]);
    let cross_site = [
        ("content-type", "application/x-www-form-urlencoded"),
        ("origin", "http://elsewhere.example"),
    ];
    let (status, head, _) = send(s, http::Method::POST, "/sign-in", &cross_site, &form).await;
    assert_eq!(status, 403);
    assert!(!head.contains_key(http::header::SET_COOKIE));
    let own = format!("http://{}", s.http);
    let same_site = [
        ("content-type", "application/x-www-form-urlencoded"),
        ("origin", own.as_str()),
    ];
    let (status, head, _) = send(s, http::Method::POST, "/sign-in", &same_site, &form).await;
    assert_eq!(status, 303);
    let cookie = head[http::header::SET_COOKIE].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );

    // The county and one of its leaf areas, as the dashboard and `yigong report` show them.
    let token = format!("Bearer {}", s.tokens["TOKEN_COUNTY"]);
    let auth = [("authorization", token.as_str())];
    let grids = GridServiceClient::new(s.channel.clone());
    let list = |parent: &str| pb::ListAreasRequest {
        parent: parent.to_owned(),
    };
    let areas = |parent: String| {
        let mut grids = grids.clone();
        let request = s.as_("TOKEN_COUNTY", list(&parent));
        async move { grids.list_areas(request).await.unwrap().into_inner().areas }
    };
    let roots = areas(String::new()).await;
    let county = roots.iter().find(|a| a.kind == "county").unwrap();
    let (status, head, body) = get(s, "/dashboard", &auth).await;
    assert_eq!(status, 200);
    let csp = head[http::header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    let page = text(&body);
    assert!(page.contains("<html lang=\"zh-CN\">"));
    assert!(page.contains(&county.display_name), "the county by default");
    let county_id = county.name.trim_start_matches("areas/");
    let cli_total = report(s, &["--area", county_id]).await.pop().unwrap();
    let page_total = rows_of(&page, "lines", "total").pop().unwrap();
    // Follow-ups per team add up to the county's due and overdue.
    let teams = rows_of(&page, "teams", "team");
    assert!(!teams.is_empty());
    let sum = |col: usize| -> u64 { teams.iter().map(|t| t[col].parse::<u64>().unwrap()).sum() };
    assert_eq!(
        (sum(1).to_string(), sum(2).to_string()),
        (page_total[8].clone(), page_total[9].clone()),
        "teams' due and overdue sum to the total"
    );
    let (status, _, body) = get(
        s,
        "/dashboard/export?table=teams&format=csv",
        &[("authorization", token.as_str())],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(text(&body).lines().count(), 1 + teams.len());
    assert_eq!(
        page_total[1..],
        cli_total[1..],
        "the county's total, cell for cell"
    );
    // The assessed rates' parts are the CLI's numerator and denominator.
    let rates = report(s, &["--area", county_id, "--rates"]).await;
    for row in rates.iter().filter(|r| r[0] == "TOTAL") {
        let (code, numerator, denominator) = (&row[1], &row[3], &row[4]);
        let marker = format!("data-code=\"{code}\"");
        let at = page
            .find(&marker)
            .unwrap_or_else(|| panic!("{code} on the page"));
        let line = &page[at..at + page[at..].find("</tr>").unwrap()];
        assert!(
            line.contains(&format!("{numerator} / {denominator}")),
            "{code}: {line}"
        );
    }

    // Down to an area with grids of its own: the grid lines are the CLI's, names included.
    let mut leaf = county.clone();
    loop {
        let under = areas(leaf.name.clone()).await;
        match under.first() {
            Some(next) => leaf = next.clone(),
            None => break,
        }
    }
    let leaf_id = leaf.name.trim_start_matches("areas/");
    let path = format!("/dashboard?area={leaf_id}&lang=en");
    let (status, _, body) = get(s, &path, &auth).await;
    assert_eq!(status, 200);
    let page = text(&body);
    assert!(page.contains("<html lang=\"en\">") && page.contains("Headline rates"));
    let mut cli = report(s, &["--area", leaf_id]).await;
    cli.pop();
    assert!(!cli.is_empty(), "the leaf area has grids");
    assert_eq!(rows_of(&page, "lines", "grid"), cli);

    // Exports: CSV with a byte-order mark and the page's rows; a real workbook.
    let export = format!("/dashboard/export?area={leaf_id}&table=lines&format=csv");
    let (status, head, body) = get(s, &export, &auth).await;
    assert_eq!(status, 200);
    assert!(
        head[http::header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains(".csv")
    );
    let csv = text(&body);
    assert!(csv.starts_with('\u{feff}'));
    assert_eq!(
        csv.lines().count(),
        1 + cli.len() + 1,
        "header, grids, total"
    );
    let export = format!("/dashboard/export?area={leaf_id}&table=headlines&format=xlsx");
    let (status, _, body) = get(s, &export, &auth).await;
    assert_eq!(status, 200);
    assert!(body.starts_with(b"PK\x03\x04"), "an xlsx is a zip");
    let (status, _, _) = get(s, "/dashboard/export?format=pdf", &auth).await;
    assert_eq!(status, 400);
    let (status, _, _) = get(s, "/dashboard?area=not-an-area", &auth).await;
    assert_eq!(status, 404);
    let (status, _, _) = get(s, "/dashboard?on=2026-13-45", &auth).await;
    assert_eq!(status, 400);
    referral_flows(s, &auth).await;
    let (status, head, body) = get(s, "/assets/echarts-6.1.0.min.js", &[]).await;
    assert_eq!(status, 200);
    assert!(
        head[http::header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(body.len() > 100_000, "ECharts is embedded");
}

/// The referral-flow page: each referral counted once where it was sent and once where it
/// was received, so the county's sent and received totals agree and sum the lines; the export
/// carries the same total; a bad span or format is refused.
async fn referral_flows(s: &TestApp, auth: &[(&str, &str)]) {
    let (status, _, body) = get(s, "/dashboard/referrals?lang=en", auth).await;
    assert_eq!(status, 200);
    let html = text(&body);
    let lines = rows_of(&html, "flows", "flow");
    let total = rows_of(&html, "flows", "total").remove(0);
    assert!(lines.len() > 1, "every institution has a line");
    let n = |cell: &str| cell.parse::<u64>().unwrap();
    for column in 1..=4 {
        let sum: u64 = lines.iter().map(|l| n(&l[column])).sum();
        assert_eq!(sum, n(&total[column]), "column {column} sums its lines");
    }
    assert!(n(&total[1]) > 0, "the walk referred patients upward");
    assert_eq!(
        total[1], total[3],
        "each upward referral is sent and received once"
    );
    assert_eq!(
        total[2], total[4],
        "each downward referral is sent and received once"
    );
    let (status, _, body) = get(s, "/dashboard/referrals/export?format=csv&lang=en", auth).await;
    assert_eq!(status, 200);
    let csv = text(&body);
    let last: Vec<&str> = csv.lines().last().unwrap().split(',').collect();
    assert_eq!(last, total.iter().map(String::as_str).collect::<Vec<_>>());
    let (status, _, _) = get(
        s,
        "/dashboard/referrals?from=2026-12-02&to=2026-12-01",
        auth,
    )
    .await;
    assert_eq!(status, 400);
    let (status, _, _) = get(s, "/dashboard/referrals/export?format=pdf", auth).await;
    assert_eq!(status, 400);
    let (status, _, _) = get(s, "/dashboard/referrals", &[]).await;
    assert_eq!(status, 303);
}
