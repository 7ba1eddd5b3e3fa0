//! The index is derived and disposable: a server killed before its index
//! commit loses nothing, a deleted or damaged index is rebuilt on start, a
//! second server on the same database finds what the first one stores, and
//! `commonroom reindex` rebuilds with or without a server running.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use commonroom::domain::role::Role;
use sea_orm::{ConnectionTrait, Statement};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;

use super::support::{api, days_ago, encode, post_at, titles, total, world};
use crate::helpers::{Browser, PASSWORD, TestApp, spawn_app_beside};
use crate::on_both_backends;

on_both_backends!(
    a_post_committed_before_a_crash_is_searchable_after_restart,
    a_deleted_or_damaged_index_is_rebuilt_on_start,
    a_post_stored_through_one_server_is_found_through_another,
    an_index_away_longer_than_the_outbox_keeps_changes_is_rebuilt,
    pruning_the_outbox_keeps_its_newest_row_and_what_is_recent,
    reindex_rebuilds_with_or_without_a_server_running,
    a_rebuilt_index_answers_at_once_and_is_merged_into_one_segment_after,
    a_database_fault_during_an_api_search_is_answered_in_json,
);

/// A `commonroom serve` process on the test app's database with its own data directory.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    async fn start(app: &TestApp, data_dir: &Path, env: &[(&str, &str)]) -> Server {
        let mut cmd = app.command_in(data_dir);
        cmd.args(["serve", "--listen", "127.0.0.1:0"])
            .env("COMMONROOM__JOBS__RUN", "false")
            .env("COMMONROOM__SEARCH__POLL_MS", "20")
            .env("COMMONROOM__SEARCH__COMMIT_MS", "50")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start commonroom serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let base = tokio::time::timeout(Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await.expect("read stdout") {
                if let Some(at) = line.split("running at ").nth(1) {
                    return at.trim().to_owned();
                }
            }
            panic!("the server exited before saying where it runs");
        })
        .await
        .expect("server started in time");
        // Keep reading so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Server { child, base }
    }

    async fn kill(mut self) {
        self.child.kill().await.expect("kill");
    }

    async fn browser(&self, handle: &str) -> Browser {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let browser = Browser {
            client,
            base: self.base.clone(),
        };
        let r = browser.sign_in(&format!("{handle}@example.org"), PASSWORD).await;
        assert_eq!(r.status(), 303);
        browser
    }
}

/// Search until `q` finds `n` results (the other server's index catches up on its own).
async fn until_found(browser: &Browser, q: &str, n: u64) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let r = browser.get(&format!("/api/search?q={}", encode(q))).await;
        if r.status() == 200 {
            let v: serde_json::Value = r.json().await.unwrap();
            if total(&v) == n {
                return v;
            }
            assert!(Instant::now() < deadline, "{q}: expected {n} results, still {v}");
        } else {
            assert!(Instant::now() < deadline, "{q}: search still answers {}", r.status());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The outbox position the index in `dir` last committed.
fn committed_position(dir: &Path) -> i64 {
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json")).expect("meta.json")).expect("json");
    let payload: serde_json::Value =
        serde_json::from_str(meta["payload"].as_str().expect("payload")).expect("payload json");
    payload["outbox"].as_i64().expect("outbox position")
}

async fn a_post_committed_before_a_crash_is_searchable_after_restart(app: TestApp) {
    let w = world(&app).await;
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    // A server that would not commit its index for an hour.
    let server = Server::start(&app, dir.path(), &[("COMMONROOM__SEARCH__COMMIT_MS", "3600000")]).await;
    let ada = server.browser("ada").await;
    until_found(&ada, "digital", 1).await;
    let before = committed_position(&index);

    post_at(
        &app,
        w.admin_id,
        w.channel_id,
        ("discussion", "Axolotl survey", "", "Results are in."),
        days_ago(0),
    )
    .await;
    let head = commonroom::store::search::outbox_head(&app.db).await.unwrap();
    assert_eq!(total(&api(&ada, "axolotl").await), 0, "stored, not yet in the index");
    assert!(
        committed_position(&index) < head,
        "the index has not committed the post"
    );
    server.kill().await;
    assert!(
        index.join(".tantivy-writer.lock").exists(),
        "the dead process left its lock file behind"
    );

    let server = Server::start(&app, dir.path(), &[]).await;
    let ada = server.browser("ada").await;
    let found = until_found(&ada, "axolotl", 1).await;

    assert_eq!(titles(&found), ["Axolotl survey"]);
    assert!(committed_position(&index) >= head);
    assert!(before < head);
}

async fn a_deleted_or_damaged_index_is_rebuilt_on_start(app: TestApp) {
    let w = world(&app).await;
    for i in 0..30 {
        post_at(
            &app,
            w.admin_id,
            w.channel_id,
            ("discussion", &format!("Pangolin note {i}"), "", "Notes."),
            days_ago(i),
        )
        .await;
    }
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let server = Server::start(&app, dir.path(), &[]).await;
    until_found(&server.browser("ada").await, "pangolin", 30).await;
    server.kill().await;

    std::fs::remove_file(index.join("meta.json")).unwrap();
    let server = Server::start(&app, dir.path(), &[]).await;
    let ada = server.browser("ada").await;
    assert_eq!(
        ada.get("/").await.status(),
        200,
        "pages are served whatever the index is doing"
    );
    until_found(&ada, "pangolin", 30).await;
    server.kill().await;

    std::fs::write(index.join("meta.json"), "{ this is not an index").unwrap();
    let server = Server::start(&app, dir.path(), &[]).await;
    until_found(&server.browser("ada").await, "pangolin", 30).await;
    server.kill().await;
}

async fn a_post_stored_through_one_server_is_found_through_another(app: TestApp) {
    let w = world(&app).await;
    let other = spawn_app_beside(&app).await;
    let bea_here = app.signed_in("bea", Role::Member).await;
    let bea_there = other.browser();
    assert_eq!(bea_there.sign_in("bea@example.org", PASSWORD).await.status(), 303);

    let id = w
        .admin
        .create_post("digital", "discussion", "Capybara consultation", "", "Have your say.")
        .await;
    other.search_settled().await;
    app.search_settled().await;

    assert_eq!(titles(&api(&bea_there, "capybara").await), ["Capybara consultation"]);
    assert_eq!(titles(&api(&bea_here, "capybara").await), ["Capybara consultation"]);

    // And a change made through the second server reaches the first one's index.
    let ada_there = other.browser();
    ada_there.sign_in("ada@example.org", PASSWORD).await;
    assert_eq!(
        ada_there
            .post(&format!("/p/{id}/delete"), &[("confirm", "yes")])
            .await
            .status(),
        303
    );
    app.search_settled().await;
    other.search_settled().await;
    assert_eq!(total(&api(&bea_here, "capybara").await), 0);
    assert_eq!(total(&api(&bea_there, "capybara").await), 0);
}

async fn reindex_rebuilds_with_or_without_a_server_running(app: TestApp) {
    let w = world(&app).await;
    post_at(
        &app,
        w.admin_id,
        w.channel_id,
        ("discussion", "Okapi sightings", "", "Two seen."),
        days_ago(2),
    )
    .await;
    app.search_settled().await;
    let reindex = |dir: &Path| {
        let mut cmd = app.command_in(dir);
        cmd.arg("reindex");
        cmd
    };

    // The test app's own server holds its index: it is asked to rebuild, and keeps answering.
    let out = reindex(app.data_dir()).output().await.unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(said.contains("Search index rebuilt"), "{said}");
    assert!(!commonroom::search::indexer::rebuild_request(app.state.search.dir()).exists());
    app.search_settled().await;
    assert_eq!(titles(&api(&w.admin, "okapi").await), ["Okapi sightings"]);

    // With no server, the command rebuilds by itself.
    let dir = tempfile::tempdir().unwrap();
    let out = reindex(dir.path()).output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Search index rebuilt"));
    let server = Server::start(&app, dir.path(), &[]).await;
    until_found(&server.browser("ada").await, "okapi", 1).await;
    server.kill().await;
}

/// A rebuild leaves a segment per indexing thread and is searchable at once;
/// the server then merges them into one in the background.
async fn a_rebuilt_index_answers_at_once_and_is_merged_into_one_segment_after(app: TestApp) {
    let w = world(&app).await;
    for i in 0..1500 {
        post_at(
            &app,
            w.admin_id,
            w.channel_id,
            ("discussion", &format!("Tapir note {i}"), "", "Seen at the reserve."),
            days_ago(i % 40),
        )
        .await;
    }
    app.search_settled().await;
    // Thousands of ids with no post between the last two (as deletions and
    // rolled-back inserts leave): the rebuild reads by id range and must go
    // on past empty ranges to the end. The index in use knows the post by
    // its old id until the rebuilt one answers.
    let last = app.sql_i64("SELECT MAX(id) FROM posts").await;
    let moved = last + 7_000;
    app.db
        .execute(Statement::from_string(
            app.db.get_database_backend(),
            format!("UPDATE posts SET id = {moved} WHERE id = {last}"),
        ))
        .await
        .unwrap();
    let documents =
        app.sql_i64("SELECT COUNT(*) FROM posts").await + app.sql_i64("SELECT COUNT(*) FROM channels").await;
    let request = commonroom::search::indexer::rebuild_request(app.state.search.dir());
    std::fs::write(&request, "0 0\n").unwrap();

    let deadline = Instant::now() + Duration::from_secs(60);
    while request.exists() {
        assert!(Instant::now() < deadline, "the rebuild did not finish");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Once the request is gone, searches read the rebuilt index.
    let hits = api(&w.admin, "\"tapir note 1499\"").await;
    assert_eq!(hits["hits"][0]["id"], moved, "the rebuilt index answers: {hits}");
    assert_eq!(
        total(&api(&w.admin, "tapir").await),
        1500,
        "searchable as soon as it is swapped in"
    );
    // The largest segment holds every document the rebuild wrote once the
    // merge is done (changes replayed after it make small segments of their own).
    loop {
        let largest = app.state.search.live().map_or(0, |live| live.largest_segment());
        if i64::from(largest) >= documents {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the rebuilt index was not merged: largest segment {largest} of {documents}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(total(&api(&w.admin, "tapir").await), 1500, "and still after the merge");
}

async fn an_index_away_longer_than_the_outbox_keeps_changes_is_rebuilt(app: TestApp) {
    let w = world(&app).await;
    let id = post_at(
        &app,
        w.admin_id,
        w.channel_id,
        ("discussion", "Tapir census", "", "Counted."),
        days_ago(1),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&app, dir.path(), &[]).await;
    until_found(&server.browser("ada").await, "tapir", 1).await;
    server.kill().await;

    // While it is stopped, a change is made (with its outbox row, as every
    // change writes one) whose outbox row is then forgotten (as `prune_outbox`
    // forgets rows after `search.outbox_days`), and life goes on. Whatever
    // position the index had committed, the rows after it are gone.
    app.exec(&format!("UPDATE posts SET title = 'Okapi census' WHERE id = {id}"))
        .await;
    commonroom::store::outbox::push(&app.db, commonroom::store::outbox::Changed::Post(id))
        .await
        .unwrap();
    app.exec("DELETE FROM search_outbox").await;
    post_at(
        &app,
        w.admin_id,
        w.channel_id,
        ("discussion", "Later news", "", "More."),
        days_ago(0),
    )
    .await;
    let server = Server::start(&app, dir.path(), &[]).await;
    let ada = server.browser("ada").await;

    let found = until_found(&ada, "okapi", 1).await;
    assert_eq!(
        titles(&found),
        ["Okapi census"],
        "rebuilt from the database, not replayed"
    );
    assert_eq!(total(&api(&ada, "tapir").await), 0);
    until_found(&ada, "later", 1).await;
    server.kill().await;
}

async fn pruning_the_outbox_keeps_its_newest_row_and_what_is_recent(app: TestApp) {
    let w = world(&app).await;
    for i in 0..3 {
        post_at(
            &app,
            w.admin_id,
            w.channel_id,
            ("discussion", &format!("Note {i}"), "", "x"),
            days_ago(0),
        )
        .await;
    }
    let head = commonroom::store::search::outbox_head(&app.db).await.unwrap();
    let kept_recent = commonroom::store::search::prune_outbox(&app.db, chrono::Duration::days(14))
        .await
        .unwrap();

    let all_old = commonroom::store::search::prune_outbox(&app.db, chrono::Duration::days(-1))
        .await
        .unwrap();

    assert_eq!(kept_recent, 0, "nothing recent is forgotten");
    assert!(all_old > 0);
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM search_outbox").await, 1);
    assert_eq!(commonroom::store::search::outbox_tail(&app.db).await.unwrap(), head);
}

async fn a_database_fault_during_an_api_search_is_answered_in_json(app: TestApp) {
    let w = world(&app).await;
    app.search_settled().await;
    // Every search reads the channel list (what this reader may search) first.
    app.exec("ALTER TABLE channels RENAME TO channels_away").await;

    let r = w.admin.get("/api/search?q=anything").await;
    let page = w.admin.get("/search?q=anything").await;

    assert_eq!(r.status(), 500);
    assert!(
        r.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body: serde_json::Value = r.json().await.expect("a JSON body");
    assert!(
        body["error"]
            .as_str()
            .is_some_and(|e| e.contains("went wrong") || e.contains("Nothing you did")),
        "{body}"
    );
    assert_eq!(page.status(), 500);
    assert!(
        page.headers()[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html"),
        "the page stays a page"
    );
    // (Every signed-in request reads the channels for the header's count, so
    // the table comes back before asking for an address that is not there.)
    app.exec("ALTER TABLE channels_away RENAME TO channels").await;
    let unknown = w.admin.get("/api/nothing-here").await;
    assert_eq!(unknown.status(), 404);
    let body: serde_json::Value = unknown.json().await.expect("a JSON body");
    assert!(body["error"].is_string(), "{body}");
}
