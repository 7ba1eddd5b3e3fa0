//! A stamp on every channel that changes whenever anything its timeline
//! shows changes: its posts (and the other posts they were shared with),
//! their reactions and replies' counts, its announcements and their
//! dismissals, the channel itself, and the names of the people shown.
//!
//! Each app server keeps the home pages it has read beside the sum of the
//! stamps of the channels the person follows (read with the session, in one
//! statement); a different sum means read the page again. As with the
//! account stamps, the database bumps the stamp itself, by trigger, in the
//! same transaction as the change, so a write made anywhere shows on the
//! next page every server serves.
//!
//! On PostgreSQL the bumps wait until commit (deferred constraint
//! triggers): a writer then locks channel rows last, after everything else
//! it locked, so a stamp never waits behind a writer's other locks (two
//! writers each touching several channels may still meet in opposite
//! orders; PostgreSQL then ends one with a deadlock error).

use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261207_000023_content_stamps"
    }
}

#[derive(DeriveIden)]
enum Channels {
    Table,
    ContentStamp,
}

/// Bump the channels `which` names (an SQL condition on `id`).
fn bump(which: &str) -> String {
    format!("UPDATE channels SET content_stamp = content_stamp + 1 WHERE {which}")
}

/// A post's channel and those of the posts it was shared with.
fn post_channels(row: &str) -> String {
    format!("id = {row}.channel_id OR id IN (SELECT channel_id FROM posts WHERE share_group = {row}.share_group)")
}

/// SQLite: one trigger per table and change.
fn sqlite_triggers() -> Vec<String> {
    let mut statements = Vec::new();
    let mut on = |name: &str, event: &str, table: &str, when: &str, body: String| {
        statements.push(format!(
            "CREATE TRIGGER {name} AFTER {event} ON {table}{when} BEGIN {body}; END"
        ));
    };
    on(
        "posts_insert_content",
        "INSERT",
        "posts",
        "",
        bump(&post_channels("NEW")),
    );
    on(
        "posts_update_content",
        "UPDATE",
        "posts",
        "",
        bump(&format!("{} OR {}", post_channels("NEW"), post_channels("OLD"))),
    );
    on(
        "posts_delete_content",
        "DELETE",
        "posts",
        "",
        bump(&post_channels("OLD")),
    );
    for (event, row) in [("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")] {
        let lower = event.to_lowercase();
        on(
            &format!("post_reactions_{lower}_content"),
            event,
            "post_reactions",
            "",
            bump(&format!("id = (SELECT channel_id FROM posts WHERE id = {row}.post_id)")),
        );
        on(
            &format!("announcements_{lower}_content"),
            event,
            "announcements",
            "",
            bump(&format!("id = {row}.channel_id")),
        );
        on(
            &format!("announcement_dismissals_{lower}_content"),
            event,
            "announcement_dismissals",
            "",
            bump(&format!(
                "id = (SELECT channel_id FROM announcements WHERE post_id = {row}.post_id)"
            )),
        );
    }
    // A person's name or handle, shown beside their posts and reactions.
    on(
        "users_name_content",
        "UPDATE OF name, handle",
        "users",
        " WHEN NEW.name IS NOT OLD.name OR NEW.handle IS NOT OLD.handle",
        bump("1 = 1"),
    );
    // The channel's own row: any change but the stamp's own bumps it.
    on(
        "channels_update_content",
        "UPDATE",
        "channels",
        " WHEN NEW.content_stamp = OLD.content_stamp",
        "UPDATE channels SET content_stamp = OLD.content_stamp + 1 WHERE id = NEW.id".into(),
    );
    statements
}

/// PostgreSQL: trigger functions, fired at commit.
fn postgres_triggers() -> Vec<String> {
    let function = |name: &str, body: String| {
        format!("CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$")
    };
    let on_rows = |body: &dyn Fn(&str) -> String| {
        format!(
            "IF TG_OP <> 'DELETE' THEN {}; END IF; IF TG_OP <> 'INSERT' THEN {}; END IF;",
            body("NEW"),
            body("OLD")
        )
    };
    let deferred = |name: &str, events: &str, table: &str, when: &str, function: &str| {
        format!(
            "CREATE CONSTRAINT TRIGGER {name} AFTER {events} ON {table} DEFERRABLE INITIALLY DEFERRED \
             FOR EACH ROW{when} EXECUTE FUNCTION {function}()"
        )
    };
    vec![
        function("bump_post_content", on_rows(&|row| bump(&post_channels(row)))),
        function(
            "bump_reaction_content",
            on_rows(&|row| bump(&format!("id = (SELECT channel_id FROM posts WHERE id = {row}.post_id)"))),
        ),
        function(
            "bump_announcement_content",
            on_rows(&|row| bump(&format!("id = {row}.channel_id"))),
        ),
        function(
            "bump_dismissal_content",
            on_rows(&|row| {
                bump(&format!("id = (SELECT channel_id FROM announcements WHERE post_id = {row}.post_id)"))
            }),
        ),
        function("bump_every_content", format!("{};", bump("TRUE"))),
        "CREATE FUNCTION bump_own_content() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
           IF NEW.content_stamp = OLD.content_stamp THEN NEW.content_stamp := OLD.content_stamp + 1; END IF; \
           RETURN NEW; END $$"
            .to_owned(),
        deferred("posts_content", "INSERT OR UPDATE OR DELETE", "posts", "", "bump_post_content"),
        deferred(
            "post_reactions_content",
            "INSERT OR UPDATE OR DELETE",
            "post_reactions",
            "",
            "bump_reaction_content",
        ),
        deferred(
            "announcements_content",
            "INSERT OR UPDATE OR DELETE",
            "announcements",
            "",
            "bump_announcement_content",
        ),
        deferred(
            "announcement_dismissals_content",
            "INSERT OR UPDATE OR DELETE",
            "announcement_dismissals",
            "",
            "bump_dismissal_content",
        ),
        deferred(
            "users_name_content",
            "UPDATE OF name, handle",
            "users",
            " WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.handle IS DISTINCT FROM NEW.handle)",
            "bump_every_content",
        ),
        "CREATE TRIGGER channels_update_content BEFORE UPDATE ON channels FOR EACH ROW EXECUTE FUNCTION bump_own_content()"
            .to_owned(),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Channels::Table)
                .add_column(
                    ColumnDef::new(Channels::ContentStamp)
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .to_owned(),
        )
        .await?;
        crate::run_per_backend(m, postgres_triggers, sqlite_triggers).await
    }
}
