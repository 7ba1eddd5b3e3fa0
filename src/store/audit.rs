//! The audit log: who did what, to what, when. Written in the same transaction as the change.

use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use crate::domain::time::now;
use crate::entities::audit_log;

pub async fn record(
    db: &impl ConnectionTrait,
    actor_id: Option<i64>,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), sea_orm::DbErr> {
    audit_log::ActiveModel {
        actor_id: Set(actor_id),
        action: Set(action.to_owned()),
        target: Set(target.to_owned()),
        detail: Set(detail.to_owned()),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
