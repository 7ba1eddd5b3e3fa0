//! The weekly digest for people without an account (partners,
//! councillors): administrators offer open channels to them.

use commonroom::domain::role::Role;

use crate::helpers::{Browser, TestApp, location};
use crate::on_both_backends;

on_both_backends!(only_administrators_offer_channels_and_only_open_ones);

fn checked(page: &str, id: &str) -> bool {
    page.split(&format!(r#"id="{id}""#))
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .is_some_and(|attrs| attrs.contains("checked"))
}

/// An administrator offers a channel to email subscribers.
async fn offer(admin: &Browser, slug: &str) {
    let r = admin
        .post(&format!("/c/{slug}/subscribers"), &[("digest_open", "yes")])
        .await;
    assert_eq!(location(&r), format!("/c/{slug}/members"), "offering {slug}");
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

    let page = admin.text("/c/comms/members").await;
    assert!(
        page.contains("Email subscribers") && checked(&page, "digest_open-no") && !checked(&page, "digest_open-yes"),
        "{page}"
    );
    offer(&admin, "comms").await;
    let page = admin.text("/c/comms/members").await;
    assert!(checked(&page, "digest_open-yes"), "{page}");
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

    // Withdrawn, and audited.
    let r = admin.post("/c/comms/subscribers", &[("digest_open", "no")]).await;
    assert_eq!(r.status(), 303);
    assert!(checked(&admin.text("/c/comms/members").await, "digest_open-no"));
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
