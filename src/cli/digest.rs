//! `commonroom digest`: the weekly digest from the command line.

use clap::Subcommand;
use commonroom::config::Settings;
use commonroom::domain::digest::DigestWeek;
use commonroom::service::digest;
use commonroom::startup;

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
}

pub async fn run(settings: Settings, command: DigestCommand) -> anyhow::Result<()> {
    match command {
        DigestCommand::Preview { user, week } => {
            let week: Option<DigestWeek> = week
                .map(|w| w.parse())
                .transpose()
                .map_err(|e: String| anyhow::anyhow!(e))?;
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
    }
}
