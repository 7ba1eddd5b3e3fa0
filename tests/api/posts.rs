//! Posts: both kinds, validation, editing, deleting, and who may do which.

use commonroom::domain::role::Role;

use crate::helpers::{TestApp, location};
use crate::on_both_backends;

on_both_backends!(
    link_post_shows_title_domain_and_note,
    discussion_post_renders_markdown,
    raw_html_addresses_and_images_in_a_post_show_as_text_and_links,
    bad_post_re_renders_with_the_text_kept_and_errors_beside_fields,
    author_edits_and_an_edited_marker_shows,
    another_users_post_cannot_be_edited_or_deleted_by_url,
    author_deletes_and_a_notice_remains_in_the_thread,
    admin_may_delete_anyones_post_and_it_is_audited,
    script_and_handlers_in_notes_and_replies_are_inert,
    content_changes_write_search_outbox_rows,
);

async fn setup(app: &TestApp) -> (crate::helpers::Browser, String) {
    let admin = app.signed_in("ada", Role::Admin).await;
    let slug = app.channel(&admin, "Digital comms", "digital-comms").await;
    (admin, slug)
}

async fn link_post_shows_title_domain_and_note(app: TestApp) {
    let (admin, slug) = setup(&app).await;
    let id = admin
        .create_post(
            &slug,
            "link",
            "Writing for GOV.UK",
            "https://www.gov.uk/guidance/content-design?utm_source=x",
            "Plain English **saves** calls.",
        )
        .await;
    let thread = admin.text(&format!("/p/{id}")).await;
    assert!(thread.contains("Writing for GOV.UK"));
    assert!(thread.contains(r#"href="https://www.gov.uk/guidance/content-design?utm_source=x""#));
    assert!(thread.contains(">gov.uk<"), "domain shown without www");
    assert!(thread.contains("Why it matters"));
    assert!(thread.contains("<strong>saves</strong>"));
    let feed = admin.text(&format!("/c/{slug}")).await;
    assert!(feed.contains("Writing for GOV.UK") && feed.contains("gov.uk"));
}

async fn discussion_post_renders_markdown(app: TestApp) {
    let (admin, slug) = setup(&app).await;
    let id = admin
        .create_post(
            &slug,
            "discussion",
            "Alt text on posters",
            "",
            "Do we:\n\n- add it\n- skip it",
        )
        .await;
    let thread = admin.text(&format!("/p/{id}")).await;
    assert!(thread.contains("<li>add it</li>"));
    assert!(!thread.contains("Why it matters"));
}

/// What newcomers paste: a line that starts with HTML, a bare address, a
/// picture. The HTML is shown as text in a paragraph (and the mention on
/// that line still links and is recorded), the address links, and the
/// picture is a link labelled with its alt text.
async fn raw_html_addresses_and_images_in_a_post_show_as_text_and_links(app: TestApp) {
    let (admin, slug) = setup(&app).await;
    app.create_user("gareth.lloyd", Role::Member).await;

    let id = admin
        .create_post(
            &slug,
            "discussion",
            "Things people paste",
            "",
            "<script>alert(1)</script> and @gareth.lloyd\n\nSee https://www.gov.uk/guidance/x.\n\n![Gritting map](https://example.org/map.png)",
        )
        .await;
    let thread = admin.text(&format!("/p/{id}")).await;

    assert!(!thread.contains("<script>alert"), "{thread}");
    assert!(
        thread.contains(r#"<p>&lt;script&gt;alert(1)&lt;/script&gt; and <a class="mention" href="/u/gareth.lloyd""#),
        "{thread}"
    );
    assert!(thread.contains(">@gareth.lloyd</a></p>"), "{thread}");
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM mentions").await, 1, "gareth is told");
    assert!(thread.contains(r#"href="https://www.gov.uk/guidance/x""#), "{thread}");
    assert!(thread.contains(">https://www.gov.uk/guidance/x</a>.</p>"), "{thread}");
    assert!(thread.contains(r#"href="https://example.org/map.png""#), "{thread}");
    assert!(thread.contains(">Image: Gritting map</a>"), "{thread}");
    assert!(!thread.contains("<p></p>"), "{thread}");
}

async fn bad_post_re_renders_with_the_text_kept_and_errors_beside_fields(app: TestApp) {
    let (admin, slug) = setup(&app).await;
    let r = admin
        .post(
            &format!("/c/{slug}/posts"),
            &[
                ("kind", "link"),
                ("title", "My carefully written title"),
                ("url", "javascript:alert(1)"),
                ("body", "A note I do not want to lose"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains(r#"value="My carefully written title""#));
    assert!(body.contains("A note I do not want to lose"));
    assert!(body.contains("Only web links (http or https) can be shared."));
    assert!(body.contains(r#"id="url-error""#) && body.contains(r#"aria-describedby="url-error"#));
    let r = admin
        .post(
            &format!("/c/{slug}/posts"),
            &[("kind", "link"), ("title", ""), ("url", ""), ("body", "")],
        )
        .await;
    let body = r.text().await.unwrap();
    let (url, title, note) = (
        body.find(r##"href="#url""##),
        body.find(r##"href="#title""##),
        body.find(r##"href="#body""##),
    );
    assert!(
        url < title && title < note && url.is_some(),
        "the summary lists errors in the order of the form"
    );
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM posts").await, 0);
}

async fn author_edits_and_an_edited_marker_shows(app: TestApp) {
    let (admin, slug) = setup(&app).await;
    let id = admin
        .create_post(&slug, "discussion", "Original title", "", "First words")
        .await;
    assert!(!admin.text(&format!("/p/{id}")).await.contains("(edited)"));
    let form = admin.text(&format!("/p/{id}/edit")).await;
    assert!(form.contains("First words"));
    let r = admin
        .post(
            &format!("/p/{id}/edit"),
            &[
                ("kind", "discussion"),
                ("title", "Better title"),
                ("body", "Second words"),
            ],
        )
        .await;
    assert_eq!(location(&r), format!("/p/{id}"));
    let thread = admin.text(&format!("/p/{id}")).await;
    assert!(thread.contains("Better title") && thread.contains("Second words") && thread.contains("(edited)"));
    let r = admin
        .post(
            &format!("/p/{id}/edit"),
            &[("kind", "discussion"), ("title", ""), ("body", "Kept text")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Kept text"));
}

async fn another_users_post_cannot_be_edited_or_deleted_by_url(app: TestApp) {
    let (admin, slug) = setup(&app).await;
    let author = app.signed_in("amy", Role::Contributor).await;
    let id = author.create_post(&slug, "discussion", "Mine", "", "My words").await;
    let other = app.signed_in("bob", Role::Member).await;
    assert_eq!(other.get(&format!("/p/{id}/edit")).await.status(), 403);
    assert_eq!(
        other
            .post(
                &format!("/p/{id}/edit"),
                &[("kind", "discussion"), ("title", "Hacked"), ("body", "x")]
            )
            .await
            .status(),
        403
    );
    assert_eq!(
        other
            .post(&format!("/p/{id}/delete"), &[("confirm", "yes")])
            .await
            .status(),
        403
    );
    // Admins delete (moderation) but never put words in someone's mouth.
    assert_eq!(
        admin
            .post(
                &format!("/p/{id}/edit"),
                &[("kind", "discussion"), ("title", "Hacked"), ("body", "x")]
            )
            .await
            .status(),
        403
    );
    let thread = other.text(&format!("/p/{id}")).await;
    assert!(thread.contains("My words") && !thread.contains("Hacked"));
    assert!(!thread.contains(&format!("/p/{id}/edit")), "no edit link for others");
    // Ids that do not exist are simply not found.
    assert_eq!(
        other.post("/p/999999/delete", &[("confirm", "yes")]).await.status(),
        404
    );
    assert_eq!(other.get("/p/not-a-number").await.status(), 404);
}

async fn author_deletes_and_a_notice_remains_in_the_thread(app: TestApp) {
    let (admin, slug) = setup(&app).await;
    let id = admin.create_post(&slug, "discussion", "Short-lived", "", "Oops").await;
    admin.reply(id, "An early reply", None).await;
    let r = admin.post(&format!("/p/{id}/delete"), &[("confirm", "yes")]).await;
    assert_eq!(
        location(&r),
        format!("/p/{id}"),
        "to the thread, where it can be restored"
    );
    let thread = admin.text(&format!("/p/{id}")).await;
    assert!(thread.contains("Post deleted") && thread.contains("deleted by its author"));
    assert!(!thread.contains("Oops"));
    assert!(thread.contains("An early reply"), "replies kept");
    assert!(!admin.text(&format!("/c/{slug}")).await.contains("Short-lived"));
    assert!(!admin.text("/all").await.contains("Short-lived"));
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM posts").await,
        1,
        "soft delete keeps the row"
    );
}

async fn admin_may_delete_anyones_post_and_it_is_audited(app: TestApp) {
    let (admin, slug) = setup(&app).await;
    let member = app.signed_in("cat", Role::Contributor).await;
    let id = member
        .create_post(&slug, "discussion", "Something personal", "", "Contains personal data")
        .await;
    assert_eq!(
        admin
            .post(&format!("/p/{id}/delete"), &[("confirm", "yes")])
            .await
            .status(),
        303
    );
    assert!(
        member
            .text(&format!("/p/{id}"))
            .await
            .contains("deleted by an administrator")
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'post.delete'")
            .await,
        1
    );
}

async fn script_and_handlers_in_notes_and_replies_are_inert(app: TestApp) {
    let (admin, slug) = setup(&app).await;
    let evil = r##"<script>alert(1)</script><img src=x onerror=alert(2)> [click](javascript:alert(3)) <a href="#" onclick="alert(4)">x</a>"##;
    let id = admin
        .create_post(&slug, "link", "<b>Title</b>", "https://example.org/", evil)
        .await;
    admin.reply(id, evil, None).await;
    for page in [format!("/p/{id}"), format!("/c/{slug}"), "/all".to_owned()] {
        let html = admin.text(&page).await;
        assert!(!html.contains("<script>alert"), "{page}");
        assert!(!html.contains("<img src=x"), "{page}");
        assert!(
            !html.contains("onerror=alert") || html.contains("onerror=alert(2)&gt;"),
            "{page}"
        );
        assert!(!html.contains("href=\"javascript:"), "{page}");
        assert!(!html.contains("<a href=\"#\" onclick"), "{page}: no live handler");
        assert!(!html.contains("<b>Title</b>"), "{page}: titles are escaped");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{page}: shown as text"
        );
    }
}

async fn content_changes_write_search_outbox_rows(app: TestApp) {
    let (admin, slug) = setup(&app).await;
    let before = app.sql_i64("SELECT COUNT(*) FROM search_outbox").await;
    let id = admin.create_post(&slug, "discussion", "Indexed", "", "Body").await;
    let reply = admin.reply(id, "A reply", None).await;
    admin
        .post(
            &format!("/p/{id}/edit"),
            &[("kind", "discussion"), ("title", "Indexed 2"), ("body", "Body")],
        )
        .await;
    admin.post(&format!("/r/{reply}/delete"), &[("confirm", "yes")]).await;
    admin.post(&format!("/p/{id}/delete"), &[("confirm", "yes")]).await;
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM search_outbox").await - before, 5);
}
