//! The weekly digest for people without an account (partners,
//! councillors): administrators offer open channels to them, anyone asks at
//! `/digest/subscribe`, the emailed link confirms (by its button, never by
//! being opened), and a signed link in every digest lets them change or end
//! it. What they are sent is decided when it is sent, under an outsider's
//! permissions.

use std::sync::Arc;

use chrono::{Duration, Utc};
use commonroom::domain::digest::{
    ChannelChoice, ConfirmationLink, DigestPreferences, DigestWeek, Frequency, Recipient,
};
use commonroom::domain::role::Role;
use commonroom::domain::token::Purpose;
use commonroom::service::digest::{dry_run, preview, send};
use commonroom::store::digest::subscriber_contents;
use commonroom::store::digest_outbox::{self, eligible};

use crate::helpers::{Browser, TestApp, location, messages_in};
use crate::on_both_backends;

on_both_backends!(
    a_subscriber_is_sent_the_digest_only_once_the_button_confirms,
    a_subscribers_digest_holds_only_channels_still_offered_to_them,
    the_subscribers_own_page_changes_what_comes_and_can_end_it,
    only_administrators_offer_channels_and_only_open_ones,
    asking_says_the_same_to_everyone_and_cannot_flood_an_inbox,
    a_form_with_mistakes_comes_back_with_what_was_typed,
);

/// Run on both backends with confirmation links that expire as soon as they
/// are made (`digest.confirm_hours = 0`): no waiting for one to go stale.
macro_rules! with_expiring_links {
    ($name:ident) => {
        mod $name {
            use crate::helpers::{Backend, spawn_app_with};

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) = spawn_app_with(Backend::Sqlite, |s| s.digest.confirm_hours = 0).await {
                    super::$name(app).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = spawn_app_with(Backend::Postgres, |s| s.digest.confirm_hours = 0).await {
                    super::$name(app).await;
                }
            }
        }
    };
}

with_expiring_links!(an_unconfirmed_subscriber_is_never_sent_anything);

const PARTNER: &str = "partner@example.net";

/// This week, whatever day the test runs: posts made now are in it.
fn this_week() -> DigestWeek {
    DigestWeek::containing(Utc::now().with_timezone(&chrono_tz::Europe::London).date_naive())
}

fn checked(page: &str, id: &str) -> bool {
    page.split(&format!(r#"id="{id}""#))
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .is_some_and(|attrs| attrs.contains("checked"))
}

async fn channel_id(app: &TestApp, slug: &str) -> String {
    app.sql_i64(&format!("SELECT id FROM channels WHERE slug = '{slug}'"))
        .await
        .to_string()
}

async fn subscriber_id(app: &TestApp, email: &str) -> i64 {
    app.sql_i64(&format!("SELECT id FROM digest_subscribers WHERE email = '{email}'"))
        .await
}

/// An administrator offers a channel to email subscribers.
async fn offer(admin: &Browser, slug: &str) {
    let r = admin
        .post(&format!("/c/{slug}/subscribers"), &[("digest_open", "yes")])
        .await;
    assert_eq!(location(&r), format!("/c/{slug}/members"), "offering {slug}");
}

/// Every message sent to `email` so far, oldest first.
fn mail_to(app: &TestApp, email: &str) -> Vec<String> {
    messages_in(&app.data_dir().join("mail"))
        .into_iter()
        .filter(|m| m.contains(&format!("To: {email}")))
        .collect()
}

/// The path of the first link in `message` that starts with `prefix`.
fn link_in(message: &str, prefix: &str) -> String {
    let at = message
        .find(prefix)
        .unwrap_or_else(|| panic!("a {prefix} link in {message}"));
    message[at..]
        .split(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>')
        .next()
        .unwrap()
        .to_owned()
}

/// Ask for the digest of `channels` at `email`; returns the page.
async fn ask(app: &TestApp, email: &str, channels: &[&str]) -> String {
    let mut form = vec![("email", email)];
    form.extend(channels.iter().map(|id| ("channel", *id)));
    let r = app.browser().post("/digest/subscribe", &form).await;
    assert_eq!(r.status(), 200, "asking for the digest");
    r.text().await.unwrap()
}

/// Ask for the digest at `email` and confirm it from the emailed link.
async fn subscribed(app: &TestApp, email: &str, channels: &[&str]) {
    ask(app, email, channels).await;
    let mail = mail_to(app, email);
    let link = link_in(mail.last().expect("a confirmation email"), "/digest/confirm/");
    let r = app.browser().post(&link, &[]).await;
    assert_eq!(r.status(), 200, "confirming");
}

/// What a dry run of this week's digest would send to `email`: the
/// message's text, or why nothing would go.
async fn digest_for(app: &TestApp, email: &str) -> Result<String, String> {
    let dir = tempfile::tempdir().unwrap();
    let lines = dry_run(&app.state, this_week(), Some(email), dir.path())
        .await
        .expect("dry run");
    let line = lines.into_iter().next().ok_or("not eligible")?;
    match line.file {
        Some(file) => Ok(std::fs::read_to_string(file)
            .unwrap()
            .replace("=\r\n", "")
            .replace("=\n", "")),
        None => Err(line.outcome),
    }
}

async fn is_eligible(app: &TestApp, email: &str) -> bool {
    eligible(&app.db).await.unwrap().iter().any(|(_, e)| e == email)
}

async fn a_subscriber_is_sent_the_digest_only_once_the_button_confirms(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    offer(&admin, "comms").await;
    admin
        .create_post("comms", "discussion", "Gritting script", "", "For the cold snap")
        .await;
    let comms = channel_id(&app, "comms").await;

    let page = app.browser().text("/digest/subscribe").await;
    assert!(page.contains("<h1>Get the weekly digest by email</h1>"), "{page}");
    assert!(
        page.contains(r#"<label for="email">Email address</label>"#)
            && page.contains(&format!(r#"<label for="channel-{comms}">Comms"#)),
        "every field has its label: {page}"
    );

    let page = ask(&app, "Partner@Example.net", &[&comms]).await;
    assert!(page.contains("Check your inbox"), "{page}");
    let id = subscriber_id(&app, PARTNER).await;
    assert!(!is_eligible(&app, PARTNER).await, "not before confirming");
    let mail = mail_to(&app, PARTNER);
    assert_eq!(mail.len(), 1);
    assert!(
        mail[0].contains("Subject: Confirm your Commonroom weekly digest") && mail[0].contains("* Comms"),
        "{}",
        mail[0]
    );
    let link = link_in(&mail[0], "/digest/confirm/");

    // Opening the link (as a mail scanner would) confirms nothing.
    let visitor = app.browser();
    let page = visitor.text(&link).await;
    assert!(
        page.contains("<h1>Confirm your weekly digest</h1>")
            && page.contains(PARTNER)
            && page.contains(&format!(r#"action="{link}""#)),
        "{page}"
    );
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM digest_subscribers WHERE id = {id} AND confirmed_at IS NULL"
        ))
        .await,
        1
    );
    assert!(!is_eligible(&app, PARTNER).await);

    let r = visitor.post(&link, &[]).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("Your weekly digest is confirmed"), "{page}");
    assert!(page.contains(r#"href="/digest/subscription/"#), "{page}");
    let listed = eligible(&app.db).await.unwrap();
    assert!(
        listed.contains(&(Recipient::Subscriber(id), PARTNER.to_owned())),
        "{listed:?}"
    );
    // Confirming twice changes nothing.
    assert_eq!(visitor.post(&link, &[]).await.status(), 200);

    // Sent for real: the digest, with the subscriber's own links.
    let summary = send(&app.state, this_week(), true, Some(PARTNER), Arc::new(|_| {}))
        .await
        .expect("send");
    assert_eq!(summary.sent, 1, "{summary:?}");
    let digest = mail_to(&app, PARTNER)
        .into_iter()
        .find(|m| m.contains("Subject: Your Commonroom week"))
        .expect("the digest");
    assert!(digest.contains("Gritting script"), "{digest}");
    assert!(digest.contains("List-Unsubscribe: <http"), "{digest}");
    let manage = link_in(&digest, "/digest/subscription/");
    assert_eq!(
        app.browser().get(&manage).await.status(),
        200,
        "the digest's preferences link is the subscriber's own page"
    );
    assert!(
        digest.contains(&format!("/digest/{}?t=", this_week())),
        "view in browser carries a reading token: {digest}"
    );

    // One click stops it; their own page can start it again.
    let unsubscribe = link_in(&digest, "/unsubscribe/");
    let page = app.browser().text(&unsubscribe).await;
    assert!(page.contains("by the link at the foot of any digest"), "{page}");
    assert_eq!(app.browser().post(&unsubscribe, &[]).await.status(), 200);
    assert!(!is_eligible(&app, PARTNER).await);
    assert!(checked(&app.browser().text(&manage).await, "frequency-never"));
}

async fn an_unconfirmed_subscriber_is_never_sent_anything(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    offer(&admin, "comms").await;
    admin
        .create_post("comms", "discussion", "Gritting script", "", "For the cold snap")
        .await;
    let comms = channel_id(&app, "comms").await;
    ask(&app, PARTNER, &[&comms]).await;
    let id = subscriber_id(&app, PARTNER).await;

    // With `digest.confirm_hours = 0` the link is stale as soon as it is sent.
    let link = link_in(&mail_to(&app, PARTNER)[0], "/digest/confirm/");
    for r in [app.browser().get(&link).await, app.browser().post(&link, &[]).await] {
        assert_eq!(r.status(), 410);
        let page = r.text().await.unwrap();
        assert!(
            page.contains("This confirmation link has expired") && page.contains(r#"href="/digest/subscribe""#),
            "a way to ask again: {page}"
        );
    }
    // A link signed with a past expiry, cut short, or made for something else.
    let past = ConfirmationLink {
        subscriber_id: id,
        expires_at: Utc::now() - Duration::hours(1),
    };
    let stale = app.state.signer.sign(Purpose::ConfirmSubscription, &past.to_bytes());
    assert_eq!(
        app.browser()
            .post(&format!("/digest/confirm/{stale}"), &[])
            .await
            .status(),
        410
    );
    let unsubscribe = app
        .state
        .signer
        .sign(Purpose::Unsubscribe, &Recipient::Subscriber(id).to_bytes());
    for token in [&link["/digest/confirm/".len()..link.len() - 3], unsubscribe.as_str()] {
        let r = app.browser().post(&format!("/digest/confirm/{token}"), &[]).await;
        assert_eq!(r.status(), 404, "{token}");
    }
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM digest_subscribers WHERE confirmed_at IS NOT NULL")
            .await,
        0
    );

    // Never eligible; and even a row planned by other means is not sent.
    assert!(!is_eligible(&app, PARTNER).await);
    assert_eq!(digest_for(&app, PARTNER).await, Err("not eligible".into()));
    digest_outbox::plan(&app.db, this_week(), &[(Recipient::Subscriber(id), PARTNER.to_owned())])
        .await
        .unwrap();
    let summary = send(&app.state, this_week(), false, None, Arc::new(|_| {}))
        .await
        .expect("send");
    assert_eq!((summary.sent, summary.skipped), (0, 1), "{summary:?}");
    assert_eq!(mail_to(&app, PARTNER).len(), 1, "only the confirmation request");
    // Nor does its manage page open: there is nothing to manage yet.
    let manage = app
        .state
        .signer
        .sign(Purpose::ManageSubscription, &Recipient::Subscriber(id).to_bytes());
    assert_eq!(
        app.browser()
            .get(&format!("/digest/subscription/{manage}"))
            .await
            .status(),
        404
    );
}

async fn a_subscribers_digest_holds_only_channels_still_offered_to_them(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    app.channel(&admin, "Housing", "housing").await;
    app.working_group(&admin, "private-listed").await;
    offer(&admin, "comms").await;
    admin
        .create_post("comms", "discussion", "Gritting script", "", "For the cold snap")
        .await;
    admin
        .create_post("housing", "discussion", "Housing budget", "", "Numbers")
        .await;
    let secret = admin
        .create_post("wg", "discussion", "Zeppelin plan", "", "Members only")
        .await;
    // A curator's pick from the private channel does not reach outsiders
    // either, nor does the editor's note, written for staff.
    let next = commonroom::service::digest::next_week(&app.state);
    let r = admin
        .post("/digest/note", &[("body", "Thank you to the contact centre.")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        admin
            .post(&format!("/p/{secret}/feature"), &[("featured", "yes")])
            .await
            .status(),
        303
    );
    let (comms, housing, wg) = (
        channel_id(&app, "comms").await,
        channel_id(&app, "housing").await,
        channel_id(&app, "wg").await,
    );
    // Ids of channels not offered, ticked by hand, are not kept.
    subscribed(&app, PARTNER, &[&comms, &housing, &wg]).await;
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM digest_subscriber_channels").await, 1);

    let digest = digest_for(&app, PARTNER).await.expect("a digest");
    assert!(digest.contains("Gritting script"), "{digest}");
    for unseen in [
        "Housing budget",
        "Zeppelin",
        "#wg",
        "#housing",
        "NEW REPLIES",
        "YOU WERE MENTIONED",
    ] {
        assert!(!digest.contains(unseen), "{unseen} in {digest}");
    }
    assert!(
        !digest.contains("PICKED BY YOUR CURATORS") && !digest.contains("contact centre"),
        "{digest}"
    );
    // The week the note and the pick are for, even with the private
    // channel among the picked ones: neither reaches a subscriber.
    let picked = DigestPreferences {
        frequency: Frequency::Weekly,
        choice: ChannelChoice::Picked,
        channels: [&comms, &wg].iter().map(|id| id.parse().unwrap()).collect(),
    };
    app.move_posts_into(next).await;
    let span = next.span(app.state.settings.digest.timezone);
    let contents = subscriber_contents(&app.db, &picked, next, span).await.unwrap();
    assert!(contents.note.is_none() && contents.picks.is_empty(), "{contents:?}");
    let staff = preview(&app.state, "ada@example.org", next).await.unwrap();
    assert!(
        staff.contents.note.is_some() && staff.contents.picks.len() == 1,
        "staff get both"
    );
    // Back into this week, where the rest of the test reads them.
    app.move_posts_into(this_week()).await;

    // Offered later and picked on their page: in it.
    offer(&admin, "housing").await;
    let manage = link_in(&digest, "/digest/subscription/");
    let r = app
        .browser()
        .post(
            &manage,
            &[("frequency", "weekly"), ("channel", &comms), ("channel", &housing)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let digest = digest_for(&app, PARTNER).await.expect("a digest");
    assert!(
        digest.contains("Gritting script") && digest.contains("Housing budget"),
        "{digest}"
    );

    // Comms made private after they subscribed: gone from the very next
    // digest, and not offered again when it opens up.
    let r = admin
        .post("/c/comms/visibility", &[("visibility", "private-listed")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM channels WHERE digest_open = TRUE")
            .await,
        1,
        "only housing is still offered"
    );
    let digest = digest_for(&app, PARTNER).await.expect("a digest");
    assert!(
        !digest.contains("Gritting script") && !digest.contains("#comms") && digest.contains("Housing budget"),
        "{digest}"
    );
    let r = admin.post("/c/comms/visibility", &[("visibility", "open")]).await;
    assert_eq!(r.status(), 303);
    let digest = digest_for(&app, PARTNER).await.expect("a digest");
    assert!(!digest.contains("Gritting script"), "{digest}");

    // Withdrawn by an administrator, and archived: nothing left, nothing sent.
    admin.post("/c/housing/archive", &[("confirm", "yes")]).await;
    assert_eq!(
        digest_for(&app, PARTNER).await,
        Err("nothing sent: nothing this week".into())
    );
}

async fn the_subscribers_own_page_changes_what_comes_and_can_end_it(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    app.channel(&admin, "Housing", "housing").await;
    offer(&admin, "comms").await;
    offer(&admin, "housing").await;
    let (comms, housing) = (channel_id(&app, "comms").await, channel_id(&app, "housing").await);
    subscribed(&app, PARTNER, &[&comms]).await;

    // Asking again with a confirmed address: the same page, and by email
    // the subscriber's own page; nothing changed.
    let page = ask(&app, PARTNER, &[&housing]).await;
    assert!(page.contains("Check your inbox"), "{page}");
    let mail = mail_to(&app, PARTNER);
    let reminder = mail.last().unwrap();
    assert!(reminder.contains("already gets it"), "{reminder}");
    let manage = link_in(reminder, "/digest/subscription/");

    let visitor = app.browser();
    let page = visitor.text(&manage).await;
    assert!(
        page.contains("<h1>Your weekly digest</h1>") && page.contains(PARTNER),
        "{page}"
    );
    assert!(checked(&page, "frequency-weekly"), "{page}");
    assert!(
        checked(&page, &format!("channel-{comms}")) && !checked(&page, &format!("channel-{housing}")),
        "{page}"
    );
    assert!(
        !page.contains("choice-followed"),
        "no account, nothing followed: {page}"
    );
    assert!(
        page.contains(&format!(r#"<label for="channel-{housing}">Housing"#)),
        "{page}"
    );

    // Weekly with nothing ticked: an error tied to the channels.
    let r = visitor.post(&manage, &[("frequency", "weekly")]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains(r#"aria-describedby="channels-error""#)
            && page.contains(r#"id="channels-error""#)
            && page.contains(r##"href="#channels""##),
        "{page}"
    );

    // Never: kept, and no longer eligible.
    let r = visitor
        .post(&manage, &[("frequency", "never"), ("channel", &housing)])
        .await;
    assert_eq!(location(&r), manage);
    let page = visitor.text(&manage).await;
    assert!(page.contains("Saved. Nothing will be sent"), "{page}");
    assert!(checked(&page, "frequency-never") && checked(&page, &format!("channel-{housing}")));
    assert!(!is_eligible(&app, PARTNER).await);
    let r = visitor
        .post(&manage, &[("frequency", "weekly"), ("channel", &housing)])
        .await;
    assert_eq!(r.status(), 303);
    assert!(is_eligible(&app, PARTNER).await);

    // Unsubscribe: asked first, then the address is forgotten.
    let unsubscribe = format!("{manage}/unsubscribe");
    let page = visitor.text(&unsubscribe).await;
    assert!(page.contains(&format!("Unsubscribe {PARTNER}?")), "{page}");
    let r = visitor.post(&unsubscribe, &[]).await;
    assert_eq!(r.status(), 200, "asks without confirm=yes");
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM digest_subscribers WHERE email = '{PARTNER}'"
        ))
        .await,
        1,
        "nothing ended yet"
    );
    let r = visitor.post(&unsubscribe, &[("confirm", "yes")]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("You are unsubscribed"));
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM digest_subscribers WHERE email = '{PARTNER}'"
        ))
        .await,
        0
    );
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM digest_subscriber_channels").await, 0);
    assert!(!is_eligible(&app, PARTNER).await);
    let r = visitor.get(&manage).await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains(r#"href="/digest/subscribe""#));
}

async fn only_administrators_offer_channels_and_only_open_ones(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    app.working_group(&admin, "private-listed").await;
    let cora = app.signed_in("cora", Role::Curator).await;
    let bo = app.signed_in("bo", Role::Member).await;
    for someone in [&cora, &bo] {
        let r = someone.post("/c/comms/subscribers", &[("digest_open", "yes")]).await;
        assert_eq!(r.status(), 403);
    }
    assert!(
        !app.browser().text("/digest/subscribe").await.contains("Comms"),
        "nothing offered yet"
    );

    let page = admin.text("/c/comms/members").await;
    assert!(
        page.contains("Email subscribers") && checked(&page, "digest_open-no") && !checked(&page, "digest_open-yes"),
        "{page}"
    );
    offer(&admin, "comms").await;
    let page = admin.text("/c/comms/members").await;
    assert!(checked(&page, "digest_open-yes"), "{page}");
    assert!(app.browser().text("/digest/subscribe").await.contains("Comms"));
    assert_eq!(
        app.sql_i64(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'channel.digest_open' AND detail = 'yes' \
             AND actor_id = (SELECT id FROM users WHERE handle = 'ada')"
        )
        .await,
        1
    );

    // A private channel cannot be offered: the form says so, beside its field.
    let r = admin.post("/c/wg/subscribers", &[("digest_open", "yes")]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Only an open channel can be offered") || page.contains("A private channel cannot be offered"),
        "{page}"
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM channels WHERE slug = 'wg' AND digest_open = TRUE")
            .await,
        0
    );

    // Withdrawn: off the form, audited.
    let r = admin.post("/c/comms/subscribers", &[("digest_open", "no")]).await;
    assert_eq!(r.status(), 303);
    assert!(!app.browser().text("/digest/subscribe").await.contains("Comms"));
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM audit_log WHERE action = 'channel.digest_open'")
            .await,
        2
    );

    // Offered again, then made private: withdrawn with it, and that is
    // audited too.
    offer(&admin, "comms").await;
    let r = admin
        .post("/c/comms/visibility", &[("visibility", "private-hidden")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM channels WHERE digest_open = TRUE")
            .await,
        0
    );
    assert_eq!(
        app.sql_i64(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'channel.digest_open' AND detail = 'no: made private'"
        )
        .await,
        1
    );
}

async fn asking_says_the_same_to_everyone_and_cannot_flood_an_inbox(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    offer(&admin, "comms").await;
    let comms = channel_id(&app, "comms").await;
    app.create_user("bo", Role::Member).await;

    let new = ask(&app, "new@example.net", &[&comms]).await;
    let account = ask(&app, "bo@example.org", &[&comms]).await;
    assert_eq!(
        new.replace("new@example.net", "X"),
        account.replace("bo@example.org", "X"),
        "identical pages"
    );
    let mail = mail_to(&app, "bo@example.org");
    assert_eq!(mail.len(), 1);
    assert!(
        mail[0].contains("already has a Commonroom account") && mail[0].contains("/settings/email"),
        "{}",
        mail[0]
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM digest_subscribers WHERE email = 'bo@example.org'")
            .await,
        0,
        "no subscription for an account holder's address"
    );

    // However often it is asked, an address gets at most three emails in the window.
    for _ in 0..5 {
        let page = ask(&app, "target@example.net", &[&comms]).await;
        assert!(page.contains("Check your inbox"));
    }
    assert_eq!(mail_to(&app, "target@example.net").len(), 3);
}

async fn a_form_with_mistakes_comes_back_with_what_was_typed(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    app.channel(&admin, "Housing", "housing").await;
    offer(&admin, "comms").await;
    offer(&admin, "housing").await;
    let (comms, housing) = (channel_id(&app, "comms").await, channel_id(&app, "housing").await);
    let visitor = app.browser();

    let r = visitor
        .post(
            "/digest/subscribe",
            &[("email", "not an address"), ("channel", &housing)],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains(r#"value="not an address""#), "{page}");
    assert!(
        checked(&page, &format!("channel-{housing}")) && !checked(&page, &format!("channel-{comms}")),
        "{page}"
    );
    assert!(
        page.contains(r#"aria-invalid="true" aria-describedby="email-error""#)
            && page.contains(r#"id="email-error""#)
            && page.contains(r##"href="#email""##),
        "{page}"
    );

    let r = visitor.post("/digest/subscribe", &[("email", PARTNER)]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Tick at least one channel."), "{page}");
    assert!(
        page.contains(r#"aria-describedby="channels-hint channels-error""#)
            && page.contains(&format!(r#"value="{PARTNER}""#)),
        "{page}"
    );
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM digest_subscribers").await, 0);
    assert!(mail_to(&app, PARTNER).is_empty());
}
