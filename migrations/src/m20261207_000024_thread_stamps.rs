//! The channel's content stamp (see `content_stamps`) also covers what its
//! threads show: the replies, their reactions, the posts pinned, and the
//! posts featured in a digest. Each server keeps a thread's page as read
//! beside its channel's stamp and serves it while the stamp is unchanged.

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000024_thread_stamps"
    }
}

/// Each table, and the channel one of its rows (`{row}`) belongs to.
const COVERED: [(&str, &str); 4] = [
    ("replies", "(SELECT channel_id FROM posts WHERE id = {row}.post_id)"),
    (
        "reply_reactions",
        "(SELECT p.channel_id FROM replies r JOIN posts p ON p.id = r.post_id WHERE r.id = {row}.reply_id)",
    ),
    ("channel_pins", "{row}.channel_id"),
    (
        "digest_features",
        "(SELECT channel_id FROM posts WHERE id = {row}.post_id)",
    ),
];

fn bump(table_channel: &str, row: &str) -> String {
    format!(
        "UPDATE channels SET content_stamp = content_stamp + 1 WHERE id = {}",
        table_channel.replace("{row}", row)
    )
}

/// SQLite: one trigger per table and change.
fn sqlite_triggers() -> Vec<String> {
    sqlite_triggers_for(&COVERED)
}

/// SQLite: one trigger per table of `covered` and change (later migrations
/// cover more tables the same way).
pub(crate) fn sqlite_triggers_for(covered: &[(&str, &str)]) -> Vec<String> {
    let mut statements = Vec::new();
    for &(table, channel) in covered {
        for (event, row) in [
            ("INSERT", "NEW"),
            ("UPDATE", "NEW"),
            ("UPDATE", "OLD"),
            ("DELETE", "OLD"),
        ] {
            let name = format!("{table}_{}_{}_content", event.to_lowercase(), row.to_lowercase());
            statements.push(format!(
                "CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {}; END",
                bump(channel, row)
            ));
        }
    }
    statements
}

/// PostgreSQL: a function per table, fired at commit (as in `content_stamps`).
fn postgres_triggers() -> Vec<String> {
    postgres_triggers_for(&COVERED)
}

/// PostgreSQL: a function per table of `covered`, fired at commit on any change.
pub(crate) fn postgres_triggers_for(covered: &[(&str, &str)]) -> Vec<String> {
    let mut statements = Vec::new();
    for &(table, channel) in covered {
        statements.push(format!(
            "CREATE FUNCTION bump_{table}_content() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
               IF TG_OP <> 'DELETE' THEN {}; END IF; IF TG_OP <> 'INSERT' THEN {}; END IF; \
               RETURN NULL; END $$",
            bump(channel, "NEW"),
            bump(channel, "OLD")
        ));
        statements.push(format!(
            "CREATE CONSTRAINT TRIGGER {table}_content AFTER INSERT OR UPDATE OR DELETE ON {table} \
             DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION bump_{table}_content()"
        ));
    }
    statements
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        crate::run_per_backend(m, postgres_triggers, sqlite_triggers).await
    }
}
