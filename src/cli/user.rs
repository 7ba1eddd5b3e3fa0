//! `commonroom user …`: accounts from the command line, under the same
//! rules as the forms (`domain::person`, `domain::password`).

use std::io::{BufRead, IsTerminal};

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use commonroom::config::Settings;
use commonroom::domain::email::EmailAddress;
use commonroom::domain::password::NewPassword;
use commonroom::domain::person::{PersonName, ProfileLine, Work};
use commonroom::domain::role::Role;
use commonroom::service::accounts;
use commonroom::store::{self, users};

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from a prompt, or from standard input when piped.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum, default_value_t = RoleArg::Member)]
        role: RoleArg,
        #[arg(long, default_value = "")]
        job_title: String,
        #[arg(long, default_value = "")]
        department: String,
    },
}

/// The roles an account can be given.
#[derive(Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Member,
    Curator,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Member => Role::Member,
            RoleArg::Curator => Role::Curator,
            RoleArg::Admin => Role::Admin,
        }
    }
}

pub async fn run(settings: Settings, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add {
            email,
            name,
            role,
            job_title,
            department,
        } => {
            let email = EmailAddress::parse(&email).map_err(|m| anyhow::anyhow!("--email: {m}"))?;
            let name = PersonName::parse(&name).map_err(|m| anyhow::anyhow!("--name: {m}"))?;
            let work = Work {
                job_title: ProfileLine::parse(&job_title, "job title")
                    .map_err(|m| anyhow::anyhow!("--job-title: {m}"))?,
                department: ProfileLine::parse(&department, "department")
                    .map_err(|m| anyhow::anyhow!("--department: {m}"))?,
            };
            let role = Role::from(role);
            let password = read_password()?;
            let db = store::open(&settings).await?;
            let hash = accounts::hash_password(password.expose().to_owned()).await?;
            let new = users::NewUser {
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
    }
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
