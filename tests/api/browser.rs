//! The real-browser tests: headless Chromium (driven by playwright-core) signs
//! in, posts, replies and reacts, and a curator triages the inbox; axe-core
//! checks accessibility. The scripts live in `tests/browser/`; these tests
//! start the app (and, for the inbox, a feed to follow) for them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::http::header;
use axum::routing::get;
use chrono::{Duration, Utc};
use commonroom::domain::role::Role;
use commonroom::domain::slug::ChannelSlug;
use commonroom::store::channels::{self, NewChannel};

use crate::helpers::{Backend, PASSWORD, TestApp, spawn_app, spawn_app_with};

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Why the browser tests cannot run here, if they cannot.
fn missing_parts(dir: &Path) -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!("Chromium not found at {chromium} (apt-get install chromium)"));
    }
    if !dir.join("node_modules").join("playwright-core").exists() {
        return Some(format!(
            "browser test packages not installed (npm ci --prefix {})",
            dir.display()
        ));
    }
    None
}

/// The scripts' folder, or `None` (having said why) when this machine cannot
/// run them. Under CI=true a missing part is a failure instead.
fn browser_dir(test: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("browser");
    if let Some(why) = missing_parts(&dir) {
        assert!(!in_ci(), "the browser test {test} must run under CI=true: {why}");
        eprintln!("SKIPPED browser test {test}: {why}; set CI=true to make this a failure");
        return None;
    }
    Some(dir)
}

/// An open channel, created (and so followed) by `by`.
async fn open_channel(app: &TestApp, by: i64, slug: &str, name: &str, description: &str) {
    channels::create(
        &app.db,
        by,
        NewChannel {
            slug: ChannelSlug::parse(slug).unwrap(),
            name: name.into(),
            description: description.into(),
            visibility: commonroom::domain::policy::Visibility::Open,
        },
    )
    .await
    .unwrap();
}

/// Run `node <script>` in `dir` with `env`, echo its log, and fail the test if it failed.
async fn run_script(dir: &Path, script: &str, env: &[(&str, &str)]) {
    let output = tokio::process::Command::new("node")
        .arg(dir.join(script))
        .current_dir(dir)
        .envs(env.iter().copied())
        .output()
        .await
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "browser test {script} failed:\n{stdout}\n{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_signs_in_posts_replies_reacts_and_pages_pass_axe() {
    let Some(dir) = browser_dir("smoke.mjs") else {
        return;
    };
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let admin = app.create_user("tess.tester", Role::Admin).await;
    open_channel(&app, admin, "digital-comms", "Digital comms", "Online channels.").await;

    run_script(
        &dir,
        "smoke.mjs",
        &[
            ("BASE_URL", &app.address),
            ("EMAIL", "tess.tester@example.org"),
            ("PASSWORD", PASSWORD),
            ("CHANNEL", "digital-comms"),
        ],
    )
    .await;
}

/// An RSS 2.0 feed of three recent stories, newest first. The second one's
/// summary tries to run script three ways; all of it must arrive inert.
fn council_feed() -> String {
    let at = |hours: i64| (Utc::now() - Duration::hours(hours)).to_rfc2822();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>Northshire Council newsroom</title>
    <link>https://news.northshire.example.org/</link>
    <description>News from Northshire Council.</description>
    <item>
      <title>Gritting routes for this winter</title>
      <link>https://news.northshire.example.org/gritting-routes</link>
      <guid>https://news.northshire.example.org/gritting-routes</guid>
      <pubDate>{}</pubDate>
      <description><![CDATA[<p>Which roads we treat first, and <strong>why</strong>.</p>]]></description>
    </item>
    <item>
      <title>Library opening hours change in January</title>
      <link>https://news.northshire.example.org/library-hours</link>
      <guid>https://news.northshire.example.org/library-hours</guid>
      <pubDate>{}</pubDate>
      <description><![CDATA[<p onclick="window.__pwned='onclick'">Longer Saturday hours at four libraries.</p><script>window.__pwned='script';document.title='pwned'</script><img src="x" onerror="window.__pwned='onerror'">]]></description>
    </item>
    <item>
      <title>Consultation opens on the bus station</title>
      <link>https://news.northshire.example.org/bus-station</link>
      <guid>https://news.northshire.example.org/bus-station</guid>
      <pubDate>{}</pubDate>
      <description><![CDATA[<p>Tell us what the new bus station needs.</p>]]></description>
    </item>
  </channel>
</rss>
"#,
        at(1),
        at(2),
        at(3)
    )
}

/// Serve [`council_feed`] at `/feed.xml` on a port of its own.
async fn serve_feed() -> SocketAddr {
    let body = council_feed();
    let feed = Router::new().route(
        "/feed.xml",
        get(move || async move { ([(header::CONTENT_TYPE, "application/rss+xml; charset=utf-8")], body) }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, feed).await });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_curator_follows_a_feed_triages_the_inbox_by_keyboard_and_shares() {
    let Some(dir) = browser_dir("inbox.mjs") else {
        return;
    };
    let feed = serve_feed().await;
    let Some(app) = spawn_app_with(Backend::Sqlite, |s| s.fetch.allow = vec!["127.0.0.1".into()]).await else {
        return;
    };
    let curator = app.create_user("cora.curator", Role::Curator).await;
    open_channel(
        &app,
        curator,
        "local-news",
        "Local news",
        "Stories from councils near us.",
    )
    .await;

    // The script follows the feed itself, through the Feeds page.
    let feed_url = format!("http://{feed}/feed.xml");
    run_script(
        &dir,
        "inbox.mjs",
        &[
            ("BASE_URL", &app.address),
            ("EMAIL", "cora.curator@example.org"),
            ("PASSWORD", PASSWORD),
            ("CHANNEL", "local-news"),
            ("FEED_URL", &feed_url),
        ],
    )
    .await;
}
