//! Commonroom's schema, as forward-only migrations: one file per change, named by date.
//!
//! The same migrations run on SQLite and PostgreSQL; tests run them through
//! this `Migrator` on a fresh database of each kind.

pub use sea_orm_migration::prelude::*;

mod m20261122_000001_accounts;
mod m20261122_000002_content;
mod m20261122_000003_site_rules;
mod m20261122_000004_curation;
mod m20261201_000005_channel_members;
mod m20261202_000006_story_summary_from_item;
mod m20261206_000007_canonical_urls;
mod m20261206_000008_invite_withdrawn;
mod m20261206_000009_post_source_credit;
mod m20261206_000010_share_groups;
mod m20261206_000011_digest_subscribers;
mod m20261206_000012_digest_notes;
mod m20261206_000013_digest_features;
mod m20261206_000014_digest_outbox;
mod m20261206_000015_digest_open_channels;
mod m20261207_000016_replies_by_author;
mod m20261207_000017_password_resets;
mod m20261207_000018_community;
mod m20261207_000019_applications;
mod m20261207_000020_working_groups;
mod m20261207_000021_notifications;
mod m20261207_000022_account_stamps;
mod m20261207_000023_content_stamps;
mod m20261207_000024_thread_stamps;
mod m20261207_000025_follow_stamps;
mod m20261208_000026_live_posts_index;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_accounts::Migration),
            Box::new(m20261122_000002_content::Migration),
            Box::new(m20261122_000003_site_rules::Migration),
            Box::new(m20261122_000004_curation::Migration),
            Box::new(m20261201_000005_channel_members::Migration),
            Box::new(m20261202_000006_story_summary_from_item::Migration),
            Box::new(m20261206_000007_canonical_urls::Migration),
            Box::new(m20261206_000008_invite_withdrawn::Migration),
            Box::new(m20261206_000009_post_source_credit::Migration),
            Box::new(m20261206_000010_share_groups::Migration),
            Box::new(m20261206_000011_digest_subscribers::Migration),
            Box::new(m20261206_000012_digest_notes::Migration),
            Box::new(m20261206_000013_digest_features::Migration),
            Box::new(m20261206_000014_digest_outbox::Migration),
            Box::new(m20261206_000015_digest_open_channels::Migration),
            Box::new(m20261207_000016_replies_by_author::Migration),
            Box::new(m20261207_000017_password_resets::Migration),
            Box::new(m20261207_000018_community::Migration),
            Box::new(m20261207_000019_applications::Migration),
            Box::new(m20261207_000020_working_groups::Migration),
            Box::new(m20261207_000021_notifications::Migration),
            Box::new(m20261207_000022_account_stamps::Migration),
            Box::new(m20261207_000023_content_stamps::Migration),
            Box::new(m20261207_000024_thread_stamps::Migration),
            Box::new(m20261207_000025_follow_stamps::Migration),
            Box::new(m20261208_000026_live_posts_index::Migration),
        ]
    }
}

/// Column helpers shared by the migration files, so every table spells ids
/// and timestamps the same way on both backends.
pub(crate) mod cols {
    use sea_orm_migration::prelude::*;

    pub fn id<T: IntoIden>(name: T) -> ColumnDef {
        ColumnDef::new(name)
            .big_integer()
            .not_null()
            .auto_increment()
            .primary_key()
            .to_owned()
    }

    pub fn fk<T: IntoIden>(name: T) -> ColumnDef {
        ColumnDef::new(name).big_integer().not_null().to_owned()
    }

    pub fn fk_null<T: IntoIden>(name: T) -> ColumnDef {
        ColumnDef::new(name).big_integer().null().to_owned()
    }

    pub fn text<T: IntoIden>(name: T) -> ColumnDef {
        ColumnDef::new(name).text().not_null().to_owned()
    }

    pub fn text_default<T: IntoIden>(name: T, default: &str) -> ColumnDef {
        ColumnDef::new(name).text().not_null().default(default).to_owned()
    }

    pub fn text_null<T: IntoIden>(name: T) -> ColumnDef {
        ColumnDef::new(name).text().null().to_owned()
    }

    pub fn int<T: IntoIden>(name: T) -> ColumnDef {
        ColumnDef::new(name).integer().not_null().default(0).to_owned()
    }

    pub fn time<T: IntoIden>(name: T) -> ColumnDef {
        ColumnDef::new(name).timestamp_with_time_zone().not_null().to_owned()
    }

    /// A foreign key from `table.col` to `ref_table.ref_col`.
    pub fn foreign<T, C, R, RC>(
        table: T,
        col: C,
        ref_table: R,
        ref_col: RC,
        on_delete: ForeignKeyAction,
    ) -> ForeignKeyCreateStatement
    where
        T: IntoIden + 'static,
        C: IntoIden,
        R: IntoIden + 'static,
        RC: IntoIden,
    {
        ForeignKey::create()
            .from(table, col)
            .to(ref_table, ref_col)
            .on_delete(on_delete)
            .to_owned()
    }

    pub fn time_null<T: IntoIden>(name: T) -> ColumnDef {
        ColumnDef::new(name).timestamp_with_time_zone().null().to_owned()
    }
}

/// Statements with no portable spelling (triggers and their functions):
/// each backend runs its own, in order.
pub(crate) async fn run_per_backend(
    m: &SchemaManager<'_>,
    postgres: impl FnOnce() -> Vec<String>,
    sqlite: impl FnOnce() -> Vec<String>,
) -> Result<(), DbErr> {
    let statements = match m.get_database_backend() {
        sea_orm_migration::sea_orm::DbBackend::Postgres => postgres(),
        _ => sqlite(),
    };
    let db = m.get_connection();
    for statement in statements {
        db.execute_unprepared(&statement).await?;
    }
    Ok(())
}
