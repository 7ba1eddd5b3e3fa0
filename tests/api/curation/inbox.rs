//! The curator's inbox and the feed settings behind it: word rules decide
//! what reaches it, a dry run shows their effect without saving, entries are
//! dismissed and restored, and only curators (and only allowed addresses) get in.

use reqwest::header::{HeaderMap, HeaderValue};
use scraper::{Html, Selector};

use super::support::{curator, feed_row, follow, follow_into, import, inbox, inbox_of, open, titles};
use super::world::{Reply, World};
use crate::helpers::{TestApp, location};
use crate::on_both_backends;

open_world_tests!(
    word_rules_decide_which_items_reach_the_inbox,
    a_dry_run_shows_what_the_rules_would_let_through_and_saves_nothing,
    the_inbox_filters_by_folder_and_words,
    words_are_found_in_what_any_feed_said_of_a_story,
    dismissed_entries_leave_the_inbox_and_can_be_put_back,
    members_are_kept_out_of_feeds_and_the_inbox,
    the_inbox_pages_through_every_entry_exactly_once,
    stopping_following_a_feed_removes_only_what_nothing_else_keeps,
    following_says_how_many_items_are_too_old_for_the_inbox,
    checking_now_says_how_many_new_items_are_too_old_for_the_inbox,
);

on_both_backends!(loopback_feeds_are_refused_before_any_connection_unless_allowed);

fn sorted(entries: &[super::support::Entry]) -> Vec<String> {
    let mut v: Vec<String> = titles(entries).into_iter().map(str::to_owned).collect();
    v.sort();
    v
}

/// The settings form for a feed, with these rules.
fn settings<'a>(title: &'a str, folder: &'a str, include: &'a str, exclude: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("title", title),
        ("folder", folder),
        ("channel", ""),
        ("include", include),
        ("exclude", exclude),
        ("poll_minutes", "60"),
    ]
}

async fn word_rules_decide_which_items_reach_the_inbox(app: TestApp) {
    let world = World::start().await;
    world.serve("/roundup.xml", Reply::fixture("council.xml"));
    let cora = curator(&app).await;
    let url = world.url("/roundup.xml");
    import(&cora, &[(&url, "Council Roundup", "")]).await;
    let id = super::support::feed_id(&app, &url).await;
    let r = cora
        .post(
            &format!("/feeds/{id}"),
            &settings("Council Roundup", "", "housing\nAdult social care", "sponsored"),
        )
        .await;
    assert_eq!(location(&r), format!("/feeds/{id}"));

    // Rules saved before the first poll apply as items arrive.
    app.drain_jobs().await;

    assert_eq!(
        sorted(&inbox_of(&cora, id).await),
        vec!["Budget pressures", "New housing strategy adopted"],
        "housing, or social care in the summary; not a career, not sponsored"
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM feed_items").await,
        4,
        "every item is kept"
    );

    // Changing the rules re-decides the items already there.
    cora.post(&format!("/feeds/{id}"), &settings("Council Roundup", "", "housing", ""))
        .await;

    assert_eq!(
        sorted(&inbox_of(&cora, id).await),
        vec!["Housing offer from our partners", "New housing strategy adopted"]
    );
    cora.post(&format!("/feeds/{id}"), &settings("Council Roundup", "", "", ""))
        .await;
    assert_eq!(inbox_of(&cora, id).await.len(), 4);

    // Settings for a feed that is not there, well formed or not.
    let missing = id + 1000;
    for title in ["Anything", ""] {
        let r = cora
            .post(&format!("/feeds/{missing}"), &settings(title, "", "", ""))
            .await;
        assert_eq!(r.status(), 404, "{title:?}");
    }
}

async fn a_dry_run_shows_what_the_rules_would_let_through_and_saves_nothing(app: TestApp) {
    let world = World::start().await;
    world.serve("/roundup.xml", Reply::fixture("council.xml"));
    let cora = curator(&app).await;
    let id = follow(&cora, &world.url("/roundup.xml")).await;

    let r = cora
        .post(
            &format!("/feeds/{id}/dry-run"),
            &settings("Renamed in the form only", "", "housing", "sponsored"),
        )
        .await;

    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(page.contains("Dry run: 1 of 4 items would reach the inbox"), "{page}");
    let doc = Html::parse_document(&page);
    let mut rows: Vec<String> = doc
        .select(&Selector::parse("ul.dry-run li").unwrap())
        .map(|li| li.text().collect::<String>())
        .collect();
    rows.sort();
    assert_eq!(
        rows,
        vec![
            "In: New housing strategy adopted",
            "Out: A career in care",
            "Out: Budget pressures",
            "Out: Housing offer from our partners",
        ]
    );
    assert!(
        page.contains("Renamed in the form only"),
        "the form keeps what was typed"
    );
    // Nothing was saved: not the rules, not the title, not what the inbox shows.
    assert_eq!(inbox_of(&cora, id).await.len(), 4);
    assert_eq!(
        app.sql_i64(
            "SELECT COUNT(*) FROM feeds WHERE include_words = '' AND exclude_words = '' AND title = 'Council Roundup'"
        )
        .await,
        1
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM feed_items WHERE passed = TRUE").await,
        4
    );
    let settings_page = Html::parse_document(&cora.text(&format!("/feeds/{id}")).await);
    for field in ["textarea#include", "textarea#exclude"] {
        let saved = settings_page
            .select(&Selector::parse(field).unwrap())
            .next()
            .map(|t| t.text().collect::<String>())
            .expect("rule field");
        assert_eq!(saved.trim(), "", "{field} is still empty");
    }
}

async fn the_inbox_filters_by_folder_and_words(app: TestApp) {
    let world = World::start().await;
    world.serve("/roundup.xml", Reply::fixture("council.xml"));
    world.serve("/health.xml", Reply::fixture("atom.xml"));
    let cora = curator(&app).await;
    let (roundup, health) = (world.url("/roundup.xml"), world.url("/health.xml"));
    import(&cora, &[(&roundup, "Roundup", "Council"), (&health, "Health", "NHS")]).await;
    app.drain_jobs().await;

    let council = inbox(&cora, "folder=Council").await;
    let nhs = inbox(&cora, "folder=NHS").await;
    let housing = inbox(&cora, "q=housing").await;
    let both_words = inbox(&cora, "q=free+parking").await;

    assert_eq!(council.len(), 4);
    assert_eq!(
        sorted(&nhs),
        vec![
            "Hospital parking charges scrapped",
            "Winter vaccination clinics announced"
        ]
    );
    assert_eq!(
        sorted(&housing),
        vec!["Housing offer from our partners", "New housing strategy adopted"]
    );
    assert_eq!(sorted(&both_words), vec!["Hospital parking charges scrapped"]);
    assert!(inbox(&cora, "folder=Nowhere").await.is_empty());
}

/// One article from two feeds, each with its own summary: the entry shows the
/// first feed's, and a word from the second feed's still finds it (but not
/// within the first feed's folder alone). The first feed's item names it:
/// the second retitling its item changes nothing shown, the first's does.
async fn words_are_found_in_what_any_feed_said_of_a_story(app: TestApp) {
    let world = World::start().await;
    let rss = |title: &str| {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Education Weekly</title><link>https://education.example.org/</link>
<description>Schools news.</description>
<item><title>{title}</title><link>https://www.example.gov.uk/news/school-meals</link>
<guid isPermaLink="false">edu-1</guid><description>Every primary pupil will get a free lunch.</description></item>
</channel></rss>"#
        )
    };
    let yesterday = (chrono::Utc::now() - chrono::Duration::days(1)).format("%Y-%m-%dT08:00:00Z");
    let atom = |title: &str| {
        format!(
            r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Policy Digest</title><id>urn:digest</id>
<updated>{yesterday}</updated>
<entry><title>{title}</title><link href="https://www.example.gov.uk/news/school-meals"/>
<id>urn:digest:1</id><updated>{yesterday}</updated>
<summary>The Treasury funds the scheme through a grant.</summary></entry></feed>"#
        )
    };
    let (edu_v1, edu_v2) = (
        rss("Free school meals extended"),
        rss("Free school meals extended to all"),
    );
    let (digest_v1, digest_v2) = (atom("School meals: who pays"), atom("School meals: the Treasury pays"));
    world.serve_in_turn(
        "/edu.xml",
        vec![
            Reply::bytes("application/rss+xml", edu_v1.clone()),
            Reply::bytes("application/rss+xml", edu_v1),
            Reply::bytes("application/rss+xml", edu_v2),
        ],
    );
    world.serve_in_turn(
        "/digest.xml",
        vec![
            Reply::bytes("application/atom+xml", digest_v1),
            Reply::bytes("application/atom+xml", digest_v2),
        ],
    );
    let cora = curator(&app).await;
    let edu = follow_into(&cora, &world.url("/edu.xml"), "Schools", "").await;
    let digest = follow_into(&cora, &world.url("/digest.xml"), "Policy", "").await;

    let all = inbox(&cora, "").await;
    let treasury = inbox(&cora, "q=treasury").await;
    let in_policy = inbox(&cora, "q=treasury&folder=Policy").await;
    let in_schools = inbox(&cora, "q=treasury&folder=Schools").await;

    assert_eq!(
        titles(&all),
        ["Free school meals extended"],
        "one entry for the article"
    );
    assert!(
        all[0].summary_html.contains("free lunch"),
        "the first feed's summary: {}",
        all[0].summary_html
    );
    assert!(!all[0].summary_html.contains("Treasury"));
    assert_eq!(treasury.iter().map(|e| e.id).collect::<Vec<_>>(), [all[0].id]);
    assert_eq!(in_policy.len(), 1);
    assert!(in_schools.is_empty(), "the Schools feed said nothing of the Treasury");

    // The second feed retitles its item: the entry keeps the first feed's title.
    for id in [edu, digest] {
        super::support::make_due(&app, id).await;
    }
    app.drain_jobs().await;
    assert_eq!(titles(&inbox(&cora, "").await), ["Free school meals extended"]);

    // The first feed retitles its item: so does the entry.
    super::support::make_due(&app, edu).await;
    app.drain_jobs().await;
    assert_eq!(titles(&inbox(&cora, "").await), ["Free school meals extended to all"]);
}

async fn dismissed_entries_leave_the_inbox_and_can_be_put_back(app: TestApp) {
    let world = World::start().await;
    world.serve("/news.xml", Reply::fixture("rss2.xml"));
    let cora = curator(&app).await;
    follow(&cora, &world.url("/news.xml")).await;
    let entries = inbox(&cora, "").await;
    let (first, second) = (entries[0].id, entries[1].id);

    let r = cora
        .post(&format!("/inbox/{first}/dismiss"), &[("back", "/inbox?q=budget")])
        .await;
    let mut htmx = HeaderMap::new();
    htmx.insert("hx-request", HeaderValue::from_static("true"));
    let quiet = cora
        .post_with(&format!("/inbox/{second}/dismiss"), &[("back", "/inbox")], htmx)
        .await;

    assert_eq!(location(&r), "/inbox?q=budget", "a plain form goes back where it was");
    assert_eq!(quiet.status(), 200, "htmx gets an empty answer");
    assert_eq!(quiet.text().await.unwrap(), "");
    let live: Vec<i64> = inbox(&cora, "").await.iter().map(|e| e.id).collect();
    assert_eq!(live.len(), 1);
    assert!(!live.contains(&first) && !live.contains(&second));
    let dismissed: Vec<i64> = inbox(&cora, "view=dismissed").await.iter().map(|e| e.id).collect();
    assert_eq!(dismissed.len(), 2);

    let r = cora
        .post(&format!("/inbox/{first}/restore"), &[("back", "https://evil.example/")])
        .await;

    assert_eq!(location(&r), "/inbox", "never sent off-site");
    let live: Vec<i64> = inbox(&cora, "").await.iter().map(|e| e.id).collect();
    assert_eq!(live.len(), 2);
    assert!(live.contains(&first));
}

async fn members_are_kept_out_of_feeds_and_the_inbox(app: TestApp) {
    let world = World::start().await;
    world.serve("/news.xml", Reply::fixture("rss2.xml"));
    let cora = curator(&app).await;
    let id = follow(&cora, &world.url("/news.xml")).await;
    let story = inbox(&cora, "").await[0].clone();
    let member = app.signed_in("bo", commonroom::domain::role::Role::Member).await;

    for path in ["/feeds", "/inbox", "/feeds/export.opml", &format!("/feeds/{id}")] {
        assert_eq!(member.get(path).await.status(), 403, "GET {path}");
    }
    for path in [
        "/feeds".to_owned(),
        format!("/feeds/{id}/poll"),
        format!("/feeds/{id}/delete"),
        format!("/feeds/{id}/dry-run"),
        format!("/inbox/{}/dismiss", story.id),
    ] {
        let r = member.post(&path, &[("url", &world.url("/news.xml"))]).await;
        assert_eq!(r.status(), 403, "POST {path}");
    }
    // The share form does not reveal inbox entries to them either.
    let page = member.text(&format!("/share?item={}", story.id)).await;
    assert!(!page.contains(&story.title), "{page}");

    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM feeds").await, 1);
    assert_eq!(world.requests("/news.xml"), 1, "the member's poll never ran");
    assert_eq!(inbox(&cora, "").await.len(), 3, "nothing dismissed");
    let admin = app.signed_in("ada", commonroom::domain::role::Role::Admin).await;
    assert_eq!(admin.get("/inbox").await.status(), 200, "admins curate too");
}

async fn loopback_feeds_are_refused_before_any_connection_unless_allowed(app: TestApp) {
    let world = World::start().await;
    world.serve("/news.xml", Reply::fixture("rss2.xml"));
    let cora = curator(&app).await;

    for url in [
        world.url("/news.xml"),
        format!("http://localhost:{}/news.xml", world.port()),
    ] {
        let r = cora
            .post("/feeds", &[("url", &url), ("folder", ""), ("channel", "")])
            .await;
        assert_eq!(r.status(), 422, "{url}");
        let page = r.text().await.unwrap();
        assert!(page.contains("Could not fetch that address: blocked: "), "{page}");
        assert!(page.contains("resolves to a private or internal address"), "{page}");
    }
    // A feed imported from a file is refused when polled, in words.
    let url = world.url("/news.xml");
    import(&cora, &[(&url, "Loopback", "")]).await;
    app.drain_jobs().await;

    let row = feed_row(&cora, &url).await;
    assert!(
        row.health
            .contains("Last error: blocked: 127.0.0.1 resolves to a private or internal address"),
        "{row:?}"
    );
    assert_eq!(world.connections(), 0, "the loopback server never saw a connection");
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM feed_items").await, 0);
}

/// A feed of `n` undated items: all first seen at the same moment.
fn many_items(n: usize) -> String {
    let items: String = (0..n)
        .map(|i| {
            format!(
                "<item><title>Item {i:02}</title><link>https://many.example.org/{i}</link>\
                 <guid isPermaLink=\"false\">many-{i}</guid></item>"
            )
        })
        .collect();
    format!(r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Many</title>{items}</channel></rss>"#)
}

async fn the_inbox_pages_through_every_entry_exactly_once(app: TestApp) {
    let world = World::start().await;
    world.serve("/many.xml", Reply::bytes("application/rss+xml", many_items(75)));
    let cora = curator(&app).await;
    follow(&cora, &world.url("/many.xml")).await;
    let next = Selector::parse(r#"a[rel="next"]"#).unwrap();

    let mut seen = Vec::new();
    let mut path = Some("/inbox".to_owned());
    let mut pages = 0;
    while let Some(p) = path {
        let html = cora.text(&p).await;
        seen.extend(super::support::entries(&html).into_iter().map(|e| e.title));
        path = Html::parse_document(&html)
            .select(&next)
            .next()
            .and_then(|a| a.value().attr("href"))
            .map(str::to_owned);
        pages += 1;
        assert!(pages < 10, "the pager never ends");
    }

    assert_eq!(pages, 3, "30 to a page");
    let mut expected: Vec<String> = (0..75).map(|i| format!("Item {i:02}")).collect();
    let mut got = seen.clone();
    got.sort();
    expected.sort();
    assert_eq!(got, expected, "every entry once: {seen:?}");
}

async fn stopping_following_a_feed_removes_only_what_nothing_else_keeps(app: TestApp) {
    let world = World::start().await;
    world.serve("/education.xml", Reply::fixture("dedupe-rss.xml"));
    world.serve("/wire.xml", Reply::fixture("dedupe-atom.xml"));
    let admin = app.signed_in("ada", commonroom::domain::role::Role::Admin).await;
    app.channel(&admin, "Schools", "schools").await;
    let cora = curator(&app).await;
    let education = follow(&cora, &world.url("/education.xml")).await;
    let wire = follow(&cora, &world.url("/wire.xml")).await;
    let ofsted = inbox(&cora, "")
        .await
        .into_iter()
        .find(|e| e.title == "Ofsted framework changes")
        .unwrap();
    let item = ofsted.id.to_string();
    let shared = cora
        .post(
            "/share",
            &[
                ("url", "https://education.example.org/ofsted"),
                ("title", "Ofsted framework changes"),
                ("body", "For heads of service."),
                ("channel", "schools"),
                ("item", &item),
            ],
        )
        .await;
    assert_eq!(location(&shared), "/inbox");

    // The button's first answer asks (and so does the address, opened).
    let feeds_before = app.sql_i64("SELECT COUNT(*) FROM feeds").await;
    for asked in [
        cora.post(&format!("/feeds/{education}/delete"), &[]).await,
        cora.get(&format!("/feeds/{education}/delete")).await,
    ] {
        assert_eq!(asked.status(), 200);
        let page = asked.text().await.unwrap_or_default();
        assert!(page.contains("Stop following Education Weekly?"), "{page}");
        assert!(page.contains(r#"name="confirm" value="yes""#), "{page}");
    }
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM feeds").await,
        feeds_before,
        "nothing changed yet"
    );

    let r = cora
        .post(&format!("/feeds/{education}/delete"), &[("confirm", "yes")])
        .await;

    assert_eq!(location(&r), "/feeds");
    assert!(
        cora.text("/feeds")
            .await
            .contains("Stopped following Education Weekly.")
    );
    let left = inbox(&cora, "").await;
    assert_eq!(
        sorted(&left),
        vec![
            "Council tax referendum limits",
            "Free school meals extended to all primary pupils"
        ],
        "the article the other feed also brought stays"
    );
    assert!(left.iter().all(|e| !e.meta.contains("also in")), "{left:?}");
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM feed_items").await, 2);
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM stories").await,
        3,
        "the wire's two, and the shared one a post still points at"
    );
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM jobs WHERE kind = 'poll_feed' AND key = '{education}'"
        ))
        .await,
        0
    );
    assert!(
        cora.text("/c/schools").await.contains("Ofsted framework changes"),
        "the post stays"
    );
    assert!(inbox_of(&cora, wire).await.len() == 2);
}

/// The flash a feed's page shows after following or checking it.
async fn said_on_feed_page(cora: &crate::helpers::Browser, id: i64) -> String {
    let page = cora.text(&format!("/feeds/{id}")).await;
    let doc = Html::parse_document(&page);
    let flash = Selector::parse(".flash, [role=status]").expect("selector");
    doc.select(&flash)
        .map(|el| el.text().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

async fn following_says_how_many_items_are_too_old_for_the_inbox(app: TestApp) {
    let world = World::start().await;
    world.serve("/old.xml", Reply::fixture("older-than-inbox.xml"));
    world.serve("/partly.xml", Reply::fixture("partly-older-than-inbox.xml"));
    let cora = curator(&app).await;

    let old = follow(&cora, &world.url("/old.xml")).await;
    let said_old = said_on_feed_page(&cora, old).await;
    let partly = follow(&cora, &world.url("/partly.xml")).await;
    let said_partly = said_on_feed_page(&cora, partly).await;

    assert!(
        said_old.contains("Now following Archive Digest: 3 items, all older than 14 days, kept out of the inbox."),
        "{said_old}"
    );
    assert!(inbox_of(&cora, old).await.is_empty(), "none of them is in the inbox");
    assert!(
        said_partly.contains("3 items, 1 older than 14 days kept out of the inbox."),
        "{said_partly}"
    );
    assert_eq!(inbox_of(&cora, partly).await.len(), 2);
}

async fn checking_now_says_how_many_new_items_are_too_old_for_the_inbox(app: TestApp) {
    let world = World::start().await;
    world.serve_in_turn(
        "/digest.xml",
        vec![
            Reply::fixture("partly-older-than-inbox.xml"),
            Reply::fixture("older-than-inbox.xml"),
        ],
    );
    let cora = curator(&app).await;
    let id = follow(&cora, &world.url("/digest.xml")).await;

    cora.post(&format!("/feeds/{id}/poll"), &[]).await;
    let said = said_on_feed_page(&cora, id).await;

    assert!(
        said.contains("Checked: 3 new (all older than 14 days, kept out of the inbox), 0 updated."),
        "{said}"
    );
    assert_eq!(
        inbox_of(&cora, id).await.len(),
        2,
        "only the first fetch's two recent items"
    );
}
