//! Password reset links: single use, expiring, stored only as a hash of the
//! token. A person has at most one open link: a new one ends the others.

use chrono::Duration;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::{new_token, token_hash};
use crate::domain::time::now;
use crate::entities::password_reset;

/// A reset link that can still be used.
#[derive(Debug, Clone)]
pub struct OpenReset {
    pub id: i64,
    pub user_id: i64,
    /// The administrator who sent it, if one did.
    pub requested_by: Option<i64>,
}

/// Store a new link for `user_id`, valid for `valid_for`, and end the open
/// ones it replaces. Returns the token, which is sent once and never stored.
pub async fn issue(
    db: &impl ConnectionTrait,
    user_id: i64,
    requested_by: Option<i64>,
    valid_for: Duration,
) -> Result<String, sea_orm::DbErr> {
    let at = now();
    // Ended, not deleted: the row still says when it was asked for and by whom.
    password_reset::Entity::update_many()
        .col_expr(password_reset::Column::ExpiresAt, Expr::value(at))
        .filter(password_reset::Column::UserId.eq(user_id))
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::ExpiresAt.gt(at))
        .exec(db)
        .await?;
    let token = new_token();
    password_reset::ActiveModel {
        user_id: Set(user_id),
        token_hash: Set(token_hash(&token)),
        created_at: Set(at),
        expires_at: Set(at + valid_for),
        requested_by: Set(requested_by),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The open link this token belongs to, if it is one.
pub async fn find_open(db: &impl ConnectionTrait, token: &str) -> Result<Option<OpenReset>, sea_orm::DbErr> {
    let row = password_reset::Entity::find()
        .filter(password_reset::Column::TokenHash.eq(token_hash(token)))
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::ExpiresAt.gt(now()))
        .one(db)
        .await?;
    Ok(row.map(|r| OpenReset {
        id: r.id,
        user_id: r.user_id,
        requested_by: r.requested_by,
    }))
}

/// Mark a link used, exactly once even if two requests race: false if it
/// was used, replaced or expired in the meantime.
pub async fn claim(db: &impl ConnectionTrait, id: i64) -> Result<bool, sea_orm::DbErr> {
    let at = now();
    let claimed = password_reset::Entity::update_many()
        .col_expr(password_reset::Column::UsedAt, Expr::value(at))
        .filter(password_reset::Column::Id.eq(id))
        .filter(password_reset::Column::UsedAt.is_null())
        .filter(password_reset::Column::ExpiresAt.gt(at))
        .exec(db)
        .await?;
    Ok(claimed.rows_affected == 1)
}
