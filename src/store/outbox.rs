//! The search outbox: every content change writes a row here in the same
//! transaction, so the search index (derived) can always catch up with the
//! database (the source of truth).

use sea_orm::{ActiveModelTrait, ConnectionTrait, Set};

use crate::domain::time::now;
use crate::entities::search_outbox;

/// What changed. The indexer re-reads the row, so one kind covers create, edit and delete.
#[derive(Debug, Clone, Copy)]
pub enum Changed {
    Post(i64),
    Reply(i64),
    Channel(i64),
}

pub async fn push(db: &impl ConnectionTrait, changed: Changed) -> Result<(), sea_orm::DbErr> {
    let (entity, id) = match changed {
        Changed::Post(id) => ("post", id),
        Changed::Reply(id) => ("reply", id),
        Changed::Channel(id) => ("channel", id),
    };
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
