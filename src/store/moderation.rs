//! Reports, hiding and break-glass incidents as rows, and the notices
//! moderators and coordinators send (notifications, `store::notifications`). Every
//! function takes the caller's connection or transaction: the service that
//! calls them owns the transaction and writes the audit row in it.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::notifications::{self, NewNotification};
use super::outbox::{self, Changed};
use super::sql;
use crate::domain::moderation::{NoticeKind, Report, ReportReason, Target};
use crate::domain::policy::Visibility;
use crate::domain::time::{When, now};

/// What acting on a reported or hidden item needs to know about it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ItemRow {
    pub post_id: i64,
    pub author_id: i64,
    pub channel_id: i64,
    pub channel_visibility: String,
    pub channel_archived_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub hidden_at: Option<DateTime<Utc>>,
    pub published_at: DateTime<Utc>,
}

impl ItemRow {
    pub fn visibility(&self) -> Visibility {
        Visibility::parse(&self.channel_visibility)
    }
}

/// The post or reply a target names, with its thread and channel.
pub async fn item(db: &impl ConnectionTrait, target: Target) -> Result<Option<ItemRow>, sea_orm::DbErr> {
    let text = match target {
        Target::Post(_) => {
            "SELECT p.id AS post_id, p.author_id, p.channel_id, c.visibility AS channel_visibility, \
               c.archived_at AS channel_archived_at, p.deleted_at, p.hidden_at, p.published_at \
             FROM posts p JOIN channels c ON c.id = p.channel_id WHERE p.id = ?"
        }
        Target::Reply(_) => {
            "SELECT p.id AS post_id, r.author_id, p.channel_id, c.visibility AS channel_visibility, \
               c.archived_at AS channel_archived_at, r.deleted_at, r.hidden_at, p.published_at \
             FROM replies r JOIN posts p ON p.id = r.post_id JOIN channels c ON c.id = p.channel_id WHERE r.id = ?"
        }
    };
    ItemRow::find_by_statement(sql(db, text, vec![target.id().into()]))
        .one(db)
        .await
}

/// Record a report; `None` if this person already reported this item.
pub async fn add_report(
    db: &impl ConnectionTrait,
    reporter_id: i64,
    target: Target,
    post_id: i64,
    report: &Report,
) -> Result<Option<i64>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Id {
        id: i64,
    }
    // ON CONFLICT rather than catching the error: on PostgreSQL a failed
    // statement would spoil the caller's transaction.
    let row = Id::find_by_statement(sql(
        db,
        "INSERT INTO reports (reporter_id, target_kind, target_id, post_id, reason, details, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (reporter_id, target_kind, target_id) DO NOTHING RETURNING id",
        vec![
            reporter_id.into(),
            target.kind().into(),
            target.id().into(),
            post_id.into(),
            report.reason.as_str().into(),
            report.details.clone().into(),
            now().into(),
        ],
    ))
    .one(db)
    .await?;
    Ok(row.map(|r| r.id))
}

/// Whether a person already reported an item.
pub async fn has_reported(db: &impl ConnectionTrait, reporter_id: i64, target: Target) -> Result<bool, sea_orm::DbErr> {
    let row = Id::find_by_statement(sql(
        db,
        "SELECT id FROM reports WHERE reporter_id = ? AND target_kind = ? AND target_id = ?",
        vec![reporter_id.into(), target.kind().into(), target.id().into()],
    ))
    .one(db)
    .await?;
    Ok(row.is_some())
}

/// Close every open report on an item with an outcome; returns how many.
pub async fn resolve(db: &impl ConnectionTrait, target: Target, by: i64, outcome: &str) -> Result<u64, sea_orm::DbErr> {
    Ok(db
        .execute(sql(
            db,
            "UPDATE reports SET resolved_at = ?, resolved_by = ?, outcome = ? \
             WHERE target_kind = ? AND target_id = ? AND resolved_at IS NULL",
            vec![
                now().into(),
                by.into(),
                outcome.into(),
                target.kind().into(),
                target.id().into(),
            ],
        ))
        .await?
        .rows_affected())
}

/// One open report, with the reported words and where they are.
#[derive(Debug, Clone, FromQueryResult)]
struct ReportRow {
    id: i64,
    target_kind: String,
    target_id: i64,
    post_id: i64,
    reason: String,
    details: String,
    created_at: DateTime<Utc>,
    reporter_name: String,
    post_title: String,
    channel_id: i64,
    channel_slug: String,
    channel_visibility: String,
    author_id: i64,
    author_name: String,
    author_handle: String,
    body_md: String,
    post_hidden_at: Option<DateTime<Utc>>,
    reply_hidden_at: Option<DateTime<Utc>>,
}

/// An open report as the queue shows it.
#[derive(Debug, Clone)]
pub struct OpenReport {
    pub id: i64,
    pub target: Target,
    pub post_id: i64,
    pub reason: ReportReason,
    pub details: String,
    pub created: When,
    pub reporter_name: String,
    pub post_title: String,
    pub channel_id: i64,
    pub channel_slug: String,
    pub channel_visibility: Visibility,
    pub author_id: i64,
    pub author_name: String,
    pub author_handle: String,
    pub body_md: String,
    pub hidden: bool,
}

/// Open reports on one item, as the queue groups them.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub target: Target,
    pub link: String,
    pub post_title: String,
    pub channel_slug: String,
    pub author_id: i64,
    pub author_name: String,
    pub author_handle: String,
    pub excerpt: String,
    pub hidden: bool,
    /// Each reason given, with how many gave it.
    pub reasons: Vec<(ReportReason, usize)>,
    pub reports: Vec<OpenReport>,
}

impl QueueItem {
    /// Names the item on the queue page (`post-12`).
    pub fn key(&self) -> String {
        format!("{}-{}", self.target.kind(), self.target.id())
    }
}

/// Every open report, oldest first.
pub async fn open_reports(db: &impl ConnectionTrait) -> Result<Vec<OpenReport>, sea_orm::DbErr> {
    let rows = ReportRow::find_by_statement(sql(
        db,
        "SELECT rp.id, rp.target_kind, rp.target_id, rp.post_id, rp.reason, rp.details, rp.created_at, \
           ru.name AS reporter_name, p.title AS post_title, c.id AS channel_id, c.slug AS channel_slug, \
           c.visibility AS channel_visibility, au.id AS author_id, au.name AS author_name, au.handle AS author_handle, \
           COALESCE(r.body_md, p.body_md) AS body_md, p.hidden_at AS post_hidden_at, r.hidden_at AS reply_hidden_at \
         FROM reports rp JOIN users ru ON ru.id = rp.reporter_id \
           JOIN posts p ON p.id = rp.post_id JOIN channels c ON c.id = p.channel_id \
           LEFT JOIN replies r ON rp.target_kind = 'reply' AND r.id = rp.target_id \
           JOIN users au ON au.id = COALESCE(r.author_id, p.author_id) \
         WHERE rp.resolved_at IS NULL ORDER BY rp.created_at, rp.id",
        vec![],
    ))
    .all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let target = Target::parse(&r.target_kind, r.target_id)?;
            let hidden = match target {
                Target::Post(_) => r.post_hidden_at.is_some(),
                Target::Reply(_) => r.reply_hidden_at.is_some(),
            };
            Some(OpenReport {
                id: r.id,
                target,
                post_id: r.post_id,
                reason: ReportReason::parse(&r.reason).unwrap_or(ReportReason::Other),
                details: r.details,
                created: When::new(r.created_at),
                reporter_name: r.reporter_name,
                post_title: r.post_title,
                channel_id: r.channel_id,
                channel_slug: r.channel_slug,
                channel_visibility: Visibility::parse(&r.channel_visibility),
                author_id: r.author_id,
                author_name: r.author_name,
                author_handle: r.author_handle,
                body_md: r.body_md,
                hidden,
            })
        })
        .collect())
}

/// Hide an item with a reason (and the incident, for a break glass), or
/// show it again. Returns whether anything changed. The search index hears
/// of it through the outbox, in the same transaction.
pub async fn set_hidden(
    db: &impl ConnectionTrait,
    target: Target,
    hide: Option<(i64, &str, Option<i64>)>,
) -> Result<bool, sea_orm::DbErr> {
    let table = match target {
        Target::Post(_) => "posts",
        Target::Reply(_) => "replies",
    };
    let changed = match hide {
        Some((by, reason, incident)) => db.execute(sql(
            db,
            &format!(
                "UPDATE {table} SET hidden_at = ?, hidden_by = ?, hidden_reason = ?, hidden_incident = ? \
                 WHERE id = ? AND hidden_at IS NULL"
            ),
            vec![
                now().into(),
                by.into(),
                reason.into(),
                incident.into(),
                target.id().into(),
            ],
        )),
        None => db.execute(sql(
            db,
            &format!(
                "UPDATE {table} SET hidden_at = NULL, hidden_by = NULL, hidden_reason = NULL, hidden_incident = NULL \
                 WHERE id = ? AND hidden_at IS NOT NULL"
            ),
            vec![target.id().into()],
        )),
    }
    .await?
    .rows_affected()
        == 1;
    if changed {
        outbox::push(
            db,
            match target {
                Target::Post(id) => Changed::Post(id),
                Target::Reply(id) => Changed::Reply(id),
            },
        )
        .await?;
    }
    Ok(changed)
}

#[derive(FromQueryResult)]
struct TargetRow {
    kind: String,
    id: i64,
}

/// What a person wrote since a time and is not hidden yet (posts, then
/// replies), for a break glass.
pub async fn written_since(
    db: &impl ConnectionTrait,
    user_id: i64,
    since: DateTime<Utc>,
) -> Result<Vec<Target>, sea_orm::DbErr> {
    let rows = TargetRow::find_by_statement(sql(
        db,
        "SELECT 'post' AS kind, id FROM posts WHERE author_id = ? AND created_at >= ? AND hidden_at IS NULL \
         UNION ALL \
         SELECT 'reply', id FROM replies WHERE author_id = ? AND created_at >= ? AND hidden_at IS NULL",
        vec![user_id.into(), since.into(), user_id.into(), since.into()],
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().filter_map(|r| Target::parse(&r.kind, r.id)).collect())
}

/// What an incident hid and is still hidden.
pub async fn hidden_by_incident(db: &impl ConnectionTrait, incident: i64) -> Result<Vec<Target>, sea_orm::DbErr> {
    let rows = TargetRow::find_by_statement(sql(
        db,
        "SELECT 'post' AS kind, id FROM posts WHERE hidden_incident = ? \
         UNION ALL SELECT 'reply', id FROM replies WHERE hidden_incident = ?",
        vec![incident.into(), incident.into()],
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().filter_map(|r| Target::parse(&r.kind, r.id)).collect())
}

#[derive(FromQueryResult)]
struct Id {
    id: i64,
}

/// Tell someone something they read on their next visit: a notification
/// of a moderator's or coordinator's kind (`store::notifications::notify`),
/// about no channel. Returns its id (0 if nothing was made: the person
/// caused it themselves).
pub async fn add_notice(
    db: &impl ConnectionTrait,
    user_id: i64,
    kind: NoticeKind,
    body: &str,
    link: Option<&str>,
    created_by: Option<i64>,
) -> Result<i64, sea_orm::DbErr> {
    let id = notifications::notify(
        db,
        NewNotification {
            user_id,
            kind,
            actor_id: created_by,
            channel_id: None,
            post_id: None,
            reply_id: None,
            body: body.to_owned(),
            link: link.map(str::to_owned),
        },
    )
    .await?;
    Ok(id.unwrap_or_default())
}

/// Record a break glass; returns its id.
pub async fn add_incident(
    db: &impl ConnectionTrait,
    user_id: i64,
    actor_id: i64,
    since: DateTime<Utc>,
    reason: &str,
) -> Result<i64, sea_orm::DbErr> {
    let row = Id::find_by_statement(sql(
        db,
        "INSERT INTO incidents (user_id, actor_id, since, reason, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        vec![
            user_id.into(),
            actor_id.into(),
            since.into(),
            reason.into(),
            now().into(),
        ],
    ))
    .one(db)
    .await?;
    Ok(row.map(|r| r.id).unwrap_or_default())
}

#[derive(Debug, Clone, FromQueryResult)]
struct IncidentRow {
    id: i64,
    user_id: i64,
    actor_name: Option<String>,
    since: DateTime<Utc>,
    reason: String,
    created_at: DateTime<Utc>,
    undone_at: Option<DateTime<Utc>>,
    still_hidden: i64,
}

/// A break glass as the person's moderation page lists it.
#[derive(Debug, Clone)]
pub struct Incident {
    pub id: i64,
    pub user_id: i64,
    pub actor_name: String,
    pub since: When,
    pub reason: String,
    pub created: When,
    pub undone: Option<When>,
    /// Posts and replies it hid that are hidden still.
    pub still_hidden: i64,
}

const INCIDENT_COLUMNS: &str = "SELECT i.id, i.user_id, a.name AS actor_name, i.since, i.reason, i.created_at, i.undone_at, \
       (SELECT COUNT(*) FROM posts p WHERE p.hidden_incident = i.id) \
       + (SELECT COUNT(*) FROM replies r WHERE r.hidden_incident = i.id) AS still_hidden \
     FROM incidents i LEFT JOIN users a ON a.id = i.actor_id";

fn incident_from(r: IncidentRow) -> Incident {
    Incident {
        id: r.id,
        user_id: r.user_id,
        actor_name: r.actor_name.unwrap_or_else(|| "a former moderator".into()),
        since: When::new(r.since),
        reason: r.reason,
        created: When::new(r.created_at),
        undone: r.undone_at.map(When::new),
        still_hidden: r.still_hidden,
    }
}

pub async fn incidents_for(db: &impl ConnectionTrait, user_id: i64) -> Result<Vec<Incident>, sea_orm::DbErr> {
    let rows = IncidentRow::find_by_statement(sql(
        db,
        &format!("{INCIDENT_COLUMNS} WHERE i.user_id = ? ORDER BY i.created_at DESC, i.id DESC"),
        vec![user_id.into()],
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().map(incident_from).collect())
}

pub async fn incident(db: &impl ConnectionTrait, id: i64) -> Result<Option<Incident>, sea_orm::DbErr> {
    let row = IncidentRow::find_by_statement(sql(db, &format!("{INCIDENT_COLUMNS} WHERE i.id = ?"), vec![id.into()]))
        .one(db)
        .await?;
    Ok(row.map(incident_from))
}

/// Mark an incident undone; false if it already was.
pub async fn mark_undone(db: &impl ConnectionTrait, id: i64, by: i64) -> Result<bool, sea_orm::DbErr> {
    Ok(db
        .execute(sql(
            db,
            "UPDATE incidents SET undone_at = ?, undone_by = ? WHERE id = ? AND undone_at IS NULL",
            vec![now().into(), by.into(), id.into()],
        ))
        .await?
        .rows_affected()
        == 1)
}

/// Everyone active who moderates (moderators and administrators): id and address.
pub async fn moderators(db: &impl ConnectionTrait) -> Result<Vec<(i64, String)>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        id: i64,
        email: String,
    }
    let rows = Row::find_by_statement(sql(
        db,
        "SELECT DISTINCT u.id, u.email FROM users u JOIN user_roles r ON r.user_id = u.id \
         WHERE r.role IN ('moderator', 'admin') AND u.status = 'active' ORDER BY u.id",
        vec![],
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.id, r.email)).collect())
}
