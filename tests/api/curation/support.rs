//! What the curation tests share: settings that let the app reach the test
//! feed servers, following and importing feeds over HTTP, reading the inbox
//! and the feeds table as a person would, and running the `commonroom` CLI.

use std::process::Output;

use chrono::{DateTime, Utc};
use commonroom::config::Settings;
use commonroom::domain::job::Job;
use commonroom::domain::role::Role;
use commonroom::store::{feeds, jobs};
use scraper::{ElementRef, Html, Selector};

use crate::helpers::{Browser, TestApp, location};

/// The feed servers listen on loopback, which the app refuses unless told.
/// (The inbox keeps its default 14 days: the fixtures' dates are served as
/// days before today, see `world::dated_as_today`.)
pub fn open(s: &mut Settings) {
    s.fetch.allow = vec!["127.0.0.1".into()];
}

pub async fn curator(app: &TestApp) -> Browser {
    app.signed_in("cora", Role::Curator).await
}

/// Follow a feed through the form; returns its id.
pub async fn follow(browser: &Browser, url: &str) -> i64 {
    follow_into(browser, url, "", "").await
}

pub async fn follow_into(browser: &Browser, url: &str, folder: &str, channel_id: &str) -> i64 {
    let r = browser
        .post("/feeds", &[("url", url), ("folder", folder), ("channel", channel_id)])
        .await;
    let status = r.status();
    let to = location(&r);
    assert_eq!(status, 303, "following {url}: {}", r.text().await.unwrap_or_default());
    to.strip_prefix("/feeds/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no feed id in {to:?}"))
}

/// An OPML document listing these `(url, title, folder)` feeds.
pub fn opml(list: &[(&str, &str, &str)]) -> String {
    let esc = |s: &str| s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
    let mut body = String::new();
    for (url, title, folder) in list {
        let outline = format!(r#"<outline type="rss" text="{}" xmlUrl="{}"/>"#, esc(title), esc(url));
        if folder.is_empty() {
            body.push_str(&outline);
        } else {
            body.push_str(&format!(r#"<outline text="{}">{outline}</outline>"#, esc(folder)));
        }
        body.push('\n');
    }
    format!(
        "<?xml version=\"1.0\"?>\n<opml version=\"2.0\"><head><title>Test</title></head><body>\n{body}</body></opml>\n"
    )
}

/// Upload an OPML file through the import form.
pub async fn upload_opml(browser: &Browser, text: &str) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(text.as_bytes().to_vec())
        .file_name("subscriptions.opml")
        .mime_str("text/x-opml")
        .expect("mime");
    browser
        .client
        .post(format!("{}/feeds/import", browser.base))
        .multipart(reqwest::multipart::Form::new().part("opml", part))
        .send()
        .await
        .expect("POST /feeds/import")
}

/// Follow feeds without fetching them (an OPML import); their first poll is due at once.
pub async fn import(browser: &Browser, list: &[(&str, &str, &str)]) {
    let r = upload_opml(browser, &opml(list)).await;
    assert_eq!(r.status(), 303, "import: {}", r.text().await.unwrap_or_default());
}

/// A feed's id by its address.
pub async fn feed_id(app: &TestApp, url: &str) -> i64 {
    feeds::id_by_url(&app.db, url)
        .await
        .expect("query")
        .unwrap_or_else(|| panic!("no feed {url}"))
}

/// Make a feed's next poll due now, as if its time had come.
pub async fn make_due(app: &TestApp, feed_id: i64) {
    let past = Utc::now() - chrono::Duration::minutes(1);
    jobs::schedule(&app.db, Job::PollFeed(feed_id), past)
        .await
        .expect("reschedule");
}

/// When the feed will next be polled, as the jobs table says.
pub async fn next_poll(app: &TestApp, feed_id: i64) -> DateTime<Utc> {
    jobs::next_run(&app.db, Job::PollFeed(feed_id))
        .await
        .expect("query")
        .expect("a poll is scheduled")
}

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("selector")
}

fn text_of(el: ElementRef<'_>) -> String {
    el.text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn first_text(el: ElementRef<'_>, css: &str) -> String {
    el.select(&selector(css)).next().map(text_of).unwrap_or_default()
}

/// One inbox entry as the page shows it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: i64,
    pub title: String,
    pub href: Option<String>,
    /// The meta line: domain, feed name, when, "also in: …".
    pub meta: String,
    pub summary_html: String,
    /// The "Already shared: …" notice, if any.
    pub shared: String,
}

pub fn entries(html: &str) -> Vec<Entry> {
    let doc = Html::parse_document(html);
    doc.select(&selector("li.inbox-entry"))
        .map(|li| {
            let id = li
                .value()
                .id()
                .and_then(|id| id.strip_prefix("entry-"))
                .and_then(|id| id.parse().ok())
                .expect("entry id");
            Entry {
                id,
                title: first_text(li, ".inbox-entry__title"),
                href: li
                    .select(&selector(".inbox-entry__title a"))
                    .next()
                    .and_then(|a| a.value().attr("href"))
                    .map(str::to_owned),
                meta: first_text(li, ".card__meta"),
                summary_html: li
                    .select(&selector(".inbox-entry__summary"))
                    .next()
                    .map(|d| d.inner_html())
                    .unwrap_or_default(),
                shared: first_text(li, ".notice"),
            }
        })
        .collect()
}

/// The inbox (with a query string such as `feed=3`), as entries.
pub async fn inbox(browser: &Browser, query: &str) -> Vec<Entry> {
    let path = if query.is_empty() {
        "/inbox".to_owned()
    } else {
        format!("/inbox?{query}")
    };
    entries(&browser.text(&path).await)
}

/// The inbox entries one feed brought.
pub async fn inbox_of(browser: &Browser, feed_id: i64) -> Vec<Entry> {
    inbox(browser, &format!("feed={feed_id}")).await
}

pub fn titles(entries: &[Entry]) -> Vec<&str> {
    entries.iter().map(|e| e.title.as_str()).collect()
}

/// A row of the feeds table.
#[derive(Debug, Clone)]
pub struct FeedRow {
    pub title: String,
    pub url: String,
    pub folder: String,
    /// Items kept.
    pub items: String,
    /// The health cell, last error included.
    pub health: String,
}

pub async fn feed_rows(browser: &Browser) -> Vec<FeedRow> {
    let html = browser.text("/feeds").await;
    let doc = Html::parse_document(&html);
    doc.select(&selector("table.feed-table tbody tr"))
        .map(|tr| {
            let cells: Vec<ElementRef<'_>> = tr.select(&selector("td")).collect();
            FeedRow {
                title: first_text(tr, "th a"),
                url: first_text(tr, "th .url"),
                folder: cells.first().map(|c| text_of(*c)).unwrap_or_default(),
                items: cells.get(1).map(|c| text_of(*c)).unwrap_or_default(),
                health: cells.last().map(|c| text_of(*c)).unwrap_or_default(),
            }
        })
        .collect()
}

/// The feeds table's row for this address.
pub async fn feed_row(browser: &Browser, url: &str) -> FeedRow {
    feed_rows(browser)
        .await
        .into_iter()
        .find(|r| r.url == url)
        .unwrap_or_else(|| panic!("no row for {url}"))
}

/// A `commonroom` command against the test app's own database, allowed to reach loopback.
pub fn cli(app: &TestApp) -> tokio::process::Command {
    let mut cmd = app.command_in(app.data_dir());
    cmd.env("COMMONROOM__FETCH__ALLOW", "127.0.0.1");
    cmd
}

/// Run a CLI command to the end; it must succeed.
pub async fn run_cli(app: &TestApp, args: &[&str]) -> String {
    let out: Output = cli(app).args(args).output().await.expect("run commonroom");
    assert!(
        out.status.success(),
        "commonroom {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
