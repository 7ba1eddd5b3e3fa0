//! Nobody finds what they may not read: private channels for members only
//! (and from the moment someone is removed, not for them), nothing deleted,
//! hidden or not yet published; not in hits, counts, snippets, suggestions
//! or "similar words".

use chrono::Utc;
use commonroom::domain::role::Role;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use super::support::{api, days_ago, page, post_at, titles, total, world};
use crate::helpers::{Browser, TestApp};
use crate::on_both_backends;

on_both_backends!(
    non_member_cannot_find_working_group_post,
    a_removed_member_stops_finding_private_posts_at_once,
    deleted_and_hidden_posts_and_their_replies_are_never_found,
    a_channel_made_private_disappears_from_non_members_results,
    a_scheduled_post_is_found_only_once_it_is_published,
);

/// A private working group with a post and a reply; `mo` is a member, `bo` is not.
async fn working_group(app: &TestApp) -> (Browser, Browser, Browser, i64) {
    let w = world(app).await;
    let r = w
        .admin
        .post(
            "/channels",
            &[
                ("name", "Social media working group"),
                ("slug", "smwg"),
                ("description", "Drafting the zeppelin policy."),
                ("visibility", "private-listed"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let mo = app.signed_in("mo", Role::Member).await;
    let bo = app.signed_in("bo", Role::Member).await;
    let r = w.admin.post("/c/smwg/members", &[("handle", "@mo")]).await;
    assert_eq!(r.status(), 303);
    let id = mo
        .create_post(
            "smwg",
            "discussion",
            "Zeppelin moderation policy",
            "",
            "Draft rules for zeppelin accounts.",
        )
        .await;
    mo.reply(id, "The zeppelin wording needs work.", None).await;
    post_at(
        app,
        w.admin_id,
        w.channel_id,
        ("discussion", "Open post", "", "Nothing secret here."),
        days_ago(1),
    )
    .await;
    app.search_settled().await;
    (w.admin, mo, bo, id)
}

async fn non_member_cannot_find_working_group_post(app: TestApp) {
    let (_admin, mo, bo, _) = working_group(&app).await;

    let member = api(&mo, "zeppelin").await;
    let outsider = api(&bo, "zeppelin").await;
    let outsider_page = page(&bo, "zeppelin").await;
    let typo = api(&bo, "zepelin").await;
    let by_channel = bo.get("/api/search?q=in%3A%23smwg").await;
    let suggest = bo.text("/search/suggest?q=smw").await;
    let suggest_name = bo.text("/search/suggest?q=social").await;

    assert_eq!(total(&member), 3, "post, reply and the channel itself");
    assert_eq!(total(&outsider), 0);
    assert!(outsider["hits"].as_array().unwrap().is_empty());
    assert!(outsider_page.contains("No results."), "{outsider_page}");
    assert!(!outsider_page.to_lowercase().contains("zeppelin moderation"));
    assert!(!outsider_page.contains("Draft rules"));
    assert_eq!(total(&typo), 0);
    assert!(
        typo["similar"].is_null(),
        "no similar words from content the reader cannot see"
    );
    assert_eq!(by_channel.status(), 400);
    let message = by_channel.text().await.unwrap();
    assert!(
        message.contains("There is no channel #smwg that you can search"),
        "{message}"
    );
    assert!(
        !suggest.contains("smwg") && !suggest_name.contains("smwg"),
        "{suggest}{suggest_name}"
    );
    assert_eq!(
        total(&api(&bo, "secret").await),
        1,
        "the outsider still finds open posts"
    );
}

async fn a_removed_member_stops_finding_private_posts_at_once(app: TestApp) {
    let (admin, mo, _bo, _) = working_group(&app).await;
    assert_eq!(total(&api(&mo, "zeppelin").await), 3);
    let mo_id = app.sql_i64("SELECT id FROM users WHERE handle = 'mo'").await;

    let r = admin
        .post(&format!("/c/smwg/members/{mo_id}/remove"), &[("confirm", "yes")])
        .await;
    let after = api(&mo, "zeppelin").await;

    assert_eq!(r.status(), 303);
    assert_eq!(
        total(&after),
        0,
        "no waiting for the index: access is read on every search"
    );
    // A listed group shows a former member its lobby only.
    let lobby = mo.get("/c/smwg").await;
    assert_eq!(lobby.status(), 200);
    let lobby = lobby.text().await.unwrap();
    assert!(lobby.contains("Ask to join") && !lobby.contains("Zeppelin"), "{lobby}");
}

async fn deleted_and_hidden_posts_and_their_replies_are_never_found(app: TestApp) {
    let w = world(&app).await;
    let gone = w
        .admin
        .create_post(
            "digital",
            "discussion",
            "Quokka photos",
            "",
            "Quokka pictures for the intranet.",
        )
        .await;
    w.admin.reply(gone, "More quokka please", None).await;
    let hidden = w
        .admin
        .create_post(
            "digital",
            "discussion",
            "Quokka gossip",
            "",
            "Personal data about a quokka keeper.",
        )
        .await;
    let kept = w
        .admin
        .create_post(
            "digital",
            "discussion",
            "Quokka facts",
            "",
            "Quokkas live on Rottnest Island.",
        )
        .await;
    app.search_settled().await;
    assert_eq!(total(&api(&w.admin, "quokka").await), 4);

    let r = w.admin.post(&format!("/p/{gone}/delete"), &[("confirm", "yes")]).await;
    assert_eq!(r.status(), 303);
    let r = w
        .admin
        .post(
            &format!("/moderation/post/{hidden}/hide"),
            &[("reason", "Names a patient")],
        )
        .await;
    assert_eq!(r.status(), 303);
    app.search_settled().await;

    let found = api(&w.admin, "quokka").await;
    assert_eq!(titles(&found), ["Quokka facts"], "not even the author finds them");
    assert_eq!(total(&found), 1);
    assert_eq!(total(&api(&w.admin, "gossip OR photos OR please").await), 0);
    let html = page(&w.admin, "quokka").await;
    assert!(!html.contains("Personal data") && !html.contains("More quokka"));
    let _ = kept;

    // Brought back by a moderator, it is found again.
    let r = w.admin.post(&format!("/moderation/post/{hidden}/restore"), &[]).await;
    assert_eq!(r.status(), 303);
    app.search_settled().await;
    assert_eq!(total(&api(&w.admin, "gossip").await), 1);
}

async fn a_channel_made_private_disappears_from_non_members_results(app: TestApp) {
    let w = world(&app).await;
    let bo = app.signed_in("bo", Role::Member).await;
    w.admin
        .create_post("digital", "discussion", "Narwhal strategy", "", "The narwhal plan.")
        .await;
    app.search_settled().await;
    assert_eq!(total(&api(&bo, "narwhal").await), 1);

    let r = w
        .admin
        .post("/c/digital/visibility", &[("visibility", "private-hidden")])
        .await;
    let at_once = api(&bo, "narwhal").await;
    app.search_settled().await;
    let later = api(&bo, "narwhal").await;
    let admin_sees = api(&w.admin, "narwhal").await;

    assert_eq!(r.status(), 303);
    assert_eq!(total(&at_once), 0);
    assert_eq!(total(&later), 0);
    assert!(
        total(&admin_sees) >= 1,
        "the admin who made it private is its first member"
    );
}

async fn a_scheduled_post_is_found_only_once_it_is_published(app: TestApp) {
    let w = world(&app).await;
    let bo = app.signed_in("bo", Role::Member).await;
    let draft = commonroom::domain::post::PostDraft::parse(
        "discussion",
        "Budget announcement",
        "",
        "Embargoed walrus figures.",
    )
    .unwrap();
    let later = Utc::now() + chrono::Duration::hours(3);
    let id = commonroom::store::posts::create_placed(
        &app.db,
        w.admin_id,
        w.channel_id,
        &draft,
        Utc::now(),
        commonroom::store::posts::Placement {
            publish_at: Some(later),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    app.search_settled().await;
    assert_eq!(total(&api(&bo, "walrus").await), 0);
    assert_eq!(
        total(&api(&w.admin, "walrus").await),
        0,
        "not even its author finds it before its time"
    );

    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM jobs WHERE kind = 'publish_post'")
            .await,
        1,
        "its publication is a job"
    );

    // Its time comes.
    let past = Utc::now() - chrono::Duration::minutes(1);
    let mut post: commonroom::entities::post::ActiveModel = commonroom::entities::post::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    post.published_at = Set(past);
    post.update(&app.db).await.unwrap();
    commonroom::store::jobs::schedule(&app.db, commonroom::domain::job::Job::PublishPost(id), past)
        .await
        .unwrap();
    app.drain_jobs().await;
    app.search_settled().await;

    assert_eq!(total(&api(&bo, "walrus").await), 1);
}
