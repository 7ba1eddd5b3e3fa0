//! Password reset links: single use and expiring, like invites, and stored
//! only as a SHA-256 hash of the token that was emailed. `requested_by` is
//! the administrator who sent the link, or NULL when the person asked for it
//! themselves. A newer link for the same person ends the older ones.

use sea_orm_migration::prelude::*;

use crate::cols::{fk, fk_null, id, text, time, time_null};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000017_password_resets"
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum PasswordResets {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    RequestedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PasswordResets::Table)
                .col(id(PasswordResets::Id))
                .col(fk(PasswordResets::UserId))
                .col(text(PasswordResets::TokenHash).unique_key())
                .col(time(PasswordResets::CreatedAt))
                .col(time(PasswordResets::ExpiresAt))
                .col(time_null(PasswordResets::UsedAt))
                .col(fk_null(PasswordResets::RequestedBy))
                .foreign_key(
                    ForeignKey::create()
                        .from(PasswordResets::Table, PasswordResets::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(PasswordResets::Table, PasswordResets::RequestedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        // A new link ends the person's open ones: found by person.
        m.create_index(
            Index::create()
                .name("password_resets_user")
                .table(PasswordResets::Table)
                .col(PasswordResets::UserId)
                .to_owned(),
        )
        .await
    }
}
