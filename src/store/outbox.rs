//! The search outbox: every content change writes a row here in the same
//! transaction, so the search index (derived) can always catch up with the
//! database (the source of truth).

use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use crate::domain::time::now;
use crate::entities::search_outbox;

/// What changed. The indexer re-reads the row, so one kind covers create, edit and delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Changed {
    /// A post (and with it its replies: deleting or moving a post affects them too).
    Post(i64),
    Reply(i64),
    /// A channel's name or description.
    Channel(i64),
    /// Who may read a channel changed (open ↔ private): everything in it is re-indexed.
    ChannelAccess(i64),
}

impl Changed {
    fn parts(self) -> (&'static str, i64) {
        match self {
            Changed::Post(id) => ("post", id),
            Changed::Reply(id) => ("reply", id),
            Changed::Channel(id) => ("channel", id),
            Changed::ChannelAccess(id) => ("channel_access", id),
        }
    }

    /// An outbox row read back; unknown kinds (from a newer version) are skipped.
    pub fn from_row(entity: &str, id: i64) -> Option<Self> {
        match entity {
            "post" => Some(Changed::Post(id)),
            "reply" => Some(Changed::Reply(id)),
            "channel" => Some(Changed::Channel(id)),
            "channel_access" => Some(Changed::ChannelAccess(id)),
            _ => None,
        }
    }
}

pub async fn push(db: &impl ConnectionTrait, changed: Changed) -> Result<(), sea_orm::DbErr> {
    let (entity, id) = changed.parts();
    search_outbox::ActiveModel {
        entity: Set(entity.to_owned()),
        entity_id: Set(id),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}
