//! Polls as jobs with leases: a `commonroom feeds poll` killed halfway loses
//! nothing and duplicates nothing when run again, and two workers claiming
//! due jobs at the same moment never get the same one.

use std::collections::HashSet;
use std::time::Duration;

use chrono::Utc;
use commonroom::domain::job::Job;
use commonroom::store::jobs;
use sea_orm::{ConnectionTrait, Statement};

use super::support::{cli, curator, feed_id, import, inbox, open, run_cli};
use super::world::{Reply, World};
use crate::helpers::TestApp;

open_world_tests!(
    a_poll_killed_halfway_loses_nothing_and_duplicates_nothing_when_run_again,
    two_workers_never_claim_the_same_job,
);

/// Every row's id from a one-column query.
async fn ids(app: &TestApp, sql: &str) -> HashSet<i64> {
    app.db
        .query_all(Statement::from_string(app.db.get_database_backend(), sql.to_owned()))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get_by_index::<i64>(0).unwrap())
        .collect()
}

async fn items_of(app: &TestApp, feed: i64) -> i64 {
    app.sql_i64(&format!("SELECT COUNT(*) FROM feed_items WHERE feed_id = {feed}"))
        .await
}

async fn a_poll_killed_halfway_loses_nothing_and_duplicates_nothing_when_run_again(app: TestApp) {
    let world = World::start().await;
    world.serve_in_turn(
        "/planning.xml",
        vec![Reply::fixture("update-v1.xml"), Reply::fixture("update-v2.xml")],
    );
    world.serve("/news.xml", Reply::fixture("rss2.xml"));
    // Its second fetch hangs (the process is killed while waiting); its third brings new GUIDs.
    world.serve_in_turn(
        "/shifting.xml",
        vec![
            Reply::fixture("guids-v1.xml"),
            Reply::fixture("guids-v2.xml").delayed(Duration::from_secs(600)),
            Reply::fixture("guids-v2.xml"),
        ],
    );
    let cora = curator(&app).await;
    let urls = [
        world.url("/planning.xml"),
        world.url("/news.xml"),
        world.url("/shifting.xml"),
    ];
    import(
        &cora,
        &[
            (&urls[0], "Planning", ""),
            (&urls[1], "News", ""),
            (&urls[2], "Shifting", ""),
        ],
    )
    .await;
    let feeds = [
        feed_id(&app, &urls[0]).await,
        feed_id(&app, &urls[1]).await,
        feed_id(&app, &urls[2]).await,
    ];
    run_cli(&app, &["feeds", "poll"]).await;
    let committed = ids(&app, "SELECT id FROM feed_items").await;
    assert_eq!(committed.len(), 7);

    let mut child = cli(&app).args(["feeds", "poll"]).spawn().unwrap();
    world.arrival("/shifting.xml", 2).await;
    child.start_kill().unwrap();
    let status = child.wait().await.unwrap();

    assert!(!status.success(), "killed mid-poll");
    let after_kill = ids(&app, "SELECT id FROM feed_items").await;
    assert!(committed.is_subset(&after_kill), "nothing committed was lost");
    // Its lease outlives the dead process: a poll straight away leaves that feed alone.
    let out = run_cli(&app, &["feeds", "poll"]).await;
    assert!(
        out.contains("were being polled by another process and were skipped"),
        "{out}"
    );
    assert_eq!(world.requests("/shifting.xml"), 2);

    // Once the lease has run out, the next poll finishes the job.
    app.exec("UPDATE jobs SET locked_until = NULL").await;
    let out = run_cli(&app, &["feeds", "poll"]).await;

    assert!(out.contains("; 0 failed."), "{out}");
    assert!(!out.contains("another process"), "{out}");
    assert_eq!(world.requests("/shifting.xml"), 3);
    assert_eq!(
        [
            items_of(&app, feeds[0]).await,
            items_of(&app, feeds[1]).await,
            items_of(&app, feeds[2]).await,
        ],
        [2, 3, 2],
        "every feed has its items, once"
    );
    assert_eq!(app.sql_i64("SELECT COUNT(*) FROM stories").await, 7);
    let finally = ids(&app, "SELECT id FROM feed_items").await;
    assert!(after_kill.is_subset(&finally), "nothing committed was lost");
    let entries = inbox(&cora, "").await;
    assert_eq!(entries.len(), 7);
    let titles: HashSet<&str> = entries.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles.len(), 7, "no entry twice");
    assert!(titles.contains("Planning application approved: 12 High Street"));
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM jobs WHERE kind = 'poll_feed' AND locked_until IS NOT NULL")
            .await,
        0,
        "no lease left behind"
    );
}

async fn two_workers_never_claim_the_same_job(app: TestApp) {
    const JOBS: usize = 300;
    let due = Utc::now() - chrono::Duration::minutes(1);
    for key in 0..JOBS {
        jobs::schedule(&app.db, Job::PollFeed(key as i64), due).await.unwrap();
    }
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(4));
    let worker = |name: &'static str| {
        let db = app.db.clone();
        let start = start.clone();
        tokio::spawn(async move {
            start.wait().await;
            let mut mine = Vec::new();
            loop {
                let batch = jobs::claim_due(&db, name, 5, chrono::Duration::minutes(5))
                    .await
                    .unwrap();
                if batch.is_empty() {
                    return mine;
                }
                mine.extend(batch.iter().filter_map(|l| match l.job() {
                    Some(Job::PollFeed(n)) => Some(n),
                    _ => None,
                }));
            }
        })
    };
    let handles = [worker("w1"), worker("w2"), worker("w3"), worker("w4")];

    let mut all = Vec::new();
    for h in handles {
        all.extend(h.await.unwrap());
    }

    let distinct: HashSet<&i64> = all.iter().collect();
    assert_eq!(distinct.len(), JOBS, "every due job was claimed");
    assert_eq!(all.len(), JOBS, "and none twice");
    // A held job cannot be claimed by key either, until its lease runs out.
    let held = jobs::claim_key(&app.db, "w5", Job::PollFeed(0), chrono::Duration::minutes(5))
        .await
        .unwrap();
    assert!(held.is_none());
    app.exec("UPDATE jobs SET locked_until = NULL WHERE kind = 'poll_feed' AND key = '0'")
        .await;
    let freed = jobs::claim_key(&app.db, "w5", Job::PollFeed(0), chrono::Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(freed.map(|l| l.attempts), Some(2));
}
