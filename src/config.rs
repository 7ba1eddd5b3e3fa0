//! Settings: built-in defaults, then a TOML file, then `COMMONROOM__…`
//! environment variables, then command-line flags. Secrets are wrapped so
//! they never reach a log line.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use std::str::FromStr;

use anyhow::Context;
use serde::Deserialize;

use crate::domain::digest::{DigestSchedule, SendTimes};

/// A value that must not be printed (database URLs carry passwords).
#[derive(Clone, Deserialize, Default, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Where the SQLite database, the search index and (by default) outgoing mail live.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; empty means SQLite in `data_dir`.
    pub database_url: Option<Secret>,
    pub server: ServerSettings,
    pub auth: AuthSettings,
    pub community: CommunitySettings,
    pub email: EmailSettings,
    pub fetch: FetchSettings,
    pub curation: CurationSettings,
    pub digest: DigestSettings,
    pub jobs: JobSettings,
    pub search: SearchSettings,
    pub log: LogSettings,
}

/// How the organisation runs its community.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CommunitySettings {
    /// Everyone may post: every member holds a licence to post, for
    /// organisations that open posting to all. Off: posting in open channels
    /// is for contributors, approved by a coordinator.
    pub open_posting: bool,
}

/// The search index (kept in `<data_dir>/index`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct SearchSettings {
    /// Commit new changes at most this often (ms). Each commit makes them searchable.
    pub commit_ms: u64,
    /// How often the indexer looks for changes made by this or another server (ms).
    pub poll_ms: u64,
    /// Memory for the index writer, in MB.
    pub writer_mb: usize,
    /// Changes are kept in the outbox this long; a server stopped for longer rebuilds its index on start.
    pub outbox_days: i64,
}

impl Default for SearchSettings {
    fn default() -> Self {
        Self {
            commit_ms: 750,
            poll_ms: 100,
            writer_mb: 64,
            outbox_days: 14,
        }
    }
}

/// The curator's inbox and feed polling.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct CurationSettings {
    /// Items older than this fall out of the inbox on their own.
    pub inbox_days: i64,
    /// Inbox entries older than this are deleted, unless a post links to them.
    pub keep_days: i64,
    /// The organisation's time zone, for scheduling ("publish at 9:00"), as
    /// an IANA name like `Europe/London`. A name that is not one stops the
    /// start with an error, rather than quietly scheduling in UTC.
    #[serde(deserialize_with = "time_zone")]
    pub timezone: chrono_tz::Tz,
}

impl CurationSettings {
    /// How many days back the inbox shows, at least one (what `inbox_days` means in use).
    pub fn inbox_window_days(&self) -> i64 {
        self.inbox_days.max(1)
    }
}

/// The weekly digest email.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct DigestSettings {
    /// When digests go out: five cron fields read in `timezone`.
    #[serde(deserialize_with = "send_times")]
    pub schedule: SendTimes,
    #[serde(deserialize_with = "time_zone")]
    pub timezone: chrono_tz::Tz,
    /// A server that was down at the scheduled time still sends within this many hours.
    pub grace_hours: i64,
    /// SMTP connections one sender keeps open at once.
    pub connections: usize,
    /// How long a sender holds the few rows it claimed; a sender that stops
    /// leaves them to others after this.
    pub lease_secs: i64,
    /// How long the link confirming an email-only subscription works.
    pub confirm_hours: i64,
}

impl DigestSettings {
    pub fn schedule(&self) -> DigestSchedule {
        DigestSchedule::new(
            self.schedule.clone(),
            self.timezone,
            chrono::Duration::hours(self.grace_hours.max(0)),
        )
    }
}

impl Default for DigestSettings {
    fn default() -> Self {
        Self {
            // Monday 08:00.
            schedule: SendTimes::from_str("0 8 * * MON").unwrap_or_else(|e| panic!("the default schedule: {e}")),
            timezone: chrono_tz::Europe::London,
            grace_hours: 24,
            connections: 4,
            lease_secs: 60,
            confirm_hours: 48,
        }
    }
}

fn send_times<'de, D: serde::Deserializer<'de>>(to: D) -> Result<SendTimes, D::Error> {
    String::deserialize(to)?.parse().map_err(serde::de::Error::custom)
}

fn time_zone<'de, D: serde::Deserializer<'de>>(to: D) -> Result<chrono_tz::Tz, D::Error> {
    let name = String::deserialize(to)?;
    name.trim().parse().map_err(|_| {
        serde::de::Error::custom(format!(
            "{name:?} is not a time zone name; use one like \"Europe/London\" (the tz database's names)"
        ))
    })
}

impl Default for CurationSettings {
    fn default() -> Self {
        Self {
            inbox_days: 14,
            keep_days: 180,
            timezone: chrono_tz::Europe::London,
        }
    }
}

/// The background job runner inside the server.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct JobSettings {
    /// Run jobs in this process (tests turn it off and drain jobs by hand).
    pub run: bool,
    /// Jobs run at once (feeds polled in parallel).
    pub concurrency: usize,
    /// How long a claimed job stays ours before another worker may retry it.
    pub lease_secs: u64,
}

impl JobSettings {
    /// How long a claimed job stays its worker's (at least ten seconds).
    pub fn lease(&self) -> chrono::Duration {
        chrono::Duration::seconds(i64::try_from(self.lease_secs.max(10)).unwrap_or(i64::MAX))
    }
}

impl Default for JobSettings {
    fn default() -> Self {
        Self {
            run: true,
            concurrency: 8,
            lease_secs: 120,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ServerSettings {
    pub listen: SocketAddr,
    /// The address people use, e.g. `https://commonroom.brackenshire.gov.uk`.
    /// When it starts with `https`, cookies are marked Secure.
    pub public_url: Option<String>,
    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Answer each request with a `Server-Timing` header counting its database
    /// statements (for measuring; off in production).
    pub timing_header: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct AuthSettings {
    /// How long an invite link stays valid.
    pub invite_days: i64,
    /// How long "remember me" keeps someone signed in.
    pub remember_days: i64,
    /// Failed sign-ins allowed per account in a window before it is slowed down.
    pub max_failures_per_account: i32,
    /// Failed sign-ins allowed per client address in a window.
    pub max_failures_per_ip: i32,
    /// The window, and the base of the growing wait, in seconds.
    pub throttle_window_secs: i64,
    /// The first wait once over the limit, in seconds; it doubles with each further failure.
    pub throttle_base_block_secs: i64,
    /// The longest anyone is ever made to wait, in seconds.
    pub throttle_max_block_secs: i64,
    /// Email domains whose people may sign themselves up (by a link sent to
    /// their address), e.g. `["brackenshire.gov.uk"]`. Empty: invites only.
    /// Subdomains count: `nhs.uk` admits `trust.nhs.uk`.
    pub signup_domains: Vec<String>,
    /// How long a sign-up link stays valid.
    pub signup_link_hours: i64,
    /// How long a password reset link someone asked for stays valid.
    pub reset_link_hours: i64,
    /// How long a password reset link an administrator sent stays valid
    /// (the person may not read their email straight away).
    pub admin_reset_link_hours: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct EmailSettings {
    /// The sender, e.g. `Commonroom <commonroom@council.gov.uk>`.
    pub from: String,
    /// `files` (write `.eml` files; the default) or `smtp`.
    pub transport: MailTransport,
    /// Where `files` puts messages [default: `<data_dir>/mail`].
    pub files_dir: Option<PathBuf>,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_user: String,
    pub smtp_password: Secret,
    pub smtp_security: SmtpSecurity,
}

/// Where outgoing mail goes.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    /// `.eml` files in a folder: nothing leaves the machine (demos, trials).
    Files,
    Smtp,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain SMTP: only for a relay on the same host or a test server.
    None,
    Starttls,
    Tls,
}

impl Default for EmailSettings {
    fn default() -> Self {
        Self {
            from: "Commonroom <commonroom@localhost>".into(),
            transport: MailTransport::Files,
            files_dir: None,
            smtp_host: "localhost".into(),
            smtp_port: 587,
            smtp_user: String::new(),
            smtp_password: Secret::default(),
            smtp_security: SmtpSecurity::Starttls,
        }
    }
}

/// Outgoing requests (link previews, feeds). Internal addresses are refused
/// unless listed here.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct FetchSettings {
    /// Hosts, addresses or CIDR ranges that may be fetched even though they
    /// are internal, e.g. `["intranet.council.local", "10.1.0.0/16"]`.
    /// From the environment: `COMMONROOM__FETCH__ALLOW="127.0.0.1,::1"`.
    pub allow: Vec<String>,
    pub timeout_secs: u64,
    pub connect_timeout_secs: u64,
    pub max_bytes: usize,
}

impl Default for FetchSettings {
    fn default() -> Self {
        Self {
            allow: Vec::new(),
            timeout_secs: 20,
            connect_timeout_secs: 10,
            max_bytes: 5 * 1024 * 1024,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct LogSettings {
    /// `pretty` for people, `json` for log collectors.
    pub format: LogFormat,
    /// A tracing filter, e.g. `info,commonroom=debug`.
    pub filter: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            database_url: None,
            server: ServerSettings::default(),
            auth: AuthSettings::default(),
            community: CommunitySettings::default(),
            email: EmailSettings::default(),
            fetch: FetchSettings::default(),
            curation: CurationSettings::default(),
            digest: DigestSettings::default(),
            jobs: JobSettings::default(),
            search: SearchSettings::default(),
            log: LogSettings::default(),
        }
    }
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
            trust_forwarded_for: false,
            timing_header: false,
        }
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            invite_days: 7,
            remember_days: 30,
            max_failures_per_account: 5,
            max_failures_per_ip: 30,
            throttle_window_secs: 15 * 60,
            throttle_base_block_secs: 30,
            throttle_max_block_secs: 15 * 60,
            signup_domains: Vec::new(),
            signup_link_hours: 24,
            reset_link_hours: 1,
            admin_reset_link_hours: 24,
        }
    }
}

impl AuthSettings {
    pub fn throttle_limits(&self, max_failures: i32) -> crate::domain::throttle::Limits {
        crate::domain::throttle::Limits {
            max_failures,
            window: chrono::Duration::seconds(self.throttle_window_secs),
            base_block: chrono::Duration::seconds(self.throttle_base_block_secs),
            max_block: chrono::Duration::seconds(self.throttle_max_block_secs),
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Pretty,
            filter: "info".into(),
        }
    }
}

/// Flags that override file and environment.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub listen: Option<SocketAddr>,
}

impl Settings {
    /// Defaults ← `commonroom.toml` (or `--config`) ← `COMMONROOM__…` env ← flags.
    pub fn load(overrides: Overrides) -> anyhow::Result<Self> {
        let mut builder = config::Config::builder();
        match &overrides.config_file {
            Some(path) => builder = builder.add_source(config::File::from(path.as_path()).required(true)),
            None => builder = builder.add_source(config::File::from(Path::new("commonroom.toml")).required(false)),
        }
        builder = builder.add_source(
            config::Environment::with_prefix("COMMONROOM")
                .prefix_separator("__")
                .separator("__")
                .list_separator(",")
                .with_list_parse_key("auth.signup_domains")
                .with_list_parse_key("fetch.allow")
                .try_parsing(true),
        );
        let mut settings: Settings = builder
            .build()
            .and_then(config::Config::try_deserialize)
            .context("reading the settings (commonroom.toml and COMMONROOM__ environment variables)")?;
        if settings.database_url.is_none()
            && let Ok(url) = std::env::var("DATABASE_URL")
            && !url.is_empty()
        {
            settings.database_url = Some(Secret::new(url));
        }
        if let Some(dir) = overrides.data_dir {
            settings.data_dir = dir;
        }
        if let Some(url) = overrides.database_url {
            settings.database_url = Some(Secret::new(url));
        }
        if let Some(listen) = overrides.listen {
            settings.server.listen = listen;
        }
        Ok(settings)
    }

    /// The database to use: the configured URL, or SQLite in the data directory.
    pub fn database_url(&self) -> Secret {
        match &self.database_url {
            Some(url) if !url.expose().is_empty() => url.clone(),
            _ => Secret::new(format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("commonroom.db").display()
            )),
        }
    }

    pub fn uses_sqlite(&self) -> bool {
        self.database_url().expose().starts_with("sqlite:")
    }

    /// Whether people at this email domain may sign themselves up.
    pub fn signup_allowed(&self, domain: &str) -> bool {
        self.auth.signup_domains.iter().any(|allowed| {
            let allowed = allowed.trim().trim_start_matches('@').to_lowercase();
            !allowed.is_empty() && (domain == allowed || domain.ends_with(&format!(".{allowed}")))
        })
    }

    /// The address people reach Commonroom at, for links shown or sent to them.
    pub fn public_base(&self) -> String {
        match &self.server.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.server.listen),
        }
    }

    /// The host name in the public address, for Message-IDs and `List-Id`.
    pub fn public_host(&self) -> String {
        let base = self.public_base();
        let rest = base.split_once("://").map_or(base.as_str(), |(_, rest)| rest);
        let host = rest.split(['/', ':']).next().unwrap_or_default();
        if host.is_empty() {
            "commonroom.invalid".to_owned()
        } else {
            host.to_lowercase()
        }
    }

    pub fn secure_cookies(&self) -> bool {
        self.server
            .public_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://"))
    }
}
