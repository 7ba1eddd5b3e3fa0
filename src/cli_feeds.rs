//! `commonroom feeds …`: OPML import with a progress bar, a poll sweep with
//! bounded concurrency and a progress bar, and the list of feeds with health.

use std::sync::Arc;

use anyhow::Context;
use commonroom::config::Settings;
use commonroom::ingest::opml;
use commonroom::ingest::refresh::Polled;
use commonroom::jobs::poll_feed::{self, PollNow};
use commonroom::startup;
use commonroom::store::feeds;
use commonroom::web::feeds::import_each;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::FeedsCommand;

fn bar(len: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) = ProgressStyle::with_template(&format!("{{bar:40}} {{pos}}/{{len}} {what} {{wide_msg}}")) {
        bar.set_style(style);
    }
    bar
}

pub async fn run(settings: Settings, command: FeedsCommand) -> anyhow::Result<()> {
    let state = startup::state(settings).await?;
    match command {
        FeedsCommand::ImportOpml { file } => {
            let text = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let list = opml::parse(&String::from_utf8_lossy(&text)).map_err(|e| anyhow::anyhow!("{e}"))?;
            let progress = bar(list.len(), "feeds");
            let report = import_each(&state, &list, None, |f| {
                progress.set_message(f.title.clone());
                progress.inc(1);
            })
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            progress.finish_and_clear();
            println!("{report}");
            println!("New feeds are polled by the server, or now with: commonroom feeds poll");
        }
        FeedsCommand::Poll { feed } => {
            let ids = match feed {
                Some(id) => vec![id],
                None => feeds::active_ids(&state.db).await?,
            };
            let progress = bar(ids.len(), "feeds polled");
            let slots = Arc::new(Semaphore::new(state.settings.jobs.concurrency.max(1)));
            let mut set = JoinSet::new();
            for id in ids {
                let state = state.clone();
                let slots = slots.clone();
                set.spawn(async move {
                    let _slot = slots.acquire_owned().await;
                    (id, poll_feed::poll_now(&state, id).await)
                });
            }
            let (mut new, mut updated, mut unchanged, mut busy) = (0, 0, 0, 0);
            let mut failed = Vec::new();
            while let Some(done) = set.join_next().await {
                let (id, result) = done?;
                progress.inc(1);
                match result? {
                    PollNow::Gone => anyhow::bail!("there is no feed with id {id}"),
                    PollNow::Busy => busy += 1,
                    PollNow::Polled(o) => match o.result {
                        Polled::NotModified => unchanged += 1,
                        Polled::Fetched(s) => {
                            new += s.new;
                            updated += s.updated;
                        }
                        Polled::Failed(words) => failed.push((id, words)),
                    },
                }
            }
            progress.finish_and_clear();
            println!(
                "{new} new items, {updated} updated; {unchanged} feeds not modified; {} failed.",
                failed.len()
            );
            if busy > 0 {
                println!("{busy} feeds were being polled by another process and were skipped.");
            }
            for (id, words) in failed {
                println!("  feed {id}: {words}");
            }
        }
        FeedsCommand::List => {
            let list = feeds::list(&state.db).await?;
            if list.is_empty() {
                println!("No feeds yet.");
            }
            for f in list {
                let folder = if f.folder.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", f.folder)
                };
                println!(
                    "{:>5}  {}{folder}\n       {}\n       {}",
                    f.id,
                    f.title,
                    f.url,
                    f.health()
                );
                if let Some(err) = &f.last_error {
                    println!("       last error: {err}");
                }
            }
        }
    }
    Ok(())
}
