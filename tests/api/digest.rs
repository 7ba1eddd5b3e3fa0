//! The weekly digest: who gets it and of what (`/settings/email`).

use commonroom::domain::role::Role;

use crate::helpers::{TestApp, location};
use crate::on_both_backends;

on_both_backends!(
    everyone_starts_on_the_weekly_digest_of_what_they_follow,
    email_settings_are_kept_and_only_readable_channels_can_be_picked,
    picking_no_channel_is_an_error_that_keeps_the_choice,
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
    let r = admin
        .post(
            "/channels",
            &[
                ("name", "Working group"),
                ("slug", "wg"),
                ("visibility", "private-hidden"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
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
