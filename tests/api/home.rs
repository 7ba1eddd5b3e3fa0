//! Home and "All" feeds: order and keyset pagination boundaries.

use commonroom::domain::role::Role;

use crate::helpers::{Browser, TestApp};
use crate::on_both_backends;

on_both_backends!(
    pages_hold_twenty_newest_first_without_gaps_or_repeats,
    exactly_one_full_page_has_no_older_link,
    a_malformed_cursor_shows_the_first_page,
    all_shows_every_channel_and_home_only_followed_ones,
    feeds_across_many_channels_page_the_same_way,
    newer_posts_goes_back_to_the_page_before_exactly,
);

fn titles(html: &str) -> Vec<String> {
    html.match_indices("Post number ")
        .map(|(i, _)| html[i..].split('<').next().unwrap_or_default().to_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn next_link(html: &str) -> Option<String> {
    let at = html.find(r#"rel="next""#)?;
    let start = html[..at].rfind("href=\"")? + 6;
    Some(html[start..].split('"').next()?.replace("&amp;", "&"))
}

/// The titles in the order they are shown, each once.
fn shown_order(html: &str) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for (i, _) in html.match_indices("Post number ") {
        let title = html[i..].split('<').next().unwrap_or_default().to_owned();
        if !seen.contains(&title) {
            seen.push(title);
        }
    }
    seen
}

fn prev_link(html: &str) -> Option<String> {
    let at = html.find(r#"rel="prev""#)?;
    let start = html[..at].rfind("href=\"")? + 6;
    Some(html[start..].split('"').next()?.replace("&amp;", "&"))
}

async fn many_posts(app: &TestApp, n: usize) -> Browser {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "Busy", "busy").await;
    for i in 0..n {
        admin
            .create_post("busy", "discussion", &format!("Post number {i:03}"), "", "Body")
            .await;
    }
    admin
}

async fn pages_hold_twenty_newest_first_without_gaps_or_repeats(app: TestApp) {
    let admin = many_posts(&app, 41).await;
    // Two posts in the same microsecond must still page correctly: give them equal times.
    app.exec("UPDATE posts SET published_at = (SELECT published_at FROM posts WHERE id = 20) WHERE id IN (20, 21, 22)")
        .await;
    let mut seen = Vec::new();
    let mut path = "/c/busy".to_owned();
    let mut pages = 0;
    loop {
        let html = admin.text(&path).await;
        let page_titles = titles(&html);
        assert!(page_titles.len() <= 20);
        seen.extend(page_titles);
        pages += 1;
        match next_link(&html) {
            Some(next) => path = format!("/c/busy{next}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 41, "every post exactly once");
    assert_eq!(seen.len(), 41);
    let first = admin.text("/c/busy").await;
    assert!(
        first.find("Post number 040").unwrap() < first.find("Post number 039").unwrap(),
        "newest first"
    );
}

async fn exactly_one_full_page_has_no_older_link(app: TestApp) {
    let admin = many_posts(&app, 20).await;
    let html = admin.text("/all").await;
    assert_eq!(titles(&html).len(), 20);
    assert!(next_link(&html).is_none(), "no link to an empty page");
}

async fn a_malformed_cursor_shows_the_first_page(app: TestApp) {
    let admin = many_posts(&app, 3).await;
    for bad in [
        "?before=nonsense",
        "?before=-",
        "?before=99999999999999999999-1",
        "?before=1-x",
    ] {
        let r = admin.get(&format!("/all{bad}")).await;
        assert_eq!(r.status(), 200, "{bad}");
    }
}

async fn all_shows_every_channel_and_home_only_followed_ones(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "One", "one").await;
    app.channel(&admin, "Two", "two").await;
    admin.create_post("one", "discussion", "In channel one", "", "x").await;
    admin.create_post("two", "discussion", "In channel two", "", "x").await;
    let reader = app.signed_in("bea", Role::Member).await;
    reader.post("/c/one/follow", &[]).await;
    let home = reader.text("/").await;
    assert!(home.contains("In channel one") && !home.contains("In channel two"));
    let all = reader.text("/all").await;
    assert!(all.contains("In channel one") && all.contains("In channel two"));
}

async fn feeds_across_many_channels_page_the_same_way(app: TestApp) {
    // Past 40 channels the feed reads the global time index instead of merging per channel.
    let admin = app.signed_in("ada", Role::Admin).await;
    for c in 0..45 {
        app.channel(&admin, &format!("Channel {c}"), &format!("channel-{c}"))
            .await;
    }
    for i in 0..30 {
        let slug = format!("channel-{}", (i * 7) % 45);
        admin
            .create_post(&slug, "discussion", &format!("Post number {i:03}"), "", "Body")
            .await;
    }
    for path in ["/all", "/"] {
        let first = admin.text(path).await;
        let page_one = titles(&first);
        assert_eq!(page_one.len(), 20, "{path}");
        assert!(page_one.contains(&"Post number 029".to_owned()) && !page_one.contains(&"Post number 009".to_owned()));
        let next = next_link(&first).expect("an older page");
        let second = admin.text(&format!("{path}{next}")).await;
        let page_two = titles(&second);
        assert_eq!(page_two.len(), 10, "{path}");
        assert!(page_two.contains(&"Post number 000".to_owned()));
        assert!(next_link(&second).is_none());
    }
}

async fn newer_posts_goes_back_to_the_page_before_exactly(app: TestApp) {
    let admin = many_posts(&app, 45).await;
    let first = admin.text("/c/busy").await;
    let second = admin
        .text(&format!("/c/busy{}", next_link(&first).expect("a second page")))
        .await;
    let third = admin
        .text(&format!("/c/busy{}", next_link(&second).expect("a third page")))
        .await;

    let back_to_second = admin
        .text(&format!(
            "/c/busy{}",
            prev_link(&third).expect("a newer link on the third page")
        ))
        .await;
    let back_to_first = admin
        .text(&format!(
            "/c/busy{}",
            prev_link(&back_to_second).expect("a newer link on the second page")
        ))
        .await;

    assert_eq!(titles(&third).len(), 5);
    assert_eq!(
        shown_order(&back_to_second),
        shown_order(&second),
        "the same posts, newest first"
    );
    assert_eq!(
        next_link(&back_to_second),
        next_link(&second),
        "and older again from there"
    );
    assert_eq!(shown_order(&back_to_first), shown_order(&first));
    assert!(prev_link(&first).is_none(), "nothing is newer than the newest page");
    assert_eq!(
        prev_link(&second).as_deref(),
        Some("?"),
        "the page before the second is the newest"
    );
    assert!(
        third.contains(r#"<a href="?">Newest posts</a>"#),
        "two pages away, the newest is a jump"
    );
    assert!(
        !second.contains("Newest posts"),
        "one page away, Newer posts is the newest"
    );
}
