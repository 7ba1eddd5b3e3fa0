//! The schema's migrations, run through the Migrator as the app runs them,
//! on databases that hold data from before the change.

use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use sea_orm::{ConnectionTrait, Database, Statement};

use crate::helpers::{Backend, empty_database};

/// Run the test against SQLite and PostgreSQL; `None` when the backend is not available here.
macro_rules! on_empty_databases {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(crate::helpers::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(crate::helpers::Backend::Postgres).await;
            }
        }
    };
}

on_empty_databases!(link_posts_from_before_canonical_urls_get_theirs);
on_empty_databases!(posts_shared_from_a_feed_before_credits_were_kept_get_theirs);
on_empty_databases!(channels_from_before_email_subscribers_are_not_offered_to_them);

/// An author and a channel, as every schema stores them: only the columns
/// they always had (the app's own inserts write today's columns).
async fn author_and_channel(db: &DatabaseConnection) -> (i64, i64) {
    let author = returning_id(
        db,
        &format!(
            "INSERT INTO users (email, handle, name, created_at, updated_at) VALUES \
             ('ada@example.org', 'ada', 'Ada', '{AT}', '{AT}') RETURNING id"
        ),
    )
    .await;
    let channel = returning_id(
        db,
        &format!(
            "INSERT INTO channels (slug, name, description, visibility, created_by, created_at) VALUES \
             ('news', 'News', '', 'open', {author}, '{AT}') RETURNING id"
        ),
    )
    .await;
    (author, channel)
}

/// Run SQL that returns one integer (an `INSERT … RETURNING id`).
async fn returning_id(db: &DatabaseConnection, text: &str) -> i64 {
    db.query_one(Statement::from_string(db.get_database_backend(), text.to_owned()))
        .await
        .unwrap()
        .expect("a row")
        .try_get_by_index(0)
        .unwrap()
}

/// A post as an older schema stored it: only the columns every schema has
/// (the app's own insert writes today's columns), plus `extra` ones.
async fn old_post(
    db: &DatabaseConnection,
    author: i64,
    channel: i64,
    url: Option<&str>,
    extra: &[(&str, &str)],
) -> i64 {
    let (kind, url) = match url {
        Some(u) => ("link", format!("'{u}'")),
        None => ("discussion", "NULL".to_owned()),
    };
    let names: String = extra.iter().map(|(n, _)| format!(", {n}")).collect();
    let values: String = extra.iter().map(|(_, v)| format!(", {v}")).collect();
    returning_id(
        db,
        &format!(
            "INSERT INTO posts (channel_id, author_id, kind, title, url, body_md, body_html, created_at, \
             published_at, reply_count, last_activity_at{names}) VALUES ({channel}, {author}, '{kind}', 'A post', \
             {url}, 'Words.', '<p>Words.</p>', '{AT}', '{AT}', 0, '{AT}'{values}) RETURNING id"
        ),
    )
    .await
}

/// When the posts made by these tests were written.
const AT: &str = "2026-11-20T09:00:00+00:00";

/// The migration before the one that fills canonical URLs in.
const BEFORE_CANONICAL_URLS: u32 = 6;

async fn link_posts_from_before_canonical_urls_get_theirs(backend: Backend) {
    let Some(empty) = empty_database(backend).await else {
        return;
    };
    let db = Database::connect(&empty.url).await.expect("connect");
    Migrator::up(&db, Some(BEFORE_CANONICAL_URLS)).await.expect("migrate");
    let (author, channel) = author_and_channel(&db).await;
    // As posts stored before the column was kept.
    let old = old_post(
        &db,
        author,
        channel,
        Some("https://WWW.Example.org/news?id=7&utm_source=mail#top"),
        &[],
    )
    .await;
    old_post(&db, author, channel, None, &[]).await;

    Migrator::up(&db, None).await.expect("migrate the rest");

    let rows = db
        .query_all(Statement::from_string(
            db.get_database_backend(),
            "SELECT id, canonical_url FROM posts ORDER BY id",
        ))
        .await
        .unwrap();
    let got: Vec<(i64, Option<String>)> = rows
        .iter()
        .map(|r| (r.try_get_by_index(0).unwrap(), r.try_get_by_index(1).unwrap()))
        .collect();
    assert_eq!(
        got[0],
        (old, Some("https://www.example.org/news?id=7".to_owned())),
        "the link post has its canonical URL"
    );
    assert_eq!(got[1].1, None, "a discussion has none");
    db.close().await.unwrap();
}

/// The migration before the one that keeps a feed's credit on its posts.
const BEFORE_SOURCE_CREDIT: u32 = 8;

async fn posts_shared_from_a_feed_before_credits_were_kept_get_theirs(backend: Backend) {
    let Some(empty) = empty_database(backend).await else {
        return;
    };
    let db = Database::connect(&empty.url).await.expect("connect");
    Migrator::up(&db, Some(BEFORE_SOURCE_CREDIT)).await.expect("migrate");
    let (author, channel) = author_and_channel(&db).await;
    let feed = returning_id(
        &db,
        &format!(
            "INSERT INTO feeds (url, title, site_url, folder, poll_minutes, created_at) VALUES \
             ('https://townhall.example.org/feed', 'Town Hall News', 'https://townhall.example.org/', '', 60, '{AT}') \
             RETURNING id"
        ),
    )
    .await;
    let curated = old_post(
        &db,
        author,
        channel,
        Some("https://townhall.example.org/news/gritting"),
        &[("source_feed_id", &feed.to_string())],
    )
    .await;
    let by_hand = old_post(&db, author, channel, Some("https://example.org/"), &[]).await;

    Migrator::up(&db, None).await.expect("migrate the rest");

    let credit = |id: i64| {
        let db = &db;
        async move {
            let row = db
                .query_one(Statement::from_string(
                    db.get_database_backend(),
                    format!("SELECT source_feed_title, source_site_url FROM posts WHERE id = {id}"),
                ))
                .await
                .unwrap()
                .expect("the post");
            (
                row.try_get_by_index::<Option<String>>(0).unwrap(),
                row.try_get_by_index::<Option<String>>(1).unwrap(),
            )
        }
    };
    assert_eq!(
        credit(curated).await,
        (
            Some("Town Hall News".to_owned()),
            Some("https://townhall.example.org/".to_owned())
        ),
        "the post shared from the feed keeps its credit"
    );
    assert_eq!(
        credit(by_hand).await,
        (None, None),
        "a link shared by hand credits no feed"
    );
    db.close().await.unwrap();
}

/// The migration before channels could be offered to email subscribers.
const BEFORE_DIGEST_OPEN: u32 = 14;

async fn channels_from_before_email_subscribers_are_not_offered_to_them(backend: Backend) {
    let Some(empty) = empty_database(backend).await else {
        return;
    };
    let db = Database::connect(&empty.url).await.expect("connect");
    Migrator::up(&db, Some(BEFORE_DIGEST_OPEN)).await.expect("migrate");
    let (_, channel) = author_and_channel(&db).await;

    Migrator::up(&db, None).await.expect("migrate the rest");

    let offered = commonroom::store::digest::offered_channels(&db).await.unwrap();
    assert!(offered.is_empty(), "nothing is offered until an administrator says");
    let channel = commonroom::store::channels::by_id(&db, channel)
        .await
        .unwrap()
        .expect("the channel");
    assert!(!channel.digest_open);
    db.close().await.unwrap();
}
