//! Server-side sessions in the database, so they survive restarts, work across
//! several app servers, and can be revoked (sign out everywhere).

use std::collections::HashMap;
use std::fmt;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, Func, OnConflict, Query, SelectStatement, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult, QueryFilter, Set,
    Statement,
};
use time::OffsetDateTime;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use super::is_unique_violation;
use crate::domain::time::now;
use crate::entities::{channel, channel_follow, session, user};

/// The key axum-login keeps the signed-in user under.
const AUTH_KEY: &str = "axum-login.data";

#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: DatabaseConnection,
    /// The statement every request's session is read with, built once.
    head: HeadStatement,
}

impl DbSessionStore {
    pub fn new(db: DatabaseConnection) -> Self {
        let head = HeadStatement::new(db.get_database_backend());
        Self { db, head }
    }
}

fn backend(err: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}

fn to_chrono(at: OffsetDateTime) -> DateTime<Utc> {
    let micros = at.unix_timestamp_nanos() / 1_000;
    DateTime::from_timestamp_micros(i64::try_from(micros).unwrap_or(i64::MAX)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn to_offset(at: DateTime<Utc>) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(at.timestamp_micros()) * 1_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Whom a session is signed in as, as the sign-in layer keeps it: the
/// account's id, which is all that is stored; and, once the session has been
/// loaded, the stamps read in the same statement as the session, which say
/// whether an account or a home page read earlier is still current.
#[derive(Debug, Clone, Copy)]
pub struct SignedIn {
    pub id: i64,
    /// The stamps as loaded with the session, for this request only.
    pub stamps: Option<Stamps>,
}

/// What a signed-in page was read at: the account's stamp (see the
/// `account_stamps` migration), the sum of the content stamps of the
/// channels it follows (see `content_stamps`), and the sum of every
/// channel's. All only ever grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stamps {
    pub account: i64,
    pub home: i64,
    pub content: i64,
}

impl SignedIn {
    pub fn new(id: i64) -> Self {
        Self { id, stamps: None }
    }
}

impl fmt::Display for SignedIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.id)
    }
}

/// Only the id is ever written.
impl serde::Serialize for SignedIn {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_i64(self.id)
    }
}

/// The id as stored, or the id with the stamps `load` put beside it.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
enum SignedInForm {
    Stored(i64),
    Loaded { id: i64, stamps: Stamps },
}

impl<'de> serde::Deserialize<'de> for SignedIn {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(match SignedInForm::deserialize(deserializer)? {
            SignedInForm::Stored(id) => Self::new(id),
            SignedInForm::Loaded { id, stamps } => Self {
                id,
                stamps: Some(stamps),
            },
        })
    }
}

/// The signed-in id a session's data holds, in either form.
fn signed_in_id(data: &HashMap<String, serde_json::Value>) -> Option<i64> {
    let user = data.get(AUTH_KEY)?.get("user_id")?;
    user.as_i64().or_else(|| user.get("id")?.as_i64())
}

/// Put the stamps read with the session beside the id the session keeps.
fn attach(data: &mut HashMap<String, serde_json::Value>, id: i64, stamps: Stamps) {
    if signed_in_id(data) != Some(id) {
        return;
    }
    if let (Some(user), Ok(loaded)) = (
        data.get_mut(AUTH_KEY).and_then(|d| d.get_mut("user_id")),
        serde_json::to_value(SignedInForm::Loaded { id, stamps }),
    ) {
        *user = loaded;
    }
}

/// The session's data as stored: the signed-in id alone, never an account
/// loaded beside it.
fn stored(record: &Record) -> HashMap<String, serde_json::Value> {
    let mut data = record.data.clone();
    if let Some(id) = signed_in_id(&data)
        && let Some(user) = data.get_mut(AUTH_KEY).and_then(|d| d.get_mut("user_id"))
    {
        *user = id.into();
    }
    data
}

/// The signed-in user a session belongs to, if any (kept in a column for revocation).
fn user_of(record: &Record) -> Option<i64> {
    signed_in_id(&record.data)
}

fn active_model(record: &Record) -> Result<session::ActiveModel, session_store::Error> {
    let data = serde_json::to_string(&stored(record)).map_err(|e| session_store::Error::Encode(e.to_string()))?;
    Ok(session::ActiveModel {
        id: Set(record.id.to_string()),
        user_id: Set(user_of(record)),
        data: Set(data),
        expires_at: Set(to_chrono(record.expiry_date)),
        created_at: Set(now()),
    })
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        loop {
            match session::Entity::insert(active_model(record)?).exec(&self.db).await {
                Ok(_) => return Ok(()),
                Err(e) if is_unique_violation(&e) => record.id = Id::default(),
                Err(e) => return Err(backend(e)),
            }
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        session::Entity::insert(active_model(record)?)
            .on_conflict(
                OnConflict::column(session::Column::Id)
                    .update_columns([
                        session::Column::UserId,
                        session::Column::Data,
                        session::Column::ExpiresAt,
                    ])
                    .to_owned(),
            )
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }

    /// The session and, in the same statement, the stamps of the account it
    /// is signed in as.
    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let found = Head::find_by_statement(self.head.bind(&id.to_string(), now()))
            .one(&self.db)
            .await
            .map_err(backend)?;
        let Some(found) = found else { return Ok(None) };
        let mut data = serde_json::from_str(&found.data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        if let (Some(user_id), Some(account), Some(home)) = (found.user_id, found.access_stamp, found.home_stamp) {
            let content = found.content_stamp;
            attach(&mut data, user_id, Stamps { account, home, content });
        }
        Ok(Some(Record {
            id: *id,
            data,
            expiry_date: to_offset(found.expires_at),
        }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        session::Entity::delete_by_id(id.to_string())
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}

/// A live session's stored data, whom it is signed in as, and that
/// account's stamps (none when the account is gone).
#[derive(FromQueryResult)]
struct Head {
    data: String,
    expires_at: DateTime<Utc>,
    user_id: Option<i64>,
    access_stamp: Option<i64>,
    home_stamp: Option<i64>,
    content_stamp: i64,
}

/// A live session (not expired at `at`), in one statement by primary keys:
/// its only values are the two given, in that order (see [`HeadStatement`]).
fn head_query(id: &str, at: DateTime<Utc>) -> SelectStatement {
    use session::Column as S;
    Query::select()
        .columns([S::Data, S::ExpiresAt, S::UserId].map(|c| (session::Entity, c)))
        .column((user::Entity, user::Column::AccessStamp))
        .expr_as(
            SimpleExpr::SubQuery(None, Box::new(home_stamp().into_sub_query_statement())),
            Alias::new("home_stamp"),
        )
        .expr_as(
            SimpleExpr::SubQuery(None, Box::new(content_stamp().into_sub_query_statement())),
            Alias::new("content_stamp"),
        )
        .from(session::Entity)
        .left_join(
            user::Entity,
            Expr::col((user::Entity, user::Column::Id)).equals((session::Entity, S::UserId)),
        )
        .and_where(Expr::col((session::Entity, S::Id)).eq(id))
        .and_where(Expr::col((session::Entity, S::ExpiresAt)).gt(at))
        .to_owned()
}

/// [`head_query`] as this backend's text, built once: every request binds
/// only the session's id and the time, where building the statement again
/// would cost about as much as running it.
#[derive(Debug, Clone)]
struct HeadStatement {
    backend: DbBackend,
    text: String,
}

impl HeadStatement {
    fn new(backend: DbBackend) -> Self {
        let text = backend.build(&head_query("", DateTime::UNIX_EPOCH)).sql;
        Self { backend, text }
    }

    fn bind(&self, id: &str, at: DateTime<Utc>) -> Statement {
        Statement::from_sql_and_values(self.backend, &self.text, [id.into(), at.into()])
    }
}

/// The sum of the content stamps of the channels the session's account
/// follows: it changes whenever anything on their home page does.
fn home_stamp() -> SelectStatement {
    sum_of_stamps()
        .from(channel_follow::Entity)
        .inner_join(
            channel::Entity,
            Expr::col((channel::Entity, channel::Column::Id))
                .equals((channel_follow::Entity, channel_follow::Column::ChannelId)),
        )
        .and_where(
            Expr::col((channel_follow::Entity, channel_follow::Column::UserId))
                .equals((user::Entity, user::Column::Id)),
        )
        .to_owned()
}

/// The sum of every channel's content stamp: unchanged, nothing any page
/// shows has changed since (a thread read then is still the thread).
fn content_stamp() -> SelectStatement {
    sum_of_stamps().from(channel::Entity).to_owned()
}

/// `SUM(channels.content_stamp)` as a whole number (0 over no channels).
fn sum_of_stamps() -> SelectStatement {
    let stamp = Expr::col((channel::Entity, Alias::new("content_stamp"))).sum();
    // The 0 written in, not bound: the session statement binds only its id and time.
    Query::select()
        .expr(Func::cast_as(
            Func::coalesce([stamp, SimpleExpr::Constant(0.into())]),
            Alias::new("BIGINT"),
        ))
        .to_owned()
}

/// Remove sessions past their expiry. Run periodically.
pub async fn delete_expired(db: &DatabaseConnection) -> Result<u64, sea_orm::DbErr> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(now()))
        .exec(db)
        .await?
        .rows_affected)
}

/// Sign a person out everywhere, except (optionally) the session they are using.
pub async fn revoke_for_user(
    db: &impl ConnectionTrait,
    user_id: i64,
    keep: Option<&str>,
) -> Result<u64, sea_orm::DbErr> {
    let mut query = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        query = query.filter(session::Column::Id.ne(keep));
    }
    Ok(query.exec(db).await?.rows_affected)
}

/// How many live sessions a person has (shown on their profile).
pub async fn count_for_user(db: &DatabaseConnection, user_id: i64) -> Result<u64, sea_orm::DbErr> {
    use sea_orm::PaginatorTrait;
    session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::ExpiresAt.gt(now()))
        .count(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_statement_built_once_binds_what_building_it_again_would() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).expect("a time");
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            assert_eq!(
                HeadStatement::new(backend).bind("a-session", at),
                backend.build(&head_query("a-session", at))
            );
        }
    }
}
