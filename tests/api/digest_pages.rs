//! The digest's pages: each reader's archive (`/digest/{week}`, `/digest`),
//! an email-only subscriber's by their signed link, the curators' preview
//! (`/digest/preview`) and the administrators' sending page (`/admin/digest`).

use std::sync::Arc;

use chrono::Duration;
use commonroom::domain::digest::{DigestContents, DigestPost, DigestWeek, Recipient};
use commonroom::domain::role::Role;
use commonroom::domain::token::Purpose;
use commonroom::service::digest::{next_week, read_token, send};
use commonroom::store::digest_outbox;

use crate::helpers::{TestApp, location};
use crate::on_both_backends;

on_both_backends!(
    a_reader_sees_the_digest_they_were_sent,
    nobody_sees_anyone_elses_digest,
    a_reader_removed_from_a_private_channel_no_longer_sees_its_items,
    the_coming_digest_shows_what_it_holds_so_far,
    a_week_without_a_digest_says_why,
    a_subscriber_reads_their_digest_by_its_signed_link,
    a_bad_week_or_link_is_a_clear_not_found,
    curators_preview_anyones_digest_under_that_persons_permissions,
    the_preview_form_keeps_what_was_typed_and_says_what_is_wrong,
    administrators_see_each_weeks_sending,
    clearing_a_refused_address_asks_first_and_is_audited,
);

/// The week posts made now fall in: what a digest sent now for "this
/// week" would hold, whatever day the test runs.
fn this_week() -> DigestWeek {
    DigestWeek::containing(
        chrono::Utc::now()
            .with_timezone(&chrono_tz::Europe::London)
            .date_naive(),
    )
}

/// Send `week`'s digest to everyone eligible, through the files mail transport.
async fn send_week(app: &TestApp, week: DigestWeek) {
    send(&app.state, week, true, None, Arc::new(|_| {}))
        .await
        .expect("send the digest");
}

async fn a_reader_sees_the_digest_they_were_sent(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    let bo = app.signed_in("bo", Role::Member).await;
    assert_eq!(bo.post("/c/comms/follow", &[]).await.status(), 303);
    let post = admin
        .create_post(
            "comms",
            "link",
            "Gritting script",
            "https://www.gov.uk/winter",
            "For the cold snap",
        )
        .await;
    // The week the coming digest reports on (early on a Monday, the one that
    // just ended), so the list of weeks, which starts there, shows it.
    let week = next_week(&app.state);
    app.move_posts_into(week).await;
    send_week(&app, week).await;
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM digest_outbox WHERE week = '{week}' AND status = 'sent' AND recipient = 'user:{}'",
            app.user_id("bo").await
        ))
        .await,
        1
    );

    let page = bo.text(&format!("/digest/{week}")).await;
    assert!(page.contains(&format!("Your digest for {week}")), "{page}");
    assert!(page.contains(&week.describe()), "{page}");
    assert!(page.contains("Sent on <time"), "{page}");
    assert!(
        page.contains(&format!(r#"href="/p/{post}""#)) && page.contains("Gritting script"),
        "the item links to its thread: {page}"
    );
    assert!(page.contains(r#"href="https://www.gov.uk/winter""#), "{page}");
    assert!(page.contains("What mattered in your channels"), "{page}");

    // The list of weeks links to it, and says it was sent.
    let list = bo.text("/digest").await;
    assert!(list.contains(&format!(r#"href="/digest/{week}""#)), "{list}");
    assert!(list.contains("Sent on "), "{list}");
    assert!(
        bo.text("/settings/email").await.contains(r#"href="/digest""#),
        "linked from the email settings"
    );
}

async fn nobody_sees_anyone_elses_digest(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    let bo = app.signed_in("bo", Role::Member).await;
    let cy = app.signed_in("cy", Role::Member).await;
    assert_eq!(bo.post("/c/comms/follow", &[]).await.status(), 303);
    admin
        .create_post("comms", "discussion", "Gritting script", "", "For the cold snap")
        .await;
    let week = this_week();
    send_week(&app, week).await;

    assert!(bo.text(&format!("/digest/{week}")).await.contains("Gritting script"));
    // Cy follows nothing: the same address shows Cy's own digest (the new
    // channel), never Bo's.
    let page = cy.text(&format!("/digest/{week}")).await;
    assert!(page.contains(&format!("Your digest for {week}")), "{page}");
    assert!(page.contains("New channels") && page.contains("#comms"), "{page}");
    assert!(!page.contains("Gritting script"), "{page}");

    // Signed out, without a link's token: sign in first.
    let r = app.browser().get(&format!("/digest/{week}")).await;
    assert_eq!(r.status(), 303);
    assert!(location(&r).starts_with("/login?next="), "{}", location(&r));
}

async fn a_reader_removed_from_a_private_channel_no_longer_sees_its_items(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    app.working_group(&admin, "private-listed").await;
    let bo = app.signed_in("bo", Role::Member).await;
    assert_eq!(admin.post("/c/wg/members", &[("handle", "@bo")]).await.status(), 303);
    for slug in ["comms", "wg"] {
        assert_eq!(bo.post(&format!("/c/{slug}/follow"), &[]).await.status(), 303);
    }
    let open = admin
        .create_post("comms", "discussion", "Gritting script", "", "For the cold snap")
        .await;
    let secret = admin
        .create_post("wg", "discussion", "Zeppelin plan", "", "Members only")
        .await;
    // A thread Bo took part in, and a mention of Bo, both in the working group.
    bo.reply(secret, "Count me in", None).await;
    admin.reply(secret, "Thanks @bo, see the plan", None).await;
    let week = this_week();
    send_week(&app, week).await;
    let page = bo.text(&format!("/digest/{week}")).await;
    assert!(page.contains("Zeppelin plan"), "{page}");
    assert!(page.contains("New replies in your threads"), "{page}");
    assert!(page.contains("You were mentioned"), "{page}");
    assert!(page.contains("#wg"), "{page}");

    let bo_id = app.user_id("bo").await;
    let r = admin
        .post(&format!("/c/wg/members/{bo_id}/remove"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), 303);
    let page = bo.text(&format!("/digest/{week}")).await;
    assert!(
        !page.contains("Zeppelin") && !page.contains(&format!("/p/{secret}")),
        "posts, threads and mentions from the channel are gone: {page}"
    );
    assert!(
        !page.contains("New replies in your threads") && !page.contains("You were mentioned"),
        "{page}"
    );
    assert!(!page.contains("#wg") && !page.contains("/c/wg"), "{page}");
    assert!(
        page.contains("Gritting script") && page.contains(&format!("/p/{open}")),
        "the rest stays: {page}"
    );
    // The archive keeps what was sent: readability is checked when it is shown.
    let kept = app
        .sql_i64(&format!(
            "SELECT COUNT(*) FROM digest_outbox WHERE recipient = 'user:{bo_id}' AND contents LIKE '%Zeppelin%'"
        ))
        .await;
    assert_eq!(kept, 1);
}

async fn the_coming_digest_shows_what_it_holds_so_far(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    let cora = app.signed_in("cora", Role::Curator).await;
    let bo = app.signed_in("bo", Role::Member).await;
    assert_eq!(bo.post("/c/comms/follow", &[]).await.status(), 303);
    let post = admin
        .create_post("comms", "discussion", "Quiet gem", "", "Worth a read")
        .await;
    // Published before the coming digest's week began (on a Monday before
    // the send, that week is the one that just ended), and featured for
    // it: it is in it whatever day this runs.
    {
        use commonroom::entities::post as posts;
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        posts::Entity::update_many()
            .col_expr(
                posts::Column::PublishedAt,
                Expr::value(chrono::Utc::now() - Duration::days(10)),
            )
            .filter(posts::Column::Id.eq(post))
            .exec(&app.db)
            .await
            .expect("backdate the post");
    }
    assert_eq!(
        cora.post(&format!("/p/{post}/feature"), &[("featured", "yes")])
            .await
            .status(),
        303
    );
    let coming = next_week(&app.state);
    let page = bo.text(&format!("/digest/{coming}")).await;
    assert!(page.contains("Not sent yet"), "{page}");
    assert!(
        page.contains("Picked by your curators") && page.contains(&format!(r#"href="/p/{post}""#)),
        "{page}"
    );
    assert!(
        bo.text("/digest")
            .await
            .contains("Not sent yet: see what it holds so far"),
        "the list starts with the coming week"
    );

    // Switched off: still shown, and it says it will not be emailed.
    let r = bo
        .post("/settings/email", &[("frequency", "never"), ("choice", "followed")])
        .await;
    assert_eq!(r.status(), 303);
    let page = bo.text(&format!("/digest/{coming}")).await;
    assert!(page.contains("You have switched the digest off"), "{page}");
}

async fn a_week_without_a_digest_says_why(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    let bo = app.signed_in("bo", Role::Member).await;
    let coming = next_week(&app.state);
    let long_ago: DigestWeek = "2024-W10".parse().unwrap();

    // Weeks with no row: never planned, or not due yet.
    let page = bo.text(&format!("/digest/{long_ago}")).await;
    assert!(page.contains("No digest was sent to you for this week"), "{page}");
    let page = bo.text(&format!("/digest/{}", coming.next())).await;
    assert!(page.contains("has not been sent yet"), "{page}");

    // Planned, then switched off before it went: the row says so.
    let bo_email = "bo@example.org".to_owned();
    let bo_id = app.user_id("bo").await;
    digest_outbox::plan(&app.db, long_ago, &[(Recipient::Account(bo_id), bo_email)])
        .await
        .unwrap();
    let r = bo
        .post("/settings/email", &[("frequency", "never"), ("choice", "followed")])
        .await;
    assert_eq!(r.status(), 303);
    send(&app.state, long_ago, false, None, Arc::new(|_| {})).await.unwrap();
    let page = bo.text(&format!("/digest/{long_ago}")).await;
    assert!(page.contains("The digest was switched off"), "{page}");

    // Nothing for them that week: the row is empty.
    let cy = app.signed_in("cy", Role::Member).await;
    let quiet: DigestWeek = "2024-W11".parse().unwrap();
    let cy_id = app.user_id("cy").await;
    digest_outbox::plan(
        &app.db,
        quiet,
        &[(Recipient::Account(cy_id), "cy@example.org".to_owned())],
    )
    .await
    .unwrap();
    send(&app.state, quiet, false, None, Arc::new(|_| {})).await.unwrap();
    let page = cy.text(&format!("/digest/{quiet}")).await;
    assert!(page.contains("There was nothing for you that week"), "{page}");
}

/// An email-only subscriber (no account), confirmed; returns their id.
async fn subscriber(app: &TestApp, email: &str) -> i64 {
    use commonroom::entities::digest_subscriber;
    use sea_orm::{ActiveModelTrait, Set};
    let at = chrono::Utc::now();
    digest_subscriber::ActiveModel {
        user_id: Set(None),
        email: Set(Some(email.to_owned())),
        frequency: Set("weekly".into()),
        channels: Set("followed".into()),
        confirmed_at: Set(Some(at)),
        created_at: Set(at),
        updated_at: Set(at),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("insert subscriber")
    .id
}

/// Record `contents` as sent to `recipient`, as the sender does.
async fn record_sent(app: &TestApp, recipient: Recipient, email: &str, contents: &DigestContents) {
    let week = contents.week;
    digest_outbox::plan(&app.db, week, &[(recipient, email.to_owned())])
        .await
        .unwrap();
    let rows = digest_outbox::claim(&app.db, week, "test", 1, Duration::minutes(5), Some(email))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(
        digest_outbox::handing(&app.db, &rows[0], "<test@example.org>", contents)
            .await
            .unwrap()
    );
    assert!(digest_outbox::sent(&app.db, &rows[0]).await.unwrap());
}

async fn a_subscriber_reads_their_digest_by_its_signed_link(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    let post = admin
        .create_post("comms", "discussion", "Partnership news", "", "For our partners")
        .await;
    let id = subscriber(&app, "partner@example.net").await;
    // A week that is over, whatever day this runs.
    let week = next_week(&app.state).previous();
    let contents = DigestContents {
        week,
        note: Some("Hello partners.".into()),
        picks: vec![DigestPost {
            post_id: post,
            channel_slug: "comms".into(),
            title: "Partnership news".into(),
            url: None,
            excerpt: "For our partners".into(),
            replies: 0,
            reactions: 0,
        }],
        sections: vec![],
        threads: vec![],
        mentions: vec![],
        new_channels: vec![],
    };
    record_sent(&app, Recipient::Subscriber(id), "partner@example.net", &contents).await;

    // Not signed in: the link's token is enough.
    let reader = app.browser();
    let token = read_token(&app.state, Recipient::Subscriber(id));
    let page = reader.text(&format!("/digest/{week}?t={token}")).await;
    assert!(
        page.contains("Partnership news") && page.contains(&format!(r#"href="/p/{post}""#)),
        "{page}"
    );
    assert!(page.contains("Hello partners."), "{page}");
    assert!(page.contains("Sent on <time"), "{page}");
    // What was removed since is not shown, even to the link's holder.
    admin.post(&format!("/p/{post}/delete"), &[("confirm", "yes")]).await;
    let page = reader.text(&format!("/digest/{week}?t={token}")).await;
    assert!(!page.contains("Partnership news"), "{page}");
    assert!(page.contains("Nothing in it can be shown now"), "{page}");
    // Another week of theirs: nothing was sent, and it says so.
    let page = reader.text(&format!("/digest/{}?t={token}", week.previous())).await;
    assert!(page.contains("No digest was sent to you for this week"), "{page}");

    // A token for an account, or for another purpose, opens nothing.
    let bo_id = app.create_user("bo", Role::Member).await;
    let account = read_token(&app.state, Recipient::Account(bo_id));
    let unsubscribe = app
        .state
        .signer
        .sign(Purpose::Unsubscribe, &Recipient::Subscriber(id).to_bytes());
    for token in [account, unsubscribe] {
        let r = reader.get(&format!("/digest/{week}?t={token}")).await;
        assert_eq!(r.status(), 404);
        assert!(r.text().await.unwrap().contains("This digest link does not work"));
    }
}

async fn a_bad_week_or_link_is_a_clear_not_found(app: TestApp) {
    let bo = app.signed_in("bo", Role::Member).await;
    for path in ["/digest/2026-W99", "/digest/last-week"] {
        let r = bo.get(path).await;
        assert_eq!(r.status(), 404, "{path}");
        let page = r.text().await.unwrap();
        assert!(page.contains("There is no such week"), "{page}");
        assert!(page.contains("/digest/2026-W47"), "says how it is written: {page}");
    }
    let r = app.browser().get("/digest/2026-W47?t=not-a-token").await;
    assert_eq!(r.status(), 404);
    let page = r.text().await.unwrap();
    assert!(page.contains("This digest link does not work"), "{page}");
    // A token cut short by a mail program is refused too.
    let id = subscriber(&app, "partner@example.net").await;
    let token = read_token(&app.state, Recipient::Subscriber(id));
    let r = app
        .browser()
        .get(&format!("/digest/2026-W47?t={}", &token[..token.len() - 2]))
        .await;
    assert_eq!(r.status(), 404);
}

async fn curators_preview_anyones_digest_under_that_persons_permissions(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    app.working_group(&admin, "private-listed").await;
    let cora = app.signed_in("cora", Role::Curator).await;
    let bo = app.signed_in("bo", Role::Member).await;
    assert_eq!(admin.post("/c/wg/members", &[("handle", "@bo")]).await.status(), 303);
    for slug in ["comms", "wg"] {
        assert_eq!(bo.post(&format!("/c/{slug}/follow"), &[]).await.status(), 303);
    }
    let post = admin
        .create_post("comms", "discussion", "Gritting script", "", "For the cold snap")
        .await;
    admin
        .create_post("wg", "discussion", "Zeppelin plan", "", "Members only")
        .await;

    // Staff cannot; curators find it from the editor's note, and back.
    assert_eq!(bo.get("/digest/preview").await.status(), 403);
    assert!(cora.text("/digest/note").await.contains(r#"href="/digest/preview""#));
    let form = cora.text("/digest/preview").await;
    assert!(form.contains(r#"href="/digest/note""#), "{form}");
    assert!(
        form.contains(r#"<label for="email">"#) && form.contains(r#"<label for="week">"#),
        "{form}"
    );
    assert!(
        form.contains(&next_week(&app.state).to_string()),
        "the default week: {form}"
    );

    let week = this_week();
    let page = cora
        .text(&format!("/digest/preview?email=bo%40example.org&week={week}"))
        .await;
    assert!(
        page.contains(&format!("Subject:</strong> Your Commonroom week: {}", week.describe())),
        "{page}"
    );
    assert!(
        page.contains(&format!(r#"href="/p/{post}""#)),
        "the web rendering: {page}"
    );
    assert!(
        page.contains("<pre>") && page.contains("WHAT MATTERED IN YOUR CHANNELS"),
        "the text part: {page}"
    );
    assert!(
        !page.contains("/unsubscribe/"),
        "Bo's unsubscribe link is not Cora's to use: {page}"
    );
    // Under Bo's permissions: the working group Cora cannot read is in it.
    assert!(page.contains("Zeppelin plan"), "{page}");
    assert!(
        page.contains(r#"value="bo@example.org""#),
        "the form keeps the address: {page}"
    );

    // A week with nothing: a plain message.
    let page = cora
        .text(&format!(
            "/digest/preview?email=bo%40example.org&week={}",
            week.previous().previous()
        ))
        .await;
    assert!(page.contains("Nothing to send"), "{page}");

    // A suspended person gets none.
    app.exec("UPDATE users SET status = 'suspended' WHERE handle = 'bo'")
        .await;
    let page = cora
        .text(&format!("/digest/preview?email=bo%40example.org&week={week}"))
        .await;
    assert!(page.contains("account is suspended"), "{page}");
}

async fn the_preview_form_keeps_what_was_typed_and_says_what_is_wrong(app: TestApp) {
    let cora = app.signed_in("cora", Role::Curator).await;
    app.create_user("bo", Role::Member).await;
    for (query, kept, says) in [
        (
            "email=not-an-address&week=",
            r#"value="not-an-address""#,
            "Enter a valid email address",
        ),
        (
            "email=nobody%40example.org&week=",
            r#"value="nobody@example.org""#,
            "Nobody has the address nobody@example.org",
        ),
        (
            "email=bo%40example.org&week=2026-W99",
            r#"value="2026-W99""#,
            "2026 has no week 99.",
        ),
    ] {
        let r = cora.get(&format!("/digest/preview?{query}")).await;
        assert_eq!(r.status(), 422, "{query}");
        let page = r.text().await.unwrap();
        assert!(page.contains(kept), "{query}: {page}");
        assert!(page.contains(says), "{query}: {page}");
        assert!(page.contains("There is a problem"), "{page}");
    }
}

/// Eight recipients of `week`, each left in a different state.
async fn a_week_of_every_outcome(app: &TestApp, week: DigestWeek) {
    let recipients: Vec<(Recipient, String)> = (1..=8)
        .map(|n| (Recipient::Account(9000 + n), format!("person{n}@example.org")))
        .collect();
    let (db, lease) = (&app.db, Duration::minutes(5));
    digest_outbox::plan(db, week, &recipients).await.unwrap();
    // Two are left waiting; the other six are claimed in order.
    let rows = digest_outbox::claim(db, week, "test", 6, lease, None).await.unwrap();
    assert_eq!(rows.len(), 6);
    let contents = DigestContents {
        week,
        note: None,
        picks: vec![],
        sections: vec![],
        threads: vec![],
        mentions: vec![],
        new_channels: vec![],
    };
    // 1 sent
    digest_outbox::handing(db, &rows[0], "<a@example.org>", &contents)
        .await
        .unwrap();
    digest_outbox::sent(db, &rows[0]).await.unwrap();
    // 2 with nothing to send
    for row in &rows[1..3] {
        digest_outbox::settle(
            db,
            row,
            commonroom::domain::digest::SendStatus::Empty,
            "nothing this week",
        )
        .await
        .unwrap();
    }
    // 1 skipped
    digest_outbox::settle(
        db,
        &rows[3],
        commonroom::domain::digest::SendStatus::Skipped,
        "switched off",
    )
    .await
    .unwrap();
    // 1 refused for good
    digest_outbox::refused(
        db,
        &rows[4],
        550,
        "5.1.1 mailbox unavailable",
        &format!("digest {week}"),
    )
    .await
    .unwrap();
    // 1 unconfirmed: the connection broke mid-hand-over
    digest_outbox::handing(db, &rows[5], "<f@example.org>", &contents)
        .await
        .unwrap();
    digest_outbox::unconfirmed(db, &rows[5], "connection reset")
        .await
        .unwrap();
}

async fn administrators_see_each_weeks_sending(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    let cora = app.signed_in("cora", Role::Curator).await;
    let (older, newer): (DigestWeek, DigestWeek) = ("2026-W40".parse().unwrap(), "2026-W41".parse().unwrap());
    a_week_of_every_outcome(&app, older).await;
    digest_outbox::plan(
        &app.db,
        newer,
        &[(Recipient::Account(9001), "person1@example.org".to_owned())],
    )
    .await
    .unwrap();

    assert_eq!(cora.get("/admin/digest").await.status(), 403);
    assert!(!cora.text("/").await.contains("/admin/digest"), "not in others' menu");
    assert!(
        admin.text("/").await.contains(r#"href="/admin/digest""#),
        "in the administrators' menu"
    );
    let page = admin.text("/admin/digest").await;
    let row = |week: DigestWeek| {
        page.split(&format!(r#"<th scope="row">{week} "#))
            .nth(1)
            .and_then(|rest| rest.split("</tr>").next())
            .unwrap_or_else(|| panic!("a row for {week}: {page}"))
            .split("<td>")
            .skip(1)
            .map(|cell| cell.split("</td>").next().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
    };
    // Sent, nothing to send, skipped, refused, to retry, unconfirmed.
    assert_eq!(row(older), vec!["1", "2", "1", "1", "2", "1"]);
    assert_eq!(row(newer), vec!["0", "0", "0", "0", "1", "0"]);
    assert!(
        page.find(&newer.to_string()) < page.find(&older.to_string()),
        "newest first"
    );
    assert!(
        page.contains("it may have arrived, and it is not sent again by itself"),
        "unconfirmed is explained: {page}"
    );
    for header in [
        "Sent",
        "Nothing to send",
        "Skipped",
        "Refused",
        "To retry",
        "Unconfirmed",
    ] {
        assert!(page.contains(&format!(r#"<th scope="col">{header}</th>"#)), "{header}");
    }
    assert!(
        page.contains("person5@example.org")
            && page.contains("5.1.1 mailbox unavailable")
            && page.contains(&format!("digest {older}")),
        "the refused address, why and in which send: {page}"
    );
}

async fn clearing_a_refused_address_asks_first_and_is_audited(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    let cora = app.signed_in("cora", Role::Curator).await;
    let week: DigestWeek = "2026-W40".parse().unwrap();
    let email = "gone+news@example.org";
    let partner = Recipient::Subscriber(subscriber(&app, email).await);
    digest_outbox::plan(&app.db, week, &[(partner, email.to_owned())])
        .await
        .unwrap();
    let rows = digest_outbox::claim(&app.db, week, "test", 1, Duration::minutes(5), None)
        .await
        .unwrap();
    digest_outbox::refused(&app.db, &rows[0], 550, "no such user", &format!("digest {week}"))
        .await
        .unwrap();

    let gets_mail = || async {
        digest_outbox::eligible(&app.db)
            .await
            .unwrap()
            .iter()
            .any(|(who, _)| *who == partner)
    };
    assert!(!gets_mail().await, "nothing goes to a refused address");

    let action = "/admin/digest/refusals/gone%2Bnews%40example.org/clear";
    let page = admin.text("/admin/digest").await;
    assert!(page.contains(&format!(r#"action="{action}""#)), "{page}");
    assert!(
        page.contains(r#"data-confirm="Let mail go to gone+news@example.org again?""#),
        "{page}"
    );

    // Others cannot; opening the address, or a POST without the answer, only asks.
    assert_eq!(cora.post(action, &[("confirm", "yes")]).await.status(), 403);
    let ask = admin.text(action).await;
    assert!(ask.contains("Let mail go to gone+news@example.org again?"), "{ask}");
    assert!(ask.contains(r#"name="confirm" value="yes""#), "{ask}");
    let r = admin.post(action, &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM mail_suppressions").await, 1);

    let r = admin.post(action, &[("confirm", "yes")]).await;
    assert_eq!(location(&r), "/admin/digest");
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM mail_suppressions").await, 0);
    let ada = app.user_id("ada").await;
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'mail.refusal.clear' \
             AND target = 'address:gone+news@example.org' AND actor_id = {ada} AND detail LIKE '550 no such user%'"
        ))
        .await,
        1
    );
    let page = admin.text("/admin/digest").await;
    assert!(page.contains("Mail can go to gone+news@example.org again."), "{page}");
    assert!(page.contains("The mail server has refused no address."), "{page}");
    assert!(gets_mail().await, "mail may go to it again");

    // Cleared already: said, and nothing else is written.
    let r = admin.post(action, &[("confirm", "yes")]).await;
    assert_eq!(location(&r), "/admin/digest");
    assert!(
        admin
            .text("/admin/digest")
            .await
            .contains("That address was already cleared.")
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'mail.refusal.clear'")
            .await,
        1
    );
}
