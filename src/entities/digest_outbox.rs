//! `digest_outbox` table (sea-orm entity; generated style, not hand-tuned).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "digest_outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub week: String,
    pub recipient: String,
    pub email: String,
    pub status: String,
    pub attempts: i32,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub next_attempt_at: DateTimeUtc,
    pub message_id: Option<String>,
    pub contents: Option<String>,
    pub last_error: Option<String>,
    pub handed_at: Option<DateTimeUtc>,
    pub sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
