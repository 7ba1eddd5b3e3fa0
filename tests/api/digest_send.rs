//! Sending the weekly digest through a real SMTP server (aiosmtpd, started by
//! the tests): what arrives, to whom, with which headers; one-click
//! unsubscribe; refusals; exactly once when the sender is killed and
//! restarted, and when two senders run at once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use commonroom::domain::digest::{DigestWeek, Recipient};
use commonroom::domain::job::Job;
use commonroom::domain::role::Role;
use commonroom::domain::time::now;
use commonroom::service::digest::{self, Progress};
use commonroom::store::{digest as digest_store, digest_outbox, jobs};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use crate::helpers::{Backend, Browser, TestApp, spawn_app_with};
use crate::mail_sink::{MailSink, Received, received};

/// Run each named test against SQLite and PostgreSQL with a mail sink the
/// app sends through.
macro_rules! with_sink {
    ($($name:ident),* $(,)?) => { $(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::run(crate::helpers::Backend::Sqlite, |app, sink| Box::pin(super::$name(app, sink))).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::run(crate::helpers::Backend::Postgres, |app, sink| Box::pin(super::$name(app, sink))).await;
            }
        }
    )* };
}

with_sink!(
    a_week_reaches_each_reader_once_with_both_parts_and_list_headers,
    one_click_unsubscribe_needs_no_cookie_and_opening_the_link_changes_nothing,
    a_reader_removed_from_a_group_before_the_send_sees_nothing_of_it,
    an_empty_week_sends_nothing_and_a_new_server_waits_for_its_time,
    a_killed_sender_resumes_and_nobody_gets_two,
    two_senders_at_once_send_each_reader_one,
);

crate::on_both_backends!(a_dry_run_lists_who_would_get_what_and_sends_nothing);

async fn a_dry_run_lists_who_would_get_what_and_sends_nothing(app: TestApp) {
    let ada = app.signed_in("ada", Role::Admin).await;
    app.channel(&ada, "Comms", "comms").await;
    ada.create_post("comms", "discussion", "Gritting script", "", "For the cold snap")
        .await;
    app.create_user("bo", Role::Member).await;
    app.create_user("cy", Role::Member).await;
    follow(&app, "bo", "comms").await;
    let week = this_week();
    let dir = tempfile::tempdir().expect("dir");
    let out = app
        .command_in(dir.path())
        .args(["digest", "send", "--dry-run", "--week", &week.to_string()])
        .output()
        .await
        .expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = |email: &str| {
        stdout
            .lines()
            .find(|l| l.starts_with(email))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(line("bo@example.org").contains("Your Commonroom week"), "{stdout}");
    assert!(
        line("bo@example.org").contains(" 2 items "),
        "the post and the new channel: {stdout}"
    );
    assert!(
        line("cy@example.org").contains(" 1 item "),
        "the new channel only: {stdout}"
    );
    assert!(
        stdout.contains(&week.describe()),
        "says which days the week covers: {stdout}"
    );
    let eml = dir
        .path()
        .join("digest-dry-run")
        .join(week.to_string())
        .join("bo@example.org.eml");
    let raw = std::fs::read_to_string(&eml).expect("the message bo would get");
    assert!(
        raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{raw}"
    );
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM digest_outbox").await,
        0,
        "nothing recorded"
    );
    // The week before had nothing in it: nobody would get anything.
    let out = app
        .command_in(dir.path())
        .args(["digest", "send", "--dry-run", "--week", &week.previous().to_string()])
        .output()
        .await
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("Dry run: 0 of 3 would be sent"), "{stdout}");
    assert_eq!(stdout.matches("nothing sent: nothing this week").count(), 3, "{stdout}");
    let mail = app.data_dir().join("mail");
    let sent = std::fs::read_dir(&mail).map(|d| d.count()).unwrap_or(0);
    assert_eq!(sent, 0, "nothing sent");
}

type Test = fn(TestApp, MailSink) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

async fn run(backend: Backend, test: Test) {
    let Some(sink) = MailSink::start() else {
        return;
    };
    let Some(app) = spawn_app_with(backend, |settings| sink.configure(settings)).await else {
        return;
    };
    test(app, sink).await;
}

fn this_week() -> DigestWeek {
    DigestWeek::containing(now().with_timezone(&chrono_tz::Europe::London).date_naive())
}

fn quiet() -> Arc<dyn Fn(Progress) + Send + Sync> {
    Arc::new(|_| {})
}

async fn follow(app: &TestApp, handle: &str, slug: &str) {
    let channel = app
        .sql_i64(&format!("SELECT id FROM channels WHERE slug = '{slug}'"))
        .await;
    commonroom::store::channels::follow(&app.db, app.user_id(handle).await, channel)
        .await
        .expect("follow");
}

/// Every `/p/<id>` (with its anchor) a part links to, under `base`.
fn thread_links(part: &str, base: &str) -> BTreeSet<String> {
    let pattern = regex::Regex::new(&format!(r"{}/p/\d+(#reply-\d+)?", regex::escape(base))).expect("regex");
    pattern.find_iter(part).map(|m| m.as_str().to_owned()).collect()
}

fn by_recipient(messages: &[Received]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for m in messages {
        *out.entry(m.header("To").unwrap_or_default()).or_insert(0) += 1;
    }
    out
}

async fn a_week_reaches_each_reader_once_with_both_parts_and_list_headers(app: TestApp, sink: MailSink) {
    let ada = app.signed_in("ada", Role::Admin).await;
    app.channel(&ada, "Comms", "comms").await;
    let post = ada
        .create_post(
            "comms",
            "discussion",
            "Gritting & <b>routes</b>",
            "",
            "For the cold snap",
        )
        .await;
    let mut readers: Vec<(&str, Browser)> = Vec::new();
    for handle in ["bo", "cy"] {
        readers.push((handle, app.signed_in(handle, Role::Member).await));
    }
    readers[0].1.reply(post, "Thanks @ada, useful", None).await;
    for handle in ["dee", "eve", "bouncer", "laterday"] {
        app.create_user(handle, Role::Member).await;
    }
    for handle in ["ada", "bo", "cy", "dee", "eve", "bouncer", "laterday"] {
        follow(&app, handle, "comms").await;
    }
    app.exec("UPDATE users SET status = 'suspended' WHERE handle = 'dee'")
        .await;
    let eve = app.user_id("eve").await;
    let mut prefs = digest_store::preferences(&app.db, eve).await.expect("prefs");
    prefs.frequency = commonroom::domain::digest::Frequency::Never;
    digest_store::save_preferences(&app.db, eve, &prefs)
        .await
        .expect("save");

    let week = this_week();
    let summary = digest::send(&app.state, week, true, None, quiet()).await.expect("send");
    assert_eq!(
        (summary.planned, summary.sent, summary.failed, summary.pending),
        (5, 3, 1, 1),
        "ada, bo and cy get it; bouncer is refused for good, laterday for now; dee (suspended) and eve (never) are not planned: {summary:?}"
    );

    let messages = received(&sink);
    let counts = by_recipient(&messages);
    assert_eq!(
        counts.keys().cloned().collect::<Vec<_>>(),
        ["ada@example.org", "bo@example.org", "cy@example.org"],
        "{counts:?}"
    );
    assert!(counts.values().all(|&n| n == 1), "{counts:?}");
    let base = app.state.settings.public_base();
    for message in &messages {
        let to = message.header("To").expect("To");
        let handle = to.split('@').next().expect("local part");
        let id = app.user_id(handle).await;
        let parsed = message.parsed();
        assert_eq!(parsed.ctype.mimetype, "multipart/alternative");
        assert_eq!(
            message.header("Message-ID").as_deref(),
            Some(Recipient::Account(id).message_id(week, "127.0.0.1").as_str()),
            "the same Message-ID each time it is built"
        );
        assert!(
            message
                .header("From")
                .is_some_and(|f| f.contains("digest@council.example")),
            "From as configured"
        );
        assert_eq!(
            message.header("List-Id").as_deref(),
            Some("Commonroom weekly digest <digest.127.0.0.1>")
        );
        assert_eq!(
            message.header("List-Unsubscribe-Post").as_deref(),
            Some("List-Unsubscribe=One-Click")
        );
        let unsubscribe = message.header("List-Unsubscribe").expect("List-Unsubscribe");
        assert!(
            unsubscribe.starts_with(&format!("<{base}/unsubscribe/")) && unsubscribe.ends_with('>'),
            "{unsubscribe}"
        );
        let text = message.part("text/plain").expect("a plain text part");
        let html = message.part("text/html").expect("an HTML part");
        assert!(html.contains(r#"lang="en-GB""#));
        assert!(html.contains("Gritting &#38; &#60;b&#62;routes") || html.contains("Gritting &amp; &lt;b&gt;routes"));
        let (in_text, in_html) = (thread_links(&text, &base), thread_links(&html, &base));
        assert!(in_text.contains(&format!("{base}/p/{post}")), "{text}");
        assert_eq!(in_text, in_html, "both parts carry the same items");
        // Every link leads to a real page for its reader.
        let reader = match handle {
            "ada" => &ada,
            "bo" => &readers[0].1,
            _ => &readers[1].1,
        };
        for link in &in_text {
            let path = link
                .strip_prefix(&base)
                .expect("under base")
                .split('#')
                .next()
                .expect("path");
            assert_eq!(reader.get(path).await.status(), 200, "{link} for {handle}");
        }
    }

    let refused = digest_outbox::refusals(&app.db).await.expect("refusals");
    assert_eq!(refused.len(), 1);
    assert_eq!(
        (refused[0].email.as_str(), refused[0].code),
        ("bouncer@example.org", 550)
    );
    let later = app
        .sql_i64("SELECT COUNT(*) FROM digest_outbox WHERE email = 'laterday@example.org' AND status = 'pending' AND last_error LIKE '%451%'")
        .await;
    assert_eq!(later, 1, "a temporary refusal waits for its retry");

    // Sending the week again sends nobody anything twice, and the refused
    // address is not even planned for another week.
    digest::send(&app.state, week, true, None, quiet())
        .await
        .expect("send again");
    assert_eq!(sink.count(), 3);
    let eligible = digest_outbox::eligible(&app.db).await.expect("eligible");
    assert!(!eligible.iter().any(|(_, e)| e == "bouncer@example.org"));
    assert!(eligible.iter().any(|(_, e)| e == "laterday@example.org"));
}

async fn one_click_unsubscribe_needs_no_cookie_and_opening_the_link_changes_nothing(app: TestApp, sink: MailSink) {
    let ada = app.signed_in("ada", Role::Admin).await;
    app.channel(&ada, "Comms", "comms").await;
    ada.create_post("comms", "discussion", "Gritting script", "", "For the cold snap")
        .await;
    let bo = app.signed_in("bo", Role::Member).await;
    app.create_user("cy", Role::Member).await;
    for handle in ["bo", "cy"] {
        follow(&app, handle, "comms").await;
    }
    let week = this_week();
    digest::send(&app.state, week, true, None, quiet()).await.expect("send");
    let link_for = |to: &str| {
        received(&sink)
            .into_iter()
            .find(|m| m.header("To").as_deref() == Some(to))
            .and_then(|m| m.header("List-Unsubscribe"))
            .map(|h| h.trim_matches(['<', '>']).to_owned())
            .expect("an unsubscribe link")
    };
    let (bo_link, cy_link) = (link_for("bo@example.org"), link_for("cy@example.org"));
    let (bo_id, cy_id) = (app.user_id("bo").await, app.user_id("cy").await);
    let frequency = |id: i64| {
        let db = app.db.clone();
        async move { digest_store::preferences(&db, id).await.expect("prefs").frequency }
    };
    use commonroom::domain::digest::Frequency;

    // A link scanner (or the reader) opens it: a question, nothing changed.
    let stranger = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = stranger.get(&bo_link).send().await.expect("get");
    assert_eq!(page.status(), 200);
    let page = page.text().await.expect("body");
    assert!(
        page.contains("Stop the weekly digest?") && page.contains("bo@example.org"),
        "{page}"
    );
    assert_eq!(frequency(bo_id).await, Frequency::Weekly, "a GET never unsubscribes");

    // A changed token, or one this instance never signed, is refused.
    let mut forged = bo_link.clone();
    let last = forged.pop().expect("a character");
    forged.push(if last == 'A' { 'B' } else { 'A' });
    let refused = stranger
        .post(&forged)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("post");
    assert_eq!(refused.status(), 404);
    assert_eq!(frequency(bo_id).await, Frequency::Weekly);

    // The mail program's one-click POST: no cookie, no session.
    let done = stranger
        .post(&bo_link)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("post");
    assert_eq!(done.status(), 200);
    assert_eq!(frequency(bo_id).await, Frequency::Never);
    assert_eq!(frequency(cy_id).await, Frequency::Weekly, "bo's token changes only bo");

    // The next send leaves bo out; cy's own link stops only cy.
    let next = week.previous();
    digest::send(&app.state, next, true, None, quiet()).await.expect("send");
    let planned = app
        .sql_i64(&format!(
            "SELECT COUNT(*) FROM digest_outbox WHERE week = '{next}' AND recipient = 'user:{bo_id}'"
        ))
        .await;
    assert_eq!(planned, 0, "an unsubscribed reader is not planned for the next week");
    let r = stranger
        .post(&cy_link)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 200);
    assert_eq!(frequency(cy_id).await, Frequency::Never);

    // Switching it back on from the settings page takes effect for the next send.
    let r = bo
        .post("/settings/email", &[("frequency", "weekly"), ("choice", "followed")])
        .await;
    assert_eq!(r.status(), 303);
    let eligible = digest_outbox::eligible(&app.db).await.expect("eligible");
    assert!(eligible.iter().any(|(who, _)| *who == Recipient::Account(bo_id)));
    assert!(!eligible.iter().any(|(who, _)| *who == Recipient::Account(cy_id)));
}

async fn a_reader_removed_from_a_group_before_the_send_sees_nothing_of_it(app: TestApp, sink: MailSink) {
    let ada = app.signed_in("ada", Role::Admin).await;
    app.channel(&ada, "Comms", "comms").await;
    app.working_group(&ada, "private-listed").await;
    let bo = app.create_user("bo", Role::Member).await;
    let r = ada.post("/c/wg/members", &[("handle", "@bo")]).await;
    assert_eq!(r.status(), 303, "bo joins the group");
    ada.create_post("comms", "discussion", "Open news", "", "For all").await;
    ada.create_post("wg", "discussion", "Zeppelin plan", "", "Members only")
        .await;
    follow(&app, "bo", "comms").await;
    follow(&app, "bo", "wg").await;
    let week = this_week();
    let eligible = digest_outbox::eligible(&app.db).await.expect("eligible");
    digest_outbox::plan(&app.db, week, &eligible).await.expect("plan");
    // Between planning and sending, bo leaves the group.
    let r = ada
        .post(&format!("/c/wg/members/{bo}/remove"), &[("confirm", "yes")])
        .await;
    assert_eq!(r.status(), 303, "bo is removed");
    digest::send(&app.state, week, false, None, quiet())
        .await
        .expect("send");
    let message = received(&sink)
        .into_iter()
        .find(|m| m.header("To").as_deref() == Some("bo@example.org"))
        .expect("bo's digest");
    let (text, html) = (message.part("text/plain").unwrap(), message.part("text/html").unwrap());
    assert!(text.contains("Open news") && html.contains("Open news"));
    assert!(!text.contains("Zeppelin") && !html.contains("Zeppelin"), "{text}");
}

/// Move every post back a week, into the week before this one.
async fn back_a_week(app: &TestApp) {
    use commonroom::entities::post;
    for p in post::Entity::find().all(&app.db).await.expect("posts") {
        let published = p.published_at;
        let mut p: post::ActiveModel = p.into();
        p.published_at = Set(published - chrono::Duration::days(7));
        p.update(&app.db).await.expect("update");
    }
}

async fn an_empty_week_sends_nothing_and_a_new_server_waits_for_its_time(app: TestApp, sink: MailSink) {
    let ada = app.signed_in("ada", Role::Admin).await;
    app.channel(&ada, "Comms", "comms").await;
    app.create_user("bo", Role::Member).await;
    follow(&app, "bo", "comms").await;
    follow(&app, "ada", "comms").await;
    ada.create_post("comms", "discussion", "Gritting script", "", "For the cold snap")
        .await;

    // A week with nothing in it: rows say so, nobody gets an email.
    let empty = this_week().previous().previous();
    let summary = digest::send(&app.state, empty, true, None, quiet())
        .await
        .expect("send");
    assert_eq!((summary.empty, summary.sent), (2, 0), "{summary:?}");
    assert_eq!(sink.count(), 0);

    // The scheduled job is due at the next scheduled time, not when the
    // server starts: running due jobs now sends nothing.
    app.drain_jobs().await;
    assert_eq!(sink.count(), 0);
    let next = jobs::next_run(&app.db, Job::SendDigest)
        .await
        .expect("next run")
        .expect("the job exists");
    assert!(next > now(), "the digest job waits for its time");
}

/// A schedule that is due at any moment (every minute) with the default
/// grace: the job, run now, sends last week's digest.
async fn missed_send_goes_once(app: TestApp, sink: MailSink) {
    let ada = app.signed_in("ada", Role::Admin).await;
    app.channel(&ada, "Comms", "comms").await;
    app.create_user("bo", Role::Member).await;
    follow(&app, "bo", "comms").await;
    ada.create_post("comms", "discussion", "Gritting script", "", "For the cold snap")
        .await;
    back_a_week(&app).await;
    // The server was down when it was due: the job's time is past.
    for _ in 0..2 {
        jobs::schedule(&app.db, Job::SendDigest, now() - chrono::Duration::minutes(1))
            .await
            .expect("schedule");
        app.drain_jobs().await;
    }
    let counts = by_recipient(&received(&sink));
    assert_eq!(
        counts.get("bo@example.org"),
        Some(&1),
        "sent once, however often the job runs: {counts:?}"
    );
}

mod a_missed_send_goes_once_when_the_server_is_back {
    async fn run(backend: crate::helpers::Backend) {
        let Some(sink) = crate::mail_sink::MailSink::start() else {
            return;
        };
        let Some(app) = crate::helpers::spawn_app_with(backend, |settings| {
            sink.configure(settings);
            settings.digest.schedule = "* * * * *".parse().expect("schedule");
        })
        .await
        else {
            return;
        };
        super::missed_send_goes_once(app, sink).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        run(crate::helpers::Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        run(crate::helpers::Backend::Postgres).await;
    }
}

/// `n` readers who follow `comms`, which has a few posts this week.
async fn many_readers(app: &TestApp, n: usize) {
    use commonroom::entities::{channel_follow, user};
    let ada = app.signed_in("ada", Role::Admin).await;
    app.channel(&ada, "Comms", "comms").await;
    for i in 0..5 {
        ada.create_post("comms", "discussion", &format!("Update {i}"), "", "News for everyone")
            .await;
    }
    let channel = app.sql_i64("SELECT id FROM channels WHERE slug = 'comms'").await;
    let at = now();
    let handles: Vec<String> = (0..n).map(|i| format!("reader{i:05}")).collect();
    for chunk in handles.chunks(250) {
        user::Entity::insert_many(chunk.iter().map(|h| user::ActiveModel {
            email: Set(format!("{h}@example.org")),
            handle: Set(h.clone()),
            name: Set(h.clone()),
            job_title: Set(String::new()),
            department: Set(String::new()),
            password_hash: Set(None),
            status: Set("active".into()),
            created_at: Set(at),
            updated_at: Set(at),
            ..Default::default()
        }))
        .exec_without_returning(&app.db)
        .await
        .expect("readers");
    }
    let ids: Vec<i64> = user::Entity::find()
        .all(&app.db)
        .await
        .expect("users")
        .into_iter()
        .filter(|u| u.handle.starts_with("reader"))
        .map(|u| u.id)
        .collect();
    for chunk in ids.chunks(250) {
        channel_follow::Entity::insert_many(chunk.iter().map(|&id| channel_follow::ActiveModel {
            user_id: Set(id),
            channel_id: Set(channel),
            created_at: Set(at),
        }))
        .exec_without_returning(&app.db)
        .await
        .expect("follows");
    }
}

/// `commonroom digest send` on the app's database, through the sink, with
/// leases short enough that a killed sender's rows are taken over quickly.
fn sender(app: &TestApp, sink: &MailSink, week: DigestWeek, dir: &std::path::Path) -> tokio::process::Command {
    let mut cmd = app.command_in(dir);
    cmd.args(["digest", "send", "--week", &week.to_string()])
        .env("COMMONROOM__DIGEST__LEASE_SECS", "2")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    for (key, value) in sink.env() {
        cmd.env(key, value);
    }
    cmd
}

/// Message-IDs received, with how often each arrived.
fn ids_received(sink: &MailSink) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for m in received(sink) {
        *out.entry(m.header("Message-ID").expect("Message-ID")).or_insert(0) += 1;
    }
    out
}

/// Each row's Message-ID and status once the week is finished.
async fn rows(app: &TestApp, week: DigestWeek) -> Vec<(String, String, Option<String>)> {
    use commonroom::entities::digest_outbox as outbox;
    use sea_orm::{ColumnTrait, QueryFilter};
    outbox::Entity::find()
        .filter(outbox::Column::Week.eq(week.to_string()))
        .all(&app.db)
        .await
        .expect("rows")
        .into_iter()
        .map(|r| (r.recipient, r.status, r.message_id))
        .collect()
}

async fn a_killed_sender_resumes_and_nobody_gets_two(app: TestApp, sink: MailSink) {
    const READERS: usize = 2000;
    many_readers(&app, READERS).await;
    let week = this_week();
    let dir = tempfile::tempdir().expect("dir");
    let mut kills = 0;
    for at in [150, 500, 900, 1300, 1700] {
        let mut child = sender(&app, &sink, week, dir.path()).spawn().expect("sender");
        let stopped_by_itself = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break Some(status);
            }
            if sink.count() >= at {
                break None;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        };
        match stopped_by_itself {
            Some(status) => assert!(status.success(), "the sender failed: {status}"),
            None => {
                child.start_kill().expect("kill");
                child.wait().await.expect("reap");
                kills += 1;
            }
        }
    }
    // Restarted, it finishes the week, taking over what the killed ones held.
    let finished = sender(&app, &sink, week, dir.path()).output().await.expect("sender");
    assert!(
        finished.status.success(),
        "{}",
        String::from_utf8_lossy(&finished.stderr)
    );
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let summary = digest_outbox::summary(&app.db, week).await.expect("summary");
    assert!(summary.finished(), "{summary:?}");
    assert_eq!(summary.planned, READERS as i64 + 1, "every reader and ada: {summary:?}");
    assert!(kills >= 3, "the sender was killed mid-send {kills} times");

    let arrived = ids_received(&sink);
    let twice: Vec<_> = arrived.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "nobody gets two: {twice:?}");
    let mut unconfirmed_missing = 0;
    for (recipient, status, message_id) in rows(&app, week).await {
        let got = message_id.as_ref().and_then(|id| arrived.get(id)).copied().unwrap_or(0);
        match status.as_str() {
            "sent" => assert_eq!(got, 1, "{recipient} was marked sent: its message arrived once"),
            // Killed between handing over and the server's answer: it may
            // have arrived; it is never sent again.
            "handing" => unconfirmed_missing += usize::from(got == 0),
            other => panic!("{recipient} ended {other}"),
        }
    }
    // Each killed sender held at most one row per connection mid-hand-over.
    let per_kill = app.state.settings.digest.connections as i64;
    assert!(
        summary.unconfirmed <= kills * per_kill,
        "{} unconfirmed after {kills} kills: {summary:?}",
        summary.unconfirmed
    );
    eprintln!(
        "killed {kills} times: {} sent, {} unconfirmed ({unconfirmed_missing} of them never arrived)",
        summary.sent, summary.unconfirmed
    );
    assert_eq!(
        arrived.len() as i64,
        summary.sent + summary.unconfirmed - unconfirmed_missing as i64
    );
}

async fn two_senders_at_once_send_each_reader_one(app: TestApp, sink: MailSink) {
    const READERS: usize = 1000;
    many_readers(&app, READERS).await;
    let week = this_week();
    let (one, two) = (tempfile::tempdir().expect("dir"), tempfile::tempdir().expect("dir"));
    let first = sender(&app, &sink, week, one.path()).output();
    let second = sender(&app, &sink, week, two.path()).output();
    let (first, second) = tokio::join!(first, second);
    for out in [first.expect("first"), second.expect("second")] {
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let summary = digest_outbox::summary(&app.db, week).await.expect("summary");
    assert_eq!(
        (summary.planned, summary.sent),
        (READERS as i64 + 1, READERS as i64 + 1),
        "{summary:?}"
    );
    let arrived = ids_received(&sink);
    assert_eq!(arrived.len(), READERS + 1);
    assert!(arrived.values().all(|&n| n == 1), "each reader exactly one message");
}

/// No mail server answers: nothing is lost, every row waits for its retry
/// with a growing pause, and the job comes back for them.
mod an_unreachable_mail_server_leaves_every_reader_waiting_for_a_retry {
    use super::*;

    async fn run(backend: Backend) {
        // A port nothing listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .expect("bind")
            .local_addr()
            .expect("addr")
            .port();
        let Some(app) = spawn_app_with(backend, |settings| {
            settings.email.transport = commonroom::config::MailTransport::Smtp;
            settings.email.smtp_host = "127.0.0.1".into();
            settings.email.smtp_port = port;
            settings.email.smtp_security = commonroom::config::SmtpSecurity::None;
        })
        .await
        else {
            return;
        };
        let ada = app.signed_in("ada", Role::Admin).await;
        app.channel(&ada, "Comms", "comms").await;
        ada.create_post("comms", "discussion", "Gritting script", "", "For the cold snap")
            .await;
        app.create_user("bo", Role::Member).await;
        follow(&app, "bo", "comms").await;
        let week = this_week();
        let before = now();
        let summary = digest::send(&app.state, week, true, None, quiet()).await.expect("send");
        assert_eq!(
            (summary.pending, summary.sent, summary.failed),
            (2, 0, 0),
            "{summary:?}"
        );
        let (next_week, at) = digest_outbox::next_retry(&app.db)
            .await
            .expect("next retry")
            .expect("a retry is due later");
        assert_eq!(next_week, week);
        assert!(
            at > before + chrono::Duration::seconds(50),
            "a pause before trying again"
        );
        let unreachable = app
            .sql_i64("SELECT COUNT(*) FROM digest_outbox WHERE last_error LIKE 'could not reach the mail server%'")
            .await;
        assert_eq!(unreachable, 2);
        assert!(
            digest_outbox::refusals(&app.db).await.expect("refusals").is_empty(),
            "no address blamed"
        );
        // The digest job comes back by the retry's time, not a week later.
        let next = commonroom::jobs::send_digest::run(&app.state).await.expect("job");
        assert!(next.is_some_and(|n| n <= at), "{next:?} after {at}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn sqlite() {
        run(Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn postgres() {
        run(Backend::Postgres).await;
    }
}
