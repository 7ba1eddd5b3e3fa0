//! `commonroom reindex`: rebuild the search index from the database with a
//! progress bar. If a running server holds the index, it is asked to
//! rebuild (it keeps answering searches from the old index meanwhile) and
//! its progress is shown here.

use std::time::{Duration, Instant};

use commonroom::config::Settings;
use commonroom::search::indexer;
use commonroom::store;

use super::progress::bar;

pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let db = store::open(&settings).await?;
    let dir = settings.data_dir.join("index");
    let progress = bar(0, "documents");
    let started = Instant::now();
    if indexer::is_held_elsewhere(&dir) {
        let request = indexer::rebuild_request(&dir);
        std::fs::write(&request, "0 0\n")?;
        progress.set_message("(the running server is rebuilding; searches use the old index until it is done)");
        let mut picked_up = false;
        while request.exists() {
            if let Ok(text) = std::fs::read_to_string(&request)
                && let Some((done, total)) = text.trim().split_once(' ')
                && let (Ok(done), Ok(total)) = (done.parse::<u64>(), total.parse::<u64>())
            {
                picked_up |= total > 0;
                progress.set_length(total);
                progress.set_position(done);
            }
            if !picked_up && started.elapsed() > Duration::from_secs(30) {
                let _ = std::fs::remove_file(&request);
                anyhow::bail!(
                    "another process holds the search index in {} but did not start rebuilding; is it a Commonroom server of this version?",
                    dir.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    } else {
        let report = |done: u64, total: u64| {
            progress.set_length(total);
            progress.set_position(done);
        };
        indexer::rebuild(&db, &dir, &settings.search, &report).await?;
    }
    progress.finish_and_clear();
    println!(
        "Search index rebuilt in {:.1} s ({} documents).",
        started.elapsed().as_secs_f64(),
        progress.length().unwrap_or(0)
    );
    Ok(())
}
