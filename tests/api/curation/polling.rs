//! Polling feeds in the background: one broken, slow or huge feed never stops
//! the others and is reported in words; failures back off and honour
//! Retry-After; validators are sent; repeated polls never duplicate entries.

use std::time::Duration;

use axum::http::header;
use chrono::{DateTime, Utc};
use commonroom::config::Settings;
use commonroom::domain::feed::next_delay;

use super::support::{
    curator, feed_id, feed_row, follow, import, inbox, inbox_of, make_due, next_poll, open, run_cli, titles,
};
use super::world::{Reply, World};
use crate::helpers::{TestApp, location};

open_world_tests!(
    one_broken_feed_never_stops_the_others,
    endless_and_gzip_bomb_feeds_stop_at_the_default_size_cap,
    failing_feeds_back_off_from_the_interval_doubling_and_reset_after_a_success,
    a_busy_feed_is_not_asked_again_before_its_retry_after,
    a_second_poll_sends_validators_and_a_304_adds_nothing,
    changed_guids_for_the_same_links_never_duplicate_entries,
    a_changed_title_for_the_same_guid_updates_the_entry_in_place,
    the_same_article_from_three_feeds_is_one_entry_that_says_also_in,
    checking_now_polls_at_once_unless_another_worker_holds_the_feed,
    a_paused_feed_is_not_polled_until_it_is_resumed,
);

open_world_tests!(@with one_second_timeout; a_slow_feed_times_out_in_words_and_the_others_still_arrive);

fn one_second_timeout(s: &mut Settings) {
    open(s);
    s.fetch.timeout_secs = 1;
}

async fn one_broken_feed_never_stops_the_others(app: TestApp) {
    let world = World::start().await;
    world.serve("/feeds/rss2.xml", Reply::fixture("rss2.xml"));
    world.serve("/feeds/broken.xml", Reply::fixture("malformed.xml"));
    world.serve("/feeds/atom.xml", Reply::fixture("atom.xml"));
    world.serve("/feeds/gone.xml", Reply::status(404));
    world.serve("/feeds/now-a-page", Reply::fixture("page-no-feed.html"));
    let cora = curator(&app).await;
    let (good, broken, other, gone, page) = (
        world.url("/feeds/rss2.xml"),
        world.url("/feeds/broken.xml"),
        world.url("/feeds/atom.xml"),
        world.url("/feeds/gone.xml"),
        world.url("/feeds/now-a-page"),
    );
    import(
        &cora,
        &[
            (&broken, "Broken Borough", ""),
            (&good, "Town Hall", ""),
            (&gone, "Gone Gazette", ""),
            (&page, "Now a web page", ""),
            (&other, "Health", ""),
        ],
    )
    .await;

    app.drain_jobs().await;

    assert_eq!(inbox_of(&cora, feed_id(&app, &good).await).await.len(), 3);
    assert_eq!(inbox_of(&cora, feed_id(&app, &other).await).await.len(), 2);
    let row = feed_row(&cora, &broken).await;
    assert!(row.health.contains("never fetched successfully"), "{row:?}");
    assert!(row.health.contains("1 failure in a row"), "{row:?}");
    assert!(row.health.contains("Last error: not a feed: "), "{row:?}");
    let row = feed_row(&cora, &gone).await;
    assert!(row.health.contains("Last error: the server answered 404"), "{row:?}");
    let row = feed_row(&cora, &page).await;
    assert!(row.health.contains("Last error: not a feed: got text/html"), "{row:?}");
    assert!(feed_row(&cora, &good).await.health.starts_with("last success"));

    // The next sweep counts the failure again, and the good feeds stay healthy.
    for url in [&good, &broken, &other, &gone] {
        make_due(&app, feed_id(&app, url).await).await;
    }
    app.drain_jobs().await;

    assert!(feed_row(&cora, &broken).await.health.contains("2 failures in a row"));
    let broken_id = feed_id(&app, &broken).await;
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT CAST(failures AS BIGINT) FROM feeds WHERE id = {broken_id}"
        ))
        .await,
        2
    );
    let good_row = feed_row(&cora, &good).await;
    assert!(!good_row.health.contains("failure"), "{good_row:?}");
    assert_eq!(inbox(&cora, "").await.len(), 5);
}

async fn a_slow_feed_times_out_in_words_and_the_others_still_arrive(app: TestApp) {
    let world = World::start().await;
    world.serve("/slow.xml", Reply::fixture("rss2.xml").delayed(Duration::from_secs(30)));
    world.serve("/feeds/atom.xml", Reply::fixture("atom.xml"));
    let cora = curator(&app).await;
    let (slow, quick) = (world.url("/slow.xml"), world.url("/feeds/atom.xml"));
    import(&cora, &[(&slow, "Slow", ""), (&quick, "Quick", "")]).await;

    app.drain_jobs().await;

    assert_eq!(world.requests("/slow.xml"), 1);
    let row = feed_row(&cora, &slow).await;
    assert!(row.health.contains("Last error: timed out after 1 s"), "{row:?}");
    assert!(row.health.contains("1 failure in a row"), "{row:?}");
    assert_eq!(inbox_of(&cora, feed_id(&app, &quick).await).await.len(), 2);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM feed_items").await, 2);
}

fn small_downloads(s: &mut Settings) {
    open(s);
    s.fetch.max_bytes = 1024 * 1024;
}

open_world_tests!(@with small_downloads; endless_and_gzip_bomb_feeds_stop_at_the_size_cap_of_one_megabyte);

async fn endless_and_gzip_bomb_feeds_stop_at_the_default_size_cap(app: TestApp) {
    // The default cap (5 MB) holds too.
    size_cap_holds(app, 5).await;
}

async fn endless_and_gzip_bomb_feeds_stop_at_the_size_cap_of_one_megabyte(app: TestApp) {
    size_cap_holds(app, 1).await;
}

async fn size_cap_holds(app: TestApp, megabytes: usize) {
    let world = World::start().await;
    world.serve("/endless.xml", Reply::endless());
    world.serve("/bomb.xml", Reply::gzip_bomb());
    world.serve("/feeds/atom.xml", Reply::fixture("atom.xml"));
    let cora = curator(&app).await;
    let (endless, bomb, fine) = (
        world.url("/endless.xml"),
        world.url("/bomb.xml"),
        world.url("/feeds/atom.xml"),
    );
    import(
        &cora,
        &[(&endless, "Endless", ""), (&bomb, "Bomb", ""), (&fine, "Fine", "")],
    )
    .await;

    app.drain_jobs().await;

    for url in [&endless, &bomb] {
        let row = feed_row(&cora, url).await;
        assert!(
            row.health
                .contains(&format!("Last error: too large: more than {megabytes} MB")),
            "{row:?}"
        );
    }
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM feed_items").await,
        2,
        "only the fine feed's items"
    );
    // Following one by hand says the same.
    let r = cora
        .post(
            "/feeds",
            &[("url", &world.url("/bomb.xml")), ("folder", ""), ("channel", "")],
        )
        .await;
    assert!(r.text().await.unwrap().contains("too large"));
}

/// `at` lies within `delay` after the poll that ran between `before` and `after`.
fn assert_scheduled(at: DateTime<Utc>, before: DateTime<Utc>, after: DateTime<Utc>, delay: Duration, what: &str) {
    let delay = chrono::Duration::from_std(delay).unwrap();
    let slack = chrono::Duration::seconds(1);
    assert!(
        at >= before + delay - slack && at <= after + delay + slack,
        "{what}: next poll at {at}, expected {delay} after a poll between {before} and {after}"
    );
}

async fn failing_feeds_back_off_from_the_interval_doubling_and_reset_after_a_success(app: TestApp) {
    let world = World::start().await;
    world.serve("/flaky.xml", Reply::status(503));
    let cora = curator(&app).await;
    let url = world.url("/flaky.xml");
    import(&cora, &[(&url, "Flaky", "")]).await;
    let id = feed_id(&app, &url).await;

    // Hourly polling: one hour, then two, four, eight, sixteen, then capped at a day.
    for (failures, minutes) in [(1u32, 60u64), (2, 120), (3, 240), (4, 480), (5, 960), (6, 1440)] {
        make_due(&app, id).await;
        let before = Utc::now();
        app.drain_jobs().await;
        let after = Utc::now();

        let expected = next_delay(60, failures, None);
        assert_eq!(expected, Duration::from_secs(minutes * 60), "the schedule doubles");
        assert_scheduled(
            next_poll(&app, id).await,
            before,
            after,
            expected,
            &format!("after {failures} failures"),
        );
        let row = feed_row(&cora, &url).await;
        let words = if failures == 1 {
            "1 failure in a row".to_owned()
        } else {
            format!("{failures} failures in a row")
        };
        assert!(row.health.contains(&words), "{row:?}");
        assert!(row.health.contains("the server answered 503"), "{row:?}");
    }
    assert_eq!(world.requests("/flaky.xml"), 6);

    world.serve("/flaky.xml", Reply::fixture("rss2.xml"));
    make_due(&app, id).await;
    let before = Utc::now();
    app.drain_jobs().await;
    let after = Utc::now();

    assert_scheduled(
        next_poll(&app, id).await,
        before,
        after,
        Duration::from_secs(3600),
        "after a success",
    );
    let row = feed_row(&cora, &url).await;
    assert!(
        row.health.starts_with("last success") && !row.health.contains("failure"),
        "{row:?}"
    );
    assert_eq!(
        app.sql_i64(&format!("SELECT CAST(failures AS BIGINT) FROM feeds WHERE id = {id}"))
            .await,
        0
    );
    assert_eq!(inbox_of(&cora, id).await.len(), 3);
}

async fn a_busy_feed_is_not_asked_again_before_its_retry_after(app: TestApp) {
    let world = World::start().await;
    world.serve("/busy.xml", Reply::status(429).header(header::RETRY_AFTER, "7200"));
    let cora = curator(&app).await;
    let url = world.url("/busy.xml");
    import(&cora, &[(&url, "Busy", "")]).await;
    let id = feed_id(&app, &url).await;

    let before = Utc::now();
    app.drain_jobs().await;
    let after = Utc::now();
    app.drain_jobs().await;

    assert_eq!(
        world.requests("/busy.xml"),
        1,
        "not asked again while it asked us to wait"
    );
    assert_scheduled(
        next_poll(&app, id).await,
        before,
        after,
        Duration::from_secs(7200),
        "two hours, not the usual one",
    );
    let row = feed_row(&cora, &url).await;
    assert!(row.health.contains("1 failure in a row"), "{row:?}");
    assert!(row.health.contains("the server answered 429"), "{row:?}");
}

async fn a_second_poll_sends_validators_and_a_304_adds_nothing(app: TestApp) {
    let world = World::start().await;
    let modified = "Sat, 21 Nov 2026 07:00:00 GMT";
    world.serve(
        "/feeds/etag.xml",
        Reply::fixture("rss2.xml")
            .etag("\"townhall-v1\"")
            .header(header::LAST_MODIFIED, modified),
    );
    let cora = curator(&app).await;
    let id = follow(&cora, &world.url("/feeds/etag.xml")).await;
    let counts = || async {
        (
            app.sql_i64("SELECT COUNT(*) FROM feed_items").await,
            app.sql_i64("SELECT COUNT(*) FROM stories").await,
        )
    };
    assert_eq!(counts().await, (3, 3));

    make_due(&app, id).await;
    app.drain_jobs().await;

    let seen = world.seen("/feeds/etag.xml");
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].if_none_match, None, "the first fetch has nothing to validate");
    assert_eq!(seen[1].if_none_match.as_deref(), Some("\"townhall-v1\""));
    assert_eq!(seen[1].if_modified_since.as_deref(), Some(modified));
    assert_eq!(counts().await, (3, 3), "a 304 adds nothing");
    assert_eq!(inbox_of(&cora, id).await.len(), 3);
    let row = feed_row(&cora, &world.url("/feeds/etag.xml")).await;
    assert!(
        row.health.starts_with("last success") && !row.health.contains("failure"),
        "{row:?}"
    );

    // The command line's "poll now" sends them too.
    let out = run_cli(&app, &["feeds", "poll"]).await;

    let seen = world.seen("/feeds/etag.xml");
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[2].if_none_match.as_deref(), Some("\"townhall-v1\""));
    assert_eq!(seen[2].if_modified_since.as_deref(), Some(modified));
    assert!(
        out.contains("0 new items, 0 updated; 1 feeds not modified; 0 failed."),
        "{out}"
    );
    assert_eq!(counts().await, (3, 3));
}

async fn changed_guids_for_the_same_links_never_duplicate_entries(app: TestApp) {
    let world = World::start().await;
    world.serve_in_turn(
        "/shifting.xml",
        vec![Reply::fixture("guids-v1.xml"), Reply::fixture("guids-v2.xml")],
    );
    let cora = curator(&app).await;
    let id = follow(&cora, &world.url("/shifting.xml")).await;

    make_due(&app, id).await;
    app.drain_jobs().await;
    make_due(&app, id).await;
    app.drain_jobs().await;

    assert_eq!(world.requests("/shifting.xml"), 3, "the new GUIDs were fetched");
    let mut got = titles(&inbox_of(&cora, id).await)
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    got.sort();
    assert_eq!(got, vec!["Recycling collection changes", "Road closures this weekend"]);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM feed_items").await, 2);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM stories").await, 2);
}

async fn a_changed_title_for_the_same_guid_updates_the_entry_in_place(app: TestApp) {
    let world = World::start().await;
    world.serve_in_turn(
        "/planning.xml",
        vec![Reply::fixture("update-v1.xml"), Reply::fixture("update-v2.xml")],
    );
    let cora = curator(&app).await;
    let id = follow(&cora, &world.url("/planning.xml")).await;
    let first = inbox_of(&cora, id).await;
    let received = first
        .iter()
        .find(|e| e.title == "Planning application received: 12 High Street")
        .expect("first title")
        .id;

    make_due(&app, id).await;
    app.drain_jobs().await;

    let entries = inbox_of(&cora, id).await;
    assert_eq!(entries.len(), 2);
    let updated = entries
        .iter()
        .find(|e| e.id == received)
        .expect("the same entry is still there");
    assert_eq!(updated.title, "Planning application approved: 12 High Street");
    assert!(updated.summary_html.contains("The committee approved the application."));
    assert!(!titles(&entries).contains(&"Planning application received: 12 High Street"));
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM feed_items").await, 2);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM stories").await, 2);
}

async fn the_same_article_from_three_feeds_is_one_entry_that_says_also_in(app: TestApp) {
    let world = World::start().await;
    for name in ["dedupe-rss.xml", "dedupe-atom.xml", "dedupe.json"] {
        world.serve(&format!("/{name}"), Reply::fixture(name));
    }
    let cora = curator(&app).await;

    for name in ["dedupe-rss.xml", "dedupe-atom.xml", "dedupe.json"] {
        follow(&cora, &world.url(&format!("/{name}"))).await;
    }

    let entries = inbox(&cora, "").await;
    let article = "https://www.example.gov.uk/news/school-meals";
    let same: Vec<_> = entries.iter().filter(|e| e.href.as_deref() == Some(article)).collect();
    assert_eq!(same.len(), 1, "one entry for the article: {entries:?}");
    assert!(same[0].meta.contains("Education Weekly"), "{:?}", same[0]);
    assert!(
        same[0].meta.contains("also in: Local Government Wire, Policy Digest"),
        "{:?}",
        same[0]
    );
    assert_eq!(entries.len(), 4, "the article plus one story of each feed's own");
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM feed_items").await, 6);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM stories").await, 4);
    assert!(
        entries.iter().filter(|e| e.meta.contains("also in")).count() == 1,
        "only the shared article says also in"
    );
}

async fn checking_now_polls_at_once_unless_another_worker_holds_the_feed(app: TestApp) {
    let world = World::start().await;
    world.serve_in_turn(
        "/planning.xml",
        vec![
            Reply::fixture("update-v1.xml"),
            Reply::fixture("update-v2.xml").etag("\"planning-v2\""),
        ],
    );
    let cora = curator(&app).await;
    let id = follow(&cora, &world.url("/planning.xml")).await;

    let changed = cora.post(&format!("/feeds/{id}/poll"), &[]).await;
    let changed_page = cora.text(&format!("/feeds/{id}")).await;
    let unchanged = cora.post(&format!("/feeds/{id}/poll"), &[]).await;
    let unchanged_page = cora.text(&format!("/feeds/{id}")).await;

    assert_eq!(location(&changed), format!("/feeds/{id}"));
    assert!(changed_page.contains("Checked: 0 new, 1 updated."), "{changed_page}");
    assert_eq!(location(&unchanged), format!("/feeds/{id}"));
    assert!(
        unchanged_page.contains("Checked: nothing new since last time."),
        "{unchanged_page}"
    );
    assert_eq!(
        world.seen("/planning.xml")[2].if_none_match.as_deref(),
        Some("\"planning-v2\"")
    );
    assert!(titles(&inbox_of(&cora, id).await).contains(&"Planning application approved: 12 High Street"));

    // While another worker holds the feed's lease, "check now" leaves it alone.
    let held = commonroom::store::jobs::claim_key(
        &app.db,
        "another-worker",
        commonroom::domain::job::Job::PollFeed(id),
        chrono::Duration::minutes(2),
    )
    .await
    .unwrap();
    assert!(held.is_some());
    cora.post(&format!("/feeds/{id}/poll"), &[]).await;

    assert!(
        cora.text(&format!("/feeds/{id}"))
            .await
            .contains("That feed is being checked right now.")
    );
    assert_eq!(world.requests("/planning.xml"), 3);
}

async fn a_paused_feed_is_not_polled_until_it_is_resumed(app: TestApp) {
    let world = World::start().await;
    world.serve_in_turn(
        "/planning.xml",
        vec![Reply::fixture("update-v1.xml"), Reply::fixture("update-v2.xml")],
    );
    let cora = curator(&app).await;
    let id = follow(&cora, &world.url("/planning.xml")).await;
    let form = |paused: bool| {
        let mut f = vec![
            ("title", "Planning Updates"),
            ("folder", ""),
            ("channel", ""),
            ("include", ""),
            ("exclude", ""),
            ("poll_minutes", "60"),
        ];
        if paused {
            f.push(("paused", "on"));
        }
        f
    };

    cora.post(&format!("/feeds/{id}"), &form(true)).await;
    app.drain_jobs().await;

    assert_eq!(world.requests("/planning.xml"), 1, "not polled while paused");
    let row = feed_row(&cora, &world.url("/planning.xml")).await;
    assert!(row.health.starts_with("paused"), "{row:?}");
    assert!(!row.health.contains("next poll"), "{row:?}");
    assert!(
        cora.text(&format!("/feeds/{id}"))
            .await
            .contains("Not scheduled (paused)")
    );

    cora.post(&format!("/feeds/{id}"), &form(false)).await;
    app.drain_jobs().await;

    assert_eq!(world.requests("/planning.xml"), 2, "polled as soon as it is resumed");
    assert!(titles(&inbox_of(&cora, id).await).contains(&"Planning application approved: 12 High Street"));
    assert_scheduled_within_an_hour(next_poll(&app, id).await);
}

fn assert_scheduled_within_an_hour(at: DateTime<Utc>) {
    let ahead = at - Utc::now();
    assert!(
        ahead > chrono::Duration::minutes(59) && ahead <= chrono::Duration::minutes(60),
        "next poll in {ahead}"
    );
}
