//! A stamp on every account that changes whenever anything a signed-in page
//! knows about the person changes: the account itself, roles, memberships,
//! channels managed or followed (and those channels' visibility or
//! archiving), guidelines and their acceptance, notifications and warnings.
//!
//! Each app server keeps the accounts it has loaded beside the stamp they
//! were loaded at, and reads only the stamp with the session on each
//! request; a different stamp means load again. The database bumps the
//! stamp itself, by trigger, in the same transaction as the change, so no
//! write anywhere (web, CLI, jobs, another server, a hand-made fix in SQL)
//! can leave a server serving stale permissions.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000022_account_stamps"
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    AccessStamp,
}

/// Tables with a `user_id` whose rows are part of what a page knows about
/// that person.
const PER_PERSON: [&str; 6] = [
    "user_roles",
    "channel_members",
    "channel_managers",
    "channel_follows",
    "guideline_acceptances",
    "notices",
];

/// SQLite: one trigger per table and change, each bumping the person named
/// by the new or old row.
fn sqlite_triggers() -> Vec<String> {
    let mut statements = Vec::new();
    for table in PER_PERSON {
        for (event, row) in [
            ("INSERT", "NEW"),
            ("UPDATE", "NEW"),
            ("UPDATE", "OLD"),
            ("DELETE", "OLD"),
        ] {
            let name = format!("{table}_{}_{}_stamp", event.to_lowercase(), row.to_lowercase());
            statements.push(format!(
                "CREATE TRIGGER {name} AFTER {event} ON {table} \
                 BEGIN UPDATE users SET access_stamp = access_stamp + 1 WHERE id = {row}.user_id; END"
            ));
        }
    }
    // The account's own row: any change but the stamp's own bumps it.
    statements.push(
        "CREATE TRIGGER users_update_stamp AFTER UPDATE ON users WHEN NEW.access_stamp = OLD.access_stamp \
         BEGIN UPDATE users SET access_stamp = OLD.access_stamp + 1 WHERE id = NEW.id; END"
            .into(),
    );
    // What every page depends on: a channel's visibility or archiving
    // (follows, notifications' readability) and the guidelines.
    statements.push(
        "CREATE TRIGGER channels_update_stamp AFTER UPDATE OF visibility, archived_at ON channels \
         BEGIN UPDATE users SET access_stamp = access_stamp + 1; END"
            .into(),
    );
    for event in ["INSERT", "UPDATE", "DELETE"] {
        statements.push(format!(
            "CREATE TRIGGER guidelines_{}_stamp AFTER {event} ON guidelines \
             BEGIN UPDATE users SET access_stamp = access_stamp + 1; END",
            event.to_lowercase()
        ));
    }
    statements
}

/// PostgreSQL: three trigger functions, attached to the same tables.
fn postgres_triggers() -> Vec<String> {
    let mut statements = vec![
        "CREATE FUNCTION bump_person_stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
           IF TG_OP <> 'DELETE' THEN UPDATE users SET access_stamp = access_stamp + 1 WHERE id = NEW.user_id; END IF; \
           IF TG_OP <> 'INSERT' THEN UPDATE users SET access_stamp = access_stamp + 1 WHERE id = OLD.user_id; END IF; \
           RETURN NULL; END $$"
            .to_owned(),
        "CREATE FUNCTION bump_every_stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
           UPDATE users SET access_stamp = access_stamp + 1; RETURN NULL; END $$"
            .to_owned(),
        "CREATE FUNCTION bump_own_stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
           IF NEW.access_stamp = OLD.access_stamp THEN NEW.access_stamp := OLD.access_stamp + 1; END IF; \
           RETURN NEW; END $$"
            .to_owned(),
    ];
    for table in PER_PERSON {
        statements.push(format!(
            "CREATE TRIGGER {table}_stamp AFTER INSERT OR UPDATE OR DELETE ON {table} \
             FOR EACH ROW EXECUTE FUNCTION bump_person_stamp()"
        ));
    }
    statements.extend([
        "CREATE TRIGGER users_update_stamp BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION bump_own_stamp()"
            .to_owned(),
        "CREATE TRIGGER channels_update_stamp AFTER UPDATE OF visibility, archived_at ON channels \
         FOR EACH STATEMENT EXECUTE FUNCTION bump_every_stamp()"
            .to_owned(),
        "CREATE TRIGGER guidelines_stamp AFTER INSERT OR UPDATE OR DELETE ON guidelines \
         FOR EACH STATEMENT EXECUTE FUNCTION bump_every_stamp()"
            .to_owned(),
    ]);
    statements
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(ColumnDef::new(Users::AccessStamp).big_integer().not_null().default(0))
                .to_owned(),
        )
        .await?;
        crate::run_per_backend(m, postgres_triggers, sqlite_triggers).await
    }
}
