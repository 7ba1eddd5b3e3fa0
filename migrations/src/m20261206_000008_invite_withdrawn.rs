//! A withdrawn invite keeps both facts: when it would have expired and when
//! it was withdrawn. Withdrawing used to overwrite the expiry with the
//! withdrawal time; invites withdrawn before this change get their
//! withdrawal time from the audit log (their original expiry is gone).

use sea_orm_migration::prelude::*;

use crate::cols;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000008_invite_withdrawn"
    }
}

#[derive(DeriveIden)]
enum Invites {
    Table,
    WithdrawnAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Invites::Table)
                .add_column(cols::time_null(Invites::WithdrawnAt))
                .to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "UPDATE invites SET withdrawn_at = (SELECT MAX(a.created_at) FROM audit_log a \
                   WHERE a.action = 'invite.withdraw' AND a.target = 'invite:' || invites.id) \
                 WHERE used_at IS NULL",
            )
            .await?;
        Ok(())
    }
}
