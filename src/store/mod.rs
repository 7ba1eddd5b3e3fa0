//! Plain async query functions, one module per aggregate, over sea-orm.
//! They return view structs; handlers never build queries and templates never
//! see an entity. One module keeps state: `signed_in`, the accounts of
//! signed-in sessions, each kept while its stamp in the database is unchanged.

pub mod announcements;
pub mod applications;
pub mod audit;
pub mod channel_pages;
pub mod channels;
pub mod digest;
pub mod digest_outbox;
pub mod feeds;
pub mod groups;
pub mod guidelines;
pub mod home_pages;
pub mod inbox;
pub mod invites;
pub mod jobs;
pub mod kept;
pub mod keys;
pub mod mentions;
pub mod moderation;
pub mod notifications;
pub mod outbox;
pub mod password_resets;
pub mod posts;
pub mod reactions;
pub mod replies;
pub mod search;
pub mod sessions;
pub mod signed_in;
pub mod sites;
pub mod thread_pages;
pub mod throttle;
pub mod users;

use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend, Statement,
    TransactionTrait, Value,
};

use crate::config::Settings;

/// Open the database, migrated. Pending migrations run on a connection of
/// their own, closed before the pool opens: a SQLite connection keeps the
/// schema it last read and checks an upsert's `ON CONFLICT` target against
/// that copy, so a pooled connection that had read the schema halfway
/// through a migration (a table created, its unique index not yet) failed
/// every upsert into that table.
pub async fn open(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    let mut single = options(settings)?;
    single.max_connections(1).min_connections(1);
    let db = Database::connect(single).await.context("connecting to the database")?;
    Migrator::up(&db, None).await.context("running migrations")?;
    db.close().await.context("closing the migration connection")?;
    let mut db = Database::connect(options(settings)?)
        .await
        .context("connecting to the database")?;
    if settings.server.timing_header {
        db.set_metric_callback(|info| crate::telemetry::count_statement(&info.statement.sql, info.elapsed));
    }
    Ok(db)
}

/// The pool's options: SQLite in WAL mode with a busy timeout, or PostgreSQL.
fn options(settings: &Settings) -> anyhow::Result<ConnectOptions> {
    let url = settings.database_url();
    if settings.uses_sqlite() {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("creating data directory {}", settings.data_dir.display()))?;
    }
    let mut options = ConnectOptions::new(url.expose().to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10));
    if settings.uses_sqlite() {
        // A SQLite connection is a file handle in this process: there is no
        // server that could have dropped it, so checking it before every use
        // would only cost a round trip to its thread.
        options.test_before_acquire(false);
        options.max_connections(8).min_connections(1).map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .pragma("wal_autocheckpoint", "10000")
        });
    } else {
        options.max_connections(20).min_connections(1);
    }
    Ok(options)
}

/// Whether the database answers (for `/healthz`).
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// Start a transaction that will write. On SQLite it takes the write lock at
/// once (waiting up to the busy timeout), instead of reading first and
/// failing with "database is locked" when it later needs to write while
/// another connection has written in between.
pub(crate) async fn begin_write(db: &impl TransactionTrait) -> Result<DatabaseTransaction, sea_orm::DbErr> {
    let txn = db.begin().await?;
    if txn.get_database_backend() == DbBackend::Sqlite {
        // A write statement that changes nothing still takes SQLite's write lock.
        txn.execute_unprepared("DELETE FROM search_outbox WHERE 0 = 1").await?;
    }
    Ok(txn)
}

/// A statement written with `?` placeholders, numbered `$1, $2, …` for
/// PostgreSQL. Only placeholders are numbered: a `?` inside a string
/// literal, a quoted name or a comment is text, and stays as written.
pub(crate) fn sql(db: &impl ConnectionTrait, text: &str, values: Vec<Value>) -> Statement {
    let backend = db.get_database_backend();
    if backend == DbBackend::Postgres {
        Statement::from_sql_and_values(backend, numbered(text), values)
    } else {
        Statement::from_sql_and_values(backend, text, values)
    }
}

/// `text` with each placeholder `?` outside literals, quoted names and
/// comments replaced by `$n`, counting from 1.
fn numbered(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut n = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        match c {
            '?' => {
                out.pop();
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            // A literal or quoted name runs to its closing quote; a doubled
            // quote inside it is an escaped quote, read as two halves.
            '\'' | '"' => {
                for inner in chars.by_ref() {
                    out.push(inner);
                    if inner == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                for inner in chars.by_ref() {
                    out.push(inner);
                    if inner == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                // The opening star is not half of a closing `*/`.
                chars.next();
                out.push('*');
                let mut last = ' ';
                for inner in chars.by_ref() {
                    out.push(inner);
                    if last == '*' && inner == '/' {
                        break;
                    }
                    last = inner;
                }
            }
            _ => {}
        }
    }
    out
}

/// A scalar subquery giving `value` of each row of `from` (its FROM and
/// WHERE), in `order`, as one JSON array in text: `[]` when there are none.
/// Each backend has its own aggregate for it.
pub(crate) fn json_array_of(backend: DbBackend, value: &str, order: &str, from: &str) -> String {
    match backend {
        DbBackend::Postgres => format!("(SELECT COALESCE(json_agg({value} ORDER BY {order}), '[]')::text {from})"),
        _ => format!("(SELECT json_group_array({value} ORDER BY {order}) {from})"),
    }
}

/// A fragment of SQL with no sea-query spelling (such as an ordered
/// aggregate), with `?` for each of `values`: sea-query wants PostgreSQL's
/// numbered from `$1` within the fragment.
pub(crate) fn fragment(backend: DbBackend, text: &str, values: impl IntoIterator<Item = Value>) -> SimpleExpr {
    let text = if backend == DbBackend::Postgres {
        numbered(text)
    } else {
        text.to_owned()
    };
    Expr::cust_with_values(text, values)
}

/// `?, ?, ?` for an `IN (…)` list of `n` values (at least one).
pub(crate) fn placeholders(n: usize) -> String {
    vec!["?"; n.max(1)].join(", ")
}

/// Whether an error is a unique-constraint violation (a lost race, a duplicate).
pub(crate) fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(err.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

/// A fresh secret for a link sent or shown once (an invite, a password
/// reset): 256 random bits, URL-safe. Only its `token_hash` is stored.
fn new_token() -> String {
    use base64::Engine as _;
    use rand::RngCore as _;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a link's token: its SHA-256, in hex, so a copy of the
/// database opens no account.
fn token_hash(token: &str) -> String {
    use sha2::{Digest as _, Sha256};
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn placeholders_are_numbered_in_order() {
        assert_eq!(
            numbered("SELECT a FROM t WHERE b = ? AND c IN (?, ?)"),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)"
        );
    }

    #[test]
    fn a_question_mark_in_text_is_left_alone() {
        assert_eq!(
            numbered("SELECT '?', 'it''s ?', \"odd?name\" FROM t WHERE x = ? -- why?\nAND y = ? /* or? */ AND z = ?"),
            "SELECT '?', 'it''s ?', \"odd?name\" FROM t WHERE x = $1 -- why?\nAND y = $2 /* or? */ AND z = $3"
        );
        assert_eq!(numbered("SELECT 1 /*/ ? */ , ?"), "SELECT 1 /*/ ? */ , $1");
    }
}
