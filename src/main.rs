//! The `commonroom` command: parse the command line, set up logging and
//! settings, and hand over to the library.

use std::io::{BufRead, IsTerminal};
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use commonroom::config::{Overrides, Settings};
use commonroom::domain::email::EmailAddress;
use commonroom::domain::password::NewPassword;
use commonroom::domain::person::{PersonName, ProfileLine, Work};
use commonroom::domain::role::Role;
use commonroom::startup::Application;
use commonroom::store::users::{self, NewUser};
use commonroom::{auth, demo, store, telemetry};

mod cli_feeds;
mod cli_search;

#[derive(Parser)]
#[command(
    name = "commonroom",
    version,
    about = "Commonroom: an internal knowledge-sharing feed for public bodies"
)]
struct Cli {
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
        command: UserCommand,
    },
    /// The feeds curators follow: import OPML, poll now, list with health.
    Feeds {
        #[command(subcommand)]
        command: FeedsCommand,
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

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account. The password is read from a prompt, or from standard input when piped.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// member, curator or admin.
        #[arg(long, default_value = "member")]
        role: String,
        #[arg(long, default_value = "")]
        job_title: String,
        #[arg(long, default_value = "")]
        department: String,
    },
}

#[derive(Subcommand)]
enum FeedsCommand {
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

fn settings(common: &Common, listen: Option<SocketAddr>) -> anyhow::Result<Settings> {
    Settings::load(Overrides {
        config_file: common.config.clone(),
        data_dir: common.data_dir.clone(),
        database_url: common.database_url.clone(),
        listen,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let listen = match &cli.command {
        Command::Serve { listen, .. } => *listen,
        _ => None,
    };
    let settings = settings(&cli.common, listen)?;
    telemetry::init(&settings.log);
    match cli.command {
        Command::Serve { demo, .. } => serve(settings, demo).await,
        Command::Migrate => {
            store::open(&settings).await?.close().await?;
            println!("Database is up to date.");
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    email,
                    name,
                    role,
                    job_title,
                    department,
                },
        } => add_user(settings, email, name, role, job_title, department).await,
        Command::Feeds { command } => cli_feeds::run(settings, command).await,
        Command::Reindex => cli_search::reindex(settings).await,
        Command::Demo { posts, seed } => {
            let db = store::open(&settings).await?;
            if let demo::Outcome::Loaded { .. } = demo::load(&db).await? {
                println!("Loaded the Brackenshire Council demo organisation.");
            }
            if posts > 0 {
                demo::generate::posts(&db, posts, seed).await?;
            }
            Ok(())
        }
    }
}

async fn serve(settings: Settings, with_demo: bool) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    let url = format!("http://{}", app.address());
    let db = &app.state().db;
    if with_demo {
        match demo::load(db).await? {
            demo::Outcome::Loaded { .. } => {
                println!("Loaded the Brackenshire Council demo organisation.")
            }
            demo::Outcome::AlreadyHasData => {
                println!("The database already has data, so no demo data was added.")
            }
        }
        println!("\nCommonroom is running at {url}\n");
        println!("Demo sign-ins (password for all: {}):", demo::DEMO_PASSWORD);
        for login in demo::logins() {
            println!("  {:<42} {}", login.email, login.role);
        }
    } else {
        println!("\nCommonroom is running at {url}");
        if users::count(db).await? == 0 {
            println!("\nThere are no accounts yet. Create the first administrator with:");
            println!("  commonroom user add --email you@example.org --name \"Your Name\" --role admin");
            println!("(add the same --data-dir/--database-url you started the server with)");
        }
    }
    println!("Press Ctrl-C to stop.");
    app.run_until_stopped().await
}

fn read_password() -> anyhow::Result<NewPassword> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password (at least 10 characters): ")?;
        let again = rpassword::prompt_password("Same password again: ")?;
        NewPassword::parse(&first, Some(&again)).map_err(|m| anyhow::anyhow!(m))
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        NewPassword::parse(line.trim_end_matches(['\r', '\n']), None).map_err(|m| anyhow::anyhow!(m))
    }
}

async fn add_user(
    settings: Settings,
    email: String,
    name: String,
    role: String,
    job_title: String,
    department: String,
) -> anyhow::Result<()> {
    let email = EmailAddress::parse(&email).map_err(|m| anyhow::anyhow!(m))?;
    let role = Role::parse(&role).with_context(|| format!("unknown role {role:?}: use member, curator or admin"))?;
    let name = PersonName::parse(&name).map_err(|m| anyhow::anyhow!("--name: {m}"))?;
    let work = Work {
        job_title: ProfileLine::parse(&job_title, "job title").map_err(|m| anyhow::anyhow!("--job-title: {m}"))?,
        department: ProfileLine::parse(&department, "department").map_err(|m| anyhow::anyhow!("--department: {m}"))?,
    };
    let password = read_password()?;
    let db = store::open(&settings).await?;
    let hash = auth::hash_password(password.expose().to_owned()).await?;
    let new = NewUser {
        email: email.clone(),
        name,
        password_hash: Some(hash),
        roles: vec![role],
        work,
    };
    let id = users::create(&db, new, None).await?;
    println!("Created {role} account {email} (id {id}).");
    Ok(())
}
