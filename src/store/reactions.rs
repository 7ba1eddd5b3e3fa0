//! Reactions on posts and replies: toggling, and tallies with who reacted.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, Set};

use super::{placeholders, sql};
use crate::domain::reaction::ReactionKind;
use crate::domain::time::now;
use crate::entities::{post_reaction, reply_reaction};

/// One reaction kind on one item: how many, whether the viewer is among them, and who.
#[derive(Debug, Clone)]
pub struct Tally {
    pub kind: &'static str,
    pub label: &'static str,
    pub emoji: &'static str,
    pub count: usize,
    pub mine: bool,
    /// "Natalie Hughes, Sam Patel and 2 others"; empty when nobody reacted.
    pub who: String,
}

/// What is reacted to.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Post(i64),
    Reply(i64),
}

#[derive(FromQueryResult)]
struct Row {
    target_id: i64,
    kind: String,
    user_id: i64,
    name: String,
}

fn who(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [a] => a.clone(),
        [a, b] => format!("{a} and {b}"),
        [a, b, c] => format!("{a}, {b} and {c}"),
        [a, b, rest @ ..] => format!("{a}, {b} and {} others", rest.len()),
    }
}

fn tallies(rows: &[&Row], viewer: i64) -> Vec<Tally> {
    ReactionKind::ALL
        .iter()
        .map(|kind| {
            let names: Vec<String> = rows
                .iter()
                .filter(|r| r.kind == kind.as_str())
                .map(|r| r.name.clone())
                .collect();
            Tally {
                kind: kind.as_str(),
                label: kind.label(),
                emoji: kind.emoji(),
                count: names.len(),
                mine: rows.iter().any(|r| r.kind == kind.as_str() && r.user_id == viewer),
                who: who(&names),
            }
        })
        .collect()
}

async fn load(
    db: &impl ConnectionTrait,
    table: &str,
    column: &str,
    ids: &[i64],
    viewer: i64,
) -> Result<HashMap<i64, Vec<Tally>>, sea_orm::DbErr> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let text = format!(
        "SELECT r.{column} AS target_id, r.kind, r.user_id, u.name FROM {table} r JOIN users u ON u.id = r.user_id \
         WHERE r.{column} IN ({}) ORDER BY r.created_at, u.name",
        placeholders(ids.len())
    );
    let rows = Row::find_by_statement(sql(db, &text, ids.iter().map(|&id| id.into()).collect()))
        .all(db)
        .await?;
    let mut by_target: HashMap<i64, Vec<&Row>> = HashMap::new();
    for row in &rows {
        by_target.entry(row.target_id).or_default().push(row);
    }
    Ok(ids
        .iter()
        .map(|id| (*id, tallies(by_target.get(id).map_or(&[][..], Vec::as_slice), viewer)))
        .collect())
}

pub async fn for_posts(
    db: &impl ConnectionTrait,
    ids: &[i64],
    viewer: i64,
) -> Result<HashMap<i64, Vec<Tally>>, sea_orm::DbErr> {
    load(db, "post_reactions", "post_id", ids, viewer).await
}

pub async fn for_replies(
    db: &impl ConnectionTrait,
    ids: &[i64],
    viewer: i64,
) -> Result<HashMap<i64, Vec<Tally>>, sea_orm::DbErr> {
    load(db, "reply_reactions", "reply_id", ids, viewer).await
}

/// Add the reaction if absent, remove it if present. Returns whether it is now on.
pub async fn toggle(
    db: &impl ConnectionTrait,
    target: Target,
    user_id: i64,
    kind: ReactionKind,
) -> Result<bool, sea_orm::DbErr> {
    let kind_s = kind.as_str().to_owned();
    let removed = match target {
        Target::Post(id) => {
            post_reaction::Entity::delete_by_id((id, user_id, kind_s.clone()))
                .exec(db)
                .await?
        }
        Target::Reply(id) => {
            reply_reaction::Entity::delete_by_id((id, user_id, kind_s.clone()))
                .exec(db)
                .await?
        }
    };
    if removed.rows_affected > 0 {
        return Ok(false);
    }
    let inserted = match target {
        Target::Post(id) => {
            post_reaction::Entity::insert(post_reaction::ActiveModel {
                post_id: Set(id),
                user_id: Set(user_id),
                kind: Set(kind_s),
                created_at: Set(now()),
            })
            .exec_without_returning(db)
            .await
        }
        Target::Reply(id) => {
            reply_reaction::Entity::insert(reply_reaction::ActiveModel {
                reply_id: Set(id),
                user_id: Set(user_id),
                kind: Set(kind_s),
                created_at: Set(now()),
            })
            .exec_without_returning(db)
            .await
        }
    };
    match inserted {
        Ok(_) => Ok(true),
        // A double click raced us to it: the reaction is on either way.
        Err(e) if super::is_unique_violation(&e) => Ok(true),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::who;

    #[test]
    fn names_read_naturally() {
        let n = |v: &[&str]| who(&v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(n(&[]), "");
        assert_eq!(n(&["A"]), "A");
        assert_eq!(n(&["A", "B"]), "A and B");
        assert_eq!(n(&["A", "B", "C", "D"]), "A, B and 2 others");
    }
}
