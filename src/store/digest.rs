//! Digest subscriptions: what each account holder wants in their weekly
//! digest. No row means the default (weekly, the channels they follow).

use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait};

use crate::domain::digest::{ChannelChoice, DigestPreferences, Frequency};
use crate::domain::time::now;
use crate::entities::{digest_subscriber, digest_subscriber_channel};

/// This person's digest preferences (the default if they never changed them).
pub async fn preferences(db: &impl ConnectionTrait, user_id: i64) -> Result<DigestPreferences, sea_orm::DbErr> {
    let Some(row) = digest_subscriber::Entity::find()
        .filter(digest_subscriber::Column::UserId.eq(user_id))
        .one(db)
        .await?
    else {
        return Ok(DigestPreferences::default());
    };
    let mut channels: Vec<i64> = digest_subscriber_channel::Entity::find()
        .filter(digest_subscriber_channel::Column::SubscriberId.eq(row.id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.channel_id)
        .collect();
    channels.sort_unstable();
    Ok(DigestPreferences {
        frequency: Frequency::parse(&row.frequency).unwrap_or_default(),
        choice: ChannelChoice::parse(&row.channels).unwrap_or_default(),
        channels,
    })
}

/// Keep this person's preferences, picked channels included, in one transaction.
pub async fn save_preferences(
    db: &impl TransactionTrait,
    user_id: i64,
    prefs: &DigestPreferences,
) -> Result<(), sea_orm::DbErr> {
    let at = now();
    let txn = super::begin_write(db).await?;
    let existing = digest_subscriber::Entity::find()
        .filter(digest_subscriber::Column::UserId.eq(user_id))
        .one(&txn)
        .await?;
    let id = match existing {
        Some(row) => {
            let id = row.id;
            let mut row: digest_subscriber::ActiveModel = row.into();
            row.frequency = Set(prefs.frequency.as_str().to_owned());
            row.channels = Set(prefs.choice.as_str().to_owned());
            row.updated_at = Set(at);
            row.update(&txn).await?;
            id
        }
        None => {
            digest_subscriber::ActiveModel {
                user_id: Set(Some(user_id)),
                email: Set(None),
                frequency: Set(prefs.frequency.as_str().to_owned()),
                channels: Set(prefs.choice.as_str().to_owned()),
                // An account holder's address is their sign-in, confirmed by it.
                confirmed_at: Set(Some(at)),
                created_at: Set(at),
                updated_at: Set(at),
                ..Default::default()
            }
            .insert(&txn)
            .await?
            .id
        }
    };
    digest_subscriber_channel::Entity::delete_many()
        .filter(digest_subscriber_channel::Column::SubscriberId.eq(id))
        .exec(&txn)
        .await?;
    if !prefs.channels.is_empty() {
        digest_subscriber_channel::Entity::insert_many(prefs.channels.iter().map(|&channel_id| {
            digest_subscriber_channel::ActiveModel {
                subscriber_id: Set(id),
                channel_id: Set(channel_id),
            }
        }))
        .exec(&txn)
        .await?;
    }
    txn.commit().await
}
