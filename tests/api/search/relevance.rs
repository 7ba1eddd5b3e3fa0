//! Ranking: words side by side beat the same words apart, a match in the
//! title beats one in the text, and between equals the newer comes first;
//! paging through many matches neither repeats nor loses one.

use super::support::{api, api_with, days_ago, post_at, titles, world};
use crate::helpers::TestApp;
use crate::on_both_backends;

on_both_backends!(
    words_side_by_side_rank_above_the_same_words_apart,
    a_title_match_ranks_above_a_body_match_even_when_older,
    between_equal_matches_the_newer_comes_first,
    newest_first_orders_by_date_alone,
    pages_through_many_matches_agree_and_side_by_side_still_leads,
);

async fn words_side_by_side_rank_above_the_same_words_apart(app: TestApp) {
    let w = world(&app).await;
    let scattered = (
        "discussion",
        "Survey notes",
        "",
        "People told us they want more evening sessions, young and old alike, at the library.",
    );
    let together = (
        "discussion",
        "Survey results",
        "",
        "Young people told us they want more evening sessions and alike, at the library too.",
    );
    // The scattered one is stored first and is a day newer.
    post_at(&app, w.admin_id, w.channel_id, scattered, days_ago(2)).await;
    post_at(&app, w.admin_id, w.channel_id, together, days_ago(3)).await;
    app.search_settled().await;

    let found = api(&w.admin, "young people").await;

    assert_eq!(titles(&found), ["Survey results", "Survey notes"]);
}

async fn a_title_match_ranks_above_a_body_match_even_when_older(app: TestApp) {
    let w = world(&app).await;
    let in_title = (
        "discussion",
        "Winter gritting routes",
        "",
        "Which roads, and when the lorries go out.",
    );
    let in_body = (
        "discussion",
        "Highways update",
        "",
        "The winter gritting routes are now on the website.",
    );
    // The body match is stored first and is newer: neither order nor age may rescue it.
    post_at(&app, w.admin_id, w.channel_id, in_body, days_ago(1)).await;
    post_at(&app, w.admin_id, w.channel_id, in_title, days_ago(40)).await;
    app.search_settled().await;

    let found = api(&w.admin, "gritting").await;

    assert_eq!(titles(&found), ["Winter gritting routes", "Highways update"]);
}

async fn between_equal_matches_the_newer_comes_first(app: TestApp) {
    let w = world(&app).await;
    let same = |title| {
        (
            "discussion",
            title,
            "",
            "Bin collections move a day later over the bank holiday.",
        )
    };
    post_at(&app, w.admin_id, w.channel_id, same("Bank holiday bins"), days_ago(300)).await;
    post_at(&app, w.admin_id, w.channel_id, same("Bank holiday bins"), days_ago(2)).await;
    post_at(&app, w.admin_id, w.channel_id, same("Bank holiday bins"), days_ago(90)).await;
    app.search_settled().await;

    let found = api(&w.admin, "bank holiday").await;

    let ages: Vec<String> = found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["created_at"].as_str().unwrap().to_owned())
        .collect();
    let mut newest_first = ages.clone();
    newest_first.sort_by(|a, b| b.cmp(a));
    assert_eq!(ages.len(), 3);
    assert_eq!(ages, newest_first);
}

async fn newest_first_orders_by_date_alone(app: TestApp) {
    let w = world(&app).await;
    post_at(
        &app,
        w.admin_id,
        w.channel_id,
        ("discussion", "Library opening hours", "", "Library library library."),
        days_ago(30),
    )
    .await;
    post_at(
        &app,
        w.admin_id,
        w.channel_id,
        ("discussion", "Staff news", "", "The library reopens on Monday."),
        days_ago(1),
    )
    .await;
    app.search_settled().await;

    let best = api(&w.admin, "library").await;
    let newest = api_with(&w.admin, "library", "&sort=newest").await;

    assert_eq!(titles(&best), ["Library opening hours", "Staff news"]);
    assert_eq!(titles(&newest), ["Staff news", "Library opening hours"]);
}

/// Many matches, paged 50 at a time: the one post with the words side by
/// side still comes first, and the pages hold every match exactly once.
async fn pages_through_many_matches_agree_and_side_by_side_still_leads(app: TestApp) {
    let w = world(&app).await;
    for n in 0..160 {
        let title = format!("Update {n}");
        let body = format!("Young residents in ward {n} told the team what people need.");
        post_at(
            &app,
            w.admin_id,
            w.channel_id,
            ("discussion", &title, "", &body),
            days_ago(1 + n % 30),
        )
        .await;
    }
    let together = (
        "discussion",
        "Ward panel",
        "",
        "Young people ran the ward panel this year.",
    );
    post_at(&app, w.admin_id, w.channel_id, together, days_ago(200)).await;
    app.search_settled().await;

    let mut seen: Vec<String> = Vec::new();
    for page in 1..=4 {
        let found = api_with(&w.admin, "young people", &format!("&per_page=50&page={page}")).await;
        assert_eq!(found["total"], 161);
        seen.extend(titles(&found));
    }

    assert_eq!(seen.first().map(String::as_str), Some("Ward panel"), "{seen:?}");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (161, 161), "every match once: {seen:?}");
}
