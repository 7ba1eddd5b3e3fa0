//! Turning Markdown into stored HTML while recording who was @mentioned.

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use super::users;
use crate::domain::markdown;
use crate::domain::time::now;
use crate::entities::mention;

/// Markdown rendered to safe HTML, with the ids of the people it mentions.
pub struct Rendered {
    pub html: String,
    pub mentioned: Vec<i64>,
}

pub async fn render(db: &impl ConnectionTrait, md: &str) -> Result<Rendered, sea_orm::DbErr> {
    let known = users::existing_handles(db, &markdown::mentions(md)).await?;
    let html = markdown::render(md, |h| known.iter().any(|(_, k)| k == h));
    Ok(Rendered {
        html,
        mentioned: known.into_iter().map(|(id, _)| id).collect(),
    })
}

/// Replace the mentions recorded for a post (reply `None`) or a reply.
pub async fn replace(
    db: &impl ConnectionTrait,
    post_id: i64,
    reply_id: Option<i64>,
    author_id: i64,
    mentioned: &[i64],
) -> Result<(), sea_orm::DbErr> {
    let mut existing = mention::Entity::delete_many().filter(mention::Column::PostId.eq(post_id));
    existing = match reply_id {
        Some(id) => existing.filter(mention::Column::ReplyId.eq(id)),
        None => existing.filter(mention::Column::ReplyId.is_null()),
    };
    existing.exec(db).await?;
    let at = now();
    for &user_id in mentioned.iter().filter(|id| **id != author_id) {
        mention::ActiveModel {
            user_id: Set(user_id),
            post_id: Set(post_id),
            reply_id: Set(reply_id),
            author_id: Set(author_id),
            created_at: Set(at),
            ..Default::default()
        }
        .insert(db)
        .await?;
    }
    Ok(())
}
