//! The audit log: who did what, to what, when. Written in the same transaction as the change.

use sea_orm::{ActiveModelTrait, ConnectionTrait, FromQueryResult, Set};

use crate::domain::audit::{AuditAction, AuditTarget};
use crate::domain::time::now;
use crate::entities::audit_log;

/// Record `action` on `target` by `actor_id` (none for the system or the
/// command line), inside the caller's transaction.
pub async fn record(
    db: &impl ConnectionTrait,
    actor_id: Option<i64>,
    action: AuditAction,
    target: &AuditTarget,
    detail: &str,
) -> Result<(), sea_orm::DbErr> {
    audit_log::ActiveModel {
        actor_id: Set(actor_id),
        action: Set(action.as_str().to_owned()),
        target: Set(target.to_string()),
        detail: Set(detail.to_owned()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Which entries to show.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Done by this account.
    pub actor_id: Option<i64>,
    pub action: Option<AuditAction>,
    /// From this instant (inclusive) until this one (exclusive).
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    /// Only entries older than this id (the next page).
    pub before: Option<i64>,
}

/// One entry as the audit page and its CSV show it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Entry {
    pub id: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Who did it; none for the system or the command line.
    pub actor_name: Option<String>,
    pub actor_email: Option<String>,
    pub action: String,
    pub target: String,
    pub detail: String,
}

/// Entries matching `filter`, newest first, at most `limit`.
pub async fn list(db: &impl ConnectionTrait, filter: &Filter, limit: u64) -> Result<Vec<Entry>, sea_orm::DbErr> {
    let mut text = String::from(
        "SELECT a.id, a.created_at, u.name AS actor_name, u.email AS actor_email, a.action, a.target, a.detail \
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id WHERE 1 = 1",
    );
    let mut values: Vec<sea_orm::Value> = Vec::new();
    if let Some(actor) = filter.actor_id {
        text.push_str(" AND a.actor_id = ?");
        values.push(actor.into());
    }
    if let Some(action) = filter.action {
        text.push_str(" AND a.action = ?");
        values.push(action.as_str().into());
    }
    if let Some(from) = filter.from {
        text.push_str(" AND a.created_at >= ?");
        values.push(from.into());
    }
    if let Some(until) = filter.until {
        text.push_str(" AND a.created_at < ?");
        values.push(until.into());
    }
    if let Some(before) = filter.before {
        text.push_str(" AND a.id < ?");
        values.push(before.into());
    }
    text.push_str(" ORDER BY a.id DESC LIMIT ?");
    values.push((limit as i64).into());
    Entry::find_by_statement(super::sql(db, &text, values)).all(db).await
}
