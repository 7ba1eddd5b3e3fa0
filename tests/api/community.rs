//! The community model over HTTP: a licence to post, the guidelines
//! everyone accepts, reports and the moderators' queue, hiding and
//! restoring, warnings, and the break glass that stops a hacked account.

use commonroom::domain::role::Role;

use crate::helpers::{Browser, PASSWORD, TestApp, location, spawn_app_with};
use crate::on_both_backends;

on_both_backends!(
    posting_in_open_channels_takes_a_licence_and_roles_apply_at_once,
    guidelines_are_accepted_before_posting_and_again_when_they_change,
    reports_reach_the_moderators_once_and_never_name_the_reporter,
    a_hidden_post_is_a_notice_for_others_and_gone_from_search,
    moderators_warn_and_a_warning_stays_until_acknowledged,
    break_glass_stops_an_account_at_once_and_undo_brings_everything_back,
    only_moderators_moderate_and_refusals_change_nothing,
);

#[tokio::test]
async fn everyone_may_post_when_the_organisation_opens_posting() {
    let Some(app) = spawn_app_with(crate::helpers::Backend::Sqlite, |s| s.community.open_posting = true).await else {
        return;
    };
    let ada = app.signed_in("ada", Role::Admin).await;
    app.channel(&ada, "News", "news").await;
    let bo = app.signed_in("bo", Role::Member).await;
    bo.create_post("news", "discussion", "Open to all", "", "Everyone may post here.")
        .await;
}

/// The words of a search's results, highlighting taken out.
async fn found(browser: &Browser, query: &str) -> String {
    let html = browser.text(&format!("/search?q={}", query.replace(' ', "+"))).await;
    let mut words = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => words.push(c),
            _ => {}
        }
    }
    words
}

async fn posting_in_open_channels_takes_a_licence_and_roles_apply_at_once(app: TestApp) {
    let ada = app.signed_in("ada", Role::Admin).await;
    app.channel(&ada, "News", "news").await;
    let bo = app.signed_in("bo", Role::Member).await;

    // A member reads, is told why they cannot post, and where to apply.
    let page = bo.text("/c/news").await;
    assert!(
        page.contains("needs a licence to post") && page.contains("href=\"/apply?next=/c/news\""),
        "{page}"
    );
    assert!(!page.contains("action=\"/c/news/posts\""), "no composer for a member");
    let r = bo
        .post(
            "/c/news/posts",
            &[("kind", "discussion"), ("title", "Hello"), ("body", "Hi all")],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("licence to post"));
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM posts").await, 0);

    // Members reply: an administrator's post takes replies from anyone.
    let post = ada.create_post("news", "discussion", "Welcome", "", "Say hello.").await;
    bo.reply(post, "Hello!", None).await;

    // Made a contributor, the same open session posts on its next request.
    let bo_id = app.user_id("bo").await;
    let r = ada
        .post(&format!("/admin/users/{bo_id}/roles"), &[("role", "contributor")])
        .await;
    assert_eq!(r.status(), 303);
    bo.create_post("news", "discussion", "Licensed", "", "Now I may post.")
        .await;

    // Moderators and coordinators hold no licence by their role alone.
    let mo = app.signed_in("mo", Role::Moderator).await;
    assert_eq!(
        mo.post(
            "/c/news/posts",
            &[("kind", "discussion"), ("title", "T"), ("body", "B")]
        )
        .await
        .status(),
        403
    );

    // A working group's members post there without a licence.
    app.working_group(&ada, "private-listed").await;
    let cy = app.signed_in("cy", Role::Member).await;
    let r = ada.post("/c/wg/members", &[("handle", "cy")]).await;
    assert_eq!(r.status(), 303);
    cy.create_post("wg", "discussion", "Among ourselves", "", "Members post here.")
        .await;
}

async fn publish(mo: &Browser, body: &str, summary: &str) -> reqwest::Response {
    mo.post("/guidelines", &[("body", body), ("summary", summary)]).await
}

async fn guidelines_are_accepted_before_posting_and_again_when_they_change(app: TestApp) {
    let ada = app.signed_in("ada", Role::Admin).await;
    app.channel(&ada, "News", "news").await;
    let post = ada.create_post("news", "discussion", "Welcome", "", "Say hello.").await;
    let mo = app.signed_in("mo", Role::Moderator).await;
    let bo = app.signed_in("bo", Role::Contributor).await;

    // No guidelines yet: nothing to accept.
    bo.reply(post, "Before any guidelines", None).await;

    // An empty version is refused with the words kept.
    let r = publish(&mo, "   ", "first").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Write the guidelines"));
    let r = publish(&mo, "Be **kind**.", "First version").await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM guidelines").await, 1);

    // Reading stays open; replying and posting wait for acceptance.
    let thread = bo.text(&format!("/p/{post}")).await;
    assert!(
        thread.contains("Say hello.") && thread.contains("href=\"/guidelines?next=/p/"),
        "{thread}"
    );
    assert!(
        thread.contains("accept the <a href=\"/guidelines\">community guidelines</a>"),
        "banner"
    );
    let r = bo.post(&format!("/p/{post}/replies"), &[("body", "Hi")]).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("accept the community guidelines"));
    let r = bo
        .post(
            "/c/news/posts",
            &[("kind", "discussion"), ("title", "T"), ("body", "B")],
        )
        .await;
    assert_eq!(r.status(), 403);
    // Reacting says nothing in anyone's name: no acceptance needed.
    let r = bo.post(&format!("/p/{post}/react"), &[("kind", "like")]).await;
    assert_eq!(r.status(), 303);

    // The page shows the words; accepting records the version and the date.
    let page = bo.text("/guidelines").await;
    assert!(
        page.contains("Be <strong>kind</strong>.") && page.contains("accept version 1"),
        "{page}"
    );
    let r = bo
        .post(
            "/guidelines/accept",
            &[("version", "1"), ("next", &format!("/p/{post}"))],
        )
        .await;
    assert_eq!(location(&r), format!("/p/{post}"));
    let bo_id = app.user_id("bo").await;
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM guideline_acceptances WHERE user_id = {bo_id} AND version = 1 AND accepted_at IS NOT NULL"
        ))
        .await,
        1
    );
    bo.reply(post, "Accepted and replying", None).await;

    // A new version asks again, saying what changed; a stale accept is refused.
    let r = publish(&mo, "Be kind. Keep personal data out.", "Added personal data").await;
    assert_eq!(r.status(), 303);
    let r = bo.post(&format!("/p/{post}/replies"), &[("body", "Again")]).await;
    assert_eq!(r.status(), 403);
    assert!(bo.text("/guidelines").await.contains("Added personal data"));
    let r = bo.post("/guidelines/accept", &[("version", "1")]).await;
    assert_eq!(location(&r), "/guidelines", "an old version cannot be accepted");
    let r = bo.post("/guidelines/accept", &[("version", "2")]).await;
    assert_eq!(r.status(), 303);
    bo.reply(post, "Accepted version 2", None).await;
    // The moderator who wrote it accepted it by writing it.
    mo.reply(post, "Thanks all", None).await;

    // Members cannot publish.
    assert_eq!(publish(&bo, "Anything goes", "").await.status(), 403);
    assert_eq!(bo.get("/guidelines/edit").await.status(), 403);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM guidelines").await, 2);
}

async fn reports_reach_the_moderators_once_and_never_name_the_reporter(app: TestApp) {
    let ada = app.signed_in("ada", Role::Admin).await;
    app.channel(&ada, "News", "news").await;
    let author = app.signed_in("al", Role::Contributor).await;
    let post = author
        .create_post("news", "discussion", "Team news", "", "Sam in room 4 is off sick.")
        .await;
    let reply = author.reply(post, "And Jo is on leave.", None).await;
    let bo = app.signed_in("bo", Role::Member).await;
    let mo = app.signed_in("mo", Role::Moderator).await;

    assert!(
        bo.text(&format!("/p/{post}"))
            .await
            .contains(&format!("href=\"/p/{post}/report\""))
    );
    assert!(
        !author.text(&format!("/p/{post}")).await.contains("/report\""),
        "no report button on one's own words"
    );

    // "Something else" needs words; the form keeps what was typed.
    let r = bo
        .post(&format!("/p/{post}/report"), &[("reason", "other"), ("details", "")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Tell the moderators what is wrong"));
    let long = "x".repeat(2001);
    let r = bo
        .post(
            &format!("/p/{post}/report"),
            &[("reason", "bullying"), ("details", &long)],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = bo
        .post(&format!("/p/{post}/report"), &[("reason", "made-up"), ("details", "")])
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM reports").await, 0);

    let r = bo
        .post(
            &format!("/p/{post}/report"),
            &[("reason", "personal-data"), ("details", "Names a colleague's health")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/p/{post}"));
    // Once only.
    let r = bo
        .post(&format!("/p/{post}/report"), &[("reason", "bullying"), ("details", "")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("already reported"));
    let r = bo
        .post(
            &format!("/r/{reply}/report"),
            &[("reason", "personal-data"), ("details", "")],
        )
        .await;
    assert_eq!(location(&r), format!("/p/{post}#reply-{reply}"));
    // Not one's own.
    let r = author
        .post(&format!("/p/{post}/report"), &[("reason", "bullying"), ("details", "")])
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM reports").await, 2);

    // The moderator sees both items, with reasons and the reporter.
    let queue = mo.text("/moderation").await;
    assert!(
        queue.contains("Team news") && queue.contains("A reply in “Team news”"),
        "{queue}"
    );
    assert!(
        queue.contains("Personal data that should not be here (1)") && queue.contains("Bo"),
        "{queue}"
    );
    // The author is never shown who reported them.
    for path in [format!("/p/{post}"), "/notifications".to_owned(), "/".to_owned()] {
        let page = author.text(&path).await;
        assert!(
            !page.contains("Bo") && !page.contains("Names a colleague"),
            "{path}: {page}"
        );
    }

    // Dismissing closes the item's reports; the queue empties of it.
    let r = mo.post(&format!("/moderation/reply/{reply}/dismiss"), &[]).await;
    assert_eq!(r.status(), 303);
    assert!(!mo.text("/moderation").await.contains("A reply in"));
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'report.dismiss'")
            .await,
        1
    );
}

async fn a_hidden_post_is_a_notice_for_others_and_gone_from_search(app: TestApp) {
    let ada = app.signed_in("ada", Role::Admin).await;
    app.channel(&ada, "News", "news").await;
    let author = app.signed_in("al", Role::Contributor).await;
    let post = author
        .create_post(
            "news",
            "discussion",
            "Zebra crossing",
            "",
            "The zebra crossing by the depot.",
        )
        .await;
    let reply = ada.reply(post, "Zebra reply stays", None).await;
    let bo = app.signed_in("bo", Role::Member).await;
    let mo = app.signed_in("mo", Role::Moderator).await;
    app.search_settled().await;
    assert!(found(&bo, "zebra").await.contains("Zebra crossing"));

    // No reason: refused, nothing hidden.
    let r = mo
        .post(&format!("/moderation/post/{post}/hide"), &[("reason", "  ")])
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM posts WHERE hidden_at IS NOT NULL")
            .await,
        0
    );

    let r = mo
        .post(
            &format!("/moderation/post/{post}/hide"),
            &[("reason", "Off topic for News")],
        )
        .await;
    assert_eq!(r.status(), 303);
    app.search_settled().await;

    // Everyone else sees a notice, not the words; replies are kept.
    let page = bo.text(&format!("/p/{post}")).await;
    assert!(
        page.contains("Post hidden") && !page.contains("The zebra crossing by the depot"),
        "{page}"
    );
    assert!(page.contains("Zebra reply stays"));
    assert!(!bo.text("/c/news").await.contains("Zebra crossing"));
    assert!(!found(&bo, "zebra crossing").await.contains("Zebra crossing"));
    // Its author still reads it, marked, with the reason; so does a moderator.
    let page = author.text(&format!("/p/{post}")).await;
    assert!(
        page.contains("The zebra crossing by the depot") && page.contains("Off topic for News"),
        "{page}"
    );
    assert!(
        mo.text(&format!("/p/{post}"))
            .await
            .contains("The zebra crossing by the depot")
    );
    // The author is told, with the reason, on their next page (with Ada's reply).
    let home = author.text("/").await;
    assert!(home.contains(r#"data-unread="2""#), "{home}");
    let notices = author.text("/notifications").await;
    assert!(notices.contains("Off topic for News") && notices.contains("A moderator hid something you wrote"));

    // A reply can be hidden too; the author of the post cannot reply to a hidden post.
    let r = mo
        .post(&format!("/moderation/reply/{reply}/hide"), &[("reason", "Duplicate")])
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        bo.text(&format!("/p/{post}"))
            .await
            .contains("A moderator hid this reply.")
    );
    assert_eq!(
        author
            .post(&format!("/p/{post}/replies"), &[("body", "x")])
            .await
            .status(),
        403
    );

    // Restored, it is back for everyone and in search.
    let r = mo.post(&format!("/moderation/post/{post}/restore"), &[]).await;
    assert_eq!(r.status(), 303);
    app.search_settled().await;
    assert!(
        bo.text(&format!("/p/{post}"))
            .await
            .contains("The zebra crossing by the depot")
    );
    assert!(found(&bo, "zebra crossing").await.contains("Zebra crossing"));
    for action in ["post.hide", "reply.hide", "post.unhide"] {
        assert_eq!(
            app.sql_i64(&format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'"))
                .await,
            1,
            "{action}"
        );
    }
}

async fn moderators_warn_and_a_warning_stays_until_acknowledged(app: TestApp) {
    let mo = app.signed_in("mo", Role::Moderator).await;
    let bo = app.signed_in("bo", Role::Member).await;
    let bo_id = app.user_id("bo").await;
    let r = mo
        .post(&format!("/moderation/people/{bo_id}/warn"), &[("message", " ")])
        .await;
    assert_eq!(r.status(), 422);
    let r = mo
        .post(
            &format!("/moderation/people/{bo_id}/warn"),
            &[("message", "Please keep the names of residents out of posts.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    // Search answers 503 until the index has opened; wait for it.
    app.search_settled().await;
    for path in ["/", "/channels", "/search?q=x"] {
        let page = bo.text(path).await;
        assert!(
            page.contains(r#"data-unread="1""#) && page.contains("The moderators sent you a warning"),
            "{path}"
        );
    }
    let notices = bo.text("/notifications").await;
    assert!(notices.contains("keep the names of residents out") && notices.contains("I acknowledge this warning"));
    let id = app.sql_i64("SELECT id FROM notices").await;
    // Someone else cannot acknowledge it for them.
    assert_eq!(mo.post(&format!("/notices/{id}/read"), &[]).await.status(), 404);
    assert!(bo.text("/").await.contains(r#"data-unread="1""#));
    let r = bo.post(&format!("/notices/{id}/read"), &[]).await;
    assert_eq!(r.status(), 303);
    let home = bo.text("/").await;
    assert!(home.contains(r#"data-unread="0""#) && !home.contains("The moderators sent you a warning"));
    // A second click is harmless.
    assert_eq!(bo.post(&format!("/notices/{id}/read"), &[]).await.status(), 303);
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'user.warn'")
            .await,
        1
    );
}

async fn break_glass_stops_an_account_at_once_and_undo_brings_everything_back(app: TestApp) {
    let ada = app.signed_in("ada", Role::Admin).await;
    app.channel(&ada, "News", "news").await;
    let hacked = app.signed_in("hal", Role::Contributor).await;
    let old = hacked
        .create_post("news", "discussion", "Quarterly plan", "", "Written last week.")
        .await;
    let spam = hacked
        .create_post("news", "discussion", "Cheap watches", "", "Buy cheap watches now.")
        .await;
    let spam_reply = hacked.reply(old, "Cheap watches here too", None).await;
    // The plan was written two days ago; the spam in the last hour.
    {
        use commonroom::entities::post;
        use sea_orm::{ActiveModelTrait, EntityTrait, Set};
        let model = post::Entity::find_by_id(old).one(&app.db).await.unwrap().unwrap();
        let two_days_ago = model.created_at - chrono::Duration::days(2);
        let mut model: post::ActiveModel = model.into();
        model.created_at = Set(two_days_ago);
        model.published_at = Set(two_days_ago);
        model.update(&app.db).await.unwrap();
    }
    let hal_id = app.user_id("hal").await;
    let mo = app.signed_in("mo", Role::Moderator).await;
    let mo2 = app.signed_in("mo2", Role::Moderator).await;
    let bo = app.signed_in("bo", Role::Member).await;
    app.search_settled().await;
    assert!(found(&ada, "cheap watches").await.contains("Cheap watches"));

    // The default "since" is 24 hours ago, in the organisation's time zone.
    let page = mo.text(&format!("/moderation/people/{hal_id}")).await;
    assert!(
        page.contains("Break glass") && page.contains("type=\"datetime-local\""),
        "{page}"
    );
    let since = commonroom::domain::time::local_input(
        commonroom::domain::time::now() - chrono::Duration::hours(24),
        app.state.settings.curation.timezone,
    );
    // No reason: nothing happens.
    let r = mo
        .post(
            &format!("/moderation/people/{hal_id}/break-glass"),
            &[("since", &since), ("reason", "")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(hacked.get("/").await.status(), 200, "still signed in");

    let r = mo
        .post(
            &format!("/moderation/people/{hal_id}/break-glass"),
            &[("since", &since), ("reason", "Spam at 2am: account hacked")],
        )
        .await;
    assert_eq!(r.status(), 303);
    // The hacked browser is signed out on its next request and cannot sign in.
    let r = hacked.get("/").await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login"));
    assert_eq!(
        hacked.sign_in("hal@example.org", PASSWORD).await.status(),
        422,
        "a suspended account cannot sign in"
    );
    // What it wrote since is hidden and out of search; the older post stays.
    app.search_settled().await;
    assert!(!found(&bo, "cheap watches").await.contains("Cheap watches"));
    assert!(bo.text(&format!("/p/{spam}")).await.contains("Post hidden"));
    assert!(bo.text(&format!("/p/{old}")).await.contains("Written last week."));
    assert!(
        bo.text(&format!("/p/{old}"))
            .await
            .contains("A moderator hid this reply.")
    );
    // The other moderators are told, in the product and by email; the one who acted is not.
    assert!(mo2.text("/notifications").await.contains("Spam at 2am"));
    let mail = crate::helpers::messages_in(&app.data_dir().join("mail"));
    let alerts: Vec<&String> = mail.iter().filter(|m| m.contains("Account stopped: Hal")).collect();
    let to = |who: &str| {
        alerts
            .iter()
            .filter(|m| m.contains(&format!("To: {who}@example.org")))
            .count()
    };
    assert_eq!(
        (to("mo2"), to("ada"), to("mo")),
        (1, 1, 0),
        "the others who moderate: {alerts:?}"
    );
    assert!(alerts[0].contains("Spam at 2am") && alerts[0].contains(&format!("/moderation/people/{hal_id}")));
    assert!(mo.text("/").await.contains(r#"data-unread="0""#));
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'user.break_glass'")
            .await,
        1
    );

    // Undo: everything comes back and the account can sign in again.
    let incident = app.sql_i64("SELECT id FROM incidents").await;
    let r = mo2.post(&format!("/moderation/incidents/{incident}/undo"), &[]).await;
    assert_eq!(r.status(), 303);
    app.search_settled().await;
    assert!(found(&ada, "cheap watches").await.contains("Cheap watches"));
    assert!(ada.text(&format!("/p/{old}")).await.contains("Cheap watches here too"));
    assert_eq!(hacked.sign_in("hal@example.org", PASSWORD).await.status(), 303);
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM replies WHERE id = {spam_reply} AND hidden_at IS NULL"
        ))
        .await,
        1
    );
    // Undoing twice changes nothing more.
    assert_eq!(
        mo2.post(&format!("/moderation/incidents/{incident}/undo"), &[])
            .await
            .status(),
        303
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'user.break_glass.undo'")
            .await,
        1
    );
}

/// What moderation changes, to compare before and after a refusal.
async fn count(app: &TestApp) -> [i64; 5] {
    [
        app.sql_i64("SELECT COUNT(*) FROM posts WHERE hidden_at IS NOT NULL")
            .await,
        app.sql_i64("SELECT COUNT(*) FROM notices").await,
        app.sql_i64("SELECT COUNT(*) FROM audit_log").await,
        app.sql_i64("SELECT COUNT(*) FROM users WHERE status = 'suspended'")
            .await,
        app.sql_i64("SELECT COUNT(*) FROM incidents").await,
    ]
}

async fn only_moderators_moderate_and_refusals_change_nothing(app: TestApp) {
    let ada = app.signed_in("ada", Role::Admin).await;
    app.channel(&ada, "News", "news").await;
    let post = ada.create_post("news", "discussion", "Welcome", "", "Say hello.").await;
    let bo = app.signed_in("bo", Role::Member).await;
    let co = app.signed_in("co", Role::Coordinator).await;
    let mo = app.signed_in("mo", Role::Moderator).await;
    let bo_id = app.user_id("bo").await;
    let ada_id = app.user_id("ada").await;

    let before = count(&app).await;
    for who in [&bo, &co] {
        assert_eq!(who.get("/moderation").await.status(), 403);
        assert_eq!(who.get("/audit").await.status(), 403);
        assert_eq!(who.get(&format!("/moderation/people/{bo_id}")).await.status(), 403);
        for (path, form) in [
            (format!("/moderation/post/{post}/hide"), vec![("reason", "x")]),
            (format!("/moderation/people/{ada_id}/warn"), vec![("message", "x")]),
            (
                format!("/moderation/people/{ada_id}/suspend"),
                vec![("suspend_reason", "x")],
            ),
            (
                format!("/moderation/people/{ada_id}/break-glass"),
                vec![("since", "2026-01-01T00:00"), ("reason", "x")],
            ),
        ] {
            assert_eq!(who.post(&path, &form).await.status(), 403, "{path}");
        }
    }
    assert_eq!(count(&app).await, before);

    // Moderators: unknown kinds and ids are not there; nobody breaks their own glass.
    assert_eq!(mo.get("/moderation").await.status(), 200);
    assert_eq!(mo.get("/audit").await.status(), 200);
    assert_eq!(
        mo.post("/moderation/user/1/hide", &[("reason", "x")]).await.status(),
        404
    );
    assert_eq!(
        mo.post("/moderation/post/999999/hide", &[("reason", "x")])
            .await
            .status(),
        404
    );
    assert_eq!(
        mo.post(&format!("/moderation/post/{post}/promote"), &[]).await.status(),
        404
    );
    let mo_id = app.user_id("mo").await;
    let r = mo
        .post(
            &format!("/moderation/people/{mo_id}/break-glass"),
            &[("since", "2026-01-01T00:00"), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = mo
        .post(
            &format!("/moderation/people/{bo_id}/break-glass"),
            &[("since", "not a time"), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("like 2026-06-12 09:00"));
    assert_eq!(count(&app).await, before);
}
