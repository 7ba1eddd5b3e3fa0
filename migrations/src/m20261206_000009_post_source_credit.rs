//! A curated post keeps the credit of the feed it came from ("via Town Hall
//! News", linking to the feed's site) as it was when it was shared, so the
//! credit outlives the feed: stopping following a feed deletes it, and its
//! posts used to lose the line. Posts shared before this migration get the
//! credit of their feed, if it is still followed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000009_post_source_credit"
    }
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    SourceFeedTitle,
    SourceSiteUrl,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite alters one column per statement.
        for column in [Posts::SourceFeedTitle, Posts::SourceSiteUrl] {
            m.alter_table(
                Table::alter()
                    .table(Posts::Table)
                    .add_column(ColumnDef::new(column).text().null())
                    .to_owned(),
            )
            .await?;
        }
        let db = m.get_connection();
        db.execute(Statement::from_string(
            db.get_database_backend(),
            "UPDATE posts SET \
             source_feed_title = (SELECT f.title FROM feeds f WHERE f.id = posts.source_feed_id), \
             source_site_url = (SELECT f.site_url FROM feeds f WHERE f.id = posts.source_feed_id) \
             WHERE source_feed_id IS NOT NULL",
        ))
        .await?;
        Ok(())
    }
}
