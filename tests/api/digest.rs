//! The weekly digest: who gets it and of what (`/settings/email`).

use commonroom::domain::digest::DigestWeek;
use commonroom::domain::role::Role;
use commonroom::service::digest::preview;

use crate::helpers::{TestApp, location};
use crate::on_both_backends;

on_both_backends!(
    everyone_starts_on_the_weekly_digest_of_what_they_follow,
    email_settings_are_kept_and_only_readable_channels_can_be_picked,
    picking_no_channel_is_an_error_that_keeps_the_choice,
    a_digest_holds_what_the_reader_may_read_when_it_is_put_together,
    the_preview_command_prints_a_digest_or_says_why_not,
    a_curator_writes_the_editors_note_that_opens_the_next_digest,
    featured_posts_open_the_digest_for_those_who_may_read_them,
    a_week_with_a_clock_change_holds_what_happened_in_it_by_local_time,
);

fn checked(page: &str, id: &str) -> bool {
    page.split(&format!(r#"id="{id}""#))
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .is_some_and(|attrs| attrs.contains("checked"))
}

async fn everyone_starts_on_the_weekly_digest_of_what_they_follow(app: TestApp) {
    let bo = app.signed_in("bo", Role::Member).await;
    let page = bo.text("/settings/email").await;
    assert!(
        checked(&page, "frequency-weekly") && !checked(&page, "frequency-never"),
        "{page}"
    );
    assert!(
        checked(&page, "choice-followed") && !checked(&page, "choice-picked"),
        "{page}"
    );
    assert!(
        bo.text("/u/bo").await.contains(r#"href="/settings/email""#),
        "linked from their profile"
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM digest_subscribers").await,
        0,
        "the default needs no row"
    );
}

async fn email_settings_are_kept_and_only_readable_channels_can_be_picked(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    app.channel(&admin, "Housing", "housing").await;
    app.working_group(&admin, "private-hidden").await;
    let id = |slug: &str| format!("SELECT id FROM channels WHERE slug = '{slug}'");
    let (comms, housing, wg) = (
        app.sql_i64(&id("comms")).await.to_string(),
        app.sql_i64(&id("housing")).await.to_string(),
        app.sql_i64(&id("wg")).await.to_string(),
    );
    let bo = app.signed_in("bo", Role::Member).await;
    let page = bo.text("/settings/email").await;
    assert!(
        page.contains("Comms") && page.contains("Housing") && !page.contains("Working group"),
        "{page}"
    );

    // A hidden channel's id, sent by hand, is not kept.
    let r = bo
        .post(
            "/settings/email",
            &[
                ("frequency", "weekly"),
                ("choice", "picked"),
                ("channel", &housing),
                ("channel", &wg),
            ],
        )
        .await;
    assert_eq!(location(&r), "/settings/email");
    let page = bo.text("/settings/email").await;
    assert!(
        page.contains("Saved. Your weekly digest will follow these settings."),
        "{page}"
    );
    assert!(checked(&page, "choice-picked"), "{page}");
    assert!(
        checked(&page, &format!("channel-{housing}")) && !checked(&page, &format!("channel-{comms}")),
        "{page}"
    );
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM digest_subscriber_channels").await, 1);

    // Never: kept, and the picked channels stay for when they come back.
    let r = bo
        .post(
            "/settings/email",
            &[("frequency", "never"), ("choice", "picked"), ("channel", &housing)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = bo.text("/settings/email").await;
    assert!(
        checked(&page, "frequency-never") && page.contains("You will not get the weekly digest."),
        "{page}"
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM digest_subscribers WHERE frequency = 'never'")
            .await,
        1
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM digest_subscribers").await,
        1,
        "one row per person"
    );
}

async fn picking_no_channel_is_an_error_that_keeps_the_choice(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    let bo = app.signed_in("bo", Role::Member).await;
    let r = bo
        .post("/settings/email", &[("frequency", "weekly"), ("choice", "picked")])
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Tick at least one channel"), "{page}");
    assert!(
        checked(&page, "choice-picked") && checked(&page, "frequency-weekly"),
        "the choice is kept: {page}"
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM digest_subscribers").await,
        0,
        "nothing saved"
    );
}

async fn a_digest_holds_what_the_reader_may_read_when_it_is_put_together(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    app.channel(&admin, "Housing", "housing").await;
    app.working_group(&admin, "private-listed").await;
    let bo = app.signed_in("bo", Role::Member).await;
    assert_eq!(admin.post("/c/wg/members", &[("handle", "@bo")]).await.status(), 303);
    for slug in ["comms", "wg"] {
        assert_eq!(bo.post(&format!("/c/{slug}/follow"), &[]).await.status(), 303);
    }
    let gritting = admin
        .create_post("comms", "discussion", "Gritting script", "", "For the cold snap")
        .await;
    let quiet = admin
        .create_post("comms", "discussion", "Quiet one", "", "Nobody replies")
        .await;
    admin
        .create_post("housing", "discussion", "Housing budget", "", "Numbers")
        .await;
    admin
        .create_post("wg", "discussion", "Zeppelin plan", "", "Members only")
        .await;
    let gone = admin
        .create_post("comms", "discussion", "Deleted idea", "", "Oops")
        .await;
    admin.post(&format!("/p/{gone}/delete"), &[("confirm", "yes")]).await;
    bo.reply(gritting, "Happy to help", None).await;
    admin.reply(gritting, "Thanks @bo, draft attached", None).await;
    admin.post(&format!("/p/{gritting}/react"), &[("kind", "like")]).await;

    // This week, whatever day the test runs: posts made now are in it.
    let week = DigestWeek::containing(
        chrono::Utc::now()
            .with_timezone(&chrono_tz::Europe::London)
            .date_naive(),
    );
    let p = preview(&app.state, "bo@example.org", week).await.expect("preview");
    let sections: Vec<(&str, Vec<&str>)> = p
        .contents
        .sections
        .iter()
        .map(|s| (s.slug.as_str(), s.posts.iter().map(|p| p.title.as_str()).collect()))
        .collect();
    assert_eq!(
        sections,
        vec![
            ("comms", vec!["Gritting script", "Quiet one"]),
            ("wg", vec!["Zeppelin plan"])
        ],
        "followed channels only, most engaged first, nothing deleted"
    );
    assert_eq!(p.contents.threads.len(), 1, "{:?}", p.contents.threads);
    assert_eq!(
        (p.contents.threads[0].post_id, p.contents.threads[0].new_replies),
        (gritting, 1)
    );
    assert_eq!(p.contents.mentions.len(), 1);
    assert_eq!(p.contents.mentions[0].by, "Ada");
    let names: Vec<&str> = p.contents.new_channels.iter().map(|c| c.slug.as_str()).collect();
    assert_eq!(names, vec!["comms", "housing", "wg"]);
    assert!(
        p.text.contains(&format!("/p/{gritting}")) && p.text.contains(&format!("/p/{quiet}")),
        "{}",
        p.text
    );
    assert!(p.text.contains("/settings/email"), "{}", p.text);

    // Removed from the working group: its posts leave the very next digest.
    let bo_id = app
        .sql_i64("SELECT id FROM users WHERE handle = 'bo'")
        .await
        .to_string();
    let r = admin
        .post(&format!("/c/wg/members/{bo_id}/remove"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), 303);
    let p = preview(&app.state, "bo@example.org", week).await.expect("preview");
    assert!(!p.text.contains("Zeppelin") && !p.text.contains("/c/wg"), "{}", p.text);

    // Picked channels replace the followed ones.
    let housing = app
        .sql_i64("SELECT id FROM channels WHERE slug = 'housing'")
        .await
        .to_string();
    let r = bo
        .post(
            "/settings/email",
            &[("frequency", "weekly"), ("choice", "picked"), ("channel", &housing)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let p = preview(&app.state, "bo@example.org", week).await.expect("preview");
    let slugs: Vec<&str> = p.contents.sections.iter().map(|s| s.slug.as_str()).collect();
    assert_eq!(slugs, vec!["housing"]);

    // The week before had nothing: no email.
    let p = preview(&app.state, "bo@example.org", week.previous())
        .await
        .expect("preview");
    assert!(p.contents.is_empty(), "{:?}", p.contents);
}

async fn the_preview_command_prints_a_digest_or_says_why_not(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    let post = admin
        .create_post("comms", "discussion", "Gritting script", "", "For the cold snap")
        .await;
    let week = DigestWeek::containing(
        chrono::Utc::now()
            .with_timezone(&chrono_tz::Europe::London)
            .date_naive(),
    );
    let dir = tempfile::tempdir().unwrap();
    let run = |args: Vec<String>| {
        let mut cmd = app.command_in(dir.path());
        cmd.arg("digest").arg("preview").args(args);
        cmd
    };

    let out = run(vec![
        "--user".into(),
        "ada@example.org".into(),
        "--week".into(),
        week.to_string(),
    ])
    .output()
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("Subject: Your Commonroom week: {}", week.describe())),
        "{text}"
    );
    assert!(
        text.contains("Gritting script") && text.contains(&format!("/p/{post}")),
        "{text}"
    );

    let out = run(vec![
        "--user".into(),
        "ada@example.org".into(),
        "--week".into(),
        week.previous().to_string(),
    ])
    .output()
    .await
    .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("no email would be sent"));

    for (args, says) in [
        (
            vec!["--user", "ada@example.org", "--week", "2025-W53"],
            "2025 has no week 53.",
        ),
        (
            vec!["--user", "nobody@example.org"],
            "nobody has the address nobody@example.org",
        ),
    ] {
        let out = run(args.into_iter().map(String::from).collect())
            .output()
            .await
            .unwrap();
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{stderr}");
    }
}

async fn a_curator_writes_the_editors_note_that_opens_the_next_digest(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    let cora = app.signed_in("cora", Role::Curator).await;
    let bo = app.signed_in("bo", Role::Member).await;
    assert_eq!(bo.get("/digest/note").await.status(), 403, "members do not write it");
    assert!(
        cora.text("/inbox").await.contains(r#"href="/digest/note""#),
        "curators find it from the inbox"
    );

    let next = commonroom::service::digest::next_week(&app.state);
    let page = cora.text("/digest/note").await;
    assert!(
        page.contains(&next.to_string()) && page.contains(&next.describe()),
        "{page}"
    );

    let long = "x".repeat(2001);
    let r = cora.post("/digest/note", &[("body", &long)]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains(&long), "the text is kept");

    let r = cora
        .post(
            "/digest/note",
            &[("body", "Gritting season is here: **thank you** to the contact centre.")],
        )
        .await;
    assert_eq!(location(&r), "/digest/note");
    assert!(cora.text("/digest/note").await.contains("Gritting season is here"));
    admin
        .create_post("comms", "discussion", "Gritting script", "", "For the cold snap")
        .await;
    let p = preview(&app.state, "bo@example.org", next).await.expect("preview");
    assert!(
        p.text
            .contains("FROM THE EDITOR\n\nGritting season is here: thank you to the contact centre."),
        "{}",
        p.text
    );
    // Another week's digest does not carry it.
    let p = preview(&app.state, "bo@example.org", next.previous())
        .await
        .expect("preview");
    assert!(!p.text.contains("Gritting season"), "{}", p.text);

    // Emptied: no note.
    assert_eq!(cora.post("/digest/note", &[("body", "  ")]).await.status(), 303);
    let p = preview(&app.state, "bo@example.org", next).await.expect("preview");
    assert!(!p.text.contains("FROM THE EDITOR"), "{}", p.text);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM digest_notes").await, 0);
}

async fn featured_posts_open_the_digest_for_those_who_may_read_them(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    app.working_group(&admin, "private-listed").await;
    let cora = app.signed_in("cora", Role::Curator).await;
    let bo = app.signed_in("bo", Role::Member).await;
    assert_eq!(bo.post("/c/comms/follow", &[]).await.status(), 303);
    let busy = admin
        .create_post("comms", "discussion", "Busy thread", "", "Much said")
        .await;
    admin.reply(busy, "One", None).await;
    admin.reply(busy, "Two", None).await;
    let quiet = admin
        .create_post(
            "comms",
            "link",
            "Quiet gem",
            "https://www.gov.uk/guidance/x",
            "Worth a read",
        )
        .await;
    let secret = admin
        .create_post("wg", "discussion", "Working group plan", "", "Members only")
        .await;

    // Members cannot feature; curators see the button on the thread.
    assert_eq!(
        bo.post(&format!("/p/{quiet}/feature"), &[("featured", "yes")])
            .await
            .status(),
        403
    );
    let next = commonroom::service::digest::next_week(&app.state);
    let thread = cora.text(&format!("/p/{quiet}")).await;
    assert!(
        thread.contains(&format!("Feature in the digest for {next}")),
        "{thread}"
    );
    let r = cora.post(&format!("/p/{quiet}/feature"), &[("featured", "yes")]).await;
    assert_eq!(location(&r), format!("/p/{quiet}"));
    // A curator cannot feature what they cannot read; the group's own member (the admin) can.
    assert_eq!(
        cora.post(&format!("/p/{secret}/feature"), &[("featured", "yes")])
            .await
            .status(),
        404
    );
    let r = admin
        .post(&format!("/p/{secret}/feature"), &[("featured", "yes")])
        .await;
    assert_eq!(location(&r), format!("/p/{secret}"));
    assert!(
        cora.text(&format!("/p/{quiet}"))
            .await
            .contains(&format!("Featured in the digest for {next}"))
    );

    app.move_posts_into(next).await;
    let p = preview(&app.state, "bo@example.org", next).await.expect("preview");
    let picks: Vec<&str> = p.contents.picks.iter().map(|p| p.title.as_str()).collect();
    assert_eq!(picks, vec!["Quiet gem"], "the private pick is not bo's to read");
    let rest: Vec<&str> = p
        .contents
        .sections
        .iter()
        .flat_map(|s| s.posts.iter().map(|p| p.title.as_str()))
        .collect();
    assert!(
        rest.contains(&"Busy thread") && !rest.contains(&"Quiet gem"),
        "a pick is not listed twice: {rest:?}"
    );
    let text = &p.text;
    let at = |needle: &str| text.find(needle).unwrap_or_else(|| panic!("{needle} in {text}"));
    assert!(
        at("PICKED BY YOUR CURATORS") < at("Quiet gem") && at("Quiet gem") < at("WHAT MATTERED"),
        "{text}"
    );

    // Stop featuring: back among the rest by engagement.
    assert_eq!(
        cora.post(&format!("/p/{quiet}/feature"), &[("featured", "no")])
            .await
            .status(),
        303
    );
    let p = preview(&app.state, "bo@example.org", next).await.expect("preview");
    assert!(p.contents.picks.is_empty());
    assert!(!p.text.contains("PICKED BY YOUR CURATORS"));
}

/// 2026-W43 (Monday 19 to Sunday 25 October 2026) ends the night the clocks
/// go back in London: 169 hours, from 18 October 23:00 UTC (midnight BST) to
/// 26 October 00:00 UTC (midnight GMT). What happened within it by local time
/// is in it; an hour either side is not.
async fn a_week_with_a_clock_change_holds_what_happened_in_it_by_local_time(app: TestApp) {
    use commonroom::entities::post;
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Comms", "comms").await;
    let bo = app.signed_in("bo", Role::Member).await;
    assert_eq!(bo.post("/c/comms/follow", &[]).await.status(), 303);
    let utc = |raw: &str| {
        chrono::DateTime::parse_from_rfc3339(raw)
            .expect("time")
            .with_timezone(&chrono::Utc)
    };
    let at = [
        ("Sunday before, 23:30 BST", "2026-10-18T22:30:00Z"),
        ("Monday, 00:30 BST", "2026-10-18T23:30:00Z"),
        ("Sunday, 23:30 GMT", "2026-10-25T23:30:00Z"),
        ("Monday after, 00:30 GMT", "2026-10-26T00:30:00Z"),
    ];
    for (title, when) in at {
        let id = admin.create_post("comms", "discussion", title, "", "When?").await;
        let mut row: post::ActiveModel = post::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .expect("post")
            .expect("exists")
            .into();
        row.published_at = Set(utc(when));
        row.update(&app.db).await.expect("move the post");
    }
    let week: DigestWeek = "2026-W43".parse().expect("week");
    let (from, until) = week.span(chrono_tz::Europe::London);
    assert_eq!((until - from).num_hours(), 169);
    let p = preview(&app.state, "bo@example.org", week).await.expect("preview");
    let mut titles: Vec<&str> = p
        .contents
        .sections
        .iter()
        .flat_map(|s| s.posts.iter().map(|p| p.title.as_str()))
        .collect();
    titles.sort_unstable();
    assert_eq!(titles, vec!["Monday, 00:30 BST", "Sunday, 23:30 GMT"]);
    assert_eq!(
        p.subject,
        "Your Commonroom week: Monday 19 October to Sunday 25 October 2026"
    );
}
