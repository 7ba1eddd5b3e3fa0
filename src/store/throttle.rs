//! Sign-in throttling, per account and per client address, kept in the
//! database so every app server sees the same counts. After too many failures
//! in a window the key must wait; the wait doubles with each further failure
//! but is capped, and it ends on its own, so the real person is never locked
//! out for good. A successful sign-in clears the account's count.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use crate::domain::throttle::Limits;
use crate::domain::time::now;
use crate::entities::login_throttle;

/// `Some(until)` when the key must wait before trying again.
pub async fn blocked_until(db: &impl ConnectionTrait, key: &str) -> Result<Option<DateTime<Utc>>, sea_orm::DbErr> {
    let row = login_throttle::Entity::find_by_id(key.to_owned()).one(db).await?;
    let at = now();
    Ok(row.and_then(|r| r.blocked_until).filter(|until| *until > at))
}

/// Count one failure; block the key once it passes the limit.
pub async fn record_failure(db: &impl ConnectionTrait, key: &str, limits: Limits) -> Result<(), sea_orm::DbErr> {
    let at = now();
    let row = login_throttle::Entity::find_by_id(key.to_owned()).one(db).await?;
    let (failures, started) = match row {
        Some(r)
            if at - r.window_started_at < limits.window || r.blocked_until.is_some_and(|u| u > at - limits.window) =>
        {
            (r.failures + 1, r.window_started_at)
        }
        _ => (1, at),
    };
    let blocked_until = limits.wait_after(failures).map(|wait| at + wait);
    login_throttle::Entity::insert(login_throttle::ActiveModel {
        key: Set(key.to_owned()),
        failures: Set(failures),
        window_started_at: Set(started),
        blocked_until: Set(blocked_until),
    })
    .on_conflict(
        OnConflict::column(login_throttle::Column::Key)
            .update_columns([
                login_throttle::Column::Failures,
                login_throttle::Column::WindowStartedAt,
                login_throttle::Column::BlockedUntil,
            ])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

pub async fn clear(db: &impl ConnectionTrait, key: &str) -> Result<(), sea_orm::DbErr> {
    login_throttle::Entity::delete_by_id(key.to_owned()).exec(db).await?;
    Ok(())
}
