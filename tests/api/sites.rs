//! The admins' site lists: blocked domains cannot be shared (subdomains
//! included), approved ones are marked, and only admins keep the lists.

use commonroom::domain::role::Role;

use crate::helpers::{TestApp, location};
use crate::on_both_backends;

on_both_backends!(
    links_to_a_blocked_site_or_its_subdomains_are_refused_with_the_reason,
    removing_a_site_from_the_list_lets_links_through_again,
    only_admins_keep_the_site_lists,
    bad_site_entries_re_render_with_the_text_kept,
);

async fn links_to_a_blocked_site_or_its_subdomains_are_refused_with_the_reason(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    let r = admin
        .post(
            "/admin/sites",
            &[
                ("domain", "https://www.clickbait.example/story"),
                ("kind", "blocked"),
                ("note", "misleading health claims"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/admin/sites");
    let page = admin.text("/admin/sites").await;
    assert!(page.contains("clickbait.example") && page.contains("misleading health claims"));

    let member = app.signed_in("bo", Role::Contributor).await;
    let r = member
        .post(
            "/c/comms/posts",
            &[
                ("kind", "link"),
                ("title", "Miracle cure"),
                ("url", "https://news.clickbait.example/cure"),
                ("body", "My careful note"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains(
        "Links to clickbait.example cannot be shared here: the site is on the blocked list (misleading health claims)."
    ));
    assert!(body.contains("My careful note") && body.contains(r#"value="Miracle cure""#));
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM posts").await, 0);
    // A look-alike domain is not caught by the rule.
    let ok = member
        .create_post("comms", "link", "Fine", "https://notclickbait.example/", "Fine note")
        .await;
    assert!(ok > 0);
    // Editing a post to point at a blocked site is refused too.
    let r = member
        .post(
            &format!("/p/{ok}/edit"),
            &[
                ("kind", "link"),
                ("title", "Fine"),
                ("url", "https://clickbait.example/x"),
                ("body", "Fine note"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    // And previews never fetch it.
    let r = member
        .post(
            "/c/comms/preview",
            &[
                ("kind", "link"),
                ("url", "https://clickbait.example/x"),
                ("title", ""),
                ("body", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("on the blocked list"));
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'site.blocked'")
            .await,
        1
    );
}

async fn removing_a_site_from_the_list_lets_links_through_again(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    admin
        .post(
            "/admin/sites",
            &[("domain", "blocked.example"), ("kind", "blocked"), ("note", "")],
        )
        .await;
    let id = app
        .sql_i64("SELECT id FROM site_rules WHERE domain = 'blocked.example'")
        .await;
    // Moving it to the approved list replaces the old listing.
    admin
        .post(
            "/admin/sites",
            &[
                ("domain", "blocked.example"),
                ("kind", "approved"),
                ("note", "reviewed"),
            ],
        )
        .await;
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM site_rules").await, 1);
    admin
        .create_post("comms", "link", "Now fine", "https://blocked.example/a", "Note")
        .await;
    assert_eq!(
        admin.post(&format!("/admin/sites/{id}/remove"), &[]).await.status(),
        303
    );
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM site_rules").await, 0);
}

async fn only_admins_keep_the_site_lists(app: TestApp) {
    let member = app.signed_in("cy", Role::Curator).await;
    assert_eq!(member.get("/admin/sites").await.status(), 403);
    assert_eq!(
        member
            .post("/admin/sites", &[("domain", "x.example"), ("kind", "blocked")])
            .await
            .status(),
        403
    );
    assert_eq!(member.post("/admin/sites/1/remove", &[]).await.status(), 403);
    assert!(
        !member.text("/").await.contains("/admin/sites"),
        "no link in the navigation"
    );
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM site_rules").await, 0);
}

async fn bad_site_entries_re_render_with_the_text_kept(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    let r = admin
        .post(
            "/admin/sites",
            &[("domain", "not a domain"), ("kind", "approved"), ("note", "my note")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("Enter a domain like example.com"));
    assert!(body.contains(r#"value="not a domain""#) && body.contains(r#"value="my note""#));
    assert!(body.contains(r#"id="kind-approved" name="kind" value="approved" checked"#));
}
