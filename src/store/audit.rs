//! The audit log: who did what, to what, when. Written in the same transaction as the change.

use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

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
