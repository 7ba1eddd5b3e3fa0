//! The community model's safety side: versioned guidelines and who accepted
//! which version, reports of posts and replies, notices a person reads on
//! their next visit (a hide, a warning to acknowledge), and break-glass
//! incidents. Hidden content keeps who hid it, why, and (when a break glass
//! hid it) which incident, so an undo restores exactly that.

use sea_orm_migration::prelude::*;

use crate::cols::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000018_community"
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Posts {
    Table,
    HiddenBy,
    HiddenReason,
    HiddenIncident,
}

#[derive(DeriveIden)]
enum Replies {
    Table,
    HiddenBy,
    HiddenReason,
    HiddenIncident,
}

#[derive(DeriveIden)]
enum Guidelines {
    Table,
    Version,
    BodyMd,
    BodyHtml,
    Summary,
    AuthorId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum GuidelineAcceptances {
    Table,
    UserId,
    Version,
    AcceptedAt,
}

#[derive(DeriveIden)]
enum Reports {
    Table,
    Id,
    ReporterId,
    TargetKind,
    TargetId,
    PostId,
    Reason,
    Details,
    CreatedAt,
    ResolvedAt,
    ResolvedBy,
    Outcome,
}

#[derive(DeriveIden)]
enum Notices {
    Table,
    Id,
    UserId,
    Kind,
    Body,
    Link,
    MustAcknowledge,
    CreatedBy,
    CreatedAt,
    AcknowledgedAt,
}

#[derive(DeriveIden)]
enum Incidents {
    Table,
    Id,
    UserId,
    ActorId,
    Since,
    Reason,
    CreatedAt,
    UndoneAt,
    UndoneBy,
}

fn user_fk(
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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a table one change at a time.
        for col in [
            fk_null(Posts::HiddenBy),
            text_null(Posts::HiddenReason),
            fk_null(Posts::HiddenIncident),
        ] {
            m.alter_table(Table::alter().table(Posts::Table).add_column(col).to_owned())
                .await?;
        }
        for col in [
            fk_null(Replies::HiddenBy),
            text_null(Replies::HiddenReason),
            fk_null(Replies::HiddenIncident),
        ] {
            m.alter_table(Table::alter().table(Replies::Table).add_column(col).to_owned())
                .await?;
        }
        m.create_table(
            Table::create()
                .table(Guidelines::Table)
                .col(ColumnDef::new(Guidelines::Version).integer().not_null().primary_key())
                .col(text(Guidelines::BodyMd))
                .col(text(Guidelines::BodyHtml))
                .col(text_default(Guidelines::Summary, ""))
                .col(fk_null(Guidelines::AuthorId))
                .col(time(Guidelines::CreatedAt))
                .foreign_key(&mut user_fk(
                    Guidelines::Table,
                    Guidelines::AuthorId,
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(GuidelineAcceptances::Table)
                .col(fk(GuidelineAcceptances::UserId))
                .col(ColumnDef::new(GuidelineAcceptances::Version).integer().not_null())
                .col(time(GuidelineAcceptances::AcceptedAt))
                .primary_key(
                    Index::create()
                        .col(GuidelineAcceptances::UserId)
                        .col(GuidelineAcceptances::Version),
                )
                .foreign_key(&mut user_fk(
                    GuidelineAcceptances::Table,
                    GuidelineAcceptances::UserId,
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Reports::Table)
                .col(id(Reports::Id))
                .col(fk(Reports::ReporterId))
                .col(text(Reports::TargetKind))
                .col(fk(Reports::TargetId))
                .col(fk(Reports::PostId))
                .col(text(Reports::Reason))
                .col(text_default(Reports::Details, ""))
                .col(time(Reports::CreatedAt))
                .col(time_null(Reports::ResolvedAt))
                .col(fk_null(Reports::ResolvedBy))
                .col(text_null(Reports::Outcome))
                .foreign_key(&mut user_fk(
                    Reports::Table,
                    Reports::ReporterId,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut user_fk(
                    Reports::Table,
                    Reports::ResolvedBy,
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        // One person reports one thing once.
        m.create_index(
            Index::create()
                .name("reports_once_per_reporter")
                .table(Reports::Table)
                .col(Reports::ReporterId)
                .col(Reports::TargetKind)
                .col(Reports::TargetId)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("reports_open")
                .table(Reports::Table)
                .col(Reports::ResolvedAt)
                .col(Reports::TargetKind)
                .col(Reports::TargetId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Notices::Table)
                .col(id(Notices::Id))
                .col(fk(Notices::UserId))
                .col(text(Notices::Kind))
                .col(text(Notices::Body))
                .col(text_null(Notices::Link))
                .col(
                    ColumnDef::new(Notices::MustAcknowledge)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(fk_null(Notices::CreatedBy))
                .col(time(Notices::CreatedAt))
                .col(time_null(Notices::AcknowledgedAt))
                .foreign_key(&mut user_fk(Notices::Table, Notices::UserId, ForeignKeyAction::Cascade))
                .foreign_key(&mut user_fk(
                    Notices::Table,
                    Notices::CreatedBy,
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("notices_unread")
                .table(Notices::Table)
                .col(Notices::UserId)
                .col(Notices::AcknowledgedAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Incidents::Table)
                .col(id(Incidents::Id))
                .col(fk(Incidents::UserId))
                .col(fk_null(Incidents::ActorId))
                .col(time(Incidents::Since))
                .col(text_default(Incidents::Reason, ""))
                .col(time(Incidents::CreatedAt))
                .col(time_null(Incidents::UndoneAt))
                .col(fk_null(Incidents::UndoneBy))
                .foreign_key(&mut user_fk(
                    Incidents::Table,
                    Incidents::UserId,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut user_fk(
                    Incidents::Table,
                    Incidents::ActorId,
                    ForeignKeyAction::SetNull,
                ))
                .foreign_key(&mut user_fk(
                    Incidents::Table,
                    Incidents::UndoneBy,
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await
    }
}
