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
        /// Roles beyond member (repeat, or separate with commas).
        #[arg(long, value_enum, value_delimiter = ',', num_args = 1)]
        role: Vec<RoleArg>,
        #[arg(long, default_value = "")]
        job_title: String,
        #[arg(long, default_value = "")]
        department: String,
    },
    /// List every account: address, name, status and roles.
    List {
        /// Only accounts with this status.
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
    },
    /// Suspend an account: it can no longer sign in, and every session it
    /// has ends at once (its open browser is signed out on its next request).
    Suspend {
        #[arg(long)]
        email: String,
        /// Why, for the audit log.
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Let a suspended account sign in again.
    Reactivate {
        #[arg(long)]
        email: String,
    },
    /// Give or take away roles (repeat, or separate with commas); they take
    /// effect on the person's next request.
    Role {
        #[arg(long)]
        email: String,
        #[arg(long, value_enum, value_delimiter = ',')]
        add: Vec<RoleArg>,
        #[arg(long, value_enum, value_delimiter = ',')]
        remove: Vec<RoleArg>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum StatusArg {
    Active,
    Suspended,
}

/// The roles an account can be given.
#[derive(Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Member,
    Contributor,
    Curator,
    Moderator,
    Coordinator,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Member => Role::Member,
            RoleArg::Contributor => Role::Contributor,
            RoleArg::Curator => Role::Curator,
            RoleArg::Moderator => Role::Moderator,
            RoleArg::Coordinator => Role::Coordinator,
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
            let mut roles: Vec<Role> = role.into_iter().map(Role::from).collect();
            if roles.is_empty() {
                roles.push(Role::Member);
            }
            let password = read_password()?;
            let db = store::open(&settings).await?;
            let hash = accounts::hash_password(password.expose().to_owned()).await?;
            let new = users::NewUser {
                email: email.clone(),
                name,
                password_hash: Some(hash),
                roles: roles.clone(),
                work,
            };
            let id = users::create(&db, new, None).await?;
            let roles: Vec<&str> = std::iter::once("member")
                .chain(roles.iter().filter(|r| **r != Role::Member).map(|r| r.as_str()))
                .collect();
            println!("Created account {email} (id {id}): {}.", roles.join(", "));
            Ok(())
        }
        UserCommand::List { status } => {
            let db = store::open(&settings).await?;
            let wanted = status.map(|s| match s {
                StatusArg::Active => "active",
                StatusArg::Suspended => "suspended",
            });
            let people: Vec<_> = users::list_accounts(&db)
                .await?
                .into_iter()
                .filter(|p| wanted.is_none_or(|w| p.status == w))
                .collect();
            println!("{:<40} {:<28} {:<10} roles", "email", "name", "status");
            for p in &people {
                let roles: Vec<&str> = std::iter::once("member")
                    .chain(p.roles.iter().map(|r| r.as_str()))
                    .collect();
                println!("{:<40} {:<28} {:<10} {}", p.email, p.name, p.status, roles.join(", "));
            }
            println!("{} account{}", people.len(), if people.len() == 1 { "" } else { "s" });
            Ok(())
        }
        UserCommand::Suspend { email, reason } => {
            let db = store::open(&settings).await?;
            let id = accounts::account_id(&db, &email).await?;
            match accounts::suspend(&db, None, id, &reason).await? {
                Some(ended) => println!(
                    "Suspended {email}: signed out of {ended} session{}; they can no longer sign in.",
                    if ended == 1 { "" } else { "s" }
                ),
                None => println!("{email} was already suspended."),
            }
            Ok(())
        }
        UserCommand::Reactivate { email } => {
            let db = store::open(&settings).await?;
            let id = accounts::account_id(&db, &email).await?;
            if accounts::reactivate(&db, None, id).await? {
                println!("{email} can sign in again.");
            } else {
                println!("{email} was not suspended.");
            }
            Ok(())
        }
        UserCommand::Role { email, add, remove } => {
            if add.is_empty() && remove.is_empty() {
                anyhow::bail!("say which roles to --add or --remove");
            }
            let db = store::open(&settings).await?;
            let add: Vec<Role> = add.into_iter().map(Role::from).collect();
            let remove: Vec<Role> = remove.into_iter().map(Role::from).collect();
            let id = accounts::account_id(&db, &email).await?;
            let held = accounts::change_roles(&db, None, id, &add, &remove).await?;
            let roles: Vec<&str> = std::iter::once("member")
                .chain(held.iter().map(|r| r.as_str()))
                .collect();
            println!("{email} now holds: {}.", roles.join(", "));
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
