//! The instance's secret keys, made once and kept in the database so every
//! server on one database signs and checks alike.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set};

use crate::domain::time::now;
use crate::entities::signing_key;

/// The key called `name`, made (32 random bytes) the first time it is asked
/// for. Two servers starting at once both keep whichever was stored first.
pub async fn get_or_create(db: &impl ConnectionTrait, name: &str) -> Result<Vec<u8>, sea_orm::DbErr> {
    if let Some(key) = read(db, name).await? {
        return Ok(key);
    }
    let fresh: [u8; 32] = rand::random();
    signing_key::Entity::insert(signing_key::ActiveModel {
        name: Set(name.to_owned()),
        secret: Set(STANDARD.encode(fresh)),
        created_at: Set(now()),
    })
    .on_conflict(OnConflict::column(signing_key::Column::Name).do_nothing().to_owned())
    .exec_without_returning(db)
    .await?;
    read(db, name)
        .await?
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound(format!("signing key {name}")))
}

async fn read(db: &impl ConnectionTrait, name: &str) -> Result<Option<Vec<u8>>, sea_orm::DbErr> {
    Ok(signing_key::Entity::find_by_id(name.to_owned())
        .one(db)
        .await?
        .and_then(|k| STANDARD.decode(k.secret).ok()))
}
