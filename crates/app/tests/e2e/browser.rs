//! The dashboard in a real browser: headless Chromium (Debian's `chromium`, driven through its
//! `chromedriver` over WebDriver with fantoccini) signs in with a token, sees the county's
//! overview drawn (the chart script ran under the page's content security policy), drills down
//! an area, switches to English, exports both formats with the session cookie, and signs out.
//! Screenshots go to `target/browser/`; the overview's is the README's.
//!
//! `chromedriver` is `YIGONG_CHROMEDRIVER` or `/usr/bin/chromedriver` (`.ci/run` installs
//! Debian's); without it the test is skipped with the reason printed, except with `CI=true`.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use tokio::process::{Child, Command};

use crate::support::TestApp;

/// The chromedriver binary, if there is one.
pub(crate) fn chromedriver() -> Option<PathBuf> {
    let path = std::env::var_os("YIGONG_CHROMEDRIVER")
        .map_or_else(|| PathBuf::from("/usr/bin/chromedriver"), PathBuf::from);
    path.exists().then_some(path)
}

/// Where screenshots go: `target/browser/`.
fn shots() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/browser");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn start_driver(path: &PathBuf) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver starts");
    let url = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return (child, url);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not listen on {port}");
}

async fn browser_at(driver: &str) -> Client {
    let chromium = std::env::var("YIGONG_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--window-size=1280,1700", "--lang=zh-CN"],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(driver)
        .await
        .expect("a Chromium session")
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn text(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn lang_of(c: &Client) -> String {
    c.find(Locator::Css("html"))
        .await
        .unwrap()
        .attr("lang")
        .await
        .unwrap()
        .unwrap()
}

/// `href`, fetched by the page with its session: (status, content type, first bytes as
/// numbers, text length).
async fn fetch(c: &Client, href: &str) -> serde_json::Value {
    c.execute_async(
        "const [href, done] = arguments;
         fetch(href).then(async r => {
           const bytes = new Uint8Array(await r.arrayBuffer());
           done({status: r.status, type: r.headers.get('content-type'),
                 head: Array.from(bytes.slice(0, 4)), length: bytes.length});
         }).catch(e => done({error: String(e)}));",
        vec![json!(href)],
    )
    .await
    .unwrap()
}

pub(crate) async fn browser(s: &TestApp, driver: &PathBuf) {
    let (_driver, url) = start_driver(driver).await;
    let c = browser_at(&url).await;
    let base = format!("http://{}", s.http);

    // Not signed in: the dashboard sends the browser to sign in.
    c.goto(&format!("{base}/dashboard")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().ends_with("/sign-in"));
    assert_eq!(lang_of(&c).await, "zh-CN", "Chinese by default");
    let token = c.find(Locator::Css("#token")).await.unwrap();
    token.send_keys("not-a-token").await.unwrap();
    click(&c, "#sign-in").await;
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("p.error"))
        .await
        .expect("a refused token is said so");

    let token = c.find(Locator::Css("#token")).await.unwrap();
    token.send_keys(&s.tokens["TOKEN_COUNTY"]).await.unwrap();
    click(&c, "#sign-in").await;
    c.wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css("#chart[data-drawn=\"true\"]"))
        .await
        .expect("the overview's chart is drawn");
    let headlines = c
        .find_all(Locator::Css("#headlines tbody tr"))
        .await
        .unwrap();
    assert!(headlines.len() >= 10, "{} headline rows", headlines.len());
    let canvas = c.find_all(Locator::Css("#chart canvas")).await.unwrap();
    assert!(!canvas.is_empty(), "ECharts drew on a canvas");
    let shot = c.screenshot().await.unwrap();
    std::fs::write(shots().join("overview.png"), &shot).unwrap();

    // Drill down to the first part, and on until an area of grids.
    let county = text(&c, "#area-name").await;
    let mut depth = 1;
    while let Ok(link) = c.find(Locator::Css("#lines tr.part a")).await {
        link.click().await.unwrap();
        depth += 1;
        let crumbs = c.find_all(Locator::Css(".crumbs li")).await.unwrap();
        assert_eq!(crumbs.len(), depth, "the path from the county");
        assert!(depth < 10);
    }
    assert!(depth > 1, "the county has parts");
    let first = text(&c, ".crumbs li").await;
    assert_eq!(first, county);
    let grids = c.find_all(Locator::Css("#lines tr.grid")).await.unwrap();
    assert!(!grids.is_empty(), "a leaf area lists its grids");
    std::fs::write(shots().join("grids.png"), c.screenshot().await.unwrap()).unwrap();

    // English, keeping the area.
    let here = text(&c, "#area-name").await;
    click(&c, "#switch-lang").await;
    assert_eq!(lang_of(&c).await, "en");
    let title = text(&c, "h1").await;
    assert_eq!(title, "County health dashboard");
    let still = text(&c, "#area-name").await;
    assert_eq!(still, here);

    // Both exports, with the session cookie the page holds.
    let href = |id: &'static str| {
        let c = c.clone();
        async move {
            c.find(Locator::Css(id))
                .await
                .unwrap()
                .attr("href")
                .await
                .unwrap()
                .unwrap()
        }
    };
    let csv = fetch(&c, &href("#export-csv").await).await;
    assert_eq!(csv["status"], 200, "{csv}");
    assert_eq!(
        csv["head"].as_array().unwrap()[..3],
        [json!(0xEF), json!(0xBB), json!(0xBF)],
        "a byte-order mark"
    );
    let xlsx = fetch(&c, &href("#export-xlsx").await).await;
    assert_eq!(xlsx["status"], 200, "{xlsx}");
    assert_eq!(xlsx["head"], json!([0x50, 0x4B, 0x03, 0x04]), "a workbook");

    // Signed out, the session no longer opens the dashboard.
    click(&c, "#sign-out").await;
    c.goto(&format!("{base}/dashboard")).await.unwrap();
    assert!(c.current_url().await.unwrap().path().ends_with("/sign-in"));
    c.close().await.unwrap();
}
