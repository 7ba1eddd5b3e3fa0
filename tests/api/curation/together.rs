//! Feeds stored together: polls that finish at the same time are written in
//! one transaction (`ingest::writer`), and that must end exactly as storing
//! them one by one would, each feed told what it did; a feed that cannot be
//! stored fails alone.

use chrono::{TimeZone, Utc};
use commonroom::domain::feed::ParsedItem;
use commonroom::domain::feed::WordRules;
use commonroom::store::feeds::{self, Added, NewFeed};
use commonroom::store::inbox::{self, FeedItems, Upserted};
use sea_orm::{ConnectionTrait, Statement};

use crate::helpers::TestApp;

crate::on_both_backends!(
    feeds_stored_together_end_as_if_stored_one_by_one,
    a_feed_that_cannot_be_stored_fails_alone,
);

fn item(guid: &str, url: &str, title: &str, day: u32) -> ParsedItem {
    ParsedItem {
        guid: guid.to_owned(),
        url: Some(url.to_owned()),
        canonical_url: Some(url.split('?').next().unwrap_or(url).to_owned()),
        title: title.to_owned(),
        author: String::new(),
        summary_html: format!("<p>{title}</p>"),
        summary_text: title.to_owned(),
        published: Some(Utc.with_ymd_and_hms(2026, 11, day, 9, 0, 0).unwrap()),
        updated: None,
    }
}

/// Three feeds' polls under one site name: `a` and `b` share a story, and
/// `a` is polled twice, the second time with one item renamed, one item's
/// GUID changed (same link) and one item new.
fn polls(site: &str) -> Vec<(&'static str, Vec<ParsedItem>)> {
    let u = |path: &str| format!("https://{site}.example/{path}");
    vec![
        (
            "a",
            vec![
                item("a1", &u("housing?utm_source=a"), "Housing plan", 1),
                item("a2", &u("parks"), "Parks reopen", 2),
                item("a3", &u("bins"), "Bin days", 3),
            ],
        ),
        (
            "b",
            vec![
                item("b1", &u("housing?utm_source=b"), "Housing plan (via b)", 1),
                item("b2", &u("libraries"), "Libraries", 4),
            ],
        ),
        ("c", vec![item("c1", &u("roads"), "Roads", 5)]),
        (
            "a",
            vec![
                item("a1", &u("housing?utm_source=a"), "Housing plan, revised", 1),
                item("a2-new-guid", &u("parks"), "Parks reopen", 2),
                item("a3", &u("bins"), "Bin days", 3),
                item("a4", &u("tips"), "Tips", 6),
            ],
        ),
    ]
}

async fn add_feeds(app: &TestApp, site: &str) -> Vec<(&'static str, i64)> {
    let mut ids = Vec::new();
    for name in ["a", "b", "c"] {
        let new = NewFeed {
            url: format!("https://{site}.example/{name}.xml"),
            title: format!("{site} {name}"),
            site_url: None,
            folder: String::new(),
            default_channel_id: None,
            created_by: None,
        };
        let (Added::New(id) | Added::Exists(id)) = feeds::add(&app.db, &new).await.unwrap();
        ids.push((name, id));
    }
    ids
}

/// Everything stored for one site's feeds, in words: each item with its
/// feed, title and GUID, and its story's title and feeds.
async fn stored(app: &TestApp, site: &str) -> Vec<String> {
    let rows = app
        .db
        .query_all(Statement::from_string(
            app.db.get_database_backend(),
            format!(
                "SELECT f.title, i.guid, i.title, i.url, s.title, s.url, \
                 (SELECT COUNT(*) FROM feed_items o WHERE o.story_id = s.id) \
                 FROM feed_items i JOIN feeds f ON f.id = i.feed_id JOIN stories s ON s.id = i.story_id \
                 WHERE f.url LIKE 'https://{site}.example/%' ORDER BY i.id"
            ),
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            let text = |i: usize| r.try_get_by_index::<Option<String>>(i).unwrap().unwrap_or_default();
            format!(
                "{} | {} | {} | {} | story {} at {} with {} items",
                text(0).replace(site, "SITE"),
                text(1),
                text(2),
                text(3).replace(site, "SITE"),
                text(4),
                text(5).replace(site, "SITE"),
                r.try_get_by_index::<i64>(6).unwrap()
            )
        })
        .collect()
}

async fn feeds_stored_together_end_as_if_stored_one_by_one(app: TestApp) {
    let rules = WordRules::default();
    let id_of = |ids: &[(&str, i64)], name: &str| ids.iter().find(|(n, _)| *n == name).unwrap().1;

    // One by one, each in its own transaction.
    let alone_ids = add_feeds(&app, "alone").await;
    let alone_polls = polls("alone");
    let mut alone: Vec<Upserted> = Vec::new();
    for (name, items) in &alone_polls {
        alone.push(
            inbox::upsert_items(&app.db, id_of(&alone_ids, name), &rules, items)
                .await
                .unwrap(),
        );
    }

    // The same polls in one transaction (feed `a` twice in it).
    let together_ids = add_feeds(&app, "together").await;
    let together_polls = polls("together");
    let batch: Vec<FeedItems> = together_polls
        .iter()
        .map(|(name, items)| FeedItems {
            feed_id: id_of(&together_ids, name),
            rules: &rules,
            items,
        })
        .collect();
    let together = inbox::upsert_feeds(&app.db, &batch).await.unwrap();

    assert_eq!(together, alone, "each feed is told the same");
    assert_eq!(
        alone[3],
        Upserted {
            new: 1,
            updated: 2,
            unchanged: 1
        },
        "the second poll of a: a4 new, a1 renamed and a2's new GUID updated in place, a3 as it was"
    );
    let (alone_rows, together_rows) = (stored(&app, "alone").await, stored(&app, "together").await);
    assert_eq!(alone_rows.len(), 7, "{alone_rows:#?}");
    assert_eq!(together_rows, alone_rows);
    assert!(
        together_rows
            .iter()
            .any(|r| r.contains("a1 | Housing plan, revised") && r.contains("with 2 items")),
        "the shared story keeps both feeds' items and takes a's new title: {together_rows:#?}"
    );

    // Through the writer, polls finishing at once are stored together too:
    // storing the same polls again changes nothing and says so.
    let writer = &app.state.inbox_writer;
    let again = futures_util::future::join_all(
        together_polls
            .iter()
            .skip(1)
            .map(|(name, items)| writer.store(id_of(&together_ids, name), &rules, items.clone())),
    )
    .await;
    for (outcome, (name, items)) in again.into_iter().zip(together_polls.iter().skip(1)) {
        assert_eq!(
            outcome.unwrap(),
            Upserted {
                new: 0,
                updated: 0,
                unchanged: items.len()
            },
            "feed {name} polled again"
        );
    }
    assert_eq!(stored(&app, "together").await, alone_rows);
}

async fn a_feed_that_cannot_be_stored_fails_alone(app: TestApp) {
    let rules = WordRules::default();
    let ids = add_feeds(&app, "mixed").await;
    let polls = polls("mixed");
    // A feed removed while its poll was on the way: its items have nowhere to go.
    let gone = ids.iter().map(|(_, id)| id).max().unwrap() + 1000;
    let items_of = |name: &str| polls.iter().find(|(n, _)| *n == name).unwrap().1.clone();

    // In one transaction, the whole transaction fails and stores nothing...
    let (a, b, lost) = (items_of("a"), items_of("b"), items_of("c"));
    let batch = [
        FeedItems {
            feed_id: ids[0].1,
            rules: &rules,
            items: &a,
        },
        FeedItems {
            feed_id: gone,
            rules: &rules,
            items: &lost,
        },
        FeedItems {
            feed_id: ids[1].1,
            rules: &rules,
            items: &b,
        },
    ];
    assert!(inbox::upsert_feeds(&app.db, &batch).await.is_err());
    assert!(stored(&app, "mixed").await.is_empty());

    // ...so the writer, given the three at once, stores each of the others alone.
    let writer = &app.state.inbox_writer;
    let (a_done, lost_done, b_done) = tokio::join!(
        writer.store(ids[0].1, &rules, a.clone()),
        writer.store(gone, &rules, lost.clone()),
        writer.store(ids[1].1, &rules, b.clone()),
    );
    assert_eq!(a_done.unwrap().new, 3);
    assert_eq!(b_done.unwrap().new, 2);
    assert!(lost_done.is_err(), "the feed that is gone is told so");
    let rows = stored(&app, "mixed").await;
    assert_eq!(rows.len(), 5, "{rows:#?}");
}
