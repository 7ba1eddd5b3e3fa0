//! No dead ends: every address a person can end up on answers a GET with a
//! page or a way to one (a form's address opened after a reload leads to the
//! form's page), no error comes back as an empty or plain-text body, and error
//! pages keep the site's frame (header, navigation, search, the person's menu)
//! for someone signed in, with wording that names who can actually help.

use commonroom::domain::role::Role;
use reqwest::header::{HeaderMap, HeaderValue};

use crate::helpers::{Browser, TestApp, location};
use crate::on_both_backends;

on_both_backends!(
    a_form_address_opened_leads_to_the_form,
    no_error_is_an_empty_or_bare_answer,
    error_pages_keep_the_frame_and_name_who_can_help,
);

async fn setup(app: &TestApp) -> (Browser, i64, i64) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    let post = admin
        .create_post("comms", "discussion", "Hello", "", "First words")
        .await;
    let reply = admin.reply(post, "A reply", None).await;
    (admin, post, reply)
}

async fn a_form_address_opened_leads_to_the_form(app: TestApp) {
    let (admin, post, reply) = setup(&app).await;
    // A form error leaves the browser on the form's address: the page shows
    // there, and reloading it later must not be a dead end.
    let r = admin
        .post("/c/comms/posts", &[("kind", "discussion"), ("title", ""), ("body", "")])
        .await;
    assert_eq!(r.status(), 422);
    let r = admin.post(&format!("/p/{post}/replies"), &[("body", "  ")]).await;
    assert_eq!(r.status(), 422);
    for (path, page) in [
        ("/c/comms/posts".to_owned(), "/c/comms".to_owned()),
        ("/c/comms/preview".into(), "/c/comms".into()),
        (format!("/p/{post}/replies"), format!("/p/{post}")),
        ("/profile".into(), "/u/ada".into()),
        ("/feeds/7/dry-run".into(), "/feeds/7".into()),
        ("/feeds/import".into(), "/feeds".into()),
        ("/inbox/5/dismiss".into(), "/inbox".into()),
        ("/c/comms/follow".into(), "/c/comms".into()),
        ("/c/comms/visibility".into(), "/c/comms/members".into()),
        (format!("/p/{post}/react"), format!("/p/{post}")),
        (format!("/r/{reply}/react"), format!("/r/{reply}")),
        (format!("/r/{reply}"), format!("/p/{post}#reply-{reply}")),
    ] {
        let r = admin.get(&path).await;
        assert_eq!(r.status(), 303, "GET {path}");
        assert_eq!(location(&r), page, "GET {path}");
    }
    // Signed out, the form's page in turn asks them to sign in.
    let r = app.browser().get("/c/comms/posts").await;
    assert_eq!(location(&r), "/c/comms");
}

fn assert_is_page(what: &str, body: &str) {
    assert!(
        body.contains("<html") && body.contains("<h1>"),
        "{what} is a page: {body:?}"
    );
}

async fn no_error_is_an_empty_or_bare_answer(app: TestApp) {
    let (admin, _, _) = setup(&app).await;
    // A method the address does not take (not GET): a page, and the Allow header kept.
    let r = admin
        .client
        .put(format!("{}/c/comms/posts", admin.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert!(r.headers().contains_key("allow"));
    assert_is_page("PUT", &r.text().await.unwrap());
    // A body the form cannot read.
    let r = admin
        .client
        .post(format!("{}/c/comms/posts", admin.base))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    let body = r.text().await.unwrap();
    assert_is_page("JSON to a form", &body);
    assert!(body.contains("Sign out"), "in the frame: {body}");
    // A form from another site.
    let mut evil = HeaderMap::new();
    evil.insert("origin", HeaderValue::from_static("https://evil.example"));
    evil.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
    let r = admin.post_with("/c/comms/posts", &[("title", "x")], evil).await;
    assert_eq!(r.status(), 403);
    assert_is_page("cross-site form", &r.text().await.unwrap());
    // A path that is not a number where one is expected, and an unknown address.
    for path in ["/p/not-a-number", "/nowhere"] {
        let r = admin.get(path).await;
        assert_eq!(r.status(), 404, "{path}");
        assert_is_page(path, &r.text().await.unwrap());
    }
    // The JSON API still answers in JSON, whatever the error.
    let r = admin.get("/api/nowhere").await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().starts_with("{\"error\""));
    let r = admin.post("/api/search", &[("q", "x")]).await;
    assert_eq!(r.status(), 405);
    assert!(r.text().await.unwrap().starts_with("{\"error\""));
    // Too much to send (last, from a client of its own: the server may close
    // the connection without reading the rest).
    let big = "x".repeat(3 * 1024 * 1024);
    let r = app.browser().post("/c/comms/posts", &[("body", &big)]).await;
    assert_eq!(r.status(), 413);
    assert_is_page("too large", &r.text().await.unwrap());
}

async fn error_pages_keep_the_frame_and_name_who_can_help(app: TestApp) {
    let (admin, _, _) = setup(&app).await;
    let bo = app.signed_in("bo", Role::Contributor).await;
    let bo_post = bo.create_post("comms", "discussion", "Bo's post", "", "Mine").await;

    let frame = |body: &str| {
        body.contains(r#"action="/logout""#)
            && body.contains(r#"href="/channels""#)
            && body.contains(r#"role="search""#)
    };
    let r = bo.get("/nowhere").await;
    assert_eq!(r.status(), 404);
    assert!(
        frame(&r.text().await.unwrap()),
        "a signed-in person's 404 keeps the frame"
    );

    let r = bo.get("/admin/invites").await;
    assert_eq!(r.status(), 403);
    let page = r.text().await.unwrap();
    assert!(frame(&page), "{page}");
    assert!(page.contains("Only administrators can do this"), "{page}");
    assert!(!page.contains("coordinator"), "{page}");

    let r = bo.get("/inbox").await;
    assert_eq!(r.status(), 403);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("for curators") && page.contains("ask a Commonroom administrator"),
        "{page}"
    );

    // An administrator is never told to ask an administrator.
    let r = admin.get(&format!("/p/{bo_post}/edit")).await;
    assert_eq!(r.status(), 403);
    let page = r.text().await.unwrap();
    assert!(frame(&page), "{page}");
    assert!(page.contains("As an administrator you can delete it"), "{page}");
    assert!(
        !page.contains("ask an administrator") && !page.contains("ask one of"),
        "{page}"
    );
    // A member is told who can.
    let r = bo.get(&format!("/p/{}/edit", bo_post - 1)).await;
    assert_eq!(r.status(), 403);
    let page = r.text().await.unwrap();
    assert!(page.contains("Only the person who wrote this"), "{page}");

    // Someone signed out sees the page without anyone's menu.
    let r = app.browser().get("/nowhere").await;
    assert_eq!(r.status(), 404);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Page not found") && !page.contains(r#"action="/logout""#),
        "{page}"
    );
}
