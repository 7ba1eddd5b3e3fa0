//! People and their ways in: users, roles, sessions, invites, login throttling, the audit log.

use crate::cols::*;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000001_accounts"
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    Handle,
    Name,
    JobTitle,
    Department,
    PasswordHash,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum UserRoles {
    Table,
    UserId,
    Role,
    GrantedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    Data,
    ExpiresAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Invites {
    Table,
    Id,
    TokenHash,
    Email,
    Role,
    Kind,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    UsedAt,
    UsedBy,
}

#[derive(DeriveIden)]
enum LoginThrottle {
    Table,
    Key,
    Failures,
    WindowStartedAt,
    BlockedUntil,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    ActorId,
    Action,
    Target,
    Detail,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(id(Users::Id))
                .col(text(Users::Email).unique_key())
                .col(text(Users::Handle).unique_key())
                .col(text(Users::Name))
                .col(text_default(Users::JobTitle, ""))
                .col(text_default(Users::Department, ""))
                .col(text_null(Users::PasswordHash))
                .col(text_default(Users::Status, "active"))
                .col(time(Users::CreatedAt))
                .col(time(Users::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(UserRoles::Table)
                .col(fk(UserRoles::UserId))
                .col(text(UserRoles::Role))
                .col(time(UserRoles::GrantedAt))
                .primary_key(Index::create().col(UserRoles::UserId).col(UserRoles::Role))
                .foreign_key(
                    ForeignKey::create()
                        .from(UserRoles::Table, UserRoles::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(text(Sessions::Id).primary_key())
                .col(fk_null(Sessions::UserId))
                .col(text(Sessions::Data))
                .col(time(Sessions::ExpiresAt))
                .col(time(Sessions::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Sessions::Table, Sessions::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("sessions_user")
                .table(Sessions::Table)
                .col(Sessions::UserId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("sessions_expiry")
                .table(Sessions::Table)
                .col(Sessions::ExpiresAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Invites::Table)
                .col(id(Invites::Id))
                .col(text(Invites::TokenHash).unique_key())
                .col(text_null(Invites::Email))
                .col(text_default(Invites::Role, "member"))
                .col(text_default(Invites::Kind, "invite"))
                .col(fk_null(Invites::CreatedBy))
                .col(time(Invites::CreatedAt))
                .col(time(Invites::ExpiresAt))
                .col(time_null(Invites::UsedAt))
                .col(fk_null(Invites::UsedBy))
                .foreign_key(
                    ForeignKey::create()
                        .from(Invites::Table, Invites::CreatedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(Invites::Table, Invites::UsedBy)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(LoginThrottle::Table)
                .col(text(LoginThrottle::Key).primary_key())
                .col(int(LoginThrottle::Failures))
                .col(time(LoginThrottle::WindowStartedAt))
                .col(time_null(LoginThrottle::BlockedUntil))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .col(id(AuditLog::Id))
                .col(fk_null(AuditLog::ActorId))
                .col(text(AuditLog::Action))
                .col(text(AuditLog::Target))
                .col(text_default(AuditLog::Detail, ""))
                .col(time(AuditLog::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(AuditLog::Table, AuditLog::ActorId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
