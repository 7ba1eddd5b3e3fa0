//! When our own database fails, nothing is left half done, and the fault is
//! ours: a feed is not blamed (or backed off) for it, and a settings form does
//! not save half of what it was given.

use commonroom::domain::role::Role;

use super::support::{curator, feed_id, follow, import, inbox, inbox_of, make_due, open};
use super::world::{Reply, World};
use crate::helpers::TestApp;

open_world_tests!(
    saving_settings_and_re_applying_word_rules_succeed_or_fail_together,
    a_database_fault_while_storing_a_poll_is_not_the_feeds_failure,
    a_share_that_cannot_finish_shares_nothing,
);

async fn saving_settings_and_re_applying_word_rules_succeed_or_fail_together(app: TestApp) {
    let world = World::start().await;
    world.serve("/roundup.xml", Reply::fixture("council.xml"));
    let cora = curator(&app).await;
    let url = world.url("/roundup.xml");
    let id = follow(&cora, &url).await;
    assert_eq!(inbox_of(&cora, id).await.len(), 4);
    app.refuse("UPDATE", "feed_items").await;

    // Excluding "sponsored" must take one item out: re-applying the rules
    // writes to feed_items, which now fails.
    let form = [
        ("title", "Roundup, renamed"),
        ("folder", "Councils"),
        ("channel", ""),
        ("include", ""),
        ("exclude", "sponsored"),
        ("poll_minutes", "120"),
    ];
    let r = cora.post(&format!("/feeds/{id}"), &form).await;

    assert_eq!(r.status(), 500);
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM feeds WHERE id = {id} AND title = 'Council Roundup' AND folder = '' \
             AND exclude_words = '' AND poll_minutes = 60"
        ))
        .await,
        1,
        "the settings were not saved without their rules"
    );
    assert_eq!(inbox_of(&cora, id).await.len(), 4, "the inbox is as it was");
}

async fn a_database_fault_while_storing_a_poll_is_not_the_feeds_failure(app: TestApp) {
    let world = World::start().await;
    world.serve("/roundup.xml", Reply::fixture("council.xml"));
    let cora = curator(&app).await;
    let url = world.url("/roundup.xml");
    import(&cora, &[(&url, "Council Roundup", "")]).await;
    let id = feed_id(&app, &url).await;
    app.refuse("INSERT", "feed_items").await;
    make_due(&app, id).await;

    app.drain_jobs().await;

    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM feeds WHERE id = {id} AND failures = 0 AND last_error IS NULL"
        ))
        .await,
        1,
        "the feed answered well: nothing is held against it"
    );
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM jobs WHERE kind = 'poll_feed' AND key = '{id}' \
             AND last_error LIKE '%refused for the test%' AND attempts = 1"
        ))
        .await,
        1,
        "the poll failed as a job, with our error, and will be tried again"
    );
    let page = cora.text(&format!("/feeds/{id}")).await;
    assert!(!page.contains("failure"), "the feed's health shows no failure");
}

async fn a_share_that_cannot_finish_shares_nothing(app: TestApp) {
    let world = World::start().await;
    world.serve("/news.xml", Reply::fixture("rss2.xml"));
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Local news", "local-news").await;
    app.channel(&admin, "Roads", "roads").await;
    let cora = curator(&app).await;
    follow(&cora, &world.url("/news.xml")).await;
    let entry = inbox(&cora, "")
        .await
        .into_iter()
        .find(|e| e.title == "Gritting routes published")
        .expect("the gritting entry");
    // Posting works; taking the entry out of the inbox, the last step, fails.
    app.refuse("UPDATE", "stories").await;

    let id = entry.id.to_string();
    let r = cora
        .post(
            "/share",
            &[
                ("url", "https://townhall.example.org/news/gritting"),
                ("title", "Gritting routes published"),
                ("body", "Worth knowing before the cold snap."),
                ("channel", "local-news"),
                ("channel", "roads"),
                ("item", id.as_str()),
                ("publish_at", ""),
            ],
        )
        .await;

    assert_eq!(r.status(), 500);
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM posts").await,
        0,
        "neither channel got the post"
    );
    assert!(
        inbox(&cora, "").await.iter().any(|e| e.id == entry.id),
        "the entry still waits in the inbox"
    );
}
