//! Spawning the real app on port 0 against a fresh database (a SQLite file or
//! a uniquely named PostgreSQL database, dropped afterwards), and a small
//! browser-like client for driving it over HTTP.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use commonroom::config::{Secret, Settings};
use commonroom::domain::email::EmailAddress;
use commonroom::domain::person::{PersonName, Work};
use commonroom::domain::role::Role;
use commonroom::startup::Application;
use commonroom::state::AppState;
use commonroom::store::users::{self, NewUser};
use reqwest::header::{HeaderMap, LOCATION};
use reqwest::redirect::Policy;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, Statement};

pub const PASSWORD: &str = "correct horse battery";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Run each named test against SQLite and PostgreSQL, as `<name>::sqlite` and `<name>::postgres`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => { $(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                if let Some(app) = $crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await {
                    super::$name(app).await;
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await {
                    super::$name(app).await;
                }
            }
        }
    )* };
}

fn admin_url() -> String {
    std::env::var("COMMONROOM_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// A throwaway PostgreSQL database, dropped when the test ends.
struct PgDatabase {
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs outside any async context we can borrow; use a private runtime.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            rt.block_on(async {
                if let Ok(admin) = Database::connect(admin_url()).await {
                    let _ = admin
                        .execute(Statement::from_string(
                            sea_orm::DbBackend::Postgres,
                            format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
                        ))
                        .await;
                }
            });
        })
        .join();
    }
}

async fn fresh_postgres() -> Option<(String, PgDatabase)> {
    let admin = match Database::connect(admin_url()).await {
        Ok(db) => db,
        Err(err) => {
            assert!(
                !in_ci(),
                "PostgreSQL is required under CI=true but is not reachable: {err}"
            );
            eprintln!(
                "SKIPPED (PostgreSQL not reachable at {}: {err}); set CI=true to make this a failure",
                admin_url()
            );
            return None;
        }
    };
    let name = format!("commonroom_test_{}", rand_suffix());
    admin
        .execute(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            format!("CREATE DATABASE \"{name}\""),
        ))
        .await
        .expect("create test database");
    let base = admin_url();
    let url = match base.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{name}"),
        None => format!("{base}/{name}"),
    };
    Some((url, PgDatabase { name }))
}

fn rand_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let t = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{}_{}_{}", std::process::id(), t % 1_000_000_000, n)
}

/// A database with nothing in it, not even the schema: a SQLite file in a
/// directory of its own, or a fresh PostgreSQL database; both go when it does.
pub struct EmptyDatabase {
    pub url: String,
    _dir: tempfile::TempDir,
    _pg: Option<PgDatabase>,
}

pub async fn empty_database(backend: Backend) -> Option<EmptyDatabase> {
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, pg) = match backend {
        Backend::Sqlite => (
            format!("sqlite://{}?mode=rwc", dir.path().join("empty.db").display()),
            None,
        ),
        Backend::Postgres => {
            let (url, pg) = fresh_postgres().await?;
            (url, Some(pg))
        }
    };
    Some(EmptyDatabase {
        url,
        _dir: dir,
        _pg: pg,
    })
}

pub struct TestApp {
    pub address: String,
    pub db: DatabaseConnection,
    /// The running app's state, for draining jobs and calling library functions.
    pub state: AppState,
    _data_dir: tempfile::TempDir,
    _pg: Option<PgDatabase>,
}

/// Settings for a test app: port 0, its own data directory, quick throttling.
pub fn test_settings(data_dir: &std::path::Path, database_url: Option<String>) -> Settings {
    let mut settings = Settings {
        data_dir: data_dir.to_path_buf(),
        database_url: database_url.map(Secret::new),
        ..Settings::default()
    };
    settings.server.listen = "127.0.0.1:0".parse().expect("address");
    settings.log.filter = "warn".into();
    // Every response counts its database statements (`Server-Timing`).
    settings.server.timing_header = true;
    // Searchable within a few tens of milliseconds, so tests that wait for the index wait little.
    settings.search.commit_ms = 50;
    settings.search.poll_ms = 20;
    // Tests run background jobs themselves, with `drain_jobs`, instead of waiting.
    settings.jobs.run = false;
    settings
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, |_| {}).await
}

/// A second server on the same database (as several app servers share one
/// PostgreSQL), with its own data directory and so its own search index.
pub async fn spawn_app_beside(first: &TestApp) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let url = first.state.settings.database_url().expose().to_owned();
    let settings = test_settings(data_dir.path(), Some(url));
    let app = Application::build(settings).await.expect("build app");
    let address = format!("http://{}", app.address());
    let db = app.state().db.clone();
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        db,
        state,
        _data_dir: data_dir,
        _pg: None,
    }
}

pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let (url, pg) = match backend {
        Backend::Sqlite => (None, None),
        Backend::Postgres => {
            let (url, pg) = fresh_postgres().await?;
            (Some(url), Some(pg))
        }
    };
    let mut settings = test_settings(data_dir.path(), url);
    tweak(&mut settings);
    let app = Application::build(settings).await.expect("build app");
    let address = format!("http://{}", app.address());
    let db = app.state().db.clone();
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    Some(TestApp {
        address,
        db,
        state,
        _data_dir: data_dir,
        _pg: pg,
    })
}

/// The `commonroom` binary this test run built, as the tests run it: quiet
/// logs, no backtraces, and no `DATABASE_URL` from the shell running the
/// tests (each test says which database it means).
pub fn commonroom() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_commonroom"));
    cmd.env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .env("RUST_BACKTRACE", "0");
    cmd
}

/// One password hash for every test account: hashing is deliberately slow.
async fn test_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    if let Some(h) = HASH.get() {
        return h.clone();
    }
    let h = commonroom::service::accounts::hash_password(PASSWORD.to_owned())
        .await
        .expect("hash");
    HASH.get_or_init(|| h).clone()
}

impl TestApp {
    /// Run every due background job (feed polls, housekeeping) until none is left.
    pub async fn drain_jobs(&self) -> usize {
        commonroom::jobs::drain(&self.state).await.expect("drain jobs")
    }

    /// Wait until the index answers searches and every content change so far
    /// is searchable (the indexer runs in the app).
    pub async fn search_settled(&self) {
        let opened = std::time::Instant::now();
        while self.state.search.live().is_none() {
            assert!(
                opened.elapsed() < std::time::Duration::from_secs(15),
                "search index did not open ({:?})",
                self.state.search.status()
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let head = commonroom::store::search::outbox_head(&self.db)
            .await
            .expect("outbox head");
        assert!(
            self.state
                .search
                .wait_for(head, std::time::Duration::from_secs(15))
                .await,
            "search index did not catch up with outbox row {head} (at {}; {:?})",
            self.state.search.applied(),
            self.state.search.status()
        );
    }

    pub fn data_dir(&self) -> &std::path::Path {
        self._data_dir.path()
    }

    /// `commonroom` on this app's database, keeping its files in `data_dir`
    /// (the app's own, or another server's); killed if the test ends first.
    pub fn command_in(&self, data_dir: &std::path::Path) -> tokio::process::Command {
        let mut cmd = commonroom();
        cmd.arg("--data-dir")
            .arg(data_dir)
            .arg("--database-url")
            .arg(self.state.settings.database_url().expose());
        let mut cmd = tokio::process::Command::from(cmd);
        cmd.kill_on_drop(true);
        cmd
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// A new browser with its own cookie jar, not signed in.
    pub fn browser(&self) -> Browser {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .expect("client");
        Browser {
            client,
            base: self.address.clone(),
        }
    }

    pub async fn create_user(&self, handle: &str, role: Role) -> i64 {
        let new = NewUser {
            email: EmailAddress::parse(&format!("{handle}@example.org")).expect("email"),
            name: PersonName::parse(&title_case(handle)).expect("name"),
            password_hash: Some(test_hash().await),
            roles: vec![role],
            work: Work::default(),
        };
        users::create(&self.db, new, None).await.expect("create user")
    }

    /// A signed-in browser for a new account with this handle and role.
    pub async fn signed_in(&self, handle: &str, role: Role) -> Browser {
        self.create_user(handle, role).await;
        let browser = self.browser();
        let response = browser.sign_in(&format!("{handle}@example.org"), PASSWORD).await;
        assert_eq!(response.status(), 303, "sign-in should redirect");
        browser
    }

    /// An admin creates an open channel; returns its slug.
    pub async fn channel(&self, admin: &Browser, name: &str, slug: &str) -> String {
        let r = admin
            .post(
                "/channels",
                &[("name", name), ("slug", slug), ("description", "A test channel.")],
            )
            .await;
        assert_eq!(r.status(), 303, "channel creation should redirect");
        slug.to_owned()
    }

    /// An admin creates "Working group" (`/c/wg`), private with this
    /// visibility (`private-listed` or `private-hidden`); the admin is its first member.
    pub async fn working_group(&self, admin: &Browser, visibility: &str) {
        let r = admin
            .post(
                "/channels",
                &[("name", "Working group"), ("slug", "wg"), ("visibility", visibility)],
            )
            .await;
        assert_eq!(r.status(), 303, "channel creation should redirect");
    }

    /// The id of the account with this handle.
    pub async fn user_id(&self, handle: &str) -> i64 {
        self.sql_i64(&format!("SELECT id FROM users WHERE handle = '{handle}'"))
            .await
    }

    pub async fn sql_i64(&self, sql: &str) -> i64 {
        let row = self
            .db
            .query_one(Statement::from_string(self.db.get_database_backend(), sql.to_owned()))
            .await
            .expect("query")
            .expect("row");
        row.try_get_by_index::<i64>(0).expect("i64")
    }

    /// From now on the database refuses every `op` (`INSERT`, `UPDATE` or
    /// `DELETE`) on `table`, as a full disk or a failing constraint would,
    /// to show that what fails leaves nothing half done.
    pub async fn refuse(&self, op: &str, table: &str) {
        let trigger = format!("refuse_{}_{table}", op.to_lowercase());
        match self.db.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                self.exec(
                    "CREATE OR REPLACE FUNCTION refuse_for_test() RETURNS trigger LANGUAGE plpgsql \
                     AS $$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$",
                )
                .await;
                self.exec(&format!(
                    "CREATE TRIGGER {trigger} BEFORE {op} ON {table} FOR EACH ROW EXECUTE FUNCTION refuse_for_test()"
                ))
                .await;
            }
            _ => {
                self.exec(&format!(
                    "CREATE TRIGGER {trigger} BEFORE {op} ON {table} BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"
                ))
                .await;
            }
        }
    }

    /// Move every post into `week` (in order, a second apart, in the past),
    /// so a test about the coming digest holds on any day: early on a
    /// Monday the coming digest is the week that just ended.
    pub async fn move_posts_into(&self, week: commonroom::domain::digest::DigestWeek) {
        use commonroom::entities::post;
        use sea_orm::{ActiveModelTrait, EntityTrait, QueryOrder, Set};
        let posts = post::Entity::find()
            .order_by_asc(post::Column::Id)
            .all(&self.db)
            .await
            .expect("posts");
        // An hour in, or (for the week that is starting now) just before
        // now: never in the future, where no digest looks.
        let begins = week.span(self.state.settings.digest.timezone).0;
        let latest = commonroom::domain::time::now() - chrono::Duration::seconds(posts.len() as i64 + 1);
        let start = (begins + chrono::Duration::hours(1)).min(latest).max(begins);
        for (n, p) in posts.into_iter().enumerate() {
            let mut p: post::ActiveModel = p.into();
            p.published_at = Set(start + chrono::Duration::seconds(n as i64));
            p.update(&self.db).await.expect("move the post");
        }
    }

    pub async fn exec(&self, sql: &str) {
        self.db
            .execute(Statement::from_string(self.db.get_database_backend(), sql.to_owned()))
            .await
            .expect("exec");
    }
}

fn title_case(handle: &str) -> String {
    handle
        .split(['.', '_', '-'])
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A cookie-keeping client that does not follow redirects, so tests see them.
pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
}

impl Browser {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET")
    }

    pub async fn text(&self, path: &str) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "GET {path}");
        r.text().await.expect("body")
    }

    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    pub async fn post_with(&self, path: &str, form: &[(&str, &str)], headers: HeaderMap) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .headers(headers)
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> reqwest::Response {
        self.post("/login", &[("email", email), ("password", password), ("next", "/")])
            .await
    }

    /// Post to a channel; returns the new post's id.
    pub async fn create_post(&self, slug: &str, kind: &str, title: &str, url: &str, body: &str) -> i64 {
        let r = self
            .post(
                &format!("/c/{slug}/posts"),
                &[("kind", kind), ("title", title), ("url", url), ("body", body)],
            )
            .await;
        assert_eq!(r.status(), 303, "posting should redirect to the thread");
        id_from_location(&r, "/p/")
    }

    pub async fn reply(&self, post_id: i64, body: &str, quote_of: Option<i64>) -> i64 {
        let quote = quote_of.map(|q| q.to_string()).unwrap_or_default();
        let mut form = vec![("body", body)];
        if quote_of.is_some() {
            form.push(("quote_of", quote.as_str()));
        }
        let r = self.post(&format!("/p/{post_id}/replies"), &form).await;
        assert_eq!(r.status(), 303, "replying should redirect");
        let location = location(&r);
        location
            .rsplit_once("#reply-")
            .and_then(|(_, id)| id.parse().ok())
            .expect("reply id in location")
    }
}

/// Every message body written to a folder, oldest first.
pub fn messages_in(dir: &Path) -> Vec<String> {
    let mut files: Vec<PathBuf> = walk(dir);
    files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok());
    // Undo quoted-printable soft line breaks so phrases can be found whole.
    files
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .map(|m| m.replace("=\r\n", "").replace("=\n", ""))
        .collect()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .flat_map(|e| {
            if e.path().is_dir() {
                walk(&e.path())
            } else {
                vec![e.path()]
            }
        })
        .collect()
}

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

pub fn id_from_location(response: &reqwest::Response, prefix: &str) -> i64 {
    let loc = location(response);
    loc.strip_prefix(prefix)
        .and_then(|rest| rest.split(['#', '?', '/']).next())
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no id in Location {loc:?}"))
}
