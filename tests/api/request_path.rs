//! The signed-in request path: whatever a server knows of the viewer is read
//! afresh on every request (also when another server made the change), in a
//! few statements; and the pages stay the same HTML for the same data.

use commonroom::domain::role::Role;

use crate::helpers::{Browser, PASSWORD, TestApp, location, spawn_app_beside};
use crate::on_both_backends;

on_both_backends!(
    a_change_made_on_one_server_holds_on_the_next_request_to_another,
    what_changes_on_one_server_shows_on_the_next_home_page_of_another,
    what_changes_on_one_server_shows_on_the_next_thread_page_of_another,
    what_changes_on_one_server_shows_on_the_next_channel_page_of_another,
    a_signed_in_page_costs_few_statements,
    home_channel_and_thread_pages_stay_the_same_html,
);

/// Two servers on one database: an administrator acts on the first, the
/// person acted on browses the second, which must see each change on its
/// very next request.
async fn a_change_made_on_one_server_holds_on_the_next_request_to_another(app: TestApp) {
    let other = spawn_app_beside(&app).await;
    let ada = app.signed_in("ada", Role::Admin).await;
    app.create_user("bo", Role::Member).await;
    let bo_id = app.user_id("bo").await;
    let bo = other.browser();
    assert_eq!(bo.sign_in("bo@example.org", PASSWORD).await.status(), 303);

    app.working_group(&ada, "private-hidden").await;
    assert_eq!(bo.get("/c/wg").await.status(), 404);
    assert_eq!(ada.post("/c/wg/members", &[("handle", "@bo")]).await.status(), 303);
    assert_eq!(
        bo.get("/c/wg").await.status(),
        200,
        "added on one server, a member on the other"
    );

    assert_eq!(bo.get("/moderation").await.status(), 403);
    let r = ada
        .post(&format!("/admin/users/{bo_id}/roles"), &[("role", "moderator")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(bo.get("/moderation").await.status(), 200, "the new role holds at once");
    let no_roles: &[(&str, &str)] = &[];
    let r = ada.post(&format!("/admin/users/{bo_id}/roles"), no_roles).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        bo.get("/moderation").await.status(),
        403,
        "the role taken away holds at once"
    );

    let r = ada
        .post(&format!("/c/wg/members/{bo_id}/remove"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        bo.get("/c/wg").await.status(),
        404,
        "removed on one server, gone on the other"
    );

    // What the header counts: mentioned on one server, counted on the other.
    app.channel(&ada, "News", "news").await;
    let post = ada
        .create_post(
            "news",
            "discussion",
            "Rota for next week",
            "",
            "Over to @bo for the rota.",
        )
        .await;
    assert!(
        bo.text("/").await.contains(r#"data-unread="1""#),
        "a mention on one server is counted on the other"
    );
    // Following is kept with the account: followed on one server, on the
    // home page of the other.
    let bo_here = app.browser();
    assert_eq!(bo_here.sign_in("bo@example.org", PASSWORD).await.status(), 303);
    assert!(!bo.text("/").await.contains("Rota for next week"));
    assert_eq!(bo_here.post("/c/news/follow", &[]).await.status(), 303);
    assert!(
        bo.text("/").await.contains("Rota for next week"),
        "followed on one server, home on the other"
    );
    // Guidelines published on one server are asked for on the other.
    let mo = app.signed_in("mo", Role::Moderator).await;
    let r = mo
        .post("/guidelines", &[("body", "Be kind."), ("summary", "First version")])
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        bo.text(&format!("/p/{post}"))
            .await
            .contains("href=\"/guidelines?next=/p/"),
        "guidelines published on one server, asked for on the other"
    );

    let r = ada
        .post(
            &format!("/admin/users/{bo_id}/suspend"),
            &[("confirm", "yes"), ("reason", "account taken over")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = bo.get("/").await;
    assert_eq!(r.status(), 303, "suspended on one server, signed out on the other");
    assert!(location(&r).starts_with("/login"));
}

/// Two servers on one database: people act on the first, a reader's home
/// page on the second (which keeps it while nothing on it changes) shows
/// each change on the very next request, and a post scheduled for later
/// on it when its time comes, with nothing written then.
async fn what_changes_on_one_server_shows_on_the_next_home_page_of_another(app: TestApp) {
    let other = spawn_app_beside(&app).await;
    let ada = app.signed_in("ada", Role::Admin).await;
    app.channel(&ada, "News", "news").await;
    app.create_user("cy", Role::Member).await;
    let (cy, cy_here) = (other.browser(), app.browser());
    for browser in [&cy, &cy_here] {
        assert_eq!(browser.sign_in("cy@example.org", PASSWORD).await.status(), 303);
    }
    assert_eq!(cy.post("/c/news/follow", &[]).await.status(), 303);
    let first = ada.create_post("news", "discussion", "First item", "", "One.").await;
    assert!(cy.text("/").await.contains("First item"));
    // Kept: the same page again costs only the session's statement.
    let again = cy.get("/").await;
    assert_eq!(statements(&again), 1, "served as kept");
    assert!(again.text().await.expect("page").contains("First item"));

    let second = ada.create_post("news", "discussion", "Second item", "", "Two.").await;
    assert!(cy.text("/").await.contains("Second item"), "a new post");
    let r = ada.post(&format!("/p/{second}/react"), &[("kind", "like")]).await;
    assert_eq!(r.status(), 303);
    assert!(cy.text("/").await.contains("Like: Ada"), "a reaction");
    ada.reply(second, "A reply.", None).await;
    assert!(cy.text("/").await.contains("1 reply"), "a reply's count");
    let r = ada
        .post(
            &format!("/p/{first}/edit"),
            &[("kind", "discussion"), ("title", "Better item"), ("body", "One.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(cy.text("/").await.contains("Better item"), "an edit");
    let r = ada
        .post(
            "/profile",
            &[("name", "Ada Lovelace"), ("job_title", ""), ("department", "")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(cy.text("/").await.contains("Like: Ada Lovelace"), "a new name");

    assert_eq!(ada.post(&format!("/p/{first}/announce"), &[]).await.status(), 303);
    assert!(cy.text("/").await.contains("announcements-heading"), "an announcement");
    let r = cy_here.post(&format!("/announcements/{first}/dismiss"), &[]).await;
    assert_eq!(r.status(), 303);
    assert!(
        !cy.text("/").await.contains("announcements-heading"),
        "dismissed on the other server"
    );
    let r = ada.post(&format!("/p/{second}/delete"), &[("confirm", "yes")]).await;
    assert_eq!(r.status(), 303);
    assert!(!cy.text("/").await.contains("Second item"), "a deletion");

    goes_live_on_its_time(&app, &cy, "/").await;
}

/// Two servers on one database: people act on the first, readers of a
/// thread on the second (which keeps it while nothing in it changes) see
/// each change on the very next request, each as they may see it.
async fn what_changes_on_one_server_shows_on_the_next_thread_page_of_another(app: TestApp) {
    let other = spawn_app_beside(&app).await;
    let ada = app.signed_in("ada", Role::Admin).await;
    app.channel(&ada, "News", "news").await;
    app.create_user("cy", Role::Member).await;
    app.create_user("mo", Role::Admin).await;
    let (cy, mo) = (other.browser(), other.browser());
    assert_eq!(cy.sign_in("cy@example.org", PASSWORD).await.status(), 303);
    assert_eq!(mo.sign_in("mo@example.org", PASSWORD).await.status(), 303);
    let post = ada
        .create_post("news", "discussion", "The rota", "", "Who is on?")
        .await;
    let thread = format!("/p/{post}");
    assert!(cy.text(&thread).await.contains("Who is on?"));
    let again = cy.get(&thread).await;
    assert_eq!(statements(&again), 1, "nothing changed anywhere: the session alone");
    assert!(again.text().await.expect("page").contains("Who is on?"));
    // A change elsewhere: the thread's own channel's stamp says it is current.
    app.channel(&ada, "Elsewhere", "elsewhere").await;
    ada.create_post("elsewhere", "discussion", "Elsewhere", "", "Not here.")
        .await;
    let again = cy.get(&thread).await;
    assert_eq!(statements(&again), 2, "the session and the channel's stamp");
    assert!(again.text().await.expect("page").contains("Who is on?"));
    assert_eq!(
        statements(&cy.get(&thread).await),
        1,
        "current again as long as nothing changes"
    );

    let reply = ada.reply(post, "Typo in here.", None).await;
    assert!(cy.text(&thread).await.contains("Typo in here."), "a reply");
    let r = ada.post(&format!("/r/{reply}/react"), &[("kind", "like")]).await;
    assert_eq!(r.status(), 303);
    assert!(cy.text(&thread).await.contains("Like: Ada"), "a reply's reaction");
    let r = ada.post(&format!("/r/{reply}/edit"), &[("body", "Fixed it.")]).await;
    assert_eq!(r.status(), 303);
    assert!(cy.text(&thread).await.contains("Fixed it."), "an edit");
    // Each reader sees the kept thread as they may: the pin and the
    // digest's feature show only to those who may make them.
    assert_eq!(ada.post(&format!("/p/{post}/pin"), &[]).await.status(), 303);
    assert!(mo.text(&thread).await.contains("Unpin"), "a pin");
    assert!(!cy.text(&thread).await.contains("Unpin"), "to a reader, no pin control");
    let r = ada.post(&format!("/p/{post}/feature"), &[("featured", "yes")]).await;
    assert_eq!(r.status(), 303);
    assert!(mo.text(&thread).await.contains("Featured in the digest"), "a feature");
    let r = ada.post(&format!("/r/{reply}/delete"), &[("confirm", "yes")]).await;
    assert_eq!(r.status(), 303);
    let page = cy.text(&thread).await;
    assert!(
        page.contains("This reply was deleted.") && !page.contains("Fixed it."),
        "a deletion"
    );
    let r = ada.post(&format!("/p/{post}/delete"), &[("confirm", "yes")]).await;
    assert_eq!(r.status(), 303);
    let page = cy.text(&thread).await;
    assert!(
        page.contains("This post was deleted by its author") && !page.contains("Who is on?"),
        "a deleted post"
    );
}

/// Two servers on one database: people act on the first, a reader of a
/// channel on the second (which keeps its newest page while nothing on it
/// changes) sees each change on the very next request, and a post
/// scheduled for later on it when its time comes, with nothing written then.
async fn what_changes_on_one_server_shows_on_the_next_channel_page_of_another(app: TestApp) {
    let other = spawn_app_beside(&app).await;
    let ada = app.signed_in("ada", Role::Admin).await;
    app.channel(&ada, "News", "news").await;
    app.create_user("cy", Role::Member).await;
    let cy = other.browser();
    assert_eq!(cy.sign_in("cy@example.org", PASSWORD).await.status(), 303);
    let first = ada.create_post("news", "discussion", "First item", "", "One.").await;
    // This server's first page for cy also loads the account.
    assert_eq!(cy.get("/").await.status(), 200);
    let r = cy.get("/c/news").await;
    // The session, the channel's head, and its newest page.
    assert_eq!(statements(&r), 3, "read");
    assert!(r.text().await.expect("page").contains("First item"));
    let again = cy.get("/c/news").await;
    assert_eq!(statements(&again), 1, "nothing changed anywhere: the session alone");
    assert!(again.text().await.expect("page").contains("First item"));
    // A change elsewhere: the channel's head says its page is current.
    app.channel(&ada, "Elsewhere", "elsewhere").await;
    ada.create_post("elsewhere", "discussion", "Elsewhere", "", "Not here.")
        .await;
    let again = cy.get("/c/news").await;
    assert_eq!(statements(&again), 2, "the session and the channel's head");
    assert!(!again.text().await.expect("page").contains("Elsewhere"));
    assert_eq!(statements(&cy.get("/c/news").await), 1, "current again");

    let second = ada.create_post("news", "discussion", "Second item", "", "Two.").await;
    assert!(cy.text("/c/news").await.contains("Second item"), "a new post");
    let r = ada.post(&format!("/p/{second}/react"), &[("kind", "like")]).await;
    assert_eq!(r.status(), 303);
    assert!(cy.text("/c/news").await.contains("Like: Ada"), "a reaction");
    ada.reply(second, "A reply.", None).await;
    assert!(cy.text("/c/news").await.contains("1 reply"), "a reply's count");
    let followers = |html: String| {
        let count = regex::Regex::new(r"(\d+) followers?").expect("regex");
        count.captures(&html).expect("a follower count")[1]
            .parse::<u32>()
            .expect("a number")
    };
    let before = followers(cy.text("/c/news").await);
    let di = app.signed_in("di", Role::Member).await;
    assert_eq!(di.post("/c/news/follow", &[]).await.status(), 303);
    assert_eq!(followers(cy.text("/c/news").await), before + 1, "a follow");
    assert_eq!(ada.post(&format!("/p/{first}/pin"), &[]).await.status(), 303);
    assert!(cy.text("/c/news").await.contains("pinned-heading"), "a pin");
    let r = ada
        .post(
            &format!("/p/{first}/edit"),
            &[("kind", "discussion"), ("title", "Better item"), ("body", "One.")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        cy.text("/c/news").await.contains("Better item"),
        "an edit of a pinned post"
    );
    assert_eq!(ada.post(&format!("/p/{first}/unpin"), &[]).await.status(), 303);
    assert!(!cy.text("/c/news").await.contains("pinned-heading"), "an unpin");
    let r = ada.post(&format!("/p/{second}/delete"), &[("confirm", "yes")]).await;
    assert_eq!(r.status(), 303);
    assert!(!cy.text("/c/news").await.contains("Second item"), "a deletion");
    let r = ada.post("/c/news/archive", &[("confirm", "yes")]).await;
    assert_eq!(r.status(), 303);
    assert!(
        cy.text("/c/news").await.contains("This channel is archived."),
        "archived"
    );
    assert_eq!(ada.post("/c/news/unarchive", &[]).await.status(), 303);
    assert!(!cy.text("/c/news").await.contains("This channel is archived."), "back");

    goes_live_on_its_time(&app, &cy, "/c/news").await;
}

/// A post scheduled in #news a few seconds ahead: not on the page at `path`
/// that `reader` has kept, then on it once its time has come, with nothing
/// written then.
async fn goes_live_on_its_time(app: &TestApp, reader: &Browser, path: &str) {
    let live = embargoed_in_news(app).await;
    let before = reader.text(path).await;
    if commonroom::domain::time::now() < live {
        assert!(!before.contains("Embargoed item"), "not before its time");
    }
    let wait = (live - commonroom::domain::time::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + std::time::Duration::from_millis(200)).await;
    assert!(reader.text(path).await.contains("Embargoed item"), "live at its time");
}

/// "Embargoed item", posted by ada in #news to go live 3 s from now; when.
async fn embargoed_in_news(app: &TestApp) -> chrono::DateTime<chrono::Utc> {
    use commonroom::domain::post::{PostDraft, PostKind};
    use commonroom::store::posts::{self, Placement};
    let ada_id = app.user_id("ada").await;
    let news = app.sql_i64("SELECT id FROM channels WHERE slug = 'news'").await;
    let draft = PostDraft::parse(PostKind::Discussion.as_str(), "Embargoed item", "", "Later.")
        .map_err(|_| "invalid")
        .expect("draft");
    let at = commonroom::domain::time::now();
    let live = at + chrono::Duration::seconds(3);
    let placement = Placement {
        publish_at: Some(live),
        ..Placement::default()
    };
    posts::create_placed(&app.db, ada_id, news, &draft, at, placement)
        .await
        .expect("post");
    live
}

/// The statements a response took, from its `Server-Timing` header.
fn statements(r: &reqwest::Response) -> u32 {
    let header = r
        .headers()
        .get("server-timing")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    header
        .split("desc=\"")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no statement count in {header:?}"))
}

async fn counted(browser: &Browser, path: &str) -> u32 {
    let r = browser.get(path).await;
    assert_eq!(r.status(), 200, "{path}");
    statements(&r)
}

/// A busy little channel: posts with reactions, a reply thread, a pin and an
/// announcement, seen by a member who follows it.
async fn busy_channel(app: &TestApp) -> (Browser, i64) {
    let ada = app.signed_in("ada", Role::Admin).await;
    app.channel(&ada, "Comms news", "news").await;
    let mut last = 0;
    for i in 0..5 {
        last = ada
            .create_post(
                "news",
                "discussion",
                &format!("Item {i}"),
                "",
                &format!("About item **{i}**."),
            )
            .await;
    }
    let first_reply = ada.reply(last, "A first reply.", None).await;
    ada.reply(last, "A second reply, quoting.", Some(first_reply)).await;
    assert_eq!(
        ada.post(&format!("/p/{last}/react"), &[("kind", "like")])
            .await
            .status(),
        303
    );
    assert_eq!(ada.post(&format!("/p/{}/pin", last - 1), &[]).await.status(), 303);
    assert_eq!(ada.post(&format!("/p/{}/announce", last - 2), &[]).await.status(), 303);
    let cy = app.signed_in("cy", Role::Member).await;
    assert_eq!(cy.post("/c/news/follow", &[]).await.status(), 303);
    assert_eq!(
        cy.post(&format!("/p/{last}/react"), &[("kind", "like")]).await.status(),
        303
    );
    (cy, last)
}

async fn a_signed_in_page_costs_few_statements(app: TestApp) {
    let (cy, thread_id) = busy_channel(&app).await;
    // The first page since the account last changed (here an
    // administrator gave a role) loads it: its row with the header counts,
    // then roles, memberships, managed and followed channels, beside the
    // session; the notifications page adds its list.
    let ada = app.browser();
    assert_eq!(ada.sign_in("ada@example.org", PASSWORD).await.status(), 303);
    let cy_id = app.user_id("cy").await;
    let r = ada
        .post(&format!("/admin/users/{cy_id}/roles"), &[("role", "contributor")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(counted(&cy, "/notifications").await, 7);
    // From then on the session comes with the account's stamp, in one
    // statement, and the account the server kept serves while the stamp is
    // unchanged.
    assert_eq!(counted(&cy, "/notifications").await, 2);
    // Home: that one, and the timeline (each post with its reactions) with
    // the announcements held up over it and the next post scheduled.
    let home = counted(&cy, "/").await;
    let channel = counted(&cy, "/c/news").await;
    let thread = counted(&cy, &format!("/p/{thread_id}")).await;
    eprintln!("statements: home {home}, channel {channel}, thread {thread}");
    assert_eq!(home, 2, "home");
    // The same home page again, with nothing on it changed, as kept.
    assert_eq!(counted(&cy, "/").await, 1, "home again");
    // The session, the channel with its stamp, follower count and pins, and
    // its newest page with the pinned posts' cards.
    assert_eq!(channel, 3, "channel");
    assert_eq!(counted(&cy, "/c/news").await, 1, "channel again");
    // The session, the post with its channel's stamp, card and standing,
    // and its replies (each with its reactions).
    assert_eq!(thread, 3, "thread");
    // The same thread again, with nothing changed anywhere: the session
    // (with the sum of every channel's stamp), and the thread as kept.
    assert_eq!(counted(&cy, &format!("/p/{thread_id}")).await, 1, "thread again");
}

/// A page with what changes from run to run (times, ports) written the same way.
fn steady(html: &str, app: &TestApp) -> String {
    let times = regex::Regex::new(r#"<time datetime="[^"]*"( title="[^"]*")?>[^<]*</time>"#).expect("regex");
    let html = times.replace_all(html, "<time>[when]</time>");
    html.replace(&app.address, "[address]")
}

async fn home_channel_and_thread_pages_stay_the_same_html(app: TestApp) {
    let (cy, thread) = busy_channel(&app).await;
    insta::assert_snapshot!("home", steady(&cy.text("/").await, &app));
    insta::assert_snapshot!("channel", steady(&cy.text("/c/news").await, &app));
    insta::assert_snapshot!("thread", steady(&cy.text(&format!("/p/{thread}")).await, &app));
}
