//! The share form (opened by the bookmarklet): one link into several channels,
//! with warnings when it was shared before or its site is listed.

use commonroom::domain::role::Role;

use crate::helpers::{TestApp, location};
use crate::on_both_backends;

on_both_backends!(
    a_link_is_shared_into_several_channels_at_once,
    the_form_says_where_a_link_was_already_shared,
    share_form_errors_keep_everything_typed,
    sharing_needs_a_channel_the_person_may_post_in,
    posts_of_one_share_link_to_each_other_but_never_reveal_a_private_one,
);

async fn a_link_is_shared_into_several_channels_at_once(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Digital", "digital").await;
    app.channel(&admin, "Libraries", "libraries").await;
    let page = admin
        .text("/share?url=https%3A%2F%2Fwww.gov.uk%2Fx&title=Some%20guidance")
        .await;
    assert!(page.contains(r#"value="https://www.gov.uk/x""#) && page.contains(r#"value="Some guidance""#));
    assert!(page.contains("javascript:location.href="), "bookmarklet offered");
    let r = admin
        .client
        .post(format!("{}/share", admin.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            "url=https%3A%2F%2Fwww.gov.uk%2Fx&title=Some+guidance&body=Worth+a+read&channel=digital&channel=libraries",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/");
    assert!(admin.text("/c/digital").await.contains("Some guidance"));
    assert!(admin.text("/c/libraries").await.contains("Some guidance"));
    let r = admin
        .post(
            "/share",
            &[
                ("url", "https://www.gov.uk/y"),
                ("title", "One"),
                ("body", "Note"),
                ("channel", "digital"),
            ],
        )
        .await;
    assert!(location(&r).starts_with("/p/"), "one channel goes straight to the post");
}

async fn the_form_says_where_a_link_was_already_shared(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Digital", "digital").await;
    admin
        .create_post("digital", "link", "First time", "https://www.gov.uk/guidance/x", "Note")
        .await;
    let page = admin.text("/share?url=https%3A%2F%2Fwww.gov.uk%2Fguidance%2Fx").await;
    assert!(page.contains("Already shared:") && page.contains("in #digital by Ada"));
    admin
        .post(
            "/admin/sites",
            &[("domain", "gov.uk"), ("kind", "approved"), ("note", "")],
        )
        .await;
    assert!(
        admin
            .text("/share?url=https%3A%2F%2Fwww.gov.uk%2Fguidance%2Fx")
            .await
            .contains("gov.uk is an approved source")
    );
}

async fn share_form_errors_keep_everything_typed(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Digital", "digital").await;
    let r = admin
        .post(
            "/share",
            &[
                ("url", "https://example.org/a"),
                ("title", "Kept title"),
                ("body", "Kept note"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("Choose at least one channel"));
    assert!(body.contains(r#"value="Kept title""#) && body.contains("Kept note"));
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM posts").await, 0);
}

async fn sharing_needs_a_channel_the_person_may_post_in(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Old", "old").await;
    admin.post("/c/old/archive", &[("confirm", "yes")]).await;
    let member = app.signed_in("bo", Role::Member).await;
    assert!(
        !member.text("/share").await.contains(r#"value="old""#),
        "archived channels are not offered"
    );
    let r = member
        .post(
            "/share",
            &[
                ("url", "https://example.org/a"),
                ("title", "T"),
                ("body", "N"),
                ("channel", "old"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM posts").await, 0);
}

/// "Also shared in" and its links on a page, or nothing.
fn also_shared_in(page: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(page);
    let links = scraper::Selector::parse(".card__also a").expect("selector");
    doc.select(&links)
        .map(|a| {
            format!(
                "{} {}",
                a.value().attr("href").unwrap_or_default(),
                a.text().collect::<String>()
            )
        })
        .collect()
}

async fn posts_of_one_share_link_to_each_other_but_never_reveal_a_private_one(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Digital", "digital").await;
    app.channel(&admin, "Libraries", "libraries").await;
    let r = admin
        .post(
            "/channels",
            &[
                ("name", "Social media working group"),
                ("slug", "smwg"),
                ("description", "Private."),
                ("visibility", "private-listed"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let mo = app.signed_in("mo", Role::Member).await;
    let bo = app.signed_in("bo", Role::Member).await;
    admin.post("/c/smwg/members", &[("handle", "@ada")]).await;
    let r = admin.post("/c/smwg/members", &[("handle", "@mo")]).await;
    assert_eq!(r.status(), 303);
    admin
        .client
        .post(format!("{}/share", admin.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("url=https%3A%2F%2Fwww.gov.uk%2Fx&title=Some+guidance&body=Worth+a+read&channel=digital&channel=libraries&channel=smwg")
        .send()
        .await
        .unwrap();
    let single = admin
        .create_post("digital", "link", "Alone", "https://www.gov.uk/y", "Just here.")
        .await;

    let id = |slug: &'static str| {
        let app = &app;
        async move {
            app.sql_i64(&format!(
                "SELECT p.id FROM posts p JOIN channels c ON c.id = p.channel_id \
                 WHERE c.slug = '{slug}' AND p.title = 'Some guidance'"
            ))
            .await
        }
    };
    let (digital, libraries, smwg) = (id("digital").await, id("libraries").await, id("smwg").await);
    assert_eq!(
        also_shared_in(&mo.text(&format!("/p/{digital}")).await),
        vec![format!("/p/{libraries} #libraries"), format!("/p/{smwg} #smwg")],
        "a member sees every sibling"
    );
    assert_eq!(
        also_shared_in(&mo.text(&format!("/p/{smwg}")).await),
        vec![format!("/p/{digital} #digital"), format!("/p/{libraries} #libraries")]
    );
    let thread = bo.text(&format!("/p/{digital}")).await;
    assert_eq!(
        also_shared_in(&thread),
        vec![format!("/p/{libraries} #libraries")],
        "a non-member sees only the open one"
    );
    assert!(!thread.contains(&format!(r#"href="/p/{smwg}""#)));
    let channel = bo.text("/c/digital").await;
    assert_eq!(
        also_shared_in(&channel),
        vec![format!("/p/{libraries} #libraries")],
        "cards too"
    );
    assert!(!channel.contains(&format!(r#"href="/p/{smwg}""#)));
    assert!(
        also_shared_in(&bo.text(&format!("/p/{single}")).await).is_empty(),
        "a link shared once links to nothing"
    );
    assert!(
        admin
            .text("/share")
            .await
            .contains("Each channel gets its own post and discussion; they link to each other."),
        "the form says what sharing into several channels does"
    );
}
