//! Working groups from the outside in: the directory and the lobby of a
//! private-listed group, asking to join and the managers' answer, leaving,
//! the last manager, a deputy's cover running out, pins, announcements, a
//! group's name and purpose, and the channel register. Who may do what is
//! the permission matrix's; these are the flows around it.

use chrono::{DateTime, Utc};
use commonroom::domain::role::Role;
use sea_orm::{ConnectionTrait, Statement};

use crate::helpers::{Browser, TestApp, location};
use crate::on_both_backends;

on_both_backends!(
    the_directory_shows_a_listed_group_but_not_its_activity,
    asking_twice_makes_one_request,
    an_over_long_message_comes_back_with_the_lobby,
    an_accepted_requester_reads_and_follows_the_group_at_once,
    a_declined_requester_may_ask_again,
    leaving_ends_access_at_once,
    the_last_manager_names_another_before_leaving_or_standing_down,
    a_deputys_rights_end_with_their_last_day,
    a_fourth_pin_is_refused_and_three_stay_on_top,
    announcements_reach_followers_until_each_dismisses,
    the_three_newest_announcements_are_held_up_newest_first,
    a_removed_member_no_longer_sees_the_groups_announcements,
    details_a_manager_edits_show_in_the_directory,
    the_channel_register_lists_deputies_with_their_last_day,
);

/// An admin creates a channel with a purpose; they run it and, if it is private, are in it.
async fn group(admin: &Browser, name: &str, slug: &str, purpose: &str, visibility: &str) {
    let r = admin
        .post(
            "/channels",
            &[
                ("name", name),
                ("slug", slug),
                ("description", purpose),
                ("visibility", visibility),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "create {slug}");
}

/// A day `days` from today where the organisation is, as the date field takes it.
fn local_day(app: &TestApp, days: i64) -> chrono::NaiveDate {
    let tz = app.state.settings.curation.timezone;
    Utc::now().with_timezone(&tz).date_naive() + chrono::Duration::days(days)
}

/// The one request waiting from `handle` to join `slug`.
async fn waiting_request(app: &TestApp, slug: &str, handle: &str) -> i64 {
    app.sql_i64(&format!(
        "SELECT id FROM join_requests WHERE status = 'pending' \
         AND channel_id = (SELECT id FROM channels WHERE slug = '{slug}') \
         AND user_id = (SELECT id FROM users WHERE handle = '{handle}')"
    ))
    .await
}

/// Move a deputy's end into the past, relative to the real clock.
async fn end_cover(app: &TestApp, handle: &str, at: DateTime<Utc>) {
    let backend = app.db.get_database_backend();
    let placeholder = if backend == sea_orm::DbBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    let text = format!(
        "UPDATE channel_managers SET until = {placeholder} \
         WHERE user_id = (SELECT id FROM users WHERE handle = '{handle}')"
    );
    app.db
        .execute(Statement::from_sql_and_values(backend, text, [at.into()]))
        .await
        .expect("move the end of cover");
}

/// The directory's entry for one channel.
fn entry(page: &str, slug: &str) -> Option<String> {
    page.split("<li class=\"card channel-item")
        .skip(1)
        .find(|item| item.contains(&format!("href=\"/c/{slug}\"")))
        .map(|item| item.split("</li>").next().unwrap_or_default().to_owned())
}

/// Whether the search page and the JSON API find a post (they must agree).
async fn finds(app: &TestApp, browser: &Browser, word: &str, post: i64) -> bool {
    app.search_settled().await;
    let v: serde_json::Value = browser
        .get(&format!("/api/search?q={word}"))
        .await
        .json()
        .await
        .expect("json");
    let in_api = v["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .any(|h| h["id"] == post && h["kind"] != "reply" && h["kind"] != "channel");
    let page = browser.text(&format!("/search?q={word}")).await;
    assert_eq!(in_api, page.contains(&format!("href=\"/p/{post}\"")), "{page}");
    in_api
}

async fn the_directory_shows_a_listed_group_but_not_its_activity(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "News", "news").await;
    group(
        &admin,
        "Travel group",
        "wg",
        "Drafting the travel policy.",
        "private-listed",
    )
    .await;
    group(
        &admin,
        "Quiet corner",
        "secret",
        "Nobody knows of it.",
        "private-hidden",
    )
    .await;
    admin.create_post("wg", "discussion", "First draft", "", "Words.").await;
    admin.create_post("news", "discussion", "Open news", "", "Words.").await;
    let nel = app.signed_in("nel", Role::Member).await;

    let page = nel.text("/channels").await;
    let wg = entry(&page, "wg").expect("the listed group is listed");
    for shown in [
        "Travel group",
        "Drafting the travel policy.",
        "Members only",
        "Ask to join",
    ] {
        assert!(wg.contains(shown), "{shown}: {wg}");
    }
    assert!(!wg.contains("follower"), "no follower count: {wg}");
    assert!(!wg.contains("1 post"), "no post count: {wg}");
    assert!(!wg.contains("/c/wg/follow"), "no Follow button: {wg}");
    let news = entry(&page, "news").expect("the open channel");
    assert!(news.contains("follower") && news.contains("1 post"), "{news}");
    assert!(news.contains("action=\"/c/news/follow\""), "{news}");
    assert!(!news.contains("Members only"), "{news}");
    assert!(
        !page.contains("Quiet corner") && !page.contains("/c/secret"),
        "hidden: {page}"
    );

    // Its members see it as a channel like any other.
    let r = admin.post("/c/wg/members", &[("handle", "@nel")]).await;
    assert_eq!(r.status(), 303);
    let wg = entry(&nel.text("/channels").await, "wg").expect("listed");
    assert!(wg.contains("1 post") && wg.contains("/c/wg/follow"), "{wg}");
    assert!(!wg.contains("Ask to join"), "{wg}");
}

async fn asking_twice_makes_one_request(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    group(
        &admin,
        "Travel group",
        "wg",
        "Drafting the travel policy.",
        "private-listed",
    )
    .await;
    let rae = app.signed_in("rae", Role::Member).await;

    for _ in 0..2 {
        let r = rae.post("/c/wg/join", &[("message", "I book the trains.")]).await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/c/wg");
    }
    let rae_id = app.user_id("rae").await;
    assert_eq!(
        app.sql_i64(&format!("SELECT COUNT(*) FROM join_requests WHERE user_id = {rae_id}"))
            .await,
        1
    );
    let lobby = rae.text("/c/wg").await;
    assert!(lobby.contains("You already asked to join"), "told so: {lobby}");
    assert!(lobby.contains("Withdraw my request"), "{lobby}");
    assert!(!lobby.contains("action=\"/c/wg/join\""), "no second form: {lobby}");
    let members = admin.text("/c/wg/members").await;
    assert_eq!(members.matches("I book the trains.").count(), 1, "{members}");

    // Withdrawn, it is gone from the managers' page, and may be made again.
    let r = rae.post("/c/wg/join/withdraw", &[]).await;
    assert_eq!(r.status(), 303);
    assert!(!admin.text("/c/wg/members").await.contains("I book the trains."));
    assert!(rae.text("/c/wg").await.contains("action=\"/c/wg/join\""));
}

async fn an_over_long_message_comes_back_with_the_lobby(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    group(
        &admin,
        "Travel group",
        "wg",
        "Drafting the travel policy.",
        "private-listed",
    )
    .await;
    let rae = app.signed_in("rae", Role::Member).await;

    let long = "Trains ".repeat(72); // 504 characters
    let r = rae.post("/c/wg/join", &[("message", long.as_str())]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("body");
    assert!(page.contains(long.trim_end()), "the words as typed");
    assert!(page.contains("Keep your message under 500 characters."), "{page}");
    assert!(page.contains("Drafting the travel policy."), "still the lobby");
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM join_requests").await, 0);

    // Exactly 500 is fine.
    let r = rae.post("/c/wg/join", &[("message", "x".repeat(500).as_str())]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM join_requests").await, 1);
}

async fn an_accepted_requester_reads_and_follows_the_group_at_once(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    group(
        &admin,
        "Travel group",
        "wg",
        "Drafting the travel policy.",
        "private-listed",
    )
    .await;
    let post = admin
        .create_post("wg", "discussion", "Rail first, always", "", "Words.")
        .await;
    let rae = app.signed_in("rae", Role::Member).await;
    assert_eq!(rae.get(&format!("/p/{post}")).await.status(), 404);
    rae.post("/c/wg/join", &[("message", "")]).await;
    let request = waiting_request(&app, "wg", "rae").await;

    let members = admin.text("/c/wg/members").await;
    assert!(
        members.contains(&format!("/c/wg/requests/{request}/accept")),
        "{members}"
    );
    let r = admin.post(&format!("/c/wg/requests/{request}/accept"), &[]).await;
    assert_eq!(r.status(), 303);

    // Her very next request reads it, and her home page follows it.
    let page = rae.text("/c/wg").await;
    assert!(
        page.contains("Rail first, always") && page.contains("Latest posts"),
        "{page}"
    );
    assert!(rae.text(&format!("/p/{post}")).await.contains("Rail first, always"));
    assert!(rae.text("/").await.contains("Rail first, always"), "followed");
    let wg = entry(&rae.text("/channels").await, "wg").expect("listed");
    assert!(wg.contains("Unfollow"), "{wg}");
    // Members post in their group without a licence.
    rae.create_post("wg", "discussion", "Sleeper trains", "", "Words.")
        .await;
    // Answered is answered.
    let r = admin.post(&format!("/c/wg/requests/{request}/decline"), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM join_requests WHERE status = 'accepted'")
            .await,
        1
    );
}

async fn a_declined_requester_may_ask_again(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    group(
        &admin,
        "Travel group",
        "wg",
        "Drafting the travel policy.",
        "private-listed",
    )
    .await;
    let dan = app.signed_in("dan", Role::Member).await;
    dan.post("/c/wg/join", &[("message", "Please.")]).await;
    let request = waiting_request(&app, "wg", "dan").await;

    let r = admin
        .post(
            &format!("/c/wg/requests/{request}/decline"),
            &[("reason", "We are full until spring.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM join_requests WHERE id = {request} AND status = 'declined' \
             AND decision_reason = 'We are full until spring.'"
        ))
        .await,
        1
    );
    // Still outside, with nothing waiting: the lobby asks again.
    let lobby = dan.text("/c/wg").await;
    assert!(
        lobby.contains("action=\"/c/wg/join\"") && !lobby.contains("Withdraw"),
        "{lobby}"
    );
    assert_eq!(dan.get("/c/wg/members").await.status(), 404);
    let dan_id = app.user_id("dan").await;
    assert_eq!(
        app.sql_i64(&format!(
            "SELECT COUNT(*) FROM channel_members WHERE user_id = {dan_id}"
        ))
        .await,
        0
    );
    dan.post("/c/wg/join", &[("message", "In spring, then.")]).await;
    waiting_request(&app, "wg", "dan").await;

    // A reason longer than 500 characters is refused, and nothing is answered.
    let request = waiting_request(&app, "wg", "dan").await;
    let r = admin
        .post(
            &format!("/c/wg/requests/{request}/decline"),
            &[("reason", "no ".repeat(200).as_str())],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(waiting_request(&app, "wg", "dan").await, request);
}

async fn leaving_ends_access_at_once(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    group(
        &admin,
        "Travel group",
        "wg",
        "Drafting the travel policy.",
        "private-listed",
    )
    .await;
    let mo = app.signed_in("mo", Role::Member).await;
    let r = admin.post("/c/wg/members", &[("handle", "@mo")]).await;
    assert_eq!(r.status(), 303);
    let post = admin
        .create_post("wg", "discussion", "Zeppelin budget", "", "Airships for all.")
        .await;
    assert!(finds(&app, &mo, "zeppelin", post).await);
    assert!(mo.text("/c/wg").await.contains("Leave channel"));

    // Without the confirmation she is asked, and nothing happens.
    let r = mo.post("/c/wg/leave", &[]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.expect("body").contains("Leave Travel group?"));
    assert!(mo.text("/c/wg").await.contains("Zeppelin budget"));

    let r = mo.post("/c/wg/leave", &[("confirm", "yes")]).await;
    assert_eq!(r.status(), 303);
    let lobby = mo.text("/c/wg").await;
    assert!(lobby.contains("action=\"/c/wg/join\""), "the lobby: {lobby}");
    assert!(!lobby.contains("Zeppelin budget"), "{lobby}");
    assert_eq!(mo.get(&format!("/p/{post}")).await.status(), 404);
    assert_eq!(mo.get("/c/wg/members").await.status(), 404);
    assert!(!finds(&app, &mo, "zeppelin", post).await, "no longer found");
    assert!(finds(&app, &admin, "zeppelin", post).await, "still there for members");
    // Leaving twice: there is nothing left to leave.
    assert_eq!(mo.post("/c/wg/leave", &[("confirm", "yes")]).await.status(), 404);
}

async fn the_last_manager_names_another_before_leaving_or_standing_down(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    group(
        &admin,
        "Travel group",
        "wg",
        "Drafting the travel policy.",
        "private-listed",
    )
    .await;
    let mia = app.signed_in("mia", Role::Member).await;
    app.signed_in("mo", Role::Member).await;
    let (ada_id, mia_id) = (app.user_id("ada").await, app.user_id("mia").await);
    assert_eq!(admin.post("/c/wg/managers", &[("manager", "@mia")]).await.status(), 303);
    assert_eq!(admin.post("/c/wg/members", &[("handle", "@mo")]).await.status(), 303);
    // With another manager named, the one who created it stands down (and stays in).
    let r = admin.post(&format!("/c/wg/managers/{ada_id}/remove"), &[]).await;
    assert_eq!(r.status(), 303);

    // Mia runs it alone, with others in it.
    let managers = "SELECT COUNT(*) FROM channel_managers";
    let members = "SELECT COUNT(*) FROM channel_members";
    let r = mia.post("/c/wg/leave", &[("confirm", "yes")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("only manager"));
    let r = mia.post(&format!("/c/wg/managers/{mia_id}/remove"), &[]).await;
    assert_eq!(r.status(), 422);
    let r = admin.post(&format!("/c/wg/managers/{mia_id}/remove"), &[]).await;
    assert_eq!(r.status(), 422, "nor does an admin take the last one away");
    let r = admin
        .post(&format!("/c/wg/members/{mia_id}/remove"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), 422, "not even by removing her from the group");
    assert!(r.text().await.expect("body").contains("only manager"));
    let day = local_day(&app, 3).to_string();
    let r = admin
        .post("/c/wg/deputies", &[("deputy", "@mia"), ("until", day.as_str())])
        .await;
    assert_eq!(r.status(), 422, "nor make her a mere deputy");
    assert_eq!((app.sql_i64(managers).await, app.sql_i64(members).await), (1, 3));
    assert!(mia.text("/c/wg").await.contains("Drafting"));

    // Once she names another, she may go.
    assert_eq!(mia.post("/c/wg/managers", &[("manager", "@mo")]).await.status(), 303);
    assert_eq!(mia.post("/c/wg/leave", &[("confirm", "yes")]).await.status(), 303);
    assert_eq!((app.sql_i64(managers).await, app.sql_i64(members).await), (1, 2));

    // Nobody else in it: the last one may leave.
    group(&admin, "Solo", "solo", "", "private-listed").await;
    assert_eq!(admin.post("/c/solo/leave", &[("confirm", "yes")]).await.status(), 303);
}

async fn a_deputys_rights_end_with_their_last_day(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    group(
        &admin,
        "Travel group",
        "wg",
        "Drafting the travel policy.",
        "private-listed",
    )
    .await;
    let dee = app.signed_in("dee", Role::Member).await;
    let nel = app.signed_in("nel", Role::Member).await;
    let first = admin.create_post("wg", "discussion", "First", "", "Words.").await;
    let second = admin.create_post("wg", "discussion", "Second", "", "Words.").await;
    let day = local_day(&app, 5);
    let r = admin
        .post(
            "/c/wg/deputies",
            &[("deputy", "@dee"), ("until", day.to_string().as_str())],
        )
        .await;
    assert_eq!(r.status(), 303);
    nel.post("/c/wg/join", &[("message", "Hello.")]).await;
    let request = waiting_request(&app, "wg", "nel").await;

    // Within the cover: a manager's rights.
    assert!(dee.text("/c/wg/members").await.contains("Asking to join"));
    assert_eq!(dee.post(&format!("/p/{first}/pin"), &[]).await.status(), 303);
    assert!(nel.text("/c/wg").await.contains("Dee"), "the lobby names her");
    assert!(admin.text("/c/wg/members").await.contains("Deputy until"));

    // Her last day passes: the rights go by themselves, the membership stays.
    end_cover(&app, "dee", Utc::now() - chrono::Duration::hours(1)).await;
    assert_eq!(dee.post(&format!("/p/{second}/pin"), &[]).await.status(), 403);
    assert_eq!(dee.post(&format!("/p/{second}/announce"), &[]).await.status(), 403);
    let r = dee.post(&format!("/c/wg/requests/{request}/accept"), &[]).await;
    assert_eq!(r.status(), 403);
    assert_eq!(dee.post("/c/wg/members", &[("handle", "@nel")]).await.status(), 403);
    let members = dee.text("/c/wg/members").await;
    assert!(!members.contains("Asking to join"), "{members}");
    assert!(dee.text("/c/wg").await.contains("Second"), "still reads it");
    dee.create_post("wg", "discussion", "Back from cover", "", "Words.")
        .await;
    assert_eq!(waiting_request(&app, "wg", "nel").await, request);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM channel_pins").await, 1);
    assert!(
        !nel.text("/c/wg").await.contains("Dee"),
        "the lobby no longer names her"
    );
    assert!(admin.text("/c/wg/members").await.contains("Deputy: cover ended"));
}

async fn a_fourth_pin_is_refused_and_three_stay_on_top(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    group(
        &admin,
        "Travel group",
        "wg",
        "Drafting the travel policy.",
        "private-listed",
    )
    .await;
    let mia = app.signed_in("mia", Role::Member).await;
    assert_eq!(admin.post("/c/wg/managers", &[("manager", "@mia")]).await.status(), 303);
    let mut posts = Vec::new();
    for title in ["Pin one", "Pin two", "Pin three", "Pin four", "Not pinned"] {
        posts.push(mia.create_post("wg", "discussion", title, "", "Words.").await);
    }
    for post in &posts[..3] {
        let r = mia.post(&format!("/p/{post}/pin"), &[]).await;
        assert_eq!(r.status(), 303);
    }
    let r = mia.post(&format!("/p/{}/pin", posts[3]), &[]).await;
    assert_eq!(r.status(), 303);
    let thread = mia.text(&location(&r)).await;
    assert!(
        thread.contains("#wg already has 3 pinned posts: unpin one first"),
        "{thread}"
    );
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM channel_pins").await, 3);

    // The three sit above the latest posts, once each.
    let page = mia.text("/c/wg").await;
    let (top, latest) = page.split_once("Latest posts").expect("latest posts");
    let (_, pinned) = top.split_once("id=\"pinned-heading\"").expect("a Pinned section");
    for title in ["Pin one", "Pin two", "Pin three"] {
        assert!(pinned.contains(title), "{title} pinned");
        assert!(!latest.contains(title), "{title} shown once");
    }
    assert!(!pinned.contains("Pin four") && latest.contains("Pin four"));
    assert!(latest.contains("Not pinned"));

    // Unpinning makes room.
    assert_eq!(mia.post(&format!("/p/{}/unpin", posts[0]), &[]).await.status(), 303);
    assert_eq!(mia.post(&format!("/p/{}/pin", posts[3]), &[]).await.status(), 303);
    let page = mia.text("/c/wg").await;
    let (top, _) = page.split_once("Latest posts").expect("latest posts");
    assert!(top.contains("Pin four") && !top.contains("Pin one"), "{top}");
}

async fn announcements_reach_followers_until_each_dismisses(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "News", "news").await;
    let fay = app.signed_in("fay", Role::Member).await;
    let gus = app.signed_in("gus", Role::Member).await;
    let nel = app.signed_in("nel", Role::Member).await;
    for follower in [&fay, &gus] {
        assert_eq!(follower.post("/c/news/follow", &[]).await.status(), 303);
    }
    let post = admin
        .create_post("news", "discussion", "Office closes early Friday", "", "Go home.")
        .await;
    let dismiss = format!("action=\"/announcements/{post}/dismiss\"");
    assert!(!fay.text("/").await.contains(&dismiss), "not announced yet");
    assert_eq!(admin.post(&format!("/p/{post}/announce"), &[]).await.status(), 303);

    for follower in [&fay, &gus] {
        let home = follower.text("/").await;
        assert!(
            home.contains("id=\"announcements-heading\"") && home.contains(&dismiss),
            "{home}"
        );
    }
    let home = nel.text("/").await;
    assert!(
        !home.contains(&dismiss) && !home.contains("Office closes early"),
        "{home}"
    );

    let r = fay.post(&format!("/announcements/{post}/dismiss"), &[]).await;
    assert_eq!(r.status(), 303);
    let home = fay.text("/").await;
    assert!(
        !home.contains(&dismiss) && !home.contains("announcements-heading"),
        "{home}"
    );
    assert!(home.contains("Office closes early"), "still in her timeline as a post");
    assert!(gus.text("/").await.contains(&dismiss), "others still see it");

    // No longer announced: gone for everyone.
    assert_eq!(admin.post(&format!("/p/{post}/unannounce"), &[]).await.status(), 303);
    assert!(!gus.text("/").await.contains(&dismiss));
}

async fn the_three_newest_announcements_are_held_up_newest_first(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    app.channel(&admin, "News", "news").await;
    let fay = app.signed_in("fay", Role::Member).await;
    assert_eq!(fay.post("/c/news/follow", &[]).await.status(), 303);
    let mut posts = Vec::new();
    for i in 1..=5 {
        posts.push(
            admin
                .create_post("news", "discussion", &format!("Notice number {i}"), "", "Read me.")
                .await,
        );
    }
    for post in &posts[..4] {
        assert_eq!(admin.post(&format!("/p/{post}/announce"), &[]).await.status(), 303);
    }
    // Where each announcement's dismiss button is on the page, if it is there.
    let held = |home: &str| -> Vec<i64> {
        let mut at: Vec<(usize, i64)> = posts
            .iter()
            .filter_map(|p| {
                home.find(&format!("action=\"/announcements/{p}/dismiss\""))
                    .map(|i| (i, *p))
            })
            .collect();
        at.sort();
        at.into_iter().map(|(_, p)| p).collect()
    };
    let home = fay.text("/").await;
    assert_eq!(held(&home), vec![posts[3], posts[2], posts[1]], "{home}");
    for i in 1..=5 {
        assert!(home.contains(&format!("Notice number {i}")), "post {i} in the timeline");
    }
    let r = fay.post(&format!("/announcements/{}/dismiss", posts[3]), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(held(&fay.text("/").await), vec![posts[2], posts[1], posts[0]]);
}

async fn a_removed_member_no_longer_sees_the_groups_announcements(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    group(
        &admin,
        "Travel group",
        "wg",
        "Drafting the travel policy.",
        "private-listed",
    )
    .await;
    let mo = app.signed_in("mo", Role::Member).await;
    assert_eq!(admin.post("/c/wg/members", &[("handle", "@mo")]).await.status(), 303);
    assert_eq!(mo.post("/c/wg/follow", &[]).await.status(), 303);
    let post = admin
        .create_post("wg", "discussion", "New expense limits", "", "Read this.")
        .await;
    assert_eq!(admin.post(&format!("/p/{post}/announce"), &[]).await.status(), 303);
    let dismiss = format!("action=\"/announcements/{post}/dismiss\"");
    assert!(mo.text("/").await.contains(&dismiss));

    let mo_id = app.user_id("mo").await;
    let r = admin
        .post(&format!("/c/wg/members/{mo_id}/remove"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), 303);
    let home = mo.text("/").await;
    assert!(
        !home.contains(&dismiss) && !home.contains("New expense limits"),
        "{home}"
    );
    // Even were she still following it.
    app.exec(&format!(
        "INSERT INTO channel_follows (user_id, channel_id, created_at) \
         SELECT {mo_id}, id, CURRENT_TIMESTAMP FROM channels WHERE slug = 'wg'"
    ))
    .await;
    let home = mo.text("/").await;
    assert!(!home.contains("New expense limits"), "{home}");
}

async fn details_a_manager_edits_show_in_the_directory(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    group(
        &admin,
        "Travel group",
        "wg",
        "Drafting the travel policy.",
        "private-listed",
    )
    .await;
    let mia = app.signed_in("mia", Role::Member).await;
    let nel = app.signed_in("nel", Role::Member).await;
    assert_eq!(admin.post("/c/wg/managers", &[("manager", "@mia")]).await.status(), 303);

    let r = mia
        .post(
            "/c/wg/details",
            &[
                ("name", "Travel policy circle"),
                ("purpose", "Writing the new travel policy."),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let wg = entry(&nel.text("/channels").await, "wg").expect("listed");
    assert!(
        wg.contains("Travel policy circle") && wg.contains("Writing the new travel policy."),
        "{wg}"
    );
    assert!(!wg.contains("Drafting the travel policy."));
    let lobby = nel.text("/c/wg").await;
    assert!(lobby.contains("Travel policy circle") && lobby.contains("Writing the new travel policy."));

    // A name is needed, and kept as typed when it is missing.
    let r = mia
        .post("/c/wg/details", &[("name", " "), ("purpose", "Still here.")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.expect("body").contains("Still here."));
    assert!(nel.text("/channels").await.contains("Travel policy circle"));
}

async fn the_channel_register_lists_deputies_with_their_last_day(app: TestApp) {
    let admin = app.signed_in("ada", Role::Admin).await;
    group(
        &admin,
        "Travel group",
        "wg",
        "Drafting the travel policy.",
        "private-hidden",
    )
    .await;
    app.signed_in("dee", Role::Member).await;
    let coordinator = app.signed_in("cora", Role::Coordinator).await;
    let member = app.signed_in("nel", Role::Member).await;
    let day = local_day(&app, 10);
    let r = admin
        .post(
            "/c/wg/deputies",
            &[("deputy", "@dee"), ("until", day.to_string().as_str())],
        )
        .await;
    assert_eq!(r.status(), 303);

    let page = coordinator.text("/register/channels").await;
    let row = page
        .split("<tr>")
        .find(|row| row.contains("/c/wg"))
        .expect("the hidden group is in the register");
    assert!(row.contains(">Ada<") && row.contains(">Dee<"), "{row}");
    assert!(
        row.contains(&day.format("%-d %B %Y").to_string()),
        "the last day: {row}"
    );

    let csv = coordinator.text("/register/channels.csv").await;
    let line = csv.lines().find(|l| l.contains(",wg,")).expect("the group's line");
    assert!(
        line.contains(&format!("Dee until {day}")),
        "the last day, as typed: {line}"
    );

    for path in ["/register/channels", "/register/channels.csv"] {
        assert_eq!(member.get(path).await.status(), 403, "{path}");
    }
}
