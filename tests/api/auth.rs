//! Signing in and out, sessions, throttling and invites.

use commonroom::domain::role::Role;
use commonroom::store::invites;

use crate::helpers::{PASSWORD, TestApp, location};
use crate::on_both_backends;

on_both_backends!(
    signed_out_visitor_is_sent_to_sign_in_and_back,
    correct_password_signs_in_and_wrong_one_keeps_the_email,
    session_id_changes_at_sign_in,
    sign_out_ends_the_session_on_the_server,
    remember_me_makes_the_cookie_persistent_only_when_asked,
    repeated_failures_are_throttled_then_released,
    throttling_one_account_does_not_block_another_from_a_different_address,
    invite_link_creates_an_account_exactly_once,
    expired_invite_cannot_be_used,
    a_withdrawn_invite_keeps_its_expiry_and_stops_working,
    an_unused_invite_gets_a_new_link_and_the_old_one_stops,
    members_cannot_create_invites,
    suspended_account_cannot_sign_in,
    sign_out_everywhere_else_revokes_other_sessions,
    sessions_end_only_if_the_audit_log_records_it,
);

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("commonroom_session="))
        .map(str::to_owned)
}

async fn signed_out_visitor_is_sent_to_sign_in_and_back(app: TestApp) {
    let browser = app.browser();
    let r = browser.get("/c/anything?before=1").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login?next=%2Fc%2Fanything%3Fbefore%3D1");
    app.create_user("ann", Role::Member).await;
    let r = browser
        .post(
            "/login",
            &[
                ("email", "ann@example.org"),
                ("password", PASSWORD),
                ("next", "/channels"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/channels");
    // A next that points off-site is ignored.
    let other = app.browser();
    let r = other
        .post(
            "/login",
            &[
                ("email", "ann@example.org"),
                ("password", PASSWORD),
                ("next", "//evil.example/x"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/");
}

async fn correct_password_signs_in_and_wrong_one_keeps_the_email(app: TestApp) {
    app.create_user("bea", Role::Member).await;
    let browser = app.browser();
    let r = browser.sign_in("bea@example.org", "not the password").await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("do not match an account"), "{body}");
    assert!(body.contains(r#"value="bea@example.org""#), "email kept");
    assert_eq!(browser.get("/").await.status(), 303, "still signed out");

    let r = browser.sign_in("BEA@example.org ", PASSWORD).await;
    assert_eq!(r.status(), 303);
    let home = browser.text("/").await;
    assert!(home.contains("Bea"), "name shown in header");
}

async fn session_id_changes_at_sign_in(app: TestApp) {
    app.create_user("cal", Role::Member).await;
    // A session that exists before sign-in (as one planted by an attacker would).
    let planted = "AAAAAAAAAAAAAAAAAAAAAA";
    app.exec(&format!(
        "INSERT INTO sessions (id, user_id, data, expires_at, created_at) VALUES ('{planted}', NULL, '{{}}', '2999-01-01T00:00:00+00:00', '2020-01-01T00:00:00+00:00')"
    ))
    .await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = client
        .post(app.url("/login"))
        .header("cookie", format!("commonroom_session={planted}"))
        .form(&[("email", "cal@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let after = session_cookie(&r).expect("a session cookie at sign-in");
    let id = after
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("commonroom_session=");
    assert_ne!(id, planted, "session id must rotate at sign-in");
    assert_eq!(
        app.sql_i64(&format!("SELECT COUNT(*) FROM sessions WHERE id = '{planted}'"))
            .await,
        0
    );
    assert!(after.contains("HttpOnly"), "{after}");
    assert!(after.contains("SameSite=Lax"), "{after}");
    assert!(
        !after.contains("Secure"),
        "plain-HTTP test server must not set Secure: {after}"
    );
}

async fn sign_out_ends_the_session_on_the_server(app: TestApp) {
    app.create_user("dan", Role::Member).await;
    let browser = app.browser();
    let r = browser.sign_in("dan@example.org", PASSWORD).await;
    let cookie = session_cookie(&r).expect("cookie");
    let pair = cookie.split(';').next().unwrap().to_owned();
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM sessions WHERE user_id IS NOT NULL")
            .await,
        1
    );
    let r = browser.post("/logout", &[]).await;
    assert_eq!(location(&r), "/login");
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM sessions WHERE user_id IS NOT NULL")
            .await,
        0
    );
    // Replaying the old cookie gets nowhere.
    let replay = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = replay.get(app.url("/")).header("cookie", pair).send().await.unwrap();
    assert_eq!(r.status(), 303);
}

async fn remember_me_makes_the_cookie_persistent_only_when_asked(app: TestApp) {
    app.create_user("eve", Role::Member).await;
    let plain = session_cookie(&app.browser().sign_in("eve@example.org", PASSWORD).await).unwrap();
    assert!(
        !plain.contains("Max-Age") && !plain.contains("Expires"),
        "browser-session cookie: {plain}"
    );
    let remembered = app
        .browser()
        .post(
            "/login",
            &[("email", "eve@example.org"), ("password", PASSWORD), ("remember", "on")],
        )
        .await;
    let remembered = session_cookie(&remembered).unwrap();
    assert!(
        remembered.contains("Max-Age") || remembered.contains("Expires"),
        "{remembered}"
    );
}

async fn repeated_failures_are_throttled_then_released(app: TestApp) {
    app.create_user("fay", Role::Member).await;
    let browser = app.browser();
    for _ in 0..5 {
        assert_eq!(browser.sign_in("fay@example.org", "wrong guess").await.status(), 422);
    }
    // Now even the right password waits.
    let r = browser.sign_in("fay@example.org", PASSWORD).await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.unwrap().contains("Too many sign-in attempts"));
    // Once the wait has passed (moved into the past here), the real person gets in.
    app.exec("UPDATE login_throttle SET blocked_until = NULL").await;
    assert_eq!(browser.sign_in("fay@example.org", PASSWORD).await.status(), 303);
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM login_throttle WHERE key = 'account:fay@example.org'")
            .await,
        0,
        "success clears the account's count"
    );
}

async fn throttling_one_account_does_not_block_another_from_a_different_address(app: TestApp) {
    app.create_user("gus", Role::Member).await;
    app.create_user("hal", Role::Member).await;
    let browser = app.browser();
    for _ in 0..5 {
        browser.sign_in("gus@example.org", "wrong guess").await;
    }
    assert_eq!(browser.sign_in("gus@example.org", PASSWORD).await.status(), 429);
    // Same address, other account: under the (higher) per-address limit, so allowed.
    assert_eq!(app.browser().sign_in("hal@example.org", PASSWORD).await.status(), 303);
}

async fn invite_link_creates_an_account_exactly_once(app: TestApp) {
    let admin = app.signed_in("admin", Role::Admin).await;
    let r = admin.post("/admin/invites", &[("email", ""), ("role", "member")]).await;
    assert_eq!(r.status(), 201);
    let page = r.text().await.unwrap();
    let link = page
        .split("value=\"")
        .find_map(|s| s.split('"').next().filter(|v| v.contains("/invite/")))
        .expect("link shown");
    let path = link
        .split_once("/invite/")
        .map(|(_, t)| format!("/invite/{t}"))
        .unwrap();

    let newcomer = app.browser();
    assert_eq!(newcomer.get(&path).await.status(), 200);
    // Bad input re-renders with the text kept.
    let r = newcomer
        .post(
            &path,
            &[
                ("name", "Iris Ng"),
                ("email", "iris@example.org"),
                ("password", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("Iris Ng") && body.contains("iris@example.org") && body.contains("at least 10 characters"));

    let r = newcomer
        .post(
            &path,
            &[
                ("name", "Iris Ng"),
                ("email", "iris@example.org"),
                ("password", "a fine long one"),
                ("confirm", "a fine long one"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        newcomer.text("/channels").await.contains("Iris Ng"),
        "signed in straight away"
    );

    let again = app.browser();
    let r = again
        .post(
            &path,
            &[
                ("name", "Mallory"),
                ("email", "m@example.org"),
                ("password", "a fine long one"),
                ("confirm", "a fine long one"),
            ],
        )
        .await;
    assert_eq!(r.status(), 410);
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM users WHERE email = 'm@example.org'")
            .await,
        0
    );
}

async fn expired_invite_cannot_be_used(app: TestApp) {
    let admin_id = app.create_user("root", Role::Admin).await;
    let token = invites::create(&app.db, admin_id, None, Role::Member, 7).await.unwrap();
    app.exec("UPDATE invites SET expires_at = created_at").await;
    let r = app.browser().get(&format!("/invite/{token}")).await;
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("cannot be used"));
}

async fn members_cannot_create_invites(app: TestApp) {
    let member = app.signed_in("jo", Role::Member).await;
    assert_eq!(member.get("/admin/invites").await.status(), 403);
    assert_eq!(
        member
            .post("/admin/invites", &[("email", ""), ("role", "admin")])
            .await
            .status(),
        403
    );
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM invites").await, 0);
}

async fn suspended_account_cannot_sign_in(app: TestApp) {
    let browser = app.signed_in("kay", Role::Member).await;
    app.exec("UPDATE users SET status = 'suspended' WHERE handle = 'kay'")
        .await;
    assert_eq!(browser.get("/").await.status(), 303, "existing session stops working");
    assert_eq!(app.browser().sign_in("kay@example.org", PASSWORD).await.status(), 422);
}

async fn sign_out_everywhere_else_revokes_other_sessions(app: TestApp) {
    let laptop = app.signed_in("lee", Role::Member).await;
    let phone = app.browser();
    phone.sign_in("lee@example.org", PASSWORD).await;
    assert_eq!(phone.get("/").await.status(), 200);
    let r = laptop.post("/profile/sessions/revoke", &[("confirm", "yes")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(phone.get("/").await.status(), 303, "other session ended");
    assert_eq!(laptop.get("/").await.status(), 200, "this session kept");
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'sessions.revoke_others' AND detail = '1'")
            .await,
        1,
        "the audit log says who ended how many"
    );
}

async fn sessions_end_only_if_the_audit_log_records_it(app: TestApp) {
    let laptop = app.signed_in("lee", Role::Member).await;
    let phone = app.browser();
    phone.sign_in("lee@example.org", PASSWORD).await;
    app.refuse("INSERT", "audit_log").await;

    let r = laptop.post("/profile/sessions/revoke", &[("confirm", "yes")]).await;

    assert_eq!(r.status(), 500);
    assert_eq!(
        phone.get("/").await.status(),
        200,
        "no session ended without its audit row"
    );
}

async fn a_withdrawn_invite_keeps_its_expiry_and_stops_working(app: TestApp) {
    let admin = app.signed_in("admin", Role::Admin).await;
    let r = admin.post("/admin/invites", &[("email", ""), ("role", "member")]).await;
    let page = r.text().await.unwrap();
    let token = page
        .split("/invite/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("link shown")
        .to_owned();
    let id = app.sql_i64("SELECT MAX(id) FROM invites").await;
    let expiry = |page: &str| {
        page.split("<td><time datetime=\"")
            .nth(2)
            .and_then(|rest| rest.split('"').next())
            .map(str::to_owned)
    };
    let before = admin.text("/admin/invites").await;
    assert!(before.contains("<td>Member</td>"), "one spelling of the role: {before}");

    let r = admin
        .post(&format!("/admin/invites/{id}/withdraw"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), 303);
    let after = admin.text("/admin/invites").await;
    assert!(after.contains("<td>Withdrawn "), "{after}");
    assert!(!after.contains("Expired"), "{after}");
    assert_eq!(expiry(&after), expiry(&before), "the expiry is kept");
    assert!(expiry(&after).is_some());
    assert_eq!(app.browser().get(&format!("/invite/{token}")).await.status(), 410);
}

async fn an_unused_invite_gets_a_new_link_and_the_old_one_stops(app: TestApp) {
    let admin = app.signed_in("admin", Role::Admin).await;
    let link_in = |page: &str| {
        page.split("/invite/")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("link shown")
            .to_owned()
    };
    let r = admin
        .post(
            "/admin/invites",
            &[("email", "kim@example.org"), ("role", "contributor")],
        )
        .await;
    let old = link_in(&r.text().await.unwrap());
    let id = app.sql_i64("SELECT MAX(id) FROM invites").await;
    // Expired before it was used: an administrator gives a new link.
    app.exec(&format!("UPDATE invites SET expires_at = created_at WHERE id = {id}"))
        .await;
    assert!(admin.text("/admin/invites").await.contains("Expired"));
    let r = admin.post(&format!("/admin/invites/{id}/renew"), &[]).await;
    assert_eq!(r.status(), 201);
    let new = link_in(&r.text().await.unwrap());
    assert_ne!(new, old);
    assert_eq!(app.browser().get(&format!("/invite/{old}")).await.status(), 410);
    let page = app.browser().get(&format!("/invite/{new}")).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("kim@example.org"), "same address");
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM invites WHERE email = 'kim@example.org' AND role = 'contributor'")
            .await,
        2,
        "the same address and role"
    );
    // A used invite, or one that is not there, gets no new link.
    assert_eq!(admin.post("/admin/invites/999999/renew", &[]).await.status(), 404);
    let bo = app.signed_in("bo", Role::Member).await;
    assert_eq!(bo.post(&format!("/admin/invites/{id}/renew"), &[]).await.status(), 403);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM invites").await, 2);
}
