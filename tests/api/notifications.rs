//! Notifications over HTTP, on both backends: who is told of a reply or a
//! mention (each once, never of their own action, never of what they cannot
//! read, even after leaving a working group), marking read, each person's
//! choices, and "email now" through a real SMTP server, batched, with its
//! one-click unsubscribe.

use commonroom::domain::role::Role;
use reqwest::redirect::Policy;

use crate::helpers::{Backend, Browser, TestApp, location, spawn_app_with};
use crate::mail_sink::{MailSink, received};
use crate::on_both_backends;

on_both_backends!(
    a_reply_tells_the_author_and_everyone_in_the_thread_once_each,
    a_mention_in_a_post_or_a_reply_links_to_it,
    nobody_is_told_of_their_own_action,
    a_working_group_never_leaks_and_leaving_it_drops_its_notifications,
    one_or_all_are_marked_read_and_the_count_follows_at_once,
    a_kind_switched_off_makes_nothing,
    a_post_scheduled_for_later_tells_its_mentions_when_it_goes_live,
    managers_hear_of_requests_to_join_and_the_requester_of_the_answer,
    an_announcement_tells_every_follower_who_may_read_it_once,
);

/// How many notifications of `kind` `handle` has (any state).
async fn count(app: &TestApp, handle: &str, kind: &str) -> i64 {
    app.sql_i64(&format!(
        "SELECT COUNT(*) FROM notices n JOIN users u ON u.id = n.user_id WHERE u.handle = '{handle}' AND n.kind = '{kind}'"
    ))
    .await
}

/// The unread count the page header shows.
fn unread(page: &str) -> i64 {
    page.split_once(r#"data-unread=""#)
        .and_then(|(_, rest)| rest.split('"').next())
        .and_then(|n| n.parse().ok())
        .expect("the header's unread count")
}

/// An admin, an open channel `comms`, and signed-in people with these handles
/// (contributors, so they may post).
async fn comms(app: &TestApp, people: &[&str]) -> (Browser, Vec<Browser>) {
    let ada = app.signed_in("ada", Role::Admin).await;
    app.channel(&ada, "Comms", "comms").await;
    let mut browsers = Vec::new();
    for handle in people {
        browsers.push(app.signed_in(handle, Role::Contributor).await);
    }
    (ada, browsers)
}

async fn a_reply_tells_the_author_and_everyone_in_the_thread_once_each(app: TestApp) {
    let (_ada, people) = comms(&app, &["bo", "cy", "dee"]).await;
    let [bo, cy, dee] = &people[..] else { unreachable!() };
    let post = bo
        .create_post("comms", "discussion", "Gritting routes", "", "Which roads first?")
        .await;

    let first = cy.reply(post, "The hill roads.", None).await;
    assert_eq!(count(&app, "bo", "reply").await, 1, "the post's author hears of it");
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM notices").await, 1, "and nobody else");

    // Dee replies mentioning Bo: Bo is told once (the mention), Cy as one
    // who took part.
    let second = dee.reply(post, "Agreed, @bo, and the school runs.", None).await;
    assert_eq!(count(&app, "bo", "mention").await, 1);
    assert_eq!(count(&app, "bo", "reply").await, 1, "the mention replaces the reply");
    assert_eq!(count(&app, "cy", "thread-reply").await, 1);
    assert_eq!(count(&app, "dee", "thread-reply").await, 0);

    let page = bo.text("/notifications").await;
    assert_eq!(unread(&page), 2, "{page}");
    assert!(page.contains("Dee</a> mentioned you in"), "{page}");
    assert!(page.contains(&format!(r#"href="/p/{post}#reply-{second}""#)), "{page}");
    assert!(page.contains("Cy</a> replied to your post"), "{page}");
    assert!(page.contains(&format!(r#"href="/p/{post}#reply-{first}""#)), "{page}");
    assert!(page.contains(r#"<a href="/c/comms">Comms</a>"#), "where: {page}");
    // The link's anchor is the reply's own on the thread page.
    assert!(
        bo.text(&format!("/p/{post}"))
            .await
            .contains(&format!(r#"id="reply-{second}""#))
    );
    let page = cy.text("/notifications").await;
    assert!(page.contains("Dee</a> replied in a thread you took part in"), "{page}");
}

async fn a_mention_in_a_post_or_a_reply_links_to_it(app: TestApp) {
    let (_ada, people) = comms(&app, &["bo", "cy", "dee"]).await;
    let [bo, cy, dee] = &people[..] else { unreachable!() };
    let post = bo
        .create_post("comms", "discussion", "Winter plan", "", "Over to @cy for the rota.")
        .await;
    let page = cy.text("/notifications").await;
    assert_eq!(unread(&page), 1);
    assert!(page.contains("Bo</a> mentioned you in"), "{page}");
    assert!(
        page.contains(&format!(r#"<a href="/p/{post}">Winter plan</a>"#)),
        "{page}"
    );
    assert!(page.contains("Over to @cy for the rota."), "the words: {page}");

    // In a reply on someone else's thread, by someone else.
    let reply = bo
        .create_post("comms", "discussion", "Budget", "", "Numbers soon.")
        .await;
    let r = dee.reply(reply, "@cy can you check these?", None).await;
    let page = cy.text("/notifications").await;
    assert_eq!(unread(&page), 2);
    assert!(page.contains(&format!(r#"href="/p/{reply}#reply-{r}""#)), "{page}");
    // Editing the post again tells nobody twice.
    let edited = bo
        .post(
            &format!("/p/{post}/edit"),
            &[
                ("kind", "discussion"),
                ("title", "Winter plan"),
                ("url", ""),
                ("body", "Over to @cy, thanks."),
            ],
        )
        .await;
    assert_eq!(edited.status(), 303);
    assert_eq!(count(&app, "cy", "mention").await, 2);
}

async fn nobody_is_told_of_their_own_action(app: TestApp) {
    let (_ada, people) = comms(&app, &["bo"]).await;
    let bo = &people[0];
    let post = bo
        .create_post("comms", "discussion", "Note to self", "", "Ask @bo later.")
        .await;
    bo.reply(post, "Still me, @bo.", None).await;
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM notices").await, 0);
    assert_eq!(unread(&bo.text("/").await), 0);
}

async fn a_working_group_never_leaks_and_leaving_it_drops_its_notifications(app: TestApp) {
    let ada = app.signed_in("ada", Role::Admin).await;
    app.working_group(&ada, "private-listed").await;
    let bo = app.signed_in("bo", Role::Member).await;
    let cy = app.signed_in("cy", Role::Member).await;
    let dee = app.signed_in("dee", Role::Member).await;
    for handle in ["bo", "cy"] {
        assert_eq!(ada.post("/c/wg/members", &[("handle", handle)]).await.status(), 303);
    }
    let post = bo
        .create_post("wg", "discussion", "Restructure draft", "", "@cy and @dee, thoughts?")
        .await;
    // Dee is no member: not told, not even that something exists.
    assert_eq!(count(&app, "dee", "mention").await, 0);
    let page = dee.text("/notifications").await;
    assert!(!page.contains("Restructure draft") && unread(&page) == 0, "{page}");
    cy.reply(post, "Looks right.", None).await;
    let page = cy.text("/notifications").await;
    assert!(page.contains("Restructure draft") && unread(&page) == 1, "{page}");
    assert_eq!(unread(&bo.text("/").await), 1, "the reply to Bo's post");

    // Cy leaves the group: the list and the count drop what came from it, at once.
    let cy_id = app.user_id("cy").await;
    let r = ada
        .post(&format!("/c/wg/members/{cy_id}/remove"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), 303);
    let page = cy.text("/notifications").await;
    assert!(!page.contains("Restructure draft"), "{page}");
    assert_eq!(unread(&page), 0);
    assert_eq!(count(&app, "cy", "mention").await, 1, "kept, in case they come back");
    assert_eq!(unread(&cy.text("/").await), 0);
}

async fn one_or_all_are_marked_read_and_the_count_follows_at_once(app: TestApp) {
    let (_ada, people) = comms(&app, &["bo", "cy"]).await;
    let [bo, cy] = &people[..] else { unreachable!() };
    let post = bo.create_post("comms", "discussion", "Rota", "", "Who is on?").await;
    for n in 0..3 {
        cy.reply(post, &format!("Me, shift {n}."), None).await;
    }
    assert_eq!(unread(&bo.text("/").await), 3);

    let first = app
        .sql_i64("SELECT MIN(n.id) FROM notices n JOIN users u ON u.id = n.user_id WHERE u.handle = 'bo'")
        .await;
    // Not someone else's to mark.
    assert_eq!(
        cy.post(&format!("/notifications/{first}/read"), &[]).await.status(),
        404
    );
    let r = bo.post(&format!("/notifications/{first}/read"), &[]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/notifications".into()));
    let page = bo.text("/notifications").await;
    assert_eq!(unread(&page), 2);
    assert_eq!(page.matches("Mark as read").count(), 2, "{page}");
    // A second click is harmless.
    assert_eq!(
        bo.post(&format!("/notifications/{first}/read"), &[]).await.status(),
        303
    );

    let r = bo.post("/notifications/read", &[]).await;
    assert_eq!(r.status(), 303);
    let page = bo.text(&location(&r)).await;
    assert_eq!(unread(&page), 0, "right after marking all read");
    assert!(page.contains("2 notifications marked as read."), "{page}");
    assert!(page.contains("Rota"), "read ones stay listed: {page}");
    assert_eq!(unread(&bo.text("/").await), 0);

    // The older address leads here.
    let r = bo.get("/notices").await;
    assert_eq!((r.status().as_u16(), location(&r)), (308, "/notifications".into()));
}

async fn a_kind_switched_off_makes_nothing(app: TestApp) {
    let (_ada, people) = comms(&app, &["bo", "cy"]).await;
    let [bo, cy] = &people[..] else { unreachable!() };
    let page = cy.text("/settings/notifications").await;
    assert!(
        page.contains(r#"id="mention-email""#) && !page.contains(r#"id="reply-email""#),
        "email only for mentions and announcements: {page}"
    );
    assert!(
        page.contains(r#"id="mention-app" name="mention" value="app" checked"#),
        "{page}"
    );
    let r = cy
        .post(
            "/settings/notifications",
            &[("mention", "off"), ("thread-reply", "off")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        cy.text("/settings/notifications")
            .await
            .contains(r#"id="mention-off" name="mention" value="off" checked"#)
    );

    bo.create_post("comms", "discussion", "Ping", "", "@cy are you there?")
        .await;
    let theirs = bo.create_post("comms", "discussion", "Thread", "", "Go.").await;
    cy.reply(theirs, "Here.", None).await;
    bo.reply(theirs, "Thanks @cy.", None).await;
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM notices n JOIN users u ON u.id = n.user_id WHERE u.handle = 'cy'")
            .await,
        0,
        "no mention, no reply in a thread they took part in"
    );

    // Replies to their own post are still on: a mention there falls back to it.
    let own = cy.create_post("comms", "discussion", "Mine", "", "Mine.").await;
    bo.reply(own, "Noted, @cy.", None).await;
    assert_eq!(count(&app, "cy", "reply").await, 1);
    assert_eq!(count(&app, "cy", "mention").await, 0);
}

async fn a_post_scheduled_for_later_tells_its_mentions_when_it_goes_live(app: TestApp) {
    use commonroom::domain::post::{PostDraft, PostKind};
    use commonroom::store::posts::{self, Placement};
    let (_ada, people) = comms(&app, &["bo", "cy"]).await;
    let cy = &people[1];
    let (bo_id, comms) = (
        app.user_id("bo").await,
        app.sql_i64("SELECT id FROM channels WHERE slug = 'comms'").await,
    );
    let at = commonroom::domain::time::now();
    let draft = PostDraft::parse(PostKind::Discussion.as_str(), "Embargoed", "", "For @cy, from noon.")
        .map_err(|_| "invalid")
        .expect("draft");
    let post = posts::create_placed(
        &app.db,
        bo_id,
        comms,
        &draft,
        at,
        Placement {
            publish_at: Some(at + chrono::Duration::days(1)),
            ..Placement::default()
        },
    )
    .await
    .expect("post");
    assert_eq!(count(&app, "cy", "mention").await, 0, "nothing before it is out");
    assert!(!cy.text("/notifications").await.contains("Embargoed"));

    // Its time comes (moved to now, so the test does not wait a day).
    {
        use commonroom::entities::post as row;
        use sea_orm::{ActiveModelTrait, EntityTrait, Set};
        let mut live: row::ActiveModel = row::Entity::find_by_id(post)
            .one(&app.db)
            .await
            .expect("read")
            .expect("the post")
            .into();
        live.published_at = Set(at - chrono::Duration::minutes(1));
        live.update(&app.db).await.expect("move");
    }
    app.exec("UPDATE jobs SET run_at = created_at WHERE kind = 'publish_post'")
        .await;
    app.drain_jobs().await;
    let page = cy.text("/notifications").await;
    assert!(page.contains("Embargoed") && unread(&page) == 1, "{page}");
    // A second run of the job tells nobody twice.
    commonroom::store::notifications::post_published(&app.db, post)
        .await
        .expect("again");
    assert_eq!(count(&app, "cy", "mention").await, 1);
}

// Email "now", through the real SMTP server.

mod mentions_by_email_go_batched_and_one_click_stops_them {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::with_sink(crate::helpers::Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::with_sink(crate::helpers::Backend::Postgres).await;
    }
}

async fn with_sink(backend: Backend) {
    let Some(sink) = MailSink::start() else {
        return;
    };
    let Some(app) = spawn_app_with(backend, |settings| sink.configure(settings)).await else {
        return;
    };
    mentions_by_email_go_batched_and_one_click_stops_them(app, sink).await;
}

async fn mentions_by_email_go_batched_and_one_click_stops_them(app: TestApp, sink: MailSink) {
    let (_ada, people) = comms(&app, &["bo", "cy"]).await;
    let [bo, cy] = &people[..] else { unreachable!() };
    let r = cy.post("/settings/notifications", &[("mention", "email")]).await;
    assert_eq!(r.status(), 303);

    // Two mentions within a quarter of an hour: one email carrying both.
    let first = bo
        .create_post("comms", "discussion", "Salt stock", "", "@cy how much is left?")
        .await;
    let second = bo
        .create_post("comms", "discussion", "Plough cover", "", "And @cy, who drives?")
        .await;
    // Replies to Bo are in the app only: not in the email.
    cy.reply(first, "Plenty.", None).await;
    app.drain_jobs().await;
    let mail = received(&sink);
    assert_eq!(mail.len(), 1, "one email for two mentions");
    let message = &mail[0];
    assert_eq!(message.header("To").as_deref(), Some("cy@example.org"));
    assert_eq!(
        message.header("Subject").as_deref(),
        Some("2 new notifications on Commonroom")
    );
    let text = message.part("text/plain").expect("a text part");
    assert!(
        text.contains("Bo mentioned you in “Salt stock” in Comms")
            && text.contains("Bo mentioned you in “Plough cover” in Comms"),
        "{text}"
    );
    assert!(
        text.contains(&format!("/p/{first}")) && text.contains(&format!("/p/{second}")),
        "{text}"
    );
    assert!(message.part("text/html").is_some());
    assert_eq!(
        message.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let link = message
        .header("List-Unsubscribe")
        .map(|h| h.trim_matches(['<', '>']).to_owned())
        .expect("an unsubscribe link");
    assert!(link.contains("/unsubscribe/notifications/"), "{link}");

    // A third mention at once waits for the quarter of an hour to pass; running
    // the sender again sends nothing twice.
    bo.create_post("comms", "discussion", "Grit bins", "", "@cy one more.")
        .await;
    app.drain_jobs().await;
    app.exec("UPDATE jobs SET run_at = created_at WHERE kind = 'email_notifications'")
        .await;
    app.drain_jobs().await;
    assert_eq!(sink.count(), 1, "at most one email per quarter of an hour");
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM notices WHERE email_due_at IS NOT NULL")
            .await,
        1,
        "the third waits its turn"
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM notices WHERE emailed_at IS NOT NULL")
            .await,
        2
    );

    // Opening the link (a link scanner) only asks; no cookie is needed for either.
    let stranger = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client");
    let page = stranger.get(&link).send().await.expect("get");
    assert_eq!(page.status(), 200);
    let page = page.text().await.expect("body");
    assert!(
        page.contains("Stop notification emails?") && page.contains("cy@example.org"),
        "{page}"
    );
    let emailing = "SELECT COUNT(*) FROM notification_settings n JOIN users u ON u.id = n.user_id \
                    WHERE u.handle = 'cy' AND n.kind = 'mention' AND n.delivery = 'email'";
    assert_eq!(app.sql_i64(emailing).await, 1, "a GET never unsubscribes");

    // The mail program's one-click POST, without cookies.
    let r = stranger
        .post(&link)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 200);
    assert_eq!(app.sql_i64(emailing).await, 0, "email is off");
    assert!(
        cy.text("/settings/notifications")
            .await
            .contains(r#"id="mention-app" name="mention" value="app" checked"#)
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM notices WHERE email_due_at IS NOT NULL")
            .await,
        0,
        "what waited will not go"
    );
    // Another person's token, altered, does nothing.
    let forged = format!("{}x", link);
    assert_eq!(stranger.post(&forged).send().await.expect("post").status(), 404);
    // Mentions still show in the app.
    bo.create_post("comms", "discussion", "Last one", "", "@cy fyi").await;
    app.exec("UPDATE jobs SET run_at = created_at WHERE kind = 'email_notifications'")
        .await;
    app.drain_jobs().await;
    assert_eq!(sink.count(), 1);
    assert!(cy.text("/notifications").await.contains("Last one"));
}

async fn managers_hear_of_requests_to_join_and_the_requester_of_the_answer(app: TestApp) {
    // Ada creates the group, so she manages it; Bo covers as her deputy.
    let ada = app.signed_in("ada", Role::Admin).await;
    app.working_group(&ada, "private-listed").await;
    let bo = app.signed_in("bo", Role::Member).await;
    let cy = app.signed_in("cy", Role::Member).await;
    let dee = app.signed_in("dee", Role::Member).await;
    let last_day = (chrono::Utc::now() + chrono::Duration::days(7))
        .date_naive()
        .to_string();
    let r = ada
        .post("/c/wg/deputies", &[("deputy", "@bo"), ("until", last_day.as_str())])
        .await;
    assert_eq!(r.status(), 303);
    // Bo hears he is deputy, and until when.
    assert_eq!(count(&app, "bo", "steward").await, 1);
    let page = bo.text("/notifications").await;
    assert!(page.contains("Ada</a> named you to help run"), "{page}");
    assert!(
        page.contains("You are deputy for Working group until the end of"),
        "{page}"
    );
    assert_eq!(
        bo.post(
            &format!(
                "/notifications/{}/read",
                app.sql_i64("SELECT MAX(id) FROM notices").await
            ),
            &[]
        )
        .await
        .status(),
        303
    );

    assert_eq!(
        cy.post("/c/wg/join", &[("message", "I run the staff survey.")])
            .await
            .status(),
        303
    );
    // Both who run it are told, and the link leads to the requests.
    assert_eq!(count(&app, "ada", "join-request").await, 1);
    assert_eq!(count(&app, "bo", "join-request").await, 1);
    let page = bo.text("/notifications").await;
    assert!(page.contains("Cy</a> asked to join"), "{page}");
    assert!(
        page.contains(r#"href="/c/wg/members""#) && page.contains("I run the staff survey."),
        "{page}"
    );

    // The deputy accepts: Cy is told, and the notification leads into the group.
    let request = app
        .sql_i64("SELECT id FROM join_requests WHERE status = 'pending'")
        .await;
    assert_eq!(
        bo.post(&format!("/c/wg/requests/{request}/accept"), &[]).await.status(),
        303
    );
    let page = cy.text("/notifications").await;
    assert_eq!(unread(&page), 1, "{page}");
    assert!(page.contains("You are now a member of Working group."), "{page}");
    assert_eq!(cy.get("/c/wg").await.status(), 200);

    // Dee is declined with a reason: told, though she cannot read the group.
    assert_eq!(dee.post("/c/wg/join", &[("message", "")]).await.status(), 303);
    let request = app
        .sql_i64("SELECT id FROM join_requests WHERE status = 'pending'")
        .await;
    assert_eq!(
        ada.post(
            &format!("/c/wg/requests/{request}/decline"),
            &[("reason", "Members are the service leads only.")]
        )
        .await
        .status(),
        303
    );
    let page = dee.text("/notifications").await;
    assert_eq!(unread(&page), 1, "{page}");
    assert!(
        page.contains("Your request to join Working group was declined: Members are the service leads only."),
        "{page}"
    );
    assert_eq!(count(&app, "dee", "join-decision").await, 1);
    assert_eq!(
        count(&app, "ada", "join-decision").await + count(&app, "bo", "join-decision").await,
        0
    );
}

async fn an_announcement_tells_every_follower_who_may_read_it_once(app: TestApp) {
    let (ada, people) = comms(&app, &["bo", "cy"]).await;
    let [bo, cy] = &people[..] else { unreachable!() };
    let _dee = app.signed_in("dee", Role::Member).await;
    for b in [bo, cy] {
        assert_eq!(b.post("/c/comms/follow", &[]).await.status(), 303);
    }
    let post = ada
        .create_post("comms", "discussion", "Office closed on Friday", "", "For the move.")
        .await;
    assert_eq!(ada.post(&format!("/p/{post}/announce"), &[]).await.status(), 303);
    // Followers are told; the announcer and Dee (not following) are not.
    assert_eq!(count(&app, "bo", "announcement").await, 1);
    assert_eq!(count(&app, "cy", "announcement").await, 1);
    assert_eq!(count(&app, "ada", "announcement").await, 0);
    assert_eq!(count(&app, "dee", "announcement").await, 0);
    let page = bo.text("/notifications").await;
    assert!(
        page.contains("Ada</a> announced") && page.contains(&format!(r#"href="/p/{post}""#)),
        "{page}"
    );
    // On the home page until each dismisses it.
    assert!(bo.text("/").await.contains("announcements-heading"));
    assert_eq!(
        bo.post(&format!("/announcements/{post}/dismiss"), &[]).await.status(),
        303
    );
    assert!(!bo.text("/").await.contains("announcements-heading"));
    assert!(cy.text("/").await.contains("Office closed on Friday"));
    // Announcing again after withdrawing tells nobody twice.
    assert_eq!(ada.post(&format!("/p/{post}/unannounce"), &[]).await.status(), 303);
    assert_eq!(ada.post(&format!("/p/{post}/announce"), &[]).await.status(), 303);
    assert_eq!(count(&app, "bo", "announcement").await, 1);
}
