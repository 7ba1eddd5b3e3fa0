//! What the search tests share: searching as a person would (the page and
//! the JSON API), writing posts at chosen times, and reading results back.

use chrono::{DateTime, Utc};
use commonroom::domain::post::PostDraft;
use commonroom::domain::role::Role;
use serde_json::Value;

use crate::helpers::{Browser, TestApp};

pub fn encode(q: &str) -> String {
    url::form_urlencoded::byte_serialize(q.as_bytes()).collect()
}

/// `/api/search?q=…` (and any extra query string) as JSON; the status must be 200.
pub async fn api(browser: &Browser, q: &str) -> Value {
    api_with(browser, q, "").await
}

pub async fn api_with(browser: &Browser, q: &str, extra: &str) -> Value {
    let r = browser.get(&format!("/api/search?q={}{extra}", encode(q))).await;
    let status = r.status();
    let body = r.text().await.expect("body");
    assert_eq!(status, 200, "GET /api/search?q={q}: {body}");
    serde_json::from_str(&body).expect("json")
}

/// The titles of the hits, in order (replies show as `reply:<first words>`).
pub fn titles(v: &Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| {
            let title = h["title"].as_str().unwrap_or_default();
            if title.is_empty() {
                format!("{}:{}", h["kind"].as_str().unwrap_or_default(), h["id"])
            } else {
                title.to_owned()
            }
        })
        .collect()
}

pub fn total(v: &Value) -> u64 {
    v["total"].as_u64().expect("total")
}

/// The search page's HTML.
pub async fn page(browser: &Browser, q: &str) -> String {
    let r = browser.get(&format!("/search?q={}", encode(q))).await;
    assert_eq!(r.status(), 200, "GET /search?q={q}");
    r.text().await.expect("body")
}

/// An admin with a channel, and a member who reads it.
pub struct World {
    pub admin: Browser,
    pub admin_id: i64,
    pub channel_id: i64,
}

pub async fn world(app: &TestApp) -> World {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Digital comms", "digital").await;
    World {
        admin_id: app.sql_i64("SELECT id FROM users WHERE handle = 'ada'").await,
        channel_id: app.sql_i64("SELECT id FROM channels WHERE slug = 'digital'").await,
        admin,
    }
}

/// A post written at a chosen time, straight into the store (as imports do).
pub async fn post_at(
    app: &TestApp,
    author: i64,
    channel: i64,
    (kind, title, url, body): (&str, &str, &str, &str),
    at: DateTime<Utc>,
) -> i64 {
    let draft = PostDraft::parse(kind, title, url, body).expect("valid draft");
    commonroom::store::posts::create_at(&app.db, author, channel, &draft, at)
        .await
        .expect("post")
}

pub fn days_ago(n: i64) -> DateTime<Utc> {
    Utc::now() - chrono::Duration::days(n)
}
