//! Sending the weekly digest: one outbox row per recipient and week (unique,
//! so a week is never planned twice for anyone), claimed with a lease and
//! marked only as the mail server takes the message; addresses the mail
//! server refused for good, which nothing is sent to until an administrator
//! clears them; and the key that signs unsubscribe links.

use crate::cols::*;
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000014_digest_outbox"
    }
}

#[derive(DeriveIden)]
enum DigestOutbox {
    Table,
    Id,
    Week,
    Recipient,
    Email,
    Status,
    Attempts,
    LeaseOwner,
    LeaseUntil,
    NextAttemptAt,
    MessageId,
    Contents,
    LastError,
    HandedAt,
    SentAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MailSuppressions {
    Table,
    Email,
    Code,
    Reason,
    Source,
    RecordedAt,
}

#[derive(DeriveIden)]
enum SigningKeys {
    Table,
    Name,
    Secret,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DigestOutbox::Table)
                .col(id(DigestOutbox::Id))
                .col(text(DigestOutbox::Week))
                .col(text(DigestOutbox::Recipient))
                .col(text(DigestOutbox::Email))
                .col(text_default(DigestOutbox::Status, "pending"))
                .col(int(DigestOutbox::Attempts))
                .col(text_null(DigestOutbox::LeaseOwner))
                .col(time_null(DigestOutbox::LeaseUntil))
                .col(time(DigestOutbox::NextAttemptAt))
                .col(text_null(DigestOutbox::MessageId))
                .col(text_null(DigestOutbox::Contents))
                .col(text_null(DigestOutbox::LastError))
                .col(time_null(DigestOutbox::HandedAt))
                .col(time_null(DigestOutbox::SentAt))
                .col(time(DigestOutbox::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("digest_outbox_recipient_week")
                .table(DigestOutbox::Table)
                .col(DigestOutbox::Week)
                .col(DigestOutbox::Recipient)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("digest_outbox_due")
                .table(DigestOutbox::Table)
                .col(DigestOutbox::Week)
                .col(DigestOutbox::Status)
                .col(DigestOutbox::NextAttemptAt)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(MailSuppressions::Table)
                .col(ColumnDef::new(MailSuppressions::Email).text().not_null().primary_key())
                .col(int(MailSuppressions::Code))
                .col(text(MailSuppressions::Reason))
                .col(text(MailSuppressions::Source))
                .col(time(MailSuppressions::RecordedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SigningKeys::Table)
                .col(ColumnDef::new(SigningKeys::Name).text().not_null().primary_key())
                .col(text(SigningKeys::Secret))
                .col(time(SigningKeys::CreatedAt))
                .to_owned(),
        )
        .await
    }
}
