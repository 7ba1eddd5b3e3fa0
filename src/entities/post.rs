//! `posts` table (sea-orm entity; generated style, not hand-tuned).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "posts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub channel_id: i64,
    pub author_id: i64,
    pub kind: String,
    pub title: String,
    pub url: Option<String>,
    pub url_domain: Option<String>,
    pub body_md: String,
    pub body_html: String,
    pub created_at: DateTimeUtc,
    pub published_at: DateTimeUtc,
    pub edited_at: Option<DateTimeUtc>,
    pub deleted_at: Option<DateTimeUtc>,
    pub deleted_by: Option<i64>,
    pub hidden_at: Option<DateTimeUtc>,
    pub hidden_by: Option<i64>,
    pub hidden_reason: Option<String>,
    pub hidden_incident: Option<i64>,
    pub reply_count: i32,
    pub last_activity_at: DateTimeUtc,
    pub source_feed_id: Option<i64>,
    pub story_id: Option<i64>,
    pub canonical_url: Option<String>,
    pub source_feed_title: Option<String>,
    pub source_site_url: Option<String>,
    pub share_group: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::channel::Entity",
        from = "Column::ChannelId",
        to = "super::channel::Column::Id"
    )]
    Channel,
}

impl Related<super::channel::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Channel.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
