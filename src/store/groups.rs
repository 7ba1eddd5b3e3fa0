//! Working groups as rows: requests to join a private channel and their
//! answers, and who looks after each channel (managers, and deputies who
//! cover `until` a moment). Every function takes the caller's connection or
//! transaction: the service that calls them owns the transaction and writes
//! the audit row in it.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::sql;
use super::users::PersonChip;
use crate::domain::time::{When, now};

#[derive(FromQueryResult)]
struct Id {
    id: i64,
}

// ---------------------------------------------------------------------------
// Requests to join

/// A request to join, as its channel's managers read it.
#[derive(Debug, Clone)]
pub struct JoinRequest {
    pub id: i64,
    pub channel_id: i64,
    pub person: PersonChip,
    pub message: String,
    pub created: When,
}

#[derive(FromQueryResult)]
struct JoinRow {
    id: i64,
    channel_id: i64,
    user_id: i64,
    name: String,
    handle: String,
    message: String,
    created_at: DateTime<Utc>,
}

impl From<JoinRow> for JoinRequest {
    fn from(r: JoinRow) -> Self {
        Self {
            id: r.id,
            channel_id: r.channel_id,
            person: PersonChip::new(r.user_id, r.name, r.handle),
            message: r.message,
            created: When::new(r.created_at),
        }
    }
}

const JOIN_SELECT: &str = "SELECT j.id, j.channel_id, j.user_id, u.name, u.handle, j.message, j.created_at \
                           FROM join_requests j JOIN users u ON u.id = j.user_id";

/// Ask to join; `None` if this person has a request waiting already.
pub async fn add_request(
    db: &impl ConnectionTrait,
    channel_id: i64,
    user_id: i64,
    message: &str,
) -> Result<Option<i64>, sea_orm::DbErr> {
    // ON CONFLICT rather than catching the error: on PostgreSQL a failed
    // statement would spoil the caller's transaction.
    let row = Id::find_by_statement(sql(
        db,
        "INSERT INTO join_requests (channel_id, user_id, message, status, created_at) VALUES (?, ?, ?, 'pending', ?) \
         ON CONFLICT (channel_id, user_id) WHERE status = 'pending' DO NOTHING RETURNING id",
        vec![channel_id.into(), user_id.into(), message.into(), now().into()],
    ))
    .one(db)
    .await?;
    Ok(row.map(|r| r.id))
}

/// A person's request waiting to join a channel, if any.
pub async fn pending_request(
    db: &impl ConnectionTrait,
    channel_id: i64,
    user_id: i64,
) -> Result<Option<JoinRequest>, sea_orm::DbErr> {
    Ok(JoinRow::find_by_statement(sql(
        db,
        &format!("{JOIN_SELECT} WHERE j.channel_id = ? AND j.user_id = ? AND j.status = 'pending'"),
        vec![channel_id.into(), user_id.into()],
    ))
    .one(db)
    .await?
    .map(JoinRequest::from))
}

/// A waiting request by its id.
pub async fn pending_by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<JoinRequest>, sea_orm::DbErr> {
    Ok(JoinRow::find_by_statement(sql(
        db,
        &format!("{JOIN_SELECT} WHERE j.id = ? AND j.status = 'pending'"),
        vec![id.into()],
    ))
    .one(db)
    .await?
    .map(JoinRequest::from))
}

/// The requests waiting to join a channel, oldest first.
pub async fn pending_requests(db: &impl ConnectionTrait, channel_id: i64) -> Result<Vec<JoinRequest>, sea_orm::DbErr> {
    Ok(JoinRow::find_by_statement(sql(
        db,
        &format!("{JOIN_SELECT} WHERE j.channel_id = ? AND j.status = 'pending' ORDER BY j.created_at, j.id"),
        vec![channel_id.into()],
    ))
    .all(db)
    .await?
    .into_iter()
    .map(JoinRequest::from)
    .collect())
}

/// Close a waiting request as `accepted`, `declined` or `withdrawn`; false if
/// it was no longer waiting (someone else answered first).
pub async fn close_request(
    db: &impl ConnectionTrait,
    id: i64,
    status: &str,
    by: i64,
    reason: Option<&str>,
) -> Result<bool, sea_orm::DbErr> {
    Ok(db
        .execute(sql(
            db,
            "UPDATE join_requests SET status = ?, decided_at = ?, decided_by = ?, decision_reason = ? \
             WHERE id = ? AND status = 'pending'",
            vec![
                status.into(),
                now().into(),
                by.into(),
                reason.map(str::to_owned).into(),
                id.into(),
            ],
        ))
        .await?
        .rows_affected()
        == 1)
}

// ---------------------------------------------------------------------------
// Managers and deputies

/// Someone who looks after a channel: a manager, or a deputy until a moment.
#[derive(Debug, Clone)]
pub struct Steward {
    pub person: PersonChip,
    /// `None` for a manager; the end of a deputy's cover.
    pub until: Option<DateTime<Utc>>,
}

impl Steward {
    pub fn is_deputy(&self) -> bool {
        self.until.is_some()
    }

    /// Whether a deputy's cover has ended (a manager's never does).
    pub fn lapsed(&self, at: DateTime<Utc>) -> bool {
        self.until.is_some_and(|until| until <= at)
    }
}

#[derive(FromQueryResult)]
struct StewardRow {
    user_id: i64,
    name: String,
    handle: String,
    until: Option<DateTime<Utc>>,
}

/// A channel's managers, then its deputies (lapsed ones included, for the
/// managers to see and clear), by name.
pub async fn stewards(db: &impl ConnectionTrait, channel_id: i64) -> Result<Vec<Steward>, sea_orm::DbErr> {
    Ok(StewardRow::find_by_statement(sql(
        db,
        "SELECT m.user_id, u.name, u.handle, m.until FROM channel_managers m JOIN users u ON u.id = m.user_id \
         WHERE m.channel_id = ? ORDER BY m.until IS NOT NULL, LOWER(u.name), u.id",
        vec![channel_id.into()],
    ))
    .all(db)
    .await?
    .into_iter()
    .map(|r| Steward {
        person: PersonChip::new(r.user_id, r.name, r.handle),
        until: r.until,
    })
    .collect())
}

/// Name someone a channel's manager (`until` is `None`) or its deputy until
/// a moment, replacing whatever they were before.
pub async fn name_steward(
    db: &impl ConnectionTrait,
    channel_id: i64,
    user_id: i64,
    until: Option<DateTime<Utc>>,
    by: i64,
) -> Result<(), sea_orm::DbErr> {
    let kind = if until.is_some() { "deputy" } else { "manager" };
    db.execute(sql(
        db,
        "INSERT INTO channel_managers (channel_id, user_id, kind, added_at, added_by, until) VALUES (?, ?, ?, ?, ?, ?) \
         ON CONFLICT (channel_id, user_id) DO UPDATE SET kind = excluded.kind, until = excluded.until, \
         added_at = excluded.added_at, added_by = excluded.added_by",
        vec![
            channel_id.into(),
            user_id.into(),
            kind.into(),
            now().into(),
            by.into(),
            until.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Stop someone looking after a channel; false if they did not.
pub async fn remove_steward(db: &impl ConnectionTrait, channel_id: i64, user_id: i64) -> Result<bool, sea_orm::DbErr> {
    Ok(db
        .execute(sql(
            db,
            "DELETE FROM channel_managers WHERE channel_id = ? AND user_id = ?",
            vec![channel_id.into(), user_id.into()],
        ))
        .await?
        .rows_affected()
        == 1)
}

/// The people told when someone asks to join: managers, and deputies whose
/// cover has not ended.
pub async fn serving(db: &impl ConnectionTrait, channel_id: i64) -> Result<Vec<i64>, sea_orm::DbErr> {
    let at = now();
    Ok(stewards(db, channel_id)
        .await?
        .into_iter()
        .filter(|s| !s.lapsed(at))
        .map(|s| s.person.id)
        .collect())
}
