//! `digest_features` table (sea-orm entity; generated style, not hand-tuned).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "digest_features")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub week: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub post_id: i64,
    pub featured_by: Option<i64>,
    pub featured_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
