//! The coordinator's side of the community model: licence applications
//! (why, which channels, training, manager) and their decisions, requests
//! for new channels, and who manages each channel. Managers are rows of
//! their own so that deputies (with an end date, `until`) can join them
//! later without another table.

use sea_orm_migration::prelude::*;

use crate::cols::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000019_applications"
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Channels {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum LicenceApplications {
    Table,
    Id,
    UserId,
    Why,
    Trained,
    ManagerName,
    Status,
    CreatedAt,
    DecidedAt,
    DecidedBy,
    DecisionReason,
}

#[derive(DeriveIden)]
enum LicenceApplicationChannels {
    Table,
    ApplicationId,
    ChannelId,
}

#[derive(DeriveIden)]
enum ChannelRequests {
    Table,
    Id,
    RequesterId,
    Name,
    Slug,
    Purpose,
    ManagerId,
    Status,
    CreatedAt,
    DecidedAt,
    DecidedBy,
    DecisionReason,
    ChannelId,
}

#[derive(DeriveIden)]
enum ChannelManagers {
    Table,
    ChannelId,
    UserId,
    Kind,
    AddedAt,
    AddedBy,
    Until,
}

fn to_user(
    table: impl IntoIden + 'static,
    col: impl IntoIden + 'static,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Users::Table, Users::Id)
        .on_delete(on_delete)
        .to_owned()
}

fn to_channel(
    table: impl IntoIden + 'static,
    col: impl IntoIden + 'static,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, col)
        .to(Channels::Table, Channels::Id)
        .on_delete(on_delete)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(LicenceApplications::Table)
                .col(id(LicenceApplications::Id))
                .col(fk(LicenceApplications::UserId))
                .col(text(LicenceApplications::Why))
                .col(ColumnDef::new(LicenceApplications::Trained).boolean().not_null())
                .col(text(LicenceApplications::ManagerName))
                .col(text_default(LicenceApplications::Status, "pending"))
                .col(time(LicenceApplications::CreatedAt))
                .col(time_null(LicenceApplications::DecidedAt))
                .col(fk_null(LicenceApplications::DecidedBy))
                .col(text_null(LicenceApplications::DecisionReason))
                .foreign_key(&mut to_user(
                    LicenceApplications::Table,
                    LicenceApplications::UserId,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut to_user(
                    LicenceApplications::Table,
                    LicenceApplications::DecidedBy,
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        // One application waiting per person. A partial index, which both
        // backends spell the same way and sea-query does not.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX licence_applications_one_pending \
                 ON licence_applications (user_id) WHERE status = 'pending'",
            )
            .await?;
        m.create_table(
            Table::create()
                .table(LicenceApplicationChannels::Table)
                .col(fk(LicenceApplicationChannels::ApplicationId))
                .col(fk(LicenceApplicationChannels::ChannelId))
                .primary_key(
                    Index::create()
                        .col(LicenceApplicationChannels::ApplicationId)
                        .col(LicenceApplicationChannels::ChannelId),
                )
                .foreign_key(
                    &mut ForeignKey::create()
                        .from(
                            LicenceApplicationChannels::Table,
                            LicenceApplicationChannels::ApplicationId,
                        )
                        .to(LicenceApplications::Table, LicenceApplications::Id)
                        .on_delete(ForeignKeyAction::Cascade)
                        .to_owned(),
                )
                .foreign_key(&mut to_channel(
                    LicenceApplicationChannels::Table,
                    LicenceApplicationChannels::ChannelId,
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ChannelRequests::Table)
                .col(id(ChannelRequests::Id))
                .col(fk(ChannelRequests::RequesterId))
                .col(text(ChannelRequests::Name))
                .col(text(ChannelRequests::Slug))
                .col(text(ChannelRequests::Purpose))
                .col(fk(ChannelRequests::ManagerId))
                .col(text_default(ChannelRequests::Status, "pending"))
                .col(time(ChannelRequests::CreatedAt))
                .col(time_null(ChannelRequests::DecidedAt))
                .col(fk_null(ChannelRequests::DecidedBy))
                .col(text_null(ChannelRequests::DecisionReason))
                .col(fk_null(ChannelRequests::ChannelId))
                .foreign_key(&mut to_user(
                    ChannelRequests::Table,
                    ChannelRequests::RequesterId,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut to_user(
                    ChannelRequests::Table,
                    ChannelRequests::ManagerId,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut to_user(
                    ChannelRequests::Table,
                    ChannelRequests::DecidedBy,
                    ForeignKeyAction::SetNull,
                ))
                .foreign_key(&mut to_channel(
                    ChannelRequests::Table,
                    ChannelRequests::ChannelId,
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ChannelManagers::Table)
                .col(fk(ChannelManagers::ChannelId))
                .col(fk(ChannelManagers::UserId))
                // `manager`, or (with issue 17) `deputy`, who serves `until` a date.
                .col(text_default(ChannelManagers::Kind, "manager"))
                .col(time(ChannelManagers::AddedAt))
                .col(fk_null(ChannelManagers::AddedBy))
                .col(time_null(ChannelManagers::Until))
                .primary_key(
                    Index::create()
                        .col(ChannelManagers::ChannelId)
                        .col(ChannelManagers::UserId),
                )
                .foreign_key(&mut to_channel(
                    ChannelManagers::Table,
                    ChannelManagers::ChannelId,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut to_user(
                    ChannelManagers::Table,
                    ChannelManagers::UserId,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut to_user(
                    ChannelManagers::Table,
                    ChannelManagers::AddedBy,
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("channel_managers_by_user")
                .table(ChannelManagers::Table)
                .col(ChannelManagers::UserId)
                .to_owned(),
        )
        .await
    }
}
