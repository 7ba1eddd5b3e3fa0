//! Cross-site request forgery, security headers, error pages, health and assets.

use commonroom::domain::role::Role;
use reqwest::header::{HeaderMap, HeaderValue};

use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(
    cross_site_posts_are_rejected_and_same_origin_ones_accepted,
    every_response_carries_security_headers,
    errors_are_calm_pages_with_the_right_status,
    healthz_answers_when_the_database_does,
    assets_are_fingerprinted_and_cached_for_a_year,
    state_never_changes_on_get,
    a_database_failure_shows_a_calm_500_page,
);

async fn cross_site_posts_are_rejected_and_same_origin_ones_accepted(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    let mut evil = HeaderMap::new();
    evil.insert("origin", HeaderValue::from_static("https://evil.example"));
    let r = admin
        .post_with("/channels", &[("name", "Evil"), ("slug", "evil")], evil)
        .await;
    assert_eq!(r.status(), 403);
    let mut cross = HeaderMap::new();
    cross.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
    let r = admin
        .post_with("/channels", &[("name", "Evil"), ("slug", "evil")], cross)
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM channels").await, 0);

    let host = app.address.trim_start_matches("http://").to_owned();
    let mut same = HeaderMap::new();
    same.insert("origin", HeaderValue::from_str(&format!("http://{host}")).unwrap());
    same.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
    let r = admin
        .post_with("/channels", &[("name", "Fine"), ("slug", "fine")], same)
        .await;
    assert_eq!(r.status(), 303);
    // Signing in is protected too (login CSRF).
    let mut evil = HeaderMap::new();
    evil.insert("origin", HeaderValue::from_static("https://evil.example"));
    let r = app
        .browser()
        .post_with(
            "/login",
            &[("email", "ada@example.org"), ("password", crate::helpers::PASSWORD)],
            evil,
        )
        .await;
    assert_eq!(r.status(), 403);
}

fn assert_security_headers(headers: &HeaderMap, what: &str) {
    let csp = headers
        .get("content-security-policy")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
        "{what}: {csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert_eq!(
        headers.get("x-content-type-options").map(|v| v.as_bytes()),
        Some(&b"nosniff"[..]),
        "{what}"
    );
    assert!(headers.get("referrer-policy").is_some(), "{what}");
}

async fn every_response_carries_security_headers(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    for path in ["/login", "/", "/channels", "/c/comms", "/nope", "/healthz"] {
        let r = admin.get(path).await;
        assert_security_headers(r.headers(), path);
    }
    let r = admin.post("/channels", &[("name", "")]).await;
    assert_security_headers(r.headers(), "form error");
    let html = admin.text("/").await;
    assert!(
        !html.contains("<script>") && !html.contains(" onclick="),
        "no inline script"
    );
    assert!(!html.contains("style=\""), "no inline style");
}

async fn errors_are_calm_pages_with_the_right_status(app: TestApp) {
    let member = app.signed_in("bo", Role::Member).await;
    let r = member.get("/no/such/page").await;
    assert_eq!(r.status(), 404);
    let body = r.text().await.unwrap();
    assert!(body.contains("Page not found") && body.contains("<main"));
    let r = member.get("/channels/new").await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("You cannot do that here"));
    assert_eq!(member.get("/p/123456").await.status(), 404);
    assert_eq!(member.get("/u/nobody-by-that-name").await.status(), 404);
}

async fn healthz_answers_when_the_database_does(app: TestApp) {
    let r = app.browser().get("/healthz").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "ok");
}

async fn assets_are_fingerprinted_and_cached_for_a_year(app: TestApp) {
    let html = app.browser().text("/login").await;
    let css = html
        .split("href=\"")
        .map(|s| s.split('"').next().unwrap_or_default())
        .find(|s| s.ends_with(".css"))
        .unwrap()
        .to_owned();
    assert!(css.starts_with("/assets/css/app.") && css.len() > "/assets/css/app..css".len());
    let r = app.browser().get(&css).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
    assert_eq!(app.browser().get("/assets/css/app.0000000000.css").await.status(), 404);
    let js = html
        .split("src=\"")
        .map(|s| s.split('"').next().unwrap_or_default())
        .find(|s| s.contains("htmx"))
        .unwrap()
        .to_owned();
    assert_eq!(app.browser().get(&js).await.status(), 200);
}

async fn state_never_changes_on_get(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    let id = admin.create_post("comms", "discussion", "Stay", "", "Still here").await;
    for path in [
        format!("/p/{id}/delete"),
        "/c/comms/archive".into(),
        "/c/comms/unfollow".into(),
        format!("/p/{id}/react"),
        "/logout".into(),
    ] {
        // An action's address opened is a question or a way back, never the action.
        let r = admin.get(&path).await;
        let status = r.status();
        assert!(status == 200 || status == 303, "{path}: {status}");
    }
    assert!(admin.text(&format!("/p/{id}")).await.contains("Still here"));
    assert!(admin.text("/c/comms").await.contains("Unfollow"));
}

async fn a_database_failure_shows_a_calm_500_page(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    let id = admin
        .create_post("comms", "discussion", "Fine so far", "", "Body")
        .await;
    app.exec("DROP TABLE post_reactions").await;
    let r = admin.get(&format!("/p/{id}")).await;
    assert_eq!(r.status(), 500);
    assert_security_headers(r.headers(), "500 page");
    let body = r.text().await.unwrap();
    assert!(body.contains("Sorry, something went wrong on our side"));
    assert!(!body.contains("post_reactions"), "no internals leak to the page");
}

#[tokio::test]
async fn reading_pages_does_not_write_sessions() {
    let Some(app) = crate::helpers::spawn_app(crate::helpers::Backend::Sqlite).await else {
        return;
    };
    for _ in 0..3 {
        app.browser().get("/login").await;
    }
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM sessions").await,
        0,
        "anonymous visits create no sessions"
    );
    let reader = app.signed_in("ann", Role::Member).await;
    let stored = app.sql_i64("SELECT COUNT(*) FROM sessions").await;
    reader.get("/").await;
    app.exec("UPDATE sessions SET data = data || ' '").await;
    reader.get("/channels").await;
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM sessions WHERE data LIKE '% '").await,
        stored,
        "a page view leaves the stored session as it was"
    );
}
