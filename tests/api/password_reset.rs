//! A forgotten password: a link by email (through a real SMTP server), asked
//! for by the person or sent by an administrator. The link works once, for
//! an active account only, and ends every session; asking never says
//! whether an address has an account.

use commonroom::domain::role::Role;
use commonroom::entities::password_reset;
use sea_orm::EntityTrait;

use crate::helpers::{Browser, PASSWORD, TestApp, location, spawn_app_with};
use crate::mail_sink::{MailSink, Received, received};

/// Run each named test against SQLite and PostgreSQL, the app sending
/// through a mail sink.
macro_rules! with_sink {
    ($($name:ident),* $(,)?) => { $(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::run(crate::helpers::Backend::Sqlite, |app, sink| Box::pin(super::$name(app, sink))).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::run(crate::helpers::Backend::Postgres, |app, sink| Box::pin(super::$name(app, sink))).await;
            }
        }
    )* };
}

with_sink!(
    a_link_works_once_and_signs_the_person_out_everywhere,
    any_address_gets_the_same_page_and_only_an_active_account_gets_mail,
    asking_again_ends_the_older_link_and_a_flood_sends_no_more,
    an_expired_link_no_longer_works_and_changes_nothing,
    an_administrator_sends_a_link_that_lasts_a_day,
    a_link_neither_resets_nor_reactivates_a_suspended_account,
);

type Test = fn(TestApp, MailSink) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

async fn run(backend: crate::helpers::Backend, test: Test) {
    let Some(sink) = MailSink::start() else {
        return;
    };
    let Some(app) = spawn_app_with(backend, |settings| sink.configure(settings)).await else {
        return;
    };
    test(app, sink).await;
}

const NEW_PASSWORD: &str = "a brand new sentence";

/// The reset link's path in a message's text part.
fn link_in(message: &Received) -> String {
    let text = message.part("text/plain").expect("a text part");
    let at = text.find("/password/reset/").expect("a reset link in the message");
    text[at..]
        .split(char::is_whitespace)
        .next()
        .expect("the link")
        .to_owned()
}

/// The messages the sink received for `to`.
fn mail_to(sink: &MailSink, to: &str) -> Vec<Received> {
    received(sink)
        .into_iter()
        .filter(|m| m.header("To").is_some_and(|t| t.contains(to)))
        .collect()
}

async fn ask_for_link(browser: &Browser, email: &str) -> reqwest::Response {
    browser.post("/password/forgot", &[("email", email)]).await
}

async fn choose(browser: &Browser, link: &str, password: &str, again: &str) -> reqwest::Response {
    browser.post(link, &[("password", password), ("confirm", again)]).await
}

async fn a_link_works_once_and_signs_the_person_out_everywhere(app: TestApp, sink: MailSink) {
    // Bo asks from a browser they are still signed in on; another is signed in too.
    let bo = app.signed_in("bo", Role::Member).await;
    let elsewhere = app.browser();
    assert_eq!(elsewhere.sign_in("bo@example.org", PASSWORD).await.status(), 303);
    let bo_id = app.user_id("bo").await;
    assert!(
        app.browser()
            .text("/login")
            .await
            .contains(r#"href="/password/forgot""#),
        "the sign-in page offers a way out"
    );

    let r = ask_for_link(&bo, "Bo@Example.org").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("If an account uses bo@example.org, we have sent a link")
    );
    let mail = mail_to(&sink, "bo@example.org");
    assert_eq!(mail.len(), 1, "one message for bo");
    assert_eq!(
        mail[0].header("Subject").as_deref(),
        Some("Choose a new Commonroom password")
    );
    let text = mail[0].part("text/plain").unwrap();
    assert!(
        text.contains("Hello Bo,") && text.contains("expires in 1 hour."),
        "{text}"
    );
    let link = link_in(&mail[0]);
    let token = link.trim_start_matches("/password/reset/");
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM password_resets WHERE token_hash = '{token}'"
        ))
        .await,
        0,
        "the token itself is never stored"
    );
    let row = password_reset::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!((row.user_id, row.requested_by, row.used_at), (bo_id, None, None));
    assert_eq!(row.expires_at - row.created_at, chrono::Duration::hours(1));

    let page = bo.text(&link).await;
    assert!(page.contains("Choose a new password") && page.contains("bo@example.org"));
    // Bad input: the form again with a message, and the link still works.
    let r = choose(&bo, &link, NEW_PASSWORD, "a different sentence").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("The two passwords do not match."));
    let r = choose(&bo, &link, "short", "short").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("at least 10 characters"));
    assert_eq!(bo.get(&link).await.status(), 200, "still usable");
    assert_eq!(elsewhere.get("/").await.status(), 200, "nothing changed yet");

    let r = choose(&bo, &link, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login");
    assert_eq!(
        app.sql_i64(&format!("SELECT COUNT(*) FROM sessions WHERE user_id = {bo_id}"))
            .await,
        0,
        "every session of bo's is gone, this browser's too"
    );
    // Signed in, /login would send bo home: the page shows, with the notice.
    let page = bo.text("/login").await;
    assert!(page.contains("Sign in with your new password"), "{page}");
    assert_eq!(bo.get("/").await.status(), 303, "this browser is signed out");
    assert_eq!(elsewhere.get("/").await.status(), 303, "and so is the other one");

    // Once only.
    let r = choose(&bo, &link, "yet another sentence", "yet another sentence").await;
    assert_eq!(r.status(), 410);
    let r = bo.get(&link).await;
    assert_eq!(r.status(), 410);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("This link no longer works")
            && page.contains(r#"href="/password/forgot""#)
            && !page.contains("bo@example.org"),
        "{page}"
    );

    assert_ne!(
        app.browser().sign_in("bo@example.org", PASSWORD).await.status(),
        303,
        "the old password no longer works"
    );
    assert_eq!(
        app.browser().sign_in("bo@example.org", NEW_PASSWORD).await.status(),
        303
    );
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'user.password_reset' \
             AND actor_id = {bo_id} AND target = 'user:{bo_id}'"
        ))
        .await,
        1
    );
}

async fn any_address_gets_the_same_page_and_only_an_active_account_gets_mail(app: TestApp, sink: MailSink) {
    app.create_user("bo", Role::Member).await;
    app.create_user("cy", Role::Member).await;
    app.exec("UPDATE users SET status = 'suspended' WHERE handle = 'cy'")
        .await;
    let mut pages = Vec::new();
    for email in ["bo@example.org", "nobody@example.org", "cy@example.org"] {
        let r = ask_for_link(&app.browser(), email).await;
        let status = r.status();
        let page = r.text().await.unwrap().replace(email, "X");
        pages.push((status, page));
    }
    assert_eq!(pages[0].0, 200);
    assert_eq!(pages[0], pages[1], "an unknown address gets the same page");
    assert_eq!(pages[0], pages[2], "a suspended one too");
    let all = received(&sink);
    assert_eq!(all.len(), 1, "only the active account gets mail");
    assert!(all[0].header("To").unwrap().contains("bo@example.org"));
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM password_resets").await, 1);

    // A malformed address is the one thing the page does say.
    let r = ask_for_link(&app.browser(), "not an address").await;
    assert_eq!(r.status(), 422);
    assert_eq!(received(&sink).len(), 1);
}

async fn asking_again_ends_the_older_link_and_a_flood_sends_no_more(app: TestApp, sink: MailSink) {
    app.create_user("bo", Role::Member).await;
    let visitor = app.browser();
    ask_for_link(&visitor, "bo@example.org").await;
    ask_for_link(&visitor, "bo@example.org").await;
    let mail = mail_to(&sink, "bo@example.org");
    assert_eq!(mail.len(), 2);
    let links: Vec<String> = mail.iter().map(link_in).collect();
    assert_ne!(links[0], links[1]);
    let statuses = (
        visitor.get(&links[0]).await.status().as_u16(),
        visitor.get(&links[1]).await.status().as_u16(),
    );
    // The sink's order is not the sending order: one of the two is open.
    assert!(matches!(statuses, (410, 200) | (200, 410)), "{statuses:?}");
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM password_resets WHERE used_at IS NULL")
            .await,
        2,
        "the older link is ended, not marked used"
    );

    for _ in 0..4 {
        let r = ask_for_link(&visitor, "bo@example.org").await;
        assert_eq!(r.status(), 200, "the page never changes");
    }
    assert_eq!(
        mail_to(&sink, "bo@example.org").len(),
        3,
        "at most three links per address in the window"
    );
}

async fn an_expired_link_no_longer_works_and_changes_nothing(app: TestApp, sink: MailSink) {
    let bo = app.signed_in("bo", Role::Member).await;
    let visitor = app.browser();
    ask_for_link(&visitor, "bo@example.org").await;
    let link = link_in(&mail_to(&sink, "bo@example.org")[0]);
    assert_eq!(visitor.get(&link).await.status(), 200);
    app.exec("UPDATE password_resets SET expires_at = '2000-01-01T00:00:00+00:00'")
        .await;

    let r = visitor.get(&link).await;
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("This link no longer works"));
    let r = choose(&visitor, &link, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(r.status(), 410);
    assert_eq!(bo.get("/").await.status(), 200, "still signed in");
    assert_eq!(
        app.browser().sign_in("bo@example.org", PASSWORD).await.status(),
        303,
        "the password is unchanged"
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'user.password_reset'")
            .await,
        0
    );
    // A made-up link reads the same.
    let r = visitor.get("/password/reset/not-a-link-we-sent").await;
    assert_eq!(r.status(), 410);
}

async fn an_administrator_sends_a_link_that_lasts_a_day(app: TestApp, sink: MailSink) {
    let ada = app.signed_in("ada", Role::Admin).await;
    let bo = app.signed_in("bo", Role::Member).await;
    let (ada_id, bo_id) = (app.user_id("ada").await, app.user_id("bo").await);
    let send = format!("/admin/users/{bo_id}/reset-link");
    let page = ada.text(&format!("/admin/users/{bo_id}")).await;
    assert!(
        page.contains(&format!(r#"action="{send}""#)) && page.contains("Send a password reset link"),
        "{page}"
    );

    assert_eq!(bo.post(&send, &[]).await.status(), 403, "administrators only");
    assert_eq!(received(&sink).len(), 0);

    let r = ada.post(&send, &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/admin/users/{bo_id}"));
    assert!(
        ada.text(&location(&r))
            .await
            .contains("A password reset link is on its way to bo@example.org")
    );
    let mail = mail_to(&sink, "bo@example.org");
    assert_eq!(mail.len(), 1);
    let text = mail[0].part("text/plain").unwrap();
    assert!(
        text.contains("administrator sent you this link") && text.contains("expires in 24 hours"),
        "{text}"
    );
    let row = password_reset::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert_eq!((row.user_id, row.requested_by), (bo_id, Some(ada_id)));
    assert_eq!(row.expires_at - row.created_at, chrono::Duration::hours(24));
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'user.reset_link_sent' \
             AND actor_id = {ada_id} AND target = 'user:{bo_id}'"
        ))
        .await,
        1
    );
    assert_eq!(bo.get("/").await.status(), 200, "sending changes nothing yet");

    let link = link_in(&mail[0]);
    let r = choose(&app.browser(), &link, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(r.status(), 303);
    assert_eq!(bo.get("/").await.status(), 303, "bo is signed out");
    assert_eq!(ada.get("/").await.status(), 200, "the administrator is not");
    assert_eq!(
        app.browser().sign_in("bo@example.org", NEW_PASSWORD).await.status(),
        303
    );
    assert_eq!(ada.post("/admin/users/999999/reset-link", &[]).await.status(), 404);
}

async fn a_link_neither_resets_nor_reactivates_a_suspended_account(app: TestApp, sink: MailSink) {
    let ada = app.signed_in("ada", Role::Admin).await;
    app.create_user("bo", Role::Member).await;
    let bo_id = app.user_id("bo").await;
    let visitor = app.browser();
    ask_for_link(&visitor, "bo@example.org").await;
    let link = link_in(&mail_to(&sink, "bo@example.org")[0]);
    let r = ada
        .post(
            &format!("/admin/users/{bo_id}/suspend"),
            &[("confirm", "yes"), ("reason", "left the council")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let hash_before = password_hash(&app, bo_id).await;

    assert_eq!(visitor.get(&link).await.status(), 410);
    let r = choose(&visitor, &link, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(r.status(), 410);
    assert_eq!(password_hash(&app, bo_id).await, hash_before);
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM users WHERE id = {bo_id} AND status = 'suspended'"
        ))
        .await,
        1,
        "still suspended"
    );
    assert_ne!(
        app.browser().sign_in("bo@example.org", NEW_PASSWORD).await.status(),
        303
    );

    // Nor does an administrator send one: the page says to reactivate first.
    let page = ada.text(&format!("/admin/users/{bo_id}")).await;
    assert!(!page.contains("Send a password reset link") && page.contains("reactivate it first"));
    let r = ada.post(&format!("/admin/users/{bo_id}/reset-link"), &[]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("reactivate it first"));
    assert_eq!(received(&sink).len(), 1, "only the first link was ever sent");
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'user.reset_link_sent'")
            .await,
        0
    );
}

async fn password_hash(app: &TestApp, id: i64) -> String {
    use sea_orm::{ConnectionTrait, Statement};
    let row = app
        .db
        .query_one(Statement::from_string(
            app.db.get_database_backend(),
            format!("SELECT password_hash FROM users WHERE id = {id}"),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<String>(0).unwrap()
}
