//! `commonroom feeds …`: OPML import, a poll sweep with bounded concurrency,
//! and the list of feeds with their health.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Subcommand;
use commonroom::config::Settings;
use commonroom::domain::feed::Arrivals;
use commonroom::ingest::opml;
use commonroom::service::feeds as following;
use commonroom::service::polling::{self, PollNow, Polled};
use commonroom::startup;
use commonroom::store::feeds;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::progress;

#[derive(Subcommand)]
pub enum FeedsCommand {
    /// Follow every feed in an OPML file (folders kept; feeds already followed are left alone).
    ImportOpml { file: PathBuf },
    /// Poll every active feed now, due or not (still sending ETag/Last-Modified), or one feed.
    Poll {
        /// Only this feed (its id, as `feeds list` shows).
        #[arg(long, value_name = "ID")]
        feed: Option<i64>,
    },
    /// List feeds with their health.
    List,
}

pub async fn run(settings: Settings, command: FeedsCommand) -> anyhow::Result<()> {
    let state = startup::state(settings).await?;
    match command {
        FeedsCommand::ImportOpml { file } => {
            let text = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let list =
                opml::parse(&String::from_utf8_lossy(&text)).with_context(|| format!("reading {}", file.display()))?;
            let bar = progress::bar(list.len() as u64, "feeds");
            let report = following::import(&state, &list, None, |f| {
                bar.set_message(f.title.clone());
                bar.inc(1);
            })
            .await?;
            bar.finish_and_clear();
            println!("{report}");
            println!("New feeds are polled by the server, or now with: commonroom feeds poll");
        }
        FeedsCommand::Poll { feed } => {
            let ids = match feed {
                Some(id) => vec![id],
                None => feeds::active_ids(&state.db).await?,
            };
            let bar = progress::bar(ids.len() as u64, "feeds polled");
            let slots = Arc::new(Semaphore::new(state.settings.jobs.concurrency.max(1)));
            let mut set = JoinSet::new();
            for id in ids {
                let state = state.clone();
                let slots = slots.clone();
                set.spawn(async move {
                    let _slot = slots.acquire_owned().await;
                    (id, polling::poll_now(&state, id).await)
                });
            }
            let (mut new, mut updated, mut unchanged, mut busy, mut too_old) = (0, 0, 0, 0, 0);
            let mut failed = Vec::new();
            while let Some(done) = set.join_next().await {
                let (id, result) = done?;
                bar.inc(1);
                match result? {
                    PollNow::Gone => anyhow::bail!("there is no feed with id {id}"),
                    PollNow::Busy => busy += 1,
                    PollNow::Polled(o, added) => match o.result {
                        Polled::NotModified => unchanged += 1,
                        Polled::Fetched(s) => {
                            new += s.new;
                            updated += s.updated;
                            too_old += added.too_old;
                        }
                        Polled::Failed(words) => failed.push((id, words)),
                    },
                }
            }
            bar.finish_and_clear();
            let added = Arrivals { new, too_old };
            let kept_out = added
                .kept_out(state.settings.curation.inbox_window_days())
                .map(|why| format!(" ({why})"))
                .unwrap_or_default();
            println!(
                "{new} new items{kept_out}, {updated} updated; {unchanged} feeds not modified; {} failed.",
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
