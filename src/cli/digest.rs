//! `commonroom digest`: the weekly digest from the command line.

use std::sync::Arc;

use clap::Subcommand;
use commonroom::config::Settings;
use commonroom::domain::digest::DigestWeek;
use commonroom::service::digest::{self, Progress};
use commonroom::startup;

use super::progress::bar;

#[derive(Subcommand)]
pub enum DigestCommand {
    /// Print the text of one person's digest for a week, as it stands now.
    Preview {
        /// Their email address.
        #[arg(long, value_name = "EMAIL")]
        user: String,
        /// The ISO week, e.g. 2026-W47 (Monday to Sunday) [default: the last whole week].
        #[arg(long, value_name = "YYYY-Www")]
        week: Option<String>,
    },
    /// Send a week's digest to everyone who gets it (each person once, however
    /// often this runs), or show what would be sent.
    Send {
        /// The ISO week, e.g. 2026-W47 (Monday to Sunday) [default: the last whole week].
        #[arg(long, value_name = "YYYY-Www")]
        week: Option<String>,
        /// Send nothing: write each message that would go as an .eml file and list who would get what.
        #[arg(long)]
        dry_run: bool,
        /// Only this address (it still counts as their digest for the week).
        #[arg(long, value_name = "EMAIL")]
        to: Option<String>,
    },
}

fn parse_week(week: Option<String>) -> anyhow::Result<Option<DigestWeek>> {
    week.map(|w| w.parse())
        .transpose()
        .map_err(|e: String| anyhow::anyhow!(e))
}

pub async fn run(settings: Settings, command: DigestCommand) -> anyhow::Result<()> {
    match command {
        DigestCommand::Preview { user, week } => {
            let week = parse_week(week)?;
            let state = startup::state(settings).await?;
            let week = week.unwrap_or_else(|| digest::last_week(&state));
            let preview = digest::preview(&state, &user, week).await?;
            if preview.contents.is_empty() {
                println!(
                    "Nothing for {user} in {week} ({}): no email would be sent.",
                    week.describe()
                );
                return Ok(());
            }
            if preview.switched_off {
                println!("({user} has switched the digest off: this is what they would get.)\n");
            }
            println!("Subject: {}\n", preview.subject);
            print!("{}", preview.text);
            Ok(())
        }
        DigestCommand::Send { week, dry_run, to } => {
            let week = parse_week(week)?;
            let state = startup::state(settings).await?;
            let week = week.unwrap_or_else(|| digest::last_week(&state));
            println!("The digest for {week}: {}.", week.describe());
            if dry_run {
                let dir = state.settings.data_dir.join("digest-dry-run").join(week.to_string());
                let lines = digest::dry_run(&state, week, to.as_deref(), &dir).await?;
                let sending = lines.iter().filter(|l| l.file.is_some()).count();
                for line in &lines {
                    let items = if line.items == 1 { "item " } else { "items" };
                    println!("{:<40} {:>3} {items}  {}", line.email, line.items, line.outcome);
                }
                println!(
                    "\nDry run: {sending} of {} would be sent; nothing was sent or recorded. The messages are in {}",
                    lines.len(),
                    dir.display()
                );
                return Ok(());
            }
            let progress = bar(0, "recipients");
            let shown = progress.clone();
            let report = Arc::new(move |step: Progress| match step {
                Progress::Waiting(n) => shown.set_length(n),
                Progress::Done(_) => shown.inc(1),
            });
            let summary = digest::send(&state, week, true, to.as_deref(), report).await?;
            progress.finish_and_clear();
            println!(
                "{} sent, {} with nothing to send, {} skipped, {} refused by the mail server, {} to try again later.",
                summary.sent, summary.empty, summary.skipped, summary.failed, summary.pending
            );
            if summary.unconfirmed > 0 {
                println!(
                    "{} were being handed to the mail server when a sender stopped: they may have arrived, and are not sent again.",
                    summary.unconfirmed
                );
            }
            Ok(())
        }
    }
}
