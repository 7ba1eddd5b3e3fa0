//! Reactions on posts and replies: toggling, and tallies with who reacted.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, Set};

use super::{placeholders, sql};
use crate::domain::reaction::ReactionKind;
use crate::domain::time::now;
use crate::entities::{post_reaction, reply_reaction};

/// One reaction kind on one item: how many, whether the viewer is among them, and who.
#[derive(Debug, Clone)]
pub struct Tally {
    pub kind: ReactionKind,
    pub count: usize,
    pub mine: bool,
    /// "You, Natalie Hughes and 2 others"; empty when nobody reacted.
    pub who: String,
    /// Everyone who reacted: the viewer first, then in the order they reacted.
    pub people: Vec<Reactor>,
}

impl Tally {
    /// Whether [`Tally::who`] leaves names out ("and 2 others"), so the full list is worth offering.
    pub fn is_abbreviated(&self) -> bool {
        self.people.len() > SHOWN_IN_FULL
    }
}

/// Someone who reacted, as the full list names them.
#[derive(Debug, Clone)]
pub struct Reactor {
    pub name: String,
    pub handle: String,
    /// The person looking: named "You".
    pub is_viewer: bool,
}

impl Reactor {
    /// "You" for the viewer, their name for anyone else.
    pub fn shown_name(&self) -> &str {
        if self.is_viewer { "You" } else { &self.name }
    }
}

/// Up to this many reactors are all named in the summary line.
const SHOWN_IN_FULL: usize = 3;

pub use crate::domain::reaction::Target;

#[derive(FromQueryResult)]
struct Row {
    target_id: i64,
    kind: String,
    user_id: i64,
    name: String,
    handle: String,
}

/// One reaction as a tally counts it: its kind, and who (id, name, handle).
#[derive(Debug, Clone, serde::Deserialize)]
struct Reacted(String, i64, String, String);

/// The reactions to a post or reply as [`as_json`] reads them, parsed once
/// as the row is read: kept with a page, and told as tallies to each reader.
#[derive(Debug, Clone, Default)]
pub struct Reactions(Vec<Reacted>);

impl Reactions {
    /// The tallies as `viewer` sees them.
    pub fn tallies(&self, viewer: i64) -> Vec<Tally> {
        tallies(&self.0, viewer)
    }
}

impl sea_orm::TryGetable for Reactions {
    fn try_get_by<I: sea_orm::ColIdx>(res: &sea_orm::QueryResult, index: I) -> Result<Self, sea_orm::TryGetError> {
        let json = String::try_get_by(res, index)?;
        serde_json::from_str(&json)
            .map(Reactions)
            .map_err(|e| sea_orm::TryGetError::DbErr(sea_orm::DbErr::Type(format!("reactions read as {json:?}: {e}"))))
    }
}

impl From<&Row> for Reacted {
    fn from(r: &Row) -> Self {
        Reacted(r.kind.clone(), r.user_id, r.name.clone(), r.handle.clone())
    }
}

/// What reactions are on, as a table of them names it.
#[derive(Debug, Clone, Copy)]
pub enum On {
    Posts,
    Replies,
}

/// The reactions to the post or reply whose id is `owner` (a column of the
/// surrounding query, such as `p.id`) as one JSON array of `[kind, user id,
/// name, handle]`, in the order they were made: a column of the post's or
/// reply's own row, so a page of them and their reactions is one statement.
pub fn as_json(backend: DbBackend, on: On, owner: &str) -> String {
    let (table, column) = match on {
        On::Posts => ("post_reactions", "post_id"),
        On::Replies => ("reply_reactions", "reply_id"),
    };
    let from = format!("FROM {table} x JOIN users xu ON xu.id = x.user_id WHERE x.{column} = {owner}");
    let value = match backend {
        DbBackend::Postgres => "json_build_array(x.kind, x.user_id, xu.name, xu.handle)",
        _ => "json_array(x.kind, x.user_id, xu.name, xu.handle)",
    };
    super::json_array_of(backend, value, "x.created_at, xu.name, x.user_id", &from)
}

fn who(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [a] => (*a).to_owned(),
        [a, b] => format!("{a} and {b}"),
        [a, b, c] => format!("{a}, {b} and {c}"),
        [a, b, rest @ ..] => format!("{a}, {b} and {} others", rest.len()),
    }
}

fn tallies(rows: &[Reacted], viewer: i64) -> Vec<Tally> {
    ReactionKind::ALL
        .iter()
        .map(|kind| {
            let mut people: Vec<Reactor> = rows
                .iter()
                .filter(|Reacted(k, ..)| k == kind.as_str())
                .map(|Reacted(_, user_id, name, handle)| Reactor {
                    name: name.clone(),
                    handle: handle.clone(),
                    is_viewer: *user_id == viewer,
                })
                .collect();
            // Stable: everyone else stays in the order they reacted.
            people.sort_by_key(|p| !p.is_viewer);
            let names: Vec<&str> = people.iter().map(Reactor::shown_name).collect();
            Tally {
                kind: *kind,
                count: people.len(),
                mine: people.first().is_some_and(|p| p.is_viewer),
                who: who(&names),
                people,
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
        "SELECT r.{column} AS target_id, r.kind, r.user_id, u.name, u.handle FROM {table} r JOIN users u ON u.id = r.user_id \
         WHERE r.{column} IN ({}) ORDER BY r.created_at, u.name, r.user_id",
        placeholders(ids.len())
    );
    let rows = Row::find_by_statement(sql(db, &text, ids.iter().map(|&id| id.into()).collect()))
        .all(db)
        .await?;
    let mut by_target: HashMap<i64, Vec<Reacted>> = HashMap::new();
    for row in &rows {
        by_target.entry(row.target_id).or_default().push(row.into());
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
        assert_eq!(who(&[]), "");
        assert_eq!(who(&["A"]), "A");
        assert_eq!(who(&["You", "B"]), "You and B");
        assert_eq!(who(&["A", "B", "C", "D"]), "A, B and 2 others");
    }
}
