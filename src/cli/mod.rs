//! The command line: what `commonroom` accepts, and one file per command
//! group. Each command turns its arguments into calls of the library
//! (`service`, `store`, `search`) and their results into lines of output.
//!
//! - `serve`    run the web server; `migrate`
//! - `user`     accounts (`user add`)
//! - `feeds`    OPML import, polling now, the list with health
//! - `reindex`  rebuild the search index (or ask the running server to)
//! - `demo`     the demo organisation and bulk data for benchmarks
//! - `progress` the progress bar they share

mod demo;
mod digest;
mod feeds;
mod progress;
mod reindex;
mod serve;
mod user;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use commonroom::config::{Overrides, Settings};
use commonroom::telemetry;

#[derive(Parser)]
#[command(
    name = "commonroom",
    version,
    about = "Commonroom: an internal knowledge-sharing feed for public bodies"
)]
pub struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Command,
}

/// Options every command accepts.
#[derive(Args, Clone)]
struct Common {
    /// Directory for the SQLite database and other data [default: ./data].
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Database URL (sqlite://… or postgres://…); overrides the data directory's SQLite file.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        value_name = "URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
    /// A TOML settings file [default: ./commonroom.toml if present].
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrating the database first).
    Serve {
        /// Load the Brackenshire Council demo organisation into an empty database.
        #[arg(long)]
        demo: bool,
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: user::UserCommand,
    },
    /// The feeds curators follow: import OPML, poll now, list with health.
    Feeds {
        #[command(subcommand)]
        command: feeds::FeedsCommand,
    },
    /// The weekly digest: preview what one person would get.
    Digest {
        #[command(subcommand)]
        command: digest::DigestCommand,
    },
    /// Rebuild the search index from the database (or ask the running server to), with progress.
    Reindex,
    /// Load the demo organisation (if the database is empty) and optionally generate bulk posts.
    Demo {
        /// Also generate this many posts with replies and reactions (for benchmarks).
        #[arg(long, default_value_t = 0)]
        posts: usize,
        /// Seed for the generator, so runs are repeatable.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
}

/// Settings from the file, the environment and these flags; then logging; then the command.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let listen = match &cli.command {
        Command::Serve { listen, .. } => *listen,
        _ => None,
    };
    let settings = Settings::load(Overrides {
        config_file: cli.common.config,
        data_dir: cli.common.data_dir,
        database_url: cli.common.database_url,
        listen,
    })?;
    telemetry::init(&settings.log);
    match cli.command {
        Command::Serve { demo, .. } => serve::serve(settings, demo).await,
        Command::Migrate => serve::migrate(settings).await,
        Command::User { command } => user::run(settings, command).await,
        Command::Feeds { command } => feeds::run(settings, command).await,
        Command::Digest { command } => digest::run(settings, command).await,
        Command::Reindex => reindex::run(settings).await,
        Command::Demo { posts, seed } => demo::run(settings, posts, seed).await,
    }
}
