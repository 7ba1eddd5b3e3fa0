//! Feeds as they exist on the web, through a real fetch and poll: each kind
//! of trouble in `tests/fixtures/feeds/wild-*` is either repaired (its items
//! reach the inbox as the publisher meant them) or recorded on the feed in
//! words, never a panic and never a healthy-looking empty feed.

use sea_orm::ConnectionTrait;

use super::support::{curator, feed_id, feed_row, follow, import, inbox_of, open};
use super::world::{Reply, World};
use crate::helpers::TestApp;

open_world_tests!(
    feeds_that_used_to_panic_the_parser_are_followed,
    odd_atom_types_old_formats_and_missing_versions_lose_no_items,
    titles_and_entities_reach_the_inbox_as_the_publisher_meant,
    a_feed_whose_items_cannot_be_read_says_so_on_the_feeds_page,
);

/// Follow each fixture; the inbox titles and links of each, in order.
async fn followed(app: &TestApp, names: &[&str]) -> Vec<Vec<(String, Option<String>)>> {
    let world = World::start().await;
    for name in names {
        world.serve(&format!("/{name}"), Reply::fixture(name));
    }
    let cora = curator(app).await;
    let mut all = Vec::new();
    for name in names {
        let id = follow(&cora, &world.url(&format!("/{name}"))).await;
        let mut entries: Vec<(String, Option<String>)> = inbox_of(&cora, id)
            .await
            .into_iter()
            .map(|e| (e.title, e.href))
            .collect();
        entries.sort();
        all.push(entries);
    }
    all
}

fn item(title: &str, link: &str) -> (String, Option<String>) {
    (title.to_owned(), Some(link.to_owned()))
}

async fn feeds_that_used_to_panic_the_parser_are_followed(app: TestApp) {
    let got = followed(
        &app,
        &["wild-late-declaration.xml", "wild-utf16be.xml", "wild-utf16le-bom.xml"],
    )
    .await;

    assert_eq!(
        got[0],
        [item("Village hall reopens", "https://parish.example.org/hall")]
    );
    for utf16 in &got[1..] {
        assert_eq!(
            utf16,
            &[item("Tide tables for the winter", "https://harbour.example.org/tides")]
        );
    }
}

async fn odd_atom_types_old_formats_and_missing_versions_lose_no_items(app: TestApp) {
    let got = followed(
        &app,
        &[
            "wild-atom-types.xml",
            "wild-atom03.xml",
            "wild-rss090.rdf",
            "wild-rss-userland.xml",
            "wild-rss-noversion.xml",
        ],
    )
    .await;

    assert_eq!(
        got[0],
        [
            item("Mobile library timetable", "https://library.example.org/mobile"),
            item(
                "Photo: the new reading room",
                "https://library.example.org/reading-room"
            ),
        ]
    );
    assert_eq!(
        got[1],
        [item("Market square repaved", "https://oldtown.example.org/market")]
    );
    assert_eq!(
        got[2],
        [item("Parish registers online", "https://records.example.org/registers")]
    );
    assert_eq!(
        got[3],
        [item("Pool timetable changes", "https://leisure.example.org/pool")]
    );
    assert_eq!(
        got[4],
        [
            item("Christmas collection days", "https://waste.example.org/christmas"),
            ("Depot closed for stocktake".to_owned(), None),
            item("Garden waste subscriptions", "https://waste.example.org/garden"),
        ],
        "a permalink GUID is the link; one marked not a permalink is not"
    );
}

async fn titles_and_entities_reach_the_inbox_as_the_publisher_meant(app: TestApp) {
    let world = World::start().await;
    world.serve("/titles.xml", Reply::fixture("wild-titles.xml"));
    world.serve("/entities.xml", Reply::fixture("wild-entities.xml"));
    let cora = curator(&app).await;
    let titles = follow(&cora, &world.url("/titles.xml")).await;
    let entities = follow(&cora, &world.url("/entities.xml")).await;

    let mut got: Vec<String> = inbox_of(&cora, titles).await.into_iter().map(|e| e.title).collect();
    got.sort();
    let arts = inbox_of(&cora, entities).await;

    assert_eq!(got, ["History of the <blink> tag", "Using Option<T> in Rust"]);
    assert_eq!(arts.len(), 1);
    assert_eq!(arts[0].title, "Se\u{f1}or Garc\u{ed}a \u{2014} a retrospective");
    assert!(arts[0].meta.contains("Caf\u{e9} Culture & Arts"), "{:?}", arts[0]);
    assert!(
        arts[0].summary_html.contains("R&amp;D wing \u{2026}"),
        "{}",
        arts[0].summary_html
    );
    let page = cora.text(&format!("/inbox?feed={titles}")).await;
    assert!(
        !page.contains("pwned") && !page.contains("color:red"),
        "no script or style text"
    );
    let stored = app
        .db
        .query_all(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT title, summary_html FROM feed_items",
        ))
        .await
        .unwrap();
    let runs = regex::Regex::new(r"(?i)<script|<style|javascript:|<[^>]*\son[a-z]+\s*=").unwrap();
    for row in stored {
        let (title, html): (String, String) = (row.try_get_by_index(0).unwrap(), row.try_get_by_index(1).unwrap());
        assert!(!runs.is_match(&html) && !title.contains("<script"), "{title}: {html}");
    }
}

async fn a_feed_whose_items_cannot_be_read_says_so_on_the_feeds_page(app: TestApp) {
    let world = World::start().await;
    world.serve("/empty-handed.xml", Reply::fixture("wild-unreadable.xml"));
    let cora = curator(&app).await;
    let url = world.url("/empty-handed.xml");

    // Followed by address, the form says why at once.
    let r = cora
        .post("/feeds", &[("url", url.as_str()), ("folder", ""), ("channel", "")])
        .await;
    let form = r.text().await.unwrap();
    assert!(form.contains("none of its items could be read"), "{form}");

    // Imported, its first poll records it on the feed.
    import(&cora, &[(&url, "Empty-handed Publisher", "")]).await;
    app.drain_jobs().await;
    let row = feed_row(&cora, &url).await;
    assert!(row.health.contains("none of its items could be read"), "{row:?}");
    assert!(row.health.contains("1 failure in a row"), "{row:?}");
    let id = feed_id(&app, &url).await;
    assert_eq!(
        app.sql_i64(&format!("SELECT COUNT(*) FROM feeds WHERE id = {id} AND failures = 1"))
            .await,
        1
    );
}
