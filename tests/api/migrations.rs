//! The schema's migrations, run through the Migrator as the app runs them,
//! on databases that hold data from before the change.

use commonroom::domain::email::EmailAddress;
use commonroom::domain::person::{PersonName, Work};
use commonroom::domain::policy::Visibility;
use commonroom::domain::post::PostDraft;
use commonroom::domain::role::Role;
use commonroom::domain::slug::ChannelSlug;
use commonroom::store::channels::{self, NewChannel};
use commonroom::store::posts;
use commonroom::store::users::{self, NewUser};
use migration::{Migrator, MigratorTrait};
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

/// The migration before the one that fills canonical URLs in.
const BEFORE_CANONICAL_URLS: u32 = 6;

async fn link_posts_from_before_canonical_urls_get_theirs(backend: Backend) {
    let Some(empty) = empty_database(backend).await else {
        return;
    };
    let db = Database::connect(&empty.url).await.expect("connect");
    Migrator::up(&db, Some(BEFORE_CANONICAL_URLS)).await.expect("migrate");
    let author = users::create(
        &db,
        NewUser {
            email: EmailAddress::parse("ada@example.org").unwrap(),
            name: PersonName::parse("Ada").unwrap(),
            password_hash: None,
            roles: vec![Role::Admin],
            work: Work::default(),
        },
        None,
    )
    .await
    .unwrap();
    let channel = channels::create(
        &db,
        author,
        NewChannel {
            slug: ChannelSlug::parse("news").unwrap(),
            name: "News".into(),
            description: String::new(),
            visibility: Visibility::Open,
        },
    )
    .await
    .unwrap();
    let link = "https://WWW.Example.org/news?id=7&utm_source=mail#top";
    let draft = PostDraft::parse("link", "A link", link, "Worth reading.").unwrap();
    let old = posts::create(&db, author, &channel, &draft).await.unwrap();
    let talk = PostDraft::parse("discussion", "A chat", "", "No link here.").unwrap();
    posts::create(&db, author, &channel, &talk).await.unwrap();
    // As a post stored before the column was kept.
    db.execute(Statement::from_string(
        db.get_database_backend(),
        "UPDATE posts SET canonical_url = NULL",
    ))
    .await
    .unwrap();

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
