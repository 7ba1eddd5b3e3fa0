//! Administrators run the accounts at `/admin/users`: find anyone, change
//! roles, suspend (every session ends at once) and reactivate.

use commonroom::domain::role::Role;

use crate::helpers::{PASSWORD, TestApp, location};
use crate::on_both_backends;

on_both_backends!(
    administrators_find_people_and_others_cannot,
    a_suspension_signs_the_person_out_at_once_and_is_audited,
    roles_change_from_the_person_page_and_bad_input_changes_nothing,
);

async fn administrators_find_people_and_others_cannot(app: TestApp) {
    let ada = app.signed_in("ada", Role::Admin).await;
    let bo = app.signed_in("bo", Role::Member).await;
    app.create_user("kim.lee", Role::Curator).await;
    let page = ada.text("/admin/users").await;
    assert!(
        page.contains("Everyone (3)") && page.contains("kim.lee@example.org"),
        "{page}"
    );
    let page = ada.text("/admin/users?q=KIM").await;
    assert!(
        page.contains("1 of 3 match") && page.contains("Kim Lee") && !page.contains("bo@example.org"),
        "{page}"
    );
    assert!(page.contains("Member, Curator"), "{page}");
    assert_eq!(bo.get("/admin/users").await.status(), 403);
    let bo_id = app.sql_i64("SELECT id FROM users WHERE handle = 'bo'").await;
    assert_eq!(bo.get(&format!("/admin/users/{bo_id}")).await.status(), 403);
    assert_eq!(
        bo.post(&format!("/admin/users/{bo_id}/roles"), &[("role", "admin")])
            .await
            .status(),
        403
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM user_roles WHERE role = 'admin'")
            .await,
        1
    );
    assert_eq!(ada.get("/admin/users/999999").await.status(), 404);
}

async fn a_suspension_signs_the_person_out_at_once_and_is_audited(app: TestApp) {
    let ada = app.signed_in("ada", Role::Admin).await;
    let bo = app.signed_in("bo", Role::Member).await;
    let (ada_id, bo_id) = (
        app.sql_i64("SELECT id FROM users WHERE handle = 'ada'").await,
        app.sql_i64("SELECT id FROM users WHERE handle = 'bo'").await,
    );
    // No reason: the form comes back with a message, nothing changes.
    let r = ada
        .post(
            &format!("/admin/users/{bo_id}/suspend"),
            &[("confirm", "yes"), ("reason", "  ")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Say why"));
    assert_eq!(bo.get("/").await.status(), 200, "still signed in");
    // Not yourself.
    let r = ada
        .post(
            &format!("/admin/users/{ada_id}/suspend"),
            &[("confirm", "yes"), ("reason", "oops")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM users WHERE status = 'suspended'")
            .await,
        0
    );

    let r = ada
        .post(
            &format!("/admin/users/{bo_id}/suspend"),
            &[("confirm", "yes"), ("reason", "Reported hacked at 23:10")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(ada.text(&location(&r)).await.contains("signed out of 1 session"));
    let r = bo.get("/").await;
    assert_eq!(r.status(), 303, "bo's open browser is signed out on its next request");
    assert!(location(&r).starts_with("/login"));
    assert_ne!(app.browser().sign_in("bo@example.org", PASSWORD).await.status(), 303);
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'user.suspend' AND actor_id = {ada_id} \
             AND target = 'user:{bo_id}' AND detail = 'Reported hacked at 23:10'"
        ))
        .await,
        1
    );
    assert!(ada.text("/admin/users").await.contains("Suspended"));

    let r = ada.post(&format!("/admin/users/{bo_id}/reactivate"), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.browser().sign_in("bo@example.org", PASSWORD).await.status(), 303);
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'user.reactivate'")
            .await,
        1
    );
}

async fn roles_change_from_the_person_page_and_bad_input_changes_nothing(app: TestApp) {
    let ada = app.signed_in("ada", Role::Admin).await;
    let bo = app.signed_in("bo", Role::Member).await;
    let (ada_id, bo_id) = (
        app.sql_i64("SELECT id FROM users WHERE handle = 'ada'").await,
        app.sql_i64("SELECT id FROM users WHERE handle = 'bo'").await,
    );
    let page = ada.text(&format!("/admin/users/{bo_id}")).await;
    assert!(
        page.contains(r#"id="role-curator""#) && page.contains("Suspend account"),
        "{page}"
    );
    assert_eq!(bo.get("/inbox").await.status(), 403);

    let r = ada
        .post(&format!("/admin/users/{bo_id}/roles"), &[("role", "curator")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(bo.get("/inbox").await.status(), 200, "from bo's next click");

    // A role that does not exist: a message, nothing changed.
    let r = ada
        .post(&format!("/admin/users/{bo_id}/roles"), &[("role", "wizard")])
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        app.sql_i64(&format!("SELECT COUNT(*) FROM user_roles WHERE user_id = {bo_id}"))
            .await,
        1
    );
    // Nothing ticked: back to member.
    let r = ada.post(&format!("/admin/users/{bo_id}/roles"), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(bo.get("/inbox").await.status(), 403);
    // An administrator's own admin role stays whatever the form says.
    let r = ada.post(&format!("/admin/users/{ada_id}/roles"), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(ada.get("/admin/users").await.status(), 200);
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'user.roles'")
            .await,
        2,
        "given and taken away; nothing for the refused or unchanged"
    );
}

on_both_backends!(changing_ones_password_signs_out_everywhere_else);

async fn changing_ones_password_signs_out_everywhere_else(app: TestApp) {
    let bo = app.signed_in("bo", Role::Member).await;
    let elsewhere = app.browser();
    assert_eq!(elsewhere.sign_in("bo@example.org", PASSWORD).await.status(), 303);
    assert!(bo.text("/u/bo").await.contains(r#"href="/settings/password""#));
    let change = |current: &'static str, new: &'static str, again: &'static str| {
        let bo = &bo;
        async move {
            bo.post(
                "/settings/password",
                &[("current", current), ("password", new), ("confirm", again)],
            )
            .await
        }
    };
    // Wrong current password, too short, not the same twice: a message each, nothing changes.
    let r = change("not my password", "a brand new sentence", "a brand new sentence").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("not your current password"));
    let r = change(PASSWORD, "short", "short").await;
    assert_eq!(r.status(), 422);
    let r = change(PASSWORD, "a brand new sentence", "a different sentence").await;
    assert_eq!(r.status(), 422);
    assert_eq!(elsewhere.get("/").await.status(), 200, "nothing changed yet");

    let r = change(PASSWORD, "a brand new sentence", "a brand new sentence").await;
    assert_eq!(r.status(), 303);
    assert!(bo.text("/u/bo").await.contains("Signed out of 1 other session"));
    assert_eq!(bo.get("/").await.status(), 200, "this browser stays signed in");
    assert_eq!(elsewhere.get("/").await.status(), 303, "the other is signed out");
    assert_ne!(app.browser().sign_in("bo@example.org", PASSWORD).await.status(), 303);
    assert_eq!(
        app.browser()
            .sign_in("bo@example.org", "a brand new sentence")
            .await
            .status(),
        303
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'user.password'")
            .await,
        1
    );
}

on_both_backends!(the_audit_log_is_read_filtered_and_exported_by_administrators_only);

async fn the_audit_log_is_read_filtered_and_exported_by_administrators_only(app: TestApp) {
    let ada = app.signed_in("ada", Role::Admin).await;
    let bo = app.signed_in("bo", Role::Member).await;
    app.create_user("cy", Role::Member).await;
    let cy = app.sql_i64("SELECT id FROM users WHERE handle = 'cy'").await;
    let r = ada
        .post(
            &format!("/admin/users/{cy}/suspend"),
            &[("confirm", "yes"), ("reason", "=HYPERLINK(\"x\"), left")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = ada
        .post(&format!("/admin/users/{cy}/roles"), &[("role", "curator")])
        .await;
    assert_eq!(r.status(), 303);

    let page = ada.text("/audit").await;
    assert!(
        page.contains("user.suspend") && page.contains("user.roles") && page.contains("Ada (ada@example.org)"),
        "{page}"
    );
    let page = ada.text("/audit?action=user.suspend&actor=ada%40example.org").await;
    assert!(
        page.contains("user.suspend") && !page.contains("<td>user.roles</td>"),
        "{page}"
    );
    // Bad filters: a message each, the input kept, no entries.
    let r = ada.get("/audit?actor=nobody%40example.org").await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Nobody has that email address") && page.contains("nobody@example.org"),
        "{page}"
    );
    let r = ada.get("/audit?from=23%2F11%2F2026").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("YYYY-MM-DD"));
    let r = ada.get("/audit?action=post.explode").await;
    assert_eq!(r.status(), 422);

    let r = ada.get("/audit.csv?action=user.suspend").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"),
        "{:?}",
        r.headers()
    );
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[0].starts_with("id,when,actor_email"));
    assert!(
        lines[1].contains(&format!("user.suspend,user:{cy},\"'=HYPERLINK(\"\"x\"\"), left\"")),
        "never a formula: {csv}"
    );

    assert_eq!(bo.get("/audit").await.status(), 403);
    assert_eq!(bo.get("/audit.csv").await.status(), 403);
}
