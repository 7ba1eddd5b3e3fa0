//! A channel's page shows how many people follow it, so the channel's
//! content stamp (see `content_stamps`) also covers its follows: each
//! server keeps the newest page of a channel beside that stamp and serves
//! it while the stamp is unchanged.

use sea_orm_migration::prelude::*;

use crate::m20261207_000024_thread_stamps::{postgres_triggers_for, sqlite_triggers_for};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000025_follow_stamps"
    }
}

const COVERED: [(&str, &str); 1] = [("channel_follows", "{row}.channel_id")];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_per_backend(m, || postgres_triggers_for(&COVERED), || sqlite_triggers_for(&COVERED)).await
    }
}
