//! Sharing from the inbox: the share form arrives filled in, the post says
//! which feed it came via, the entry leaves the inbox, a second share is
//! warned about, and a post scheduled for later stays with its author until then.

use chrono::Utc;
use commonroom::domain::role::Role;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set};

use super::support::{Entry, curator, follow_into, inbox, open};
use super::world::{Reply, World};
use crate::helpers::{Browser, TestApp, location};

open_world_tests!(
    sharing_from_the_inbox_credits_the_feed_and_clears_the_entry,
    sharing_an_article_again_warns_that_it_was_already_shared,
    a_scheduled_share_stays_hidden_from_others_until_its_time,
    a_post_keeps_its_feed_credit_after_the_feed_is_no_longer_followed,
);
open_world_tests!(@with two_week_inbox; old_entries_leave_the_inbox_and_are_deleted_later_unless_a_post_links_to_them);

/// Entries leave the inbox after 14 days (the default) and are deleted after 30.
fn two_week_inbox(s: &mut commonroom::config::Settings) {
    open(s);
    s.curation.inbox_days = 14;
    s.curation.keep_days = 30;
}

/// A curator following Town Hall News, usually shared into #local-news; and the gritting story.
async fn arrange(app: &TestApp, world: &World) -> (Browser, i64, Entry) {
    world.serve("/news.xml", Reply::fixture("rss2.xml"));
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Local news", "local-news").await;
    app.channel(&admin, "Elsewhere", "elsewhere").await;
    let channel = app.sql_i64("SELECT id FROM channels WHERE slug = 'local-news'").await;
    let cora = curator(app).await;
    let feed = follow_into(&cora, &world.url("/news.xml"), "", &channel.to_string()).await;
    let entry = inbox(&cora, "")
        .await
        .into_iter()
        .find(|e| e.title == "Gritting routes published")
        .expect("gritting entry");
    (cora, feed, entry)
}

const GRITTING: &str = "https://townhall.example.org/news/gritting";

/// Whether a page says a post came "via Town Hall News" (the line under its title).
fn credits_town_hall_news(page: &str) -> bool {
    let doc = scraper::Html::parse_document(page);
    let line = scraper::Selector::parse(".card__domain").expect("selector");
    doc.select(&line).any(|el| {
        let text = el.text().collect::<String>();
        text.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .contains("· via Town Hall News")
    })
}

fn share_form<'a>(entry: &'a str, publish_at: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("url", GRITTING),
        ("title", "Gritting routes published"),
        ("body", "Worth knowing before the cold snap."),
        ("channel", "local-news"),
        ("item", entry),
        ("publish_at", publish_at),
    ]
}

async fn sharing_from_the_inbox_credits_the_feed_and_clears_the_entry(app: TestApp) {
    let world = World::start().await;
    let (cora, feed, entry) = arrange(&app, &world).await;

    let form = cora.text(&format!("/share?item={}", entry.id)).await;

    assert!(
        form.contains(&format!(r#"value="{GRITTING}""#)),
        "address prefilled, tracking gone"
    );
    assert!(form.contains(r#"value="Gritting routes published""#), "title prefilled");
    assert!(form.contains(&format!(r#"name="item" value="{}""#, entry.id)));
    assert!(
        form.contains(r#"id="channel-local-news" name="channel" value="local-news" checked"#),
        "the feed's usual channel is ticked"
    );
    assert!(!form.contains(r#"value="elsewhere" checked"#));
    assert!(form.contains("found in <strong>Town Hall News</strong>"));

    let id = entry.id.to_string();
    let r = cora.post("/share", &share_form(&id, "")).await;

    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/inbox");
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM posts WHERE story_id = {} AND source_feed_id = {feed} AND canonical_url = '{GRITTING}'",
            entry.id
        ))
        .await,
        1
    );
    let channel = cora.text("/c/local-news").await;
    assert!(channel.contains("Gritting routes published"));
    assert!(credits_town_hall_news(&channel), "{channel}");
    assert!(
        channel.contains(r#"via <a href="https://townhall.example.org/" rel="noopener noreferrer" class="muted-link">Town Hall News</a>"#),
        "the credit links to the feed's site"
    );
    let live = inbox(&cora, "").await;
    assert!(live.iter().all(|e| e.id != entry.id), "the entry left the inbox");
    assert_eq!(live.len(), 2);
    let done = inbox(&cora, "view=dismissed").await;
    assert_eq!(done.len(), 1);
    assert!(
        done[0].shared.contains("Already shared: #local-news by Cora"),
        "{:?}",
        done[0]
    );
}

async fn sharing_an_article_again_warns_that_it_was_already_shared(app: TestApp) {
    let world = World::start().await;
    let (cora, _, entry) = arrange(&app, &world).await;
    let id = entry.id.to_string();
    cora.post("/share", &share_form(&id, "")).await;

    let again = cora.text(&format!("/share?item={}", entry.id)).await;
    let by_link = cora
        .text("/share?url=https%3A%2F%2Ftownhall.example.org%2Fnews%2Fgritting%3Futm_source%3Dnewsletter%23top")
        .await;

    for page in [&again, &by_link] {
        assert!(page.contains("Already shared:"), "{page}");
        assert!(page.contains("in #local-news by Cora"), "{page}");
    }
    // Restored to the inbox, the entry says so too.
    cora.post(&format!("/inbox/{}/restore", entry.id), &[("back", "/inbox")])
        .await;
    let restored = inbox(&cora, "")
        .await
        .into_iter()
        .find(|e| e.id == entry.id)
        .expect("restored");
    assert!(
        restored.shared.contains("Already shared: #local-news by Cora"),
        "{restored:?}"
    );
}

async fn a_scheduled_share_stays_hidden_from_others_until_its_time(app: TestApp) {
    let world = World::start().await;
    let (cora, _, entry) = arrange(&app, &world).await;
    let bo = app.signed_in("bo", Role::Member).await;
    let later = (Utc::now().with_timezone(&chrono_tz::Europe::London) + chrono::Duration::days(2))
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let id = entry.id.to_string();

    let r = cora.post("/share", &share_form(&id, &later)).await;

    assert_eq!(location(&r), "/inbox");
    assert!(
        cora.text("/inbox").await.contains("Scheduled for "),
        "the flash says when"
    );
    let post = app
        .sql_i64(&format!("SELECT id FROM posts WHERE story_id = {}", entry.id))
        .await;
    assert_eq!(
        bo.get(&format!("/p/{post}")).await.status(),
        404,
        "others cannot open it yet"
    );
    assert!(!bo.text("/c/local-news").await.contains("Gritting routes published"));
    assert!(!bo.text("/all").await.contains("Gritting routes published"));
    let own = cora.text(&format!("/p/{post}")).await;
    assert!(own.contains("Gritting routes published"), "its author can open it");
    assert!(
        cora.text("/inbox")
            .await
            .contains("1 scheduled post waiting to be published")
    );
    let cy = app.signed_in("cy", Role::Curator).await;
    let seen_by_cy = |entries: Vec<Entry>| entries.into_iter().find(|e| e.id == entry.id).expect("the entry");
    assert_eq!(
        seen_by_cy(inbox(&cy, "view=dismissed").await).shared,
        "",
        "another curator's inbox does not point at the hidden post"
    );

    // Its time comes.
    let mut model: commonroom::entities::post::ActiveModel = commonroom::entities::post::Entity::find_by_id(post)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    model.published_at = Set(Utc::now() - chrono::Duration::minutes(1));
    model.update(&app.db).await.unwrap();

    assert_eq!(bo.get(&format!("/p/{post}")).await.status(), 200);
    assert!(bo.text("/c/local-news").await.contains("Gritting routes published"));
    assert!(
        seen_by_cy(inbox(&cy, "view=dismissed").await)
            .shared
            .contains("Already shared: #local-news by Cora")
    );
}

/// Make an entry look as if it was published and first seen `days` ago.
async fn age(app: &TestApp, story: i64, days: i64) {
    let at = Utc::now() - chrono::Duration::days(days);
    let backend = app.db.get_database_backend();
    app.db
        .execute(sea_orm::Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DbBackend::Postgres => "UPDATE stories SET sort_at = $1, first_seen_at = $1 WHERE id = $2",
                _ => "UPDATE stories SET sort_at = ?1, first_seen_at = ?1 WHERE id = ?2",
            },
            [at.into(), story.into()],
        ))
        .await
        .unwrap();
}

async fn old_entries_leave_the_inbox_and_are_deleted_later_unless_a_post_links_to_them(app: TestApp) {
    let world = World::start().await;
    let (cora, _, gritting) = arrange(&app, &world).await;
    let id = gritting.id.to_string();
    cora.post("/share", &share_form(&id, "")).await;
    cora.post(&format!("/inbox/{id}/restore"), &[("back", "/inbox")]).await;
    let all = inbox(&cora, "").await;
    assert_eq!(all.len(), 3);
    let library = all.iter().find(|e| e.title.starts_with("Library")).unwrap().id;
    let budget = all.iter().find(|e| e.title.starts_with("Budget")).unwrap().id;
    age(&app, gritting.id, 40).await;
    age(&app, library, 20).await;
    age(&app, budget, 2).await;

    let live = inbox(&cora, "").await;
    commonroom::jobs::prune_inbox::run(&app.state).await.unwrap();

    assert_eq!(
        live.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![budget],
        "entries older than 14 days leave the inbox on their own"
    );
    let kept: Vec<i64> = {
        let rows = app
            .db
            .query_all(sea_orm::Statement::from_string(
                app.db.get_database_backend(),
                "SELECT id FROM stories ORDER BY id",
            ))
            .await
            .unwrap();
        rows.iter().map(|r| r.try_get_by_index::<i64>(0).unwrap()).collect()
    };
    let mut expected = vec![gritting.id, library, budget];
    expected.sort();
    assert_eq!(
        kept, expected,
        "nothing younger than 30 days, or linked from a post, is deleted"
    );

    age(&app, library, 45).await;
    commonroom::jobs::prune_inbox::run(&app.state).await.unwrap();

    assert_eq!(
        app.sql_i64(&format!("SELECT COUNT(*) FROM stories WHERE id = {library}"))
            .await,
        0,
        "an old entry no post links to is deleted"
    );
    assert_eq!(
        app.sql_i64(&format!("SELECT COUNT(*) FROM feed_items WHERE story_id = {library}"))
            .await,
        0,
        "with its items"
    );
    assert_eq!(
        app.sql_i64(&format!("SELECT COUNT(*) FROM stories WHERE id = {}", gritting.id))
            .await,
        1,
        "the shared one stays, however old"
    );
    let post = app
        .sql_i64(&format!("SELECT id FROM posts WHERE story_id = {}", gritting.id))
        .await;
    assert!(credits_town_hall_news(&cora.text(&format!("/p/{post}")).await));
}

async fn a_post_keeps_its_feed_credit_after_the_feed_is_no_longer_followed(app: TestApp) {
    let world = World::start().await;
    let (cora, feed, entry) = arrange(&app, &world).await;
    let id = entry.id.to_string();
    cora.post("/share", &share_form(&id, "")).await;
    let post = app
        .sql_i64(&format!("SELECT id FROM posts WHERE story_id = {}", entry.id))
        .await;
    assert!(credits_town_hall_news(&cora.text(&format!("/p/{post}")).await));

    let r = cora.post(&format!("/feeds/{feed}/delete"), &[("confirm", "yes")]).await;

    assert_eq!(location(&r), "/feeds");
    assert!(!cora.text("/feeds").await.contains("/news.xml"), "no longer followed");
    let channel = cora.text("/c/local-news").await;
    assert!(credits_town_hall_news(&channel), "{channel}");
    let thread = cora.text(&format!("/p/{post}")).await;
    assert!(credits_town_hall_news(&thread), "{thread}");
}
