//! Feeds in every format and encoding become clean inbox entries; web pages
//! give up the feeds they advertise; redirects and hostile XML are handled.

use super::support::{curator, feed_rows, follow, inbox, inbox_of, open, titles};
use super::world::{Reply, World};
use crate::helpers::{TestApp, location};

open_world_tests!(
    every_format_fills_the_inbox_with_titles_and_absolute_links,
    summaries_never_carry_scripts_or_event_handlers,
    latin1_feeds_keep_their_accents_whether_the_prolog_or_the_http_header_says_so,
    relative_links_resolve_against_the_feed_address_or_xml_base,
    entity_expansion_never_inflates_what_is_stored,
    a_page_advertising_one_feed_is_followed_to_that_feed,
    a_page_advertising_several_feeds_offers_the_choice,
    a_page_advertising_no_feed_is_refused_with_advice,
    a_feed_behind_redirects_is_followed_but_an_endless_chain_is_not,
    following_the_same_feed_twice_keeps_one,
);

fn sorted(mut v: Vec<&str>) -> Vec<&str> {
    v.sort_unstable();
    v
}

async fn every_format_fills_the_inbox_with_titles_and_absolute_links(app: TestApp) {
    let world = World::start().await;
    for name in ["rss2.xml", "rss1.rdf", "atom.xml", "feed.json"] {
        world.serve(&format!("/feeds/{name}"), Reply::fixture(name));
    }
    let cora = curator(&app).await;

    let rss2 = follow(&cora, &world.url("/feeds/rss2.xml")).await;
    let rss1 = follow(&cora, &world.url("/feeds/rss1.rdf")).await;
    let atom = follow(&cora, &world.url("/feeds/atom.xml")).await;
    let json = follow(&cora, &world.url("/feeds/feed.json")).await;

    let expected = [
        (
            rss2,
            "Town Hall News",
            vec![
                ("Budget consultation opens", "https://townhall.example.org/news/budget"),
                (
                    "Gritting routes published",
                    "https://townhall.example.org/news/gritting",
                ),
                (
                    "Library opening hours extended",
                    "https://townhall.example.org/news/libraries",
                ),
            ],
        ),
        (
            rss1,
            "Parish Council Notices",
            vec![
                (
                    "Allotment waiting list reopens",
                    "https://parish.example.org/notices/allotments",
                ),
                (
                    "New bus shelter on Mill Lane",
                    "https://parish.example.org/notices/bus-shelter",
                ),
            ],
        ),
        (
            atom,
            "Regional Health Board",
            vec![
                (
                    "Hospital parking charges scrapped",
                    "https://health.example.net/news/parking",
                ),
                (
                    "Winter vaccination clinics announced",
                    "https://health.example.net/news/vaccination-clinics",
                ),
            ],
        ),
        (
            json,
            "Data Office Blog",
            vec![
                ("Dashboards for every ward", "https://data.example.org/blog/dashboards"),
                (
                    "Open data release: street lighting",
                    "https://data.example.org/blog/open-data-release",
                ),
            ],
        ),
    ];
    for (id, feed_title, items) in expected {
        let mut got: Vec<(String, String)> = inbox_of(&cora, id)
            .await
            .into_iter()
            .map(|e| {
                assert!(e.meta.contains(feed_title), "{feed_title} named on {e:?}");
                (e.title, e.href.unwrap_or_default())
            })
            .collect();
        got.sort();
        let want: Vec<(String, String)> = items.iter().map(|(t, u)| (t.to_string(), u.to_string())).collect();
        assert_eq!(got, want, "{feed_title}");
    }
    let rows = feed_rows(&cora).await;
    assert_eq!(
        sorted(rows.iter().map(|r| r.title.as_str()).collect()),
        vec![
            "Data Office Blog",
            "Parish Council Notices",
            "Regional Health Board",
            "Town Hall News"
        ]
    );
    assert!(rows.iter().all(|r| r.health.contains("last success")), "{rows:?}");
    let mut items: Vec<&str> = rows.iter().map(|r| r.items.as_str()).collect();
    items.sort_unstable();
    assert_eq!(items, vec!["2", "2", "2", "3"], "items kept, per feed");
}

async fn summaries_never_carry_scripts_or_event_handlers(app: TestApp) {
    let world = World::start().await;
    for name in ["rss2.xml", "atom.xml", "feed.json"] {
        world.serve(&format!("/feeds/{name}"), Reply::fixture(name));
    }
    let cora = curator(&app).await;
    for name in ["rss2.xml", "atom.xml", "feed.json"] {
        follow(&cora, &world.url(&format!("/feeds/{name}"))).await;
    }

    let page = cora.text("/inbox").await;
    let list = scraper::Html::parse_document(&page)
        .select(&scraper::Selector::parse("ol.inbox").unwrap())
        .next()
        .expect("the inbox list")
        .html();

    for hostile in [
        "<script",
        "alert(",
        "steal()",
        "onclick",
        "onmouseover",
        "onerror",
        "<iframe",
        "evil.example",
        "<img",
    ] {
        assert!(!list.contains(hostile), "{hostile:?} reached the inbox: {list}");
    }
    let entries = super::support::entries(&page);
    let summary = |title: &str| {
        entries
            .iter()
            .find(|e| e.title == title)
            .map(|e| e.summary_html.clone())
            .unwrap_or_else(|| panic!("no entry {title:?} in {:?}", titles(&entries)))
    };
    let gritting = summary("Gritting routes published");
    assert!(gritting.contains("Lorries go out at"), "{gritting}");
    assert!(
        gritting.contains(r#"href="https://townhall.example.org/roads""#),
        "the harmless link is kept: {gritting}"
    );
    assert!(summary("Winter vaccination clinics announced").contains("<strong>every</strong>"));
    assert!(summary("Open data release: street lighting").contains("<em>mapped</em>"));
    let plain = summary("Dashboards for every ward");
    assert!(
        plain.contains("&lt;b&gt;not bold&lt;/b&gt;") && !plain.contains("<b>"),
        "plain text stays text: {plain}"
    );
}

async fn latin1_feeds_keep_their_accents_whether_the_prolog_or_the_http_header_says_so(app: TestApp) {
    let world = World::start().await;
    world.serve(
        "/fr/declared.xml",
        Reply::fixture("latin1-declared.xml").content_type("application/rss+xml"),
    );
    world.serve(
        "/fr/undeclared.xml",
        Reply::fixture("latin1-undeclared.xml").content_type("application/rss+xml; charset=ISO-8859-1"),
    );
    let cora = curator(&app).await;

    let declared = follow(&cora, &world.url("/fr/declared.xml")).await;
    let undeclared = follow(&cora, &world.url("/fr/undeclared.xml")).await;

    let rows = feed_rows(&cora).await;
    assert_eq!(
        sorted(rows.iter().map(|r| r.title.as_str()).collect()),
        vec!["Café Société", "Gazette de la Façade"]
    );
    let from_prolog = inbox_of(&cora, declared).await;
    assert_eq!(titles(&from_prolog), vec!["Élection du maire à Montréal"]);
    assert!(
        from_prolog[0].summary_html.contains("Noël approche") && from_prolog[0].summary_html.contains("½"),
        "{}",
        from_prolog[0].summary_html
    );
    let from_header = inbox_of(&cora, undeclared).await;
    assert_eq!(titles(&from_header), vec!["Crème brûlée à la mairie"]);
    assert!(
        from_header[0].summary_html.contains("façade rénovée coûte") && from_header[0].summary_html.contains('£'),
        "{}",
        from_header[0].summary_html
    );
    let page = cora.text("/inbox").await;
    assert!(!page.contains('\u{FFFD}'), "no replacement characters");
}

async fn relative_links_resolve_against_the_feed_address_or_xml_base(app: TestApp) {
    let world = World::start().await;
    world.serve("/parish/relative.xml", Reply::fixture("relative-rss.xml"));
    world.serve("/blog/relative-atom.xml", Reply::fixture("relative-atom.xml"));
    let cora = curator(&app).await;

    let rss = follow(&cora, &world.url("/parish/relative.xml")).await;
    let atom = follow(&cora, &world.url("/blog/relative-atom.xml")).await;

    let from_rss = inbox_of(&cora, rss).await;
    assert_eq!(from_rss.len(), 1);
    assert_eq!(
        from_rss[0].href.as_deref(),
        Some(world.url("/articles/relative-one").as_str())
    );
    assert!(
        from_rss[0]
            .summary_html
            .contains(&format!(r#"href="{}""#, world.url("/articles/more"))),
        "{}",
        from_rss[0].summary_html
    );
    let mut from_atom: Vec<String> = inbox_of(&cora, atom).await.into_iter().filter_map(|e| e.href).collect();
    from_atom.sort();
    assert_eq!(
        from_atom,
        vec![
            "https://archive.example.net/blog/posts/based-one",
            "https://elsewhere.example.com/news/story"
        ]
    );
}

async fn entity_expansion_never_inflates_what_is_stored(app: TestApp) {
    let world = World::start().await;
    world.serve("/laughs.xml", Reply::fixture("billion-laughs.xml"));
    world.serve("/feeds/atom.xml", Reply::fixture("atom.xml"));
    let cora = curator(&app).await;

    let r = cora
        .post(
            "/feeds",
            &[("url", &world.url("/laughs.xml")), ("folder", ""), ("channel", "")],
        )
        .await;

    // Refused as not a feed, or followed with the entities left unexpanded: either way, small.
    let status = r.status().as_u16();
    let body = r.text().await.unwrap();
    assert!(
        status == 303 || (status == 422 && body.contains("not a feed")),
        "{status}: {body}"
    );
    for sql in [
        "SELECT COUNT(*) FROM feeds WHERE title LIKE '%lollol%'",
        "SELECT COUNT(*) FROM feed_items WHERE title LIKE '%lollol%' OR summary_html LIKE '%lollol%'",
        "SELECT COUNT(*) FROM stories WHERE title LIKE '%lollol%'",
    ] {
        assert_eq!(app.sql_i64(sql).await, 0, "entities were expanded: {sql}");
    }
    for sql in [
        "SELECT CAST(COALESCE(MAX(LENGTH(title) + LENGTH(summary_html)), 0) AS BIGINT) FROM feed_items",
        "SELECT CAST(COALESCE(MAX(LENGTH(title)), 0) AS BIGINT) FROM stories",
        "SELECT CAST(COALESCE(MAX(LENGTH(title)), 0) AS BIGINT) FROM feeds",
    ] {
        let longest = app.sql_i64(sql).await;
        assert!(longest < 2_000, "{sql}: {longest}");
    }
    // The app is still up and other feeds still work.
    let atom = follow(&cora, &world.url("/feeds/atom.xml")).await;
    assert_eq!(inbox_of(&cora, atom).await.len(), 2);
}

async fn a_page_advertising_one_feed_is_followed_to_that_feed(app: TestApp) {
    let world = World::start().await;
    world.serve("/town-hall", Reply::fixture("page-one-feed.html"));
    world.serve("/feeds/rss2.xml", Reply::fixture("rss2.xml"));
    let cora = curator(&app).await;

    let id = follow(&cora, &world.url("/town-hall")).await;

    let rows = feed_rows(&cora).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].url,
        world.url("/feeds/rss2.xml"),
        "the advertised feed is followed"
    );
    assert_eq!(rows[0].title, "Town Hall News");
    assert_eq!(inbox_of(&cora, id).await.len(), 3);
}

async fn a_page_advertising_several_feeds_offers_the_choice(app: TestApp) {
    let world = World::start().await;
    world.serve("/hub", Reply::fixture("page-several-feeds.html"));
    world.serve("/feeds/atom.xml", Reply::fixture("atom.xml"));
    let cora = curator(&app).await;

    let r = cora
        .post(
            "/feeds",
            &[("url", &world.url("/hub")), ("folder", "Health"), ("channel", "")],
        )
        .await;

    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("That page offers 3 feeds."), "{page}");
    for (path, label) in [
        ("/feeds/rss2.xml", "Town Hall News"),
        ("/feeds/atom.xml", "Health Board"),
        ("/feeds/feed.json", "Data Office"),
    ] {
        assert!(
            page.contains(&format!(r#"name="url" value="{}""#, world.url(path))),
            "{path} offered"
        );
        assert!(page.contains(label), "{label} named");
    }
    assert!(!page.contains("/cy/"), "the Welsh web page is not a feed");
    assert_eq!(
        page.matches(r#"<input type="hidden" name="folder" value="Health">"#)
            .count(),
        3,
        "each choice keeps the folder typed"
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM feeds").await,
        0,
        "nothing followed yet"
    );
    // Choosing one follows it, in the folder typed before.
    let id = super::support::follow_into(&cora, &world.url("/feeds/atom.xml"), "Health", "").await;
    assert_eq!(inbox_of(&cora, id).await.len(), 2);
    assert_eq!(feed_rows(&cora).await[0].folder, "Health");
}

async fn a_page_advertising_no_feed_is_refused_with_advice(app: TestApp) {
    let world = World::start().await;
    world.serve("/plain", Reply::fixture("page-no-feed.html"));
    let cora = curator(&app).await;

    let r = cora
        .post(
            "/feeds",
            &[("url", &world.url("/plain")), ("folder", ""), ("channel", "")],
        )
        .await;

    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("That page does not advertise a feed."), "{page}");
    assert!(
        page.contains(&format!(r#"value="{}""#, world.url("/plain"))),
        "the address is kept"
    );
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM feeds").await, 0);
}

async fn a_feed_behind_redirects_is_followed_but_an_endless_chain_is_not(app: TestApp) {
    let world = World::start().await;
    world.serve("/old/news.rss", Reply::redirect(301, "/moved/news.rss"));
    world.serve("/moved/news.rss", Reply::redirect(302, &world.url("/current/news.rss")));
    world.serve("/current/news.rss", Reply::redirect(307, "/feeds/rss2.xml"));
    world.serve("/feeds/rss2.xml", Reply::fixture("rss2.xml"));
    for n in 0..8 {
        world.serve(&format!("/loop/{n}"), Reply::redirect(302, &format!("/loop/{}", n + 1)));
    }
    let cora = curator(&app).await;

    let id = follow(&cora, &world.url("/old/news.rss")).await;
    let r = cora
        .post(
            "/feeds",
            &[("url", &world.url("/loop/0")), ("folder", ""), ("channel", "")],
        )
        .await;

    assert_eq!(
        inbox_of(&cora, id).await.len(),
        3,
        "items arrived through three redirects"
    );
    assert_eq!(r.status(), 422, "{}", location(&r));
    let page = r.text().await.unwrap();
    assert!(page.contains("too many redirects (more than 5)"), "{page}");
    assert_eq!(world.requests("/loop/6"), 0, "gave up after five hops");
    assert_eq!(inbox(&cora, "").await.len(), 3);
}

async fn following_the_same_feed_twice_keeps_one(app: TestApp) {
    let world = World::start().await;
    world.serve("/news.xml", Reply::fixture("rss2.xml"));
    let cora = curator(&app).await;
    let first = follow(&cora, &world.url("/news.xml")).await;

    let again = follow(&cora, &world.url("/news.xml")).await;

    assert_eq!(again, first);
    assert!(
        cora.text(&format!("/feeds/{first}"))
            .await
            .contains("You already follow that feed.")
    );
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM feeds").await, 1);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM feed_items").await, 3);
    assert_eq!(inbox(&cora, "").await.len(), 3);
}
