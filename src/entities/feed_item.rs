//! `feed_items` table (sea-orm entity; generated style, not hand-tuned).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feed_items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub feed_id: i64,
    pub story_id: i64,
    pub guid: String,
    pub url: Option<String>,
    pub title: String,
    pub author: String,
    pub summary_html: String,
    pub published_at: Option<DateTimeUtc>,
    pub updated_at: Option<DateTimeUtc>,
    pub seen_at: DateTimeUtc,
    pub content_hash: String,
    pub passed: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
