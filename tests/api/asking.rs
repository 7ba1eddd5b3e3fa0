//! Asking before destroying (WCAG 3.3.4): deleting a post or a reply,
//! archiving a channel, withdrawing an invite, removing a member and signing
//! out everywhere else each ask first. The button's first answer is the
//! question (so it works without JavaScript), opening the action's address
//! shows the same question, and only a confirmed form acts. Deleted posts and
//! replies can be restored for 30 days. (Stopping following a feed asks too:
//! `curation::inbox`.)

use commonroom::domain::role::Role;
use sea_orm::ConnectionTrait;

use crate::helpers::{Browser, TestApp, location};
use crate::on_both_backends;

on_both_backends!(
    every_destructive_action_asks_first_and_acts_only_when_confirmed,
    deleted_posts_and_replies_come_back_for_their_author,
    what_an_administrator_removed_only_an_administrator_restores,
    nothing_can_be_restored_after_thirty_days,
);

/// The question page for `path`, both as the form's first answer and as the
/// address opened; it must offer the confirmed form and a way back.
async fn asks(who: &Browser, path: &str, question: &str) {
    for (how, r) in [("POST", who.post(path, &[]).await), ("GET", who.get(path).await)] {
        assert_eq!(r.status(), 200, "{how} {path}");
        let page = r.text().await.unwrap_or_default();
        assert!(page.contains(question), "{how} {path} asks {question:?}: {page}");
        assert!(page.contains(&format!(r#"action="{path}""#)), "{how} {path}: {page}");
        assert!(page.contains(r#"name="confirm" value="yes""#), "{how} {path}: {page}");
        assert!(page.contains(">Cancel</a>"), "{how} {path}: {page}");
    }
}

async fn every_destructive_action_asks_first_and_acts_only_when_confirmed(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    let post = admin.create_post("comms", "discussion", "Stay", "", "Still here").await;
    let reply = admin.reply(post, "A reply", None).await;
    app.working_group(&admin, "private-listed").await;
    let bo = app.signed_in("bo", Role::Member).await;
    assert_eq!(admin.post("/c/wg/members", &[("handle", "@bo")]).await.status(), 303);
    let bo_id = app.sql_i64("SELECT id FROM users WHERE handle = 'bo'").await;
    let r = admin
        .post("/admin/invites", &[("email", "new@example.org"), ("role", "member")])
        .await;
    assert_eq!(r.status(), 201);
    let invite = app.sql_i64("SELECT MAX(id) FROM invites").await;
    let phone = app.browser();
    phone.sign_in("ada@example.org", crate::helpers::PASSWORD).await;

    let cases: [(String, &str, &str); 6] = [
        (
            format!("/p/{post}/delete"),
            "Delete this post?",
            "SELECT COUNT(*) FROM posts WHERE deleted_at IS NULL",
        ),
        (
            format!("/r/{reply}/delete"),
            "Delete this reply?",
            "SELECT COUNT(*) FROM replies WHERE deleted_at IS NULL",
        ),
        (
            "/c/comms/archive".into(),
            "Archive Comms?",
            "SELECT COUNT(*) FROM channels WHERE archived_at IS NULL",
        ),
        (
            format!("/c/wg/members/{bo_id}/remove"),
            "from Working group?",
            "SELECT COUNT(*) FROM channel_members",
        ),
        (
            format!("/admin/invites/{invite}/withdraw"),
            "Withdraw the invite for new@example.org?",
            "SELECT COUNT(*) FROM invites WHERE withdrawn_at IS NULL",
        ),
        (
            "/profile/sessions/revoke".into(),
            "Sign out everywhere else?",
            "SELECT COUNT(*) FROM audit_log WHERE action <> 'sessions.revoke_others'",
        ),
    ];
    for (path, question, unchanged) in &cases {
        let before = app.sql_i64(unchanged).await;
        asks(&admin, path, question).await;
        assert_eq!(
            app.sql_i64(unchanged).await,
            before,
            "{path}: nothing happens before confirming"
        );
    }
    assert_eq!(
        phone.get("/").await.status(),
        200,
        "the other session lives until confirmed"
    );
    assert!(bo.text("/c/wg").await.contains("Working group"), "bo is still a member");

    for (path, _, _) in &cases {
        let r = admin.post(path, &[("confirm", "yes")]).await;
        assert_eq!(r.status(), 303, "{path} confirmed");
    }
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM posts WHERE deleted_at IS NULL").await,
        0
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM replies WHERE deleted_at IS NULL")
            .await,
        0
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM channels WHERE slug = 'comms' AND archived_at IS NOT NULL")
            .await,
        1
    );
    let bo_member = format!("SELECT COUNT(*) FROM channel_members WHERE user_id = {bo_id}");
    assert_eq!(app.sql_i64(&bo_member).await, 0);
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM invites WHERE withdrawn_at IS NOT NULL")
            .await,
        1
    );
    assert_eq!(phone.get("/").await.status(), 303, "the other session ended");

    // Signing out asks too when its address is typed; the form itself does not.
    let r = admin.get("/logout").await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap_or_default().contains("Sign out of Commonroom?"));
    assert_eq!(admin.get("/").await.status(), 200, "opening /logout signs nobody out");
    assert_eq!(location(&admin.post("/logout", &[]).await), "/login");
    assert_eq!(location(&admin.get("/logout").await), "/login");
}

async fn deleted_posts_and_replies_come_back_for_their_author(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    let bo = app.signed_in("bo", Role::Contributor).await;
    let post = bo
        .create_post("comms", "discussion", "Back again", "", "Words worth keeping")
        .await;
    let reply = bo.reply(post, "A second thought", None).await;
    admin.reply(post, "Noted", None).await;

    assert_eq!(
        bo.post(&format!("/r/{reply}/delete"), &[("confirm", "yes")])
            .await
            .status(),
        303
    );
    let r = bo.post(&format!("/p/{post}/delete"), &[("confirm", "yes")]).await;
    assert_eq!(
        location(&r),
        format!("/p/{post}"),
        "the thread, where it can be restored"
    );
    let thread = bo.text(&format!("/p/{post}")).await;
    assert!(
        thread.contains("Post deleted") && thread.contains("You can restore it until"),
        "{thread}"
    );
    assert!(thread.contains(&format!(r#"action="/p/{post}/restore""#)), "{thread}");
    assert!(!bo.text("/c/comms").await.contains("Back again"));
    // Someone else sees the notice but cannot restore it.
    let cy = app.signed_in("cy", Role::Member).await;
    assert!(!cy.text(&format!("/p/{post}")).await.contains("/restore"));
    assert_eq!(cy.post(&format!("/p/{post}/restore"), &[]).await.status(), 403);

    assert_eq!(
        location(&bo.post(&format!("/p/{post}/restore"), &[]).await),
        format!("/p/{post}")
    );
    assert_eq!(
        location(&bo.post(&format!("/r/{reply}/restore"), &[]).await),
        format!("/p/{post}#reply-{reply}")
    );
    let thread = bo.text(&format!("/p/{post}")).await;
    assert!(
        thread.contains("Words worth keeping") && thread.contains("A second thought"),
        "{thread}"
    );
    assert!(thread.contains("2 replies"), "the count is back: {thread}");
    assert!(bo.text("/c/comms").await.contains("Back again"));
    // Restoring the author's own words is theirs: nothing for the audit log.
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM audit_log WHERE action LIKE '%.restore'")
            .await,
        0
    );
    // The restored post is found again.
    app.search_settled().await;
    assert!(bo.text("/search?q=worth").await.contains("Back again"));
}

async fn what_an_administrator_removed_only_an_administrator_restores(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    let bo = app.signed_in("bo", Role::Contributor).await;
    let post = bo
        .create_post("comms", "discussion", "Taken down", "", "Against the guidelines")
        .await;
    admin.post(&format!("/p/{post}/delete"), &[("confirm", "yes")]).await;

    let thread = bo.text(&format!("/p/{post}")).await;
    assert!(!thread.contains("/restore"), "{thread}");
    let r = bo.post(&format!("/p/{post}/restore"), &[]).await;
    assert_eq!(r.status(), 403);
    let page = r.text().await.unwrap_or_default();
    assert!(page.contains("only an administrator can restore it"), "{page}");

    assert!(admin.text(&format!("/p/{post}")).await.contains("/restore"));
    assert_eq!(admin.post(&format!("/p/{post}/restore"), &[]).await.status(), 303);
    assert!(bo.text("/c/comms").await.contains("Taken down"));
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'post.restore'")
            .await,
        1
    );
}

async fn nothing_can_be_restored_after_thirty_days(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    let post = admin
        .create_post("comms", "discussion", "Long gone", "", "Old words")
        .await;
    admin.post(&format!("/p/{post}/delete"), &[("confirm", "yes")]).await;
    // Deleted 31 days ago, measured from now, whatever day the tests run.
    let long_ago = chrono::Utc::now() - chrono::Duration::days(31);
    let backend = app.db.get_database_backend();
    app.db
        .execute(sea_orm::Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DbBackend::Postgres => "UPDATE posts SET deleted_at = $1 WHERE id = $2",
                _ => "UPDATE posts SET deleted_at = ?1 WHERE id = ?2",
            },
            [long_ago.into(), post.into()],
        ))
        .await
        .expect("age the deletion");

    assert!(!admin.text(&format!("/p/{post}")).await.contains("/restore"));
    let r = admin.post(&format!("/p/{post}/restore"), &[]).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap_or_default().contains("more than 30 days ago"));
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM posts WHERE deleted_at IS NULL").await,
        0
    );
}
