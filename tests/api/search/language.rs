//! The query language: every operator, exclusions, OR and phrases; forgiving
//! typos, stems, capitals and accents; escaped snippets; clear messages for
//! mistakes; and suggestions as you type.

use commonroom::domain::role::Role;

use super::support::{api, days_ago, encode, page, post_at, titles, total, world};
use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(
    every_operator_narrows_the_results,
    exclusions_or_and_phrases_do_what_they_say,
    lowercase_or_between_words_finds_either,
    a_hash_channel_on_its_own_searches_that_channel,
    a_typo_finds_the_word_meant_and_the_page_says_so,
    only_words_the_reader_has_not_seen_are_taken_for_typos,
    plurals_capitals_and_accents_do_not_matter,
    script_in_content_comes_back_inert_in_snippets,
    unknown_operators_and_broken_queries_explain_themselves,
    suggestions_offer_channels_and_people_as_you_type,
    an_empty_search_shows_how_to_search,
);

async fn every_operator_narrows_the_results(app: TestApp) {
    let w = world(&app).await;
    app.channel(&w.admin, "Libraries", "libraries").await;
    let libraries = app.sql_i64("SELECT id FROM channels WHERE slug = 'libraries'").await;
    let bea = app.create_user("bea", Role::Member).await;
    let link = post_at(
        &app,
        w.admin_id,
        w.channel_id,
        (
            "link",
            "Winter service guidance",
            "https://www.gov.uk/winter-service",
            "Useful winter checklist.",
        ),
        days_ago(10),
    )
    .await;
    post_at(
        &app,
        bea,
        libraries,
        (
            "discussion",
            "Winter opening hours",
            "",
            "Shorter winter hours; see https://example.org/hours for details.",
        ),
        days_ago(40),
    )
    .await;
    post_at(
        &app,
        bea,
        w.channel_id,
        (
            "link",
            "Winter blog",
            "https://blog.example.org/winter",
            "A winter round-up.",
        ),
        days_ago(100),
    )
    .await;
    w.admin.reply(link, "Agreed, the winter checklist is good.", None).await;
    app.search_settled().await;

    let titles_for = |q: &'static str| {
        let admin = &w.admin;
        async move {
            let mut t = titles(&api(admin, q).await);
            t.sort();
            t
        }
    };
    assert_eq!(titles_for("winter in:#libraries").await, ["Winter opening hours"]);
    assert_eq!(
        titles_for("winter in:#libraries in:#digital").await.len(),
        4,
        "repeating in: widens it"
    );
    assert_eq!(
        titles_for("winter from:@bea").await,
        ["Winter blog", "Winter opening hours"]
    );
    assert_eq!(
        titles_for("winter type:link").await,
        ["Winter blog", "Winter service guidance"]
    );
    assert_eq!(titles_for("winter type:discussion").await, ["Winter opening hours"]);
    assert_eq!(
        titles_for("winter type:reply").await,
        [format!("reply:{}", reply_id(&app).await)]
    );
    assert_eq!(titles_for("libraries type:channel").await, ["Libraries"]);
    assert_eq!(
        titles_for("winter has:link type:discussion").await,
        ["Winter opening hours"],
        "a link written in the text counts"
    );
    assert_eq!(titles_for("winter domain:gov.uk").await, ["Winter service guidance"]);
    assert_eq!(
        titles_for("winter domain:example.org").await,
        ["Winter blog"],
        "subdomains count"
    );
    let before = (chrono::Utc::now() - chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let after = (chrono::Utc::now() - chrono::Duration::days(60))
        .format("%Y-%m-%d")
        .to_string();
    let between = titles(&api(&w.admin, &format!("winter after:{after} before:{before}")).await);
    assert_eq!(between, ["Winter opening hours"]);
    assert_eq!(
        titles(&api(&w.admin, &format!("winter before:{after}")).await),
        ["Winter blog"]
    );
}

async fn reply_id(app: &TestApp) -> i64 {
    app.sql_i64("SELECT MAX(id) FROM replies").await
}

async fn exclusions_or_and_phrases_do_what_they_say(app: TestApp) {
    let w = world(&app).await;
    for (title, body) in [
        ("Snow warning", "Amber warning for snow on Thursday."),
        ("Ice on pavements", "Black ice expected overnight."),
        ("Snow and budget", "The gritting budget held up despite the snow."),
        ("Cold snap plan", "Our plan for the cold snap: gritting first."),
        ("Cold weather", "A snap decision on cold weather payments."),
    ] {
        post_at(
            &app,
            w.admin_id,
            w.channel_id,
            ("discussion", title, "", body),
            days_ago(5),
        )
        .await;
    }
    app.search_settled().await;

    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(sorted(titles(&api(&w.admin, "snow -budget").await)), ["Snow warning"]);
    assert_eq!(
        sorted(titles(&api(&w.admin, "snow OR ice").await)),
        ["Ice on pavements", "Snow and budget", "Snow warning"]
    );
    assert_eq!(
        sorted(titles(&api(&w.admin, "\"cold snap\"").await)),
        ["Cold snap plan"],
        "the words together, in order"
    );
    assert_eq!(sorted(titles(&api(&w.admin, "cold snap").await)).len(), 2);
    assert_eq!(
        sorted(titles(&api(&w.admin, "cold -\"cold snap\"").await)),
        ["Cold weather"]
    );
}

async fn lowercase_or_between_words_finds_either(app: TestApp) {
    let w = world(&app).await;
    for (title, body) in [
        ("Snow warning", "Amber warning for snow on Thursday."),
        ("Ice on pavements", "Black ice expected overnight."),
        ("Salt stocks", "The depot is full."),
    ] {
        post_at(
            &app,
            w.admin_id,
            w.channel_id,
            ("discussion", title, "", body),
            days_ago(5),
        )
        .await;
    }
    app.search_settled().await;

    let mut found = titles(&api(&w.admin, "snow or ice").await);
    found.sort();
    let help = page(&w.admin, "").await;

    assert_eq!(found, ["Ice on pavements", "Snow warning"]);
    assert!(help.contains("<code>snow or ice</code> works too"), "{help}");
}

/// `#libraries` alone is `in:#libraries`, but only for a channel the reader
/// may search; otherwise it is a word, and the page says so.
async fn a_hash_channel_on_its_own_searches_that_channel(app: TestApp) {
    let w = world(&app).await;
    app.channel(&w.admin, "Libraries", "libraries").await;
    let libraries = app.sql_i64("SELECT id FROM channels WHERE slug = 'libraries'").await;
    let r = w
        .admin
        .post(
            "/channels",
            &[
                ("name", "Finance working group"),
                ("slug", "finance"),
                ("description", "Drafts."),
                ("visibility", "private-hidden"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let finance = app.sql_i64("SELECT id FROM channels WHERE slug = 'finance'").await;
    for (channel, title) in [
        (libraries, "Winter opening hours"),
        (w.channel_id, "Winter service guidance"),
        (finance, "Winter budget draft"),
    ] {
        post_at(
            &app,
            w.admin_id,
            channel,
            ("discussion", title, "", "Plans for the cold months."),
            days_ago(5),
        )
        .await;
    }
    let bo = app.signed_in("bo", Role::Member).await;
    app.search_settled().await;

    let in_libraries = titles(&api(&w.admin, "winter #libraries").await);
    let alone = titles(&api(&w.admin, "#Libraries").await);
    let member = titles(&api(&w.admin, "winter #finance").await);
    let outsider = api(&bo, "winter #finance").await;
    let outsider_page = page(&bo, "winter #finance").await;
    let near_miss = page(&w.admin, "winter #librar").await;

    assert_eq!(in_libraries, ["Winter opening hours"]);
    assert!(
        alone.contains(&"Winter opening hours".to_owned()) && !alone.iter().any(|t| t.starts_with("Winter s")),
        "{alone:?}"
    );
    assert_eq!(member, ["Winter budget draft"]);
    assert_eq!(total(&outsider), 0, "{outsider}");
    assert!(
        outsider_page
            .contains("There is no channel #finance that you can search, so “#finance” was searched for as a word."),
        "{outsider_page}"
    );
    assert!(near_miss.contains("Did you mean in:#libraries?"), "{near_miss}");
}

async fn a_typo_finds_the_word_meant_and_the_page_says_so(app: TestApp) {
    let w = world(&app).await;
    post_at(
        &app,
        w.admin_id,
        w.channel_id,
        (
            "discussion",
            "Community hubs",
            "",
            "Libraries as community hubs for the whole borough.",
        ),
        days_ago(5),
    )
    .await;
    app.search_settled().await;

    let found = api(&w.admin, "comunity").await;
    let html = page(&w.admin, "comunity").await;

    assert_eq!(titles(&found), ["Community hubs"]);
    assert_eq!(found["similar"], serde_json::json!(["community"]));
    assert!(
        html.contains(
            "No exact matches for “comunity”, so these are results for similar words: <strong>community</strong>"
        ),
        "{html}"
    );
    assert!(html.contains("<b>Community</b> hubs"), "the word found is highlighted");
    let exact = api(&w.admin, "community").await;
    assert!(exact["similar"].is_null(), "exact matches need no excuse");
    assert_eq!(total(&api(&w.admin, "cmu").await), 0, "short words must match exactly");
}

/// "budget reprot": "budget" is common, so only "reprot" is taken for a typo
/// and "budgel" (a word one letter from "budget") is not matched. Whether a
/// word is common is counted in what the reader may see: three private posts
/// that spell "reprot" so do not change what an outsider gets.
async fn only_words_the_reader_has_not_seen_are_taken_for_typos(app: TestApp) {
    let w = world(&app).await;
    for (title, body) in [
        ("Budget report", "The budget report is out."),
        ("Budget consultation", "Tell us about the budget."),
        ("Budget timetable", "When the budget is set."),
        ("Budgel report", "A report on the budgel."),
    ] {
        post_at(
            &app,
            w.admin_id,
            w.channel_id,
            ("discussion", title, "", body),
            days_ago(3),
        )
        .await;
    }
    let r = w
        .admin
        .post(
            "/channels",
            &[
                ("name", "Finance working group"),
                ("slug", "finance"),
                ("description", "Drafts."),
                ("visibility", "private-hidden"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let finance = app.sql_i64("SELECT id FROM channels WHERE slug = 'finance'").await;
    for n in 1..=3 {
        let title = format!("Draft {n}");
        post_at(
            &app,
            w.admin_id,
            finance,
            ("discussion", &title, "", "The reprot draft."),
            days_ago(2),
        )
        .await;
    }
    let bo = app.signed_in("bo", Role::Member).await;
    app.search_settled().await;

    let outsider = api(&bo, "budget reprot").await;
    let member = api(&w.admin, "budget reprot").await;

    assert_eq!(titles(&outsider), ["Budget report"], "{outsider}");
    assert_eq!(outsider["similar"], serde_json::json!(["report"]));
    assert_eq!(
        total(&member),
        0,
        "to a member of the group, “reprot” is a word in use: {member}"
    );
    assert!(member["similar"].is_null());
}

async fn plurals_capitals_and_accents_do_not_matter(app: TestApp) {
    let w = world(&app).await;
    post_at(
        &app,
        w.admin_id,
        w.channel_id,
        (
            "discussion",
            "Council café reopens",
            "",
            "The council's café is open again.",
        ),
        days_ago(5),
    )
    .await;
    app.search_settled().await;

    for q in ["councils", "COUNCIL", "cafe", "CAFÉS", "reopening"] {
        assert_eq!(titles(&api(&w.admin, q).await), ["Council café reopens"], "{q}");
    }
}

async fn script_in_content_comes_back_inert_in_snippets(app: TestApp) {
    let w = world(&app).await;
    post_at(
        &app,
        w.admin_id,
        w.channel_id,
        (
            "discussion",
            "Embed <script>alert('title')</script> codes",
            "",
            "Never paste <script>alert(1)</script> or <img src=x onerror=alert(2)> into the gritting page.",
        ),
        days_ago(1),
    )
    .await;
    app.search_settled().await;

    let html = page(&w.admin, "gritting").await;
    let found = api(&w.admin, "gritting").await;

    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
    assert!(html.contains("<b>gritting</b>"));
    let snippet = found["hits"][0]["snippet"].as_str().unwrap();
    assert!(
        snippet.contains("&lt;script&gt;") && !snippet.contains("<script"),
        "{snippet}"
    );
    assert!(!snippet.contains("<img"), "{snippet}");
}

async fn unknown_operators_and_broken_queries_explain_themselves(app: TestApp) {
    let w = world(&app).await;
    for (q, says) in [
        ("colour:red", "There is no colour: in search"),
        ("\"unclosed phrase", "quotation mark is not closed"),
        ("snow OR", "OR needs a word"),
        ("before:last-week", "year-month-day"),
        ("in:#nowhere", "There is no channel #nowhere that you can search"),
        ("from:@nobody.here", "Nobody has the handle @nobody.here"),
        ("type:video", "type: can be link"),
    ] {
        let html = page(&w.admin, q).await;
        assert!(html.contains("That search did not work"), "{q}");
        assert!(html.contains(says), "{q}: {html}");
        assert!(
            html.contains(&format!(r#"value="{}""#, q.replace('"', "&#34;"))) || html.contains(r#"id="q""#),
            "the query stays in the box"
        );
        let r = w.admin.get(&format!("/api/search?q={}", encode(q))).await;
        assert_eq!(r.status(), 400, "{q}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert!(body["error"].as_str().unwrap().contains(says), "{q}: {body}");
    }
    let r = w.admin.get("/api/search?q=x&page=nonsense&per_page=-3").await;
    assert_eq!(r.status(), 200, "odd paging values fall back to defaults");
}

async fn suggestions_offer_channels_and_people_as_you_type(app: TestApp) {
    let w = world(&app).await;
    app.create_user("digby.jones", Role::Member).await;

    let typed = w.admin.text("/search/suggest?q=dig").await;
    let people_only = w.admin.text("/search/suggest?q=winter%20from%3A%40dig").await;
    let nothing = w.admin.text("/search/suggest?q=d").await;

    assert!(typed.contains(r#"href="/c/digital""#), "{typed}");
    assert!(typed.contains(r#"href="/u/digby.jones""#), "{typed}");
    assert!(
        typed.contains(&format!("/search?q={}", encode("in:#digital "))),
        "{typed}"
    );
    assert!(
        people_only.contains("digby.jones") && !people_only.contains("/c/digital"),
        "{people_only}"
    );
    assert!(
        people_only.contains(&format!("/search?q={}", encode("winter from:@digby.jones "))),
        "{people_only}"
    );
    assert!(!nothing.contains("<li"), "one letter suggests nothing");
}

async fn an_empty_search_shows_how_to_search(app: TestApp) {
    let w = world(&app).await;

    let html = w.admin.text("/search").await;
    let home = w.admin.text("/").await;

    assert!(html.contains("How to search") && html.contains("in:#digital-comms"));
    assert!(!html.contains("No results"));
    assert!(
        home.contains(r#"role="search""#) && home.contains(r#"action="/search""#),
        "a search box on every page"
    );
    let r = w.admin.get("/api/search?q=").await;
    assert_eq!(r.status(), 400);
}
