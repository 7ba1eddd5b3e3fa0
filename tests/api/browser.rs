//! The real-browser tests: headless Chromium (driven by playwright-core) signs
//! in, posts, replies and reacts, a curator triages the inbox, a reader
//! searches, and every page is checked on a small screen; axe-core checks
//! accessibility. The scripts live in `tests/browser/`; these tests start the
//! app (and, for the inbox, a feed to follow) and fill it for them.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use axum::Router;
use axum::http::header;
use axum::routing::get;
use chrono::{Duration, Utc};
use commonroom::domain::application::{ChannelRequest, LicenceApplication};
use commonroom::domain::email::EmailAddress;
use commonroom::domain::moderation::{NoticeKind, Reason, Report, Target};
use commonroom::domain::policy::Actor;
use commonroom::domain::policy::Visibility;
use commonroom::domain::post::PostDraft;
use commonroom::domain::role::Role;
use commonroom::domain::site::SiteDomain;
use commonroom::domain::slug::ChannelSlug;
use commonroom::service::moderation;
use commonroom::store::channels::{self, NewChannel};
use commonroom::store::feeds::{self, NewFeed};
use commonroom::store::sites::{self, SiteKind};
use commonroom::store::{
    announcements, applications, groups, guidelines, inbox, invites, password_resets, posts, replies,
};

use crate::helpers::{Backend, PASSWORD, TestApp, spawn_app, spawn_app_with};

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// Why the browser tests cannot run here, if they cannot.
fn missing_parts(dir: &Path) -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if !Path::new(&chromium).exists() {
        return Some(format!("Chromium not found at {chromium} (apt-get install chromium)"));
    }
    if !dir.join("node_modules").join("playwright-core").exists() {
        return Some(format!(
            "browser test packages not installed (npm ci --prefix {})",
            dir.display()
        ));
    }
    None
}

/// The scripts' folder, or `None` (having said why) when this machine cannot
/// run them. Under CI=true a missing part is a failure instead.
fn browser_dir(test: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("browser");
    if let Some(why) = missing_parts(&dir) {
        assert!(!in_ci(), "the browser test {test} must run under CI=true: {why}");
        eprintln!("SKIPPED browser test {test}: {why}; set CI=true to make this a failure");
        return None;
    }
    Some(dir)
}

/// A channel, created (and so followed) by `by`, who is its first member if it is private.
async fn new_channel(app: &TestApp, by: i64, slug: &str, name: &str, description: &str, visibility: Visibility) -> i64 {
    channels::create(
        &app.db,
        by,
        NewChannel {
            slug: ChannelSlug::parse(slug).unwrap(),
            name: name.into(),
            description: description.into(),
            visibility,
            manager: by,
        },
    )
    .await
    .unwrap()
    .id
}

/// An open channel, created (and so followed) by `by`.
async fn open_channel(app: &TestApp, by: i64, slug: &str, name: &str, description: &str) -> i64 {
    new_channel(app, by, slug, name, description, Visibility::Open).await
}

/// A post written `ago` before now, straight into the store.
async fn post_ago(
    app: &TestApp,
    author: i64,
    channel: i64,
    (kind, title, url, body): (&str, &str, &str, &str),
    ago: Duration,
) -> i64 {
    let draft = PostDraft::parse(kind, title, url, body).expect("valid draft");
    posts::create_at(&app.db, author, channel, &draft, Utc::now() - ago)
        .await
        .expect("post")
}

/// Run `node <script>` in `dir` with `env`, echo its log, and fail the test if it failed.
async fn run_script(dir: &Path, script: &str, env: &[(&str, &str)]) {
    let output = tokio::process::Command::new("node")
        .arg(dir.join(script))
        .current_dir(dir)
        .envs(env.iter().copied())
        .output()
        .await
        .expect("run node");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "browser test {script} failed:\n{stdout}\n{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_signs_in_posts_replies_reacts_and_pages_pass_axe() {
    let Some(dir) = browser_dir("smoke.mjs") else {
        return;
    };
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let admin = app.create_user("tess.tester", Role::Admin).await;
    open_channel(&app, admin, "digital-comms", "Digital comms", "Online channels.").await;

    run_script(
        &dir,
        "smoke.mjs",
        &[
            ("BASE_URL", &app.address),
            ("EMAIL", "tess.tester@example.org"),
            ("PASSWORD", PASSWORD),
            ("CHANNEL", "digital-comms"),
        ],
    )
    .await;
}

/// An RSS 2.0 feed of three recent stories, newest first. The second one's
/// summary tries to run script three ways; all of it must arrive inert.
fn council_feed() -> String {
    let at = |hours: i64| (Utc::now() - Duration::hours(hours)).to_rfc2822();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>Northshire Council newsroom</title>
    <link>https://news.northshire.example.org/</link>
    <description>News from Northshire Council.</description>
    <item>
      <title>Gritting routes for this winter</title>
      <link>https://news.northshire.example.org/gritting-routes</link>
      <guid>https://news.northshire.example.org/gritting-routes</guid>
      <pubDate>{}</pubDate>
      <description><![CDATA[<p>Which roads we treat first, and <strong>why</strong>.</p>]]></description>
    </item>
    <item>
      <title>Library opening hours change in January</title>
      <link>https://news.northshire.example.org/library-hours</link>
      <guid>https://news.northshire.example.org/library-hours</guid>
      <pubDate>{}</pubDate>
      <description><![CDATA[<p onclick="window.__pwned='onclick'">Longer Saturday hours at four libraries.</p><script>window.__pwned='script';document.title='pwned'</script><img src="x" onerror="window.__pwned='onerror'">]]></description>
    </item>
    <item>
      <title>Consultation opens on the bus station</title>
      <link>https://news.northshire.example.org/bus-station</link>
      <guid>https://news.northshire.example.org/bus-station</guid>
      <pubDate>{}</pubDate>
      <description><![CDATA[<p>Tell us what the new bus station needs.</p>]]></description>
    </item>
  </channel>
</rss>
"#,
        at(1),
        at(2),
        at(3)
    )
}

/// Serve `body` as RSS at `/feed.xml` on a port of its own.
async fn serve_feed(body: String) -> SocketAddr {
    let feed = Router::new().route(
        "/feed.xml",
        get(move || async move { ([(header::CONTENT_TYPE, "application/rss+xml; charset=utf-8")], body) }),
    );
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, feed).await });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_curator_follows_a_feed_triages_the_inbox_by_keyboard_and_shares() {
    let Some(dir) = browser_dir("inbox.mjs") else {
        return;
    };
    let feed = serve_feed(council_feed()).await;
    let Some(app) = spawn_app_with(Backend::Sqlite, |s| s.fetch.allow = vec!["127.0.0.1".into()]).await else {
        return;
    };
    let curator = app.create_user("cora.curator", Role::Curator).await;
    open_channel(
        &app,
        curator,
        "local-news",
        "Local news",
        "Stories from councils near us.",
    )
    .await;

    // The script follows the feed itself, through the Feeds page.
    let feed_url = format!("http://{feed}/feed.xml");
    run_script(
        &dir,
        "inbox.mjs",
        &[
            ("BASE_URL", &app.address),
            ("EMAIL", "cora.curator@example.org"),
            ("PASSWORD", PASSWORD),
            ("CHANNEL", "local-news"),
            ("FEED_URL", &feed_url),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_searches_with_suggestions_and_the_results_page_passes_axe() {
    let Some(dir) = browser_dir("search.mjs") else {
        return;
    };
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let curator = app.create_user("cora.curator", Role::Curator).await;
    let admin = app.create_user("ada.admin", Role::Admin).await;
    // "dig" suggests both this person and #digital-comms.
    let digby = app.create_user("digby.okafor", Role::Member).await;
    // The reader the script signs in as: a member of nothing private.
    app.create_user("sam.searcher", Role::Member).await;

    let comms = open_channel(
        &app,
        curator,
        "digital-comms",
        "Digital comms",
        "Online channels and campaigns.",
    )
    .await;
    post_ago(
        &app,
        curator,
        comms,
        (
            "link",
            "Make sure everyone can use the service",
            "https://www.gov.uk/service-manual/service-standard/point-5-make-sure-everyone-can-use-the-service",
            "Curator's note: point 5 is the one our accessibility audit keeps flagging.",
        ),
        Duration::days(3),
    )
    .await;
    let panel = post_ago(
        &app,
        digby,
        comms,
        (
            "discussion",
            "Running a community panel",
            "",
            "How do we recruit residents for the community panel without always hearing the same voices?",
        ),
        Duration::days(2),
    )
    .await;
    replies::create_at(
        &app.db,
        panel,
        curator,
        "We tried a community survey first; it reached people the panel never did.",
        None,
        Utc::now() - Duration::hours(20),
    )
    .await
    .expect("reply");
    // More than a page (20) of one word, so the script can page through them.
    for week in 1..=25 {
        post_ago(
            &app,
            digby,
            comms,
            (
                "discussion",
                &format!("Press office rota, week {week}"),
                "",
                "Who covers the press office phone this week.",
            ),
            Duration::days(40) - Duration::days(week),
        )
        .await;
    }

    // Only ada is in this channel; its word must never reach sam.
    let pay = new_channel(
        &app,
        admin,
        "pay-review",
        "Pay review working group",
        "Members only.",
        Visibility::PrivateListed,
    )
    .await;
    post_ago(
        &app,
        admin,
        pay,
        (
            "discussion",
            "Quokka grading proposal",
            "",
            "The quokka band moves up one point in April.",
        ),
        Duration::hours(5),
    )
    .await;
    app.search_settled().await;

    run_script(
        &dir,
        "search.mjs",
        &[
            ("BASE_URL", &app.address),
            ("EMAIL", "sam.searcher@example.org"),
            ("PASSWORD", PASSWORD),
            ("CHANNEL", "digital-comms"),
            ("PERSON", "digby.okafor"),
            ("SECRET", "quokka"),
        ],
    )
    .await;
}

/// Words and addresses with no place to break, as people paste them: the
/// pages must wrap them rather than scroll sideways.
const LONG_WORD: &str = "Interdepartmentalcommunicationsstakeholderengagementprogramme";
const LONG_URL: &str = "https://www.northshire.example.gov.uk/services/environment-and-planning/consultations/local-transport-plan-2026-2041-draft-strategy-document-and-supporting-evidence-base?utm_source=newsletter&utm_medium=email&utm_campaign=localtransportplanconsultationlaunch";

/// A feed whose items have long unbroken titles and addresses.
fn long_words_feed() -> String {
    let at = |hours: i64| (Utc::now() - Duration::hours(hours)).to_rfc2822();
    let link = LONG_URL.replace('&', "&amp;");
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>Northshire Council newsroom</title>
    <link>https://news.northshire.example.org/</link>
    <description>News from Northshire Council.</description>
    <item>
      <title>{LONG_WORD} launches today</title>
      <link>{link}</link>
      <guid>{link}</guid>
      <pubDate>{}</pubDate>
      <description><![CDATA[<p>Read it at {link} before Friday.</p>]]></description>
    </item>
    <item>
      <title>Gritting routes for this winter</title>
      <link>https://news.northshire.example.org/gritting-routes</link>
      <guid>https://news.northshire.example.org/gritting-routes</guid>
      <pubDate>{}</pubDate>
      <description><![CDATA[<p>Which roads we treat first.</p>]]></description>
    </item>
  </channel>
</rss>
"#,
        at(1),
        at(2)
    )
}

/// Apply → approve → post: a member applies from the channel that told them
/// they need a licence, a coordinator approves, and the member's open page
/// posts on its next request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_apply_approve_and_post() {
    let Some(dir) = browser_dir("licence.mjs") else {
        return;
    };
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let admin = app.create_user("tess.tester", Role::Admin).await;
    open_channel(
        &app,
        admin,
        "libraries",
        "Libraries",
        "Events, warm spaces and digital help.",
    )
    .await;
    app.create_user("lou.member", Role::Member).await;
    app.create_user("hannah.coordinator", Role::Coordinator).await;
    run_script(
        &dir,
        "licence.mjs",
        &[
            ("BASE_URL", &app.address),
            ("EMAIL", "lou.member@example.org"),
            ("PASSWORD", PASSWORD),
            ("COORDINATOR", "hannah.coordinator@example.org"),
            ("CHANNEL", "libraries"),
        ],
    )
    .await;
}

/// A working group by keyboard: ask to join → the manager accepts → the
/// new member posts mentioning the manager → the manager sees the count,
/// reads and marks it read → pins and announces → the member dismisses it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_join_a_group_post_and_the_manager_is_told() {
    let Some(dir) = browser_dir("groups.mjs") else {
        return;
    };
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let admin = app.create_user("tess.tester", Role::Admin).await;
    open_channel(&app, admin, "team-news", "Team news", "What the teams are doing.").await;
    let manager = app.create_user("mia.manager", Role::Member).await;
    new_channel(
        &app,
        manager,
        "newsletters",
        "Newsletters group",
        "Parish and staff newsletters: planning and drafts.",
        Visibility::PrivateListed,
    )
    .await;
    app.create_user("jo.joiner", Role::Member).await;
    run_script(
        &dir,
        "groups.mjs",
        &[
            ("BASE_URL", &app.address),
            ("EMAIL", "jo.joiner@example.org"),
            ("PASSWORD", PASSWORD),
            ("MANAGER", "mia.manager@example.org"),
            ("MANAGER_HANDLE", "mia.manager"),
            ("CHANNEL", "newsletters"),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_report_hide_and_the_author_is_told() {
    let Some(dir) = browser_dir("community.mjs") else {
        return;
    };
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let admin = app.create_user("tess.tester", Role::Admin).await;
    let open = open_channel(&app, admin, "team-news", "Team news", "What the teams are doing.").await;
    let author = app.create_user("amy.author", Role::Contributor).await;
    app.create_user("rob.reporter", Role::Member).await;
    app.create_user("mo.moderator", Role::Moderator).await;
    let post = post_ago(
        &app,
        author,
        open,
        (
            "discussion",
            "Who is in on Friday",
            "",
            "Sam is off sick with stress again.",
        ),
        Duration::hours(1),
    )
    .await;
    run_script(
        &dir,
        "community.mjs",
        &[
            ("BASE_URL", &app.address),
            ("EMAIL", "rob.reporter@example.org"),
            ("PASSWORD", PASSWORD),
            ("MODERATOR", "mo.moderator@example.org"),
            ("AUTHOR", "amy.author@example.org"),
            ("POST", &post.to_string()),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_every_page_fits_a_small_screen_and_passes_axe() {
    let Some(dir) = browser_dir("pages.mjs") else {
        return;
    };
    let feed = serve_feed(long_words_feed()).await;
    let Some(app) = spawn_app_with(Backend::Sqlite, |s| {
        s.fetch.allow = vec!["127.0.0.1".into()];
        s.auth.signup_domains = vec!["example.org".into()];
    })
    .await
    else {
        return;
    };
    // The admin sees every page there is; the other person has a long name.
    let admin = app.create_user("ada.admin", Role::Admin).await;
    // (A handle is at most 32 characters, suggested from the address.)
    let person = "w.featherstonehaughcholmondeley";
    let long_name = app.create_user(person, Role::Member).await;

    let slug = "interdepartmental-communications-and-stakeholder-engagement";
    let open = open_channel(
        &app,
        admin,
        slug,
        &format!("{LONG_WORD} channel"),
        &format!("Everything about the programme, also at {LONG_URL}"),
    )
    .await;
    let private_slug = "pay-review";
    let private = new_channel(
        &app,
        admin,
        private_slug,
        &format!("Pay review {LONG_WORD}"),
        "Members only.",
        Visibility::PrivateListed,
    )
    .await;
    channels::add_member(&app.db, admin, private, long_name)
        .await
        .expect("member");

    // The admin's own post and reply (so they may edit both), and the long name's words around them.
    let note = format!("Worth reading before the {LONG_WORD} meeting: {LONG_URL}");
    let post = post_ago(
        &app,
        admin,
        open,
        ("link", &format!("The {LONG_WORD} draft strategy"), LONG_URL, &note),
        Duration::hours(4),
    )
    .await;
    let their_reply = replies::create_at(
        &app.db,
        post,
        long_name,
        &format!("Thanks! Also {LONG_URL}"),
        None,
        Utc::now() - Duration::hours(3),
    )
    .await
    .expect("reply");
    let reply = replies::create_at(
        &app.db,
        post,
        admin,
        &format!("The evidence base is at {LONG_URL}, see {LONG_WORD}."),
        None,
        Utc::now() - Duration::hours(2),
    )
    .await
    .expect("reply");
    let theirs = post_ago(
        &app,
        long_name,
        open,
        (
            "discussion",
            &format!("Who runs {LONG_WORD}?"),
            "",
            "Asking for the evidence review.",
        ),
        Duration::hours(3),
    )
    .await;
    post_ago(
        &app,
        admin,
        private,
        ("discussion", "Pay bands", "", &format!("{LONG_WORD} pay bands.")),
        Duration::hours(1),
    )
    .await;

    // Working groups: the admin's post pinned and announced (so the home and
    // channel pages carry them), a group the admin is not in (its lobby),
    // someone asking to join the admin's, and a deputy covering for a week.
    announcements::pin(&app.db, open, post, admin).await.expect("pin");
    announcements::announce(&app.db, open, post, admin)
        .await
        .expect("announce");
    let lobby_slug = "housing-repairs-review";
    new_channel(
        &app,
        long_name,
        lobby_slug,
        &format!("Housing repairs {LONG_WORD} review"),
        &format!("A review of {LONG_WORD}, run by its members: see {LONG_URL}."),
        Visibility::PrivateListed,
    )
    .await;
    let asker = app.create_user("ask.tobejoined", Role::Member).await;
    groups::add_request(&app.db, private, asker, &format!("I work on {LONG_WORD}: {LONG_URL}"))
        .await
        .expect("request");
    groups::name_steward(&app.db, private, long_name, Some(Utc::now() + Duration::days(7)), admin)
        .await
        .expect("deputy");

    // The community's pages: guidelines in force (accepted), a report in
    // the queue, a reply hidden with a reason, and a warning to acknowledge.
    let version = guidelines::publish(
        &app.db,
        Some(admin),
        &format!("## Be kind\n\nAbout {LONG_WORD}: see {LONG_URL}."),
        &format!("<h2>Be kind</h2><p>About {LONG_WORD}.</p>"),
        "First version",
    )
    .await
    .expect("guidelines");
    guidelines::accept(&app.db, admin, version).await.expect("accept");
    let moderator = Actor::reader(admin, vec![Role::Admin], vec![]);
    let report = Report::parse("other", &format!("It names {LONG_WORD}")).expect("report");
    let reporter = Actor::reader(long_name, vec![], vec![]);
    moderation::report(&app.db, &reporter, Target::Post(post), &report)
        .await
        .expect("a report");
    moderation::hide(
        &app.db,
        &moderator,
        Target::Reply(their_reply),
        &Reason::parse("Off topic").expect("reason"),
    )
    .await
    .expect("hide");
    commonroom::store::moderation::add_notice(
        &app.db,
        admin,
        NoticeKind::Warning,
        &format!("Please keep {LONG_WORD} out of posts."),
        Some("/guidelines"),
        None,
    )
    .await
    .expect("notice");

    // A feed with a long name, folder and address, polled so the inbox has
    // items; one of them dismissed, for the dismissed view.
    let feed_url = format!(
        "http://{feed}/feed.xml?edition=northshirecountycouncilnewsroomandpressreleasesforresidentsandbusinesses"
    );
    let feeds::Added::New(feed_id) = feeds::add(
        &app.db,
        &NewFeed {
            url: feed_url,
            title: format!("Northshire{LONG_WORD}newsroom"),
            site_url: Some(LONG_URL.into()),
            folder: LONG_WORD.into(),
            default_channel_id: Some(open),
            created_by: Some(admin),
        },
    )
    .await
    .expect("feed") else {
        panic!("the feed was already followed");
    };
    app.drain_jobs().await;
    let story = app.sql_i64("SELECT MIN(id) FROM stories").await;
    assert!(
        inbox::set_dismissed(&app.db, story, Some(admin))
            .await
            .expect("dismiss")
    );

    let long_email = EmailAddress::parse(&format!(
        "{}@{}.example.org",
        LONG_WORD.to_lowercase(),
        LONG_WORD.to_lowercase()
    ))
    .expect("email");
    let invite = invites::create(&app.db, admin, Some(&long_email), Role::Member, 7)
        .await
        .expect("invite");
    let reset = password_resets::issue(&app.db, long_name, Some(admin), Duration::hours(24))
        .await
        .expect("reset link");
    let site = SiteDomain::parse(&format!("{}.example.gov.uk", LONG_WORD.to_lowercase())).expect("domain");
    sites::put(
        &app.db,
        admin,
        &site,
        SiteKind::Approved,
        &format!("Approved for {LONG_WORD}"),
    )
    .await
    .expect("site");
    // The digest's pages: a subscriber without an account (confirmed, on an
    // offered channel), and the links a digest carries.
    app.exec(&format!("UPDATE channels SET digest_open = 1 WHERE id = {open}"))
        .await;
    let subscriber = match commonroom::store::digest::request_subscription(&app.db, "partner@example.net", &[open])
        .await
        .expect("subscription")
    {
        commonroom::store::digest::Requested::Unconfirmed(id) | commonroom::store::digest::Requested::Confirmed(id) => {
            id
        }
    };
    let path = |link: String| link.strip_prefix(&app.address).expect("a link to this app").to_owned();
    let confirm = path(commonroom::service::subscriptions::confirm_link(&app.state, subscriber));
    let manage = path(commonroom::service::subscriptions::manage_link(&app.state, subscriber));
    commonroom::store::digest::confirm_subscription(&app.db, subscriber)
        .await
        .expect("confirm");
    let unsubscribe = path(
        commonroom::service::digest::links(
            &app.state,
            commonroom::domain::digest::Recipient::Account(admin),
            commonroom::service::digest::next_week(&app.state),
        )
        .unsubscribe,
    );
    // The coordinators' pages: a licence application and a channel request
    // waiting, with long words, and a manager for the open channel; a member
    // with no application yet, for the form.
    let application = LicenceApplication::parse(
        &format!("To share the {LONG_WORD} updates, such as {LONG_URL}"),
        &[open.to_string()],
        "yes",
        LONG_WORD,
    )
    .expect("application");
    applications::add_application(&app.db, long_name, &application)
        .await
        .expect("application")
        .expect("waiting");
    let request = ChannelRequest::parse(
        &format!("{LONG_WORD} news"),
        "",
        &format!("Everything about {LONG_URL}"),
        person,
        "ada.admin",
    )
    .expect("request");
    applications::add_request(&app.db, admin, &request, long_name)
        .await
        .expect("request");
    applications::add_manager(&app.db, open, long_name, Some(admin))
        .await
        .expect("manager");
    app.create_user("new.starter", Role::Member).await;

    let week = commonroom::service::digest::next_week(&app.state).to_string();
    app.search_settled().await;

    run_script(
        &dir,
        "pages.mjs",
        &[
            ("BASE_URL", &app.address),
            ("EMAIL", "ada.admin@example.org"),
            ("WEEK", &week),
            ("CONFIRM", &confirm),
            ("MANAGE", &manage),
            ("UNSUBSCRIBE", &unsubscribe),
            ("PERSON_ID", &long_name.to_string()),
            ("PASSWORD", PASSWORD),
            ("CHANNEL", slug),
            ("PRIVATE", private_slug),
            ("LOBBY", lobby_slug),
            ("POST", &post.to_string()),
            ("REPLY", &reply.to_string()),
            ("THEIRS", &theirs.to_string()),
            ("PERSON", person),
            ("FEED", &feed_id.to_string()),
            ("INVITE", &invite),
            ("RESET", &reset),
            ("MEMBER_EMAIL", "new.starter@example.org"),
            ("WORD", "evidence"),
            ("LINK", LONG_URL),
        ],
    )
    .await;
}
