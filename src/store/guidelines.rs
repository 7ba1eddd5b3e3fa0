//! Versions of the community guidelines, and who accepted which.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, Func, IntoColumnRef, JoinType, OnConflict, Order, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, FromQueryResult};

use crate::domain::time::{When, now};

/// Whether a version of the guidelines exists that the person whose id is in
/// `user` has not accepted: the latest one, unaccepted (false when there are
/// none).
pub fn pending_for(user: impl IntoColumnRef) -> SimpleExpr {
    let (guidelines, acceptances) = (Alias::new("guidelines"), Alias::new("guideline_acceptances"));
    let version = Alias::new("version");
    let latest = Query::select()
        .expr(Expr::col(version.clone()).max())
        .from(guidelines.clone())
        .to_owned();
    let accepted = Query::select()
        .expr(Expr::val(1))
        .from(acceptances.clone())
        .and_where(Expr::col((acceptances.clone(), Alias::new("user_id"))).equals(user))
        .and_where(Expr::col((acceptances, version.clone())).equals((guidelines.clone(), version.clone())))
        .to_owned();
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from(guidelines.clone())
            .and_where(Expr::col((guidelines, version)).in_subquery(latest))
            .and_where(Expr::exists(accepted).not())
            .to_owned(),
    )
}

#[derive(FromQueryResult)]
struct Row {
    version: i32,
    body_md: String,
    body_html: String,
    summary: String,
    author_name: Option<String>,
    created_at: DateTime<Utc>,
}

/// One version of the guidelines.
#[derive(Debug, Clone)]
pub struct Guidelines {
    pub version: i32,
    pub body_md: String,
    pub body_html: String,
    /// What changed since the version before.
    pub summary: String,
    pub author_name: String,
    pub published: When,
}

/// A table or column these statements name.
fn name(text: &'static str) -> Alias {
    Alias::new(text)
}

/// The version in force: the latest.
pub async fn current(db: &impl ConnectionTrait) -> Result<Option<Guidelines>, sea_orm::DbErr> {
    let (g, u) = (name("g"), name("u"));
    let latest = Query::select()
        .columns(["version", "body_md", "body_html", "summary", "created_at"].map(|c| (g.clone(), name(c))))
        .expr_as(Expr::col((u.clone(), name("name"))), name("author_name"))
        .from_as(name("guidelines"), g.clone())
        .join_as(
            JoinType::LeftJoin,
            name("users"),
            u.clone(),
            Expr::col((u, name("id"))).equals((g.clone(), name("author_id"))),
        )
        .order_by((g, name("version")), Order::Desc)
        .limit(1)
        .to_owned();
    let row = Row::find_by_statement(db.get_database_backend().build(&latest))
        .one(db)
        .await?;
    Ok(row.map(|r| Guidelines {
        version: r.version,
        body_md: r.body_md,
        body_html: r.body_html,
        summary: r.summary,
        author_name: r.author_name.unwrap_or_else(|| "the moderators".into()),
        published: When::new(r.created_at),
    }))
}

/// Add the next version; returns its number.
pub async fn publish(
    db: &impl ConnectionTrait,
    author_id: Option<i64>,
    body_md: &str,
    body_html: &str,
    summary: &str,
) -> Result<i32, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Version {
        version: i32,
    }
    let next = Query::select()
        .expr(Expr::expr(Func::coalesce([Expr::col(name("version")).max(), Expr::val(0).into()])).add(1))
        .expr(Expr::val(body_md))
        .expr(Expr::val(body_html))
        .expr(Expr::val(summary))
        .expr(Expr::val(author_id))
        .expr(Expr::val(now()))
        .from(name("guidelines"))
        .to_owned();
    let insert = Query::insert()
        .into_table(name("guidelines"))
        .columns(["version", "body_md", "body_html", "summary", "author_id", "created_at"].map(name))
        .select_from(next)
        .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?
        .returning_col(name("version"))
        .to_owned();
    let row = Version::find_by_statement(db.get_database_backend().build(&insert))
        .one(db)
        .await?;
    Ok(row.map(|r| r.version).unwrap_or_default())
}

/// Record that a person accepted a version (once; accepting again changes nothing).
pub async fn accept(db: &impl ConnectionTrait, user_id: i64, version: i32) -> Result<(), sea_orm::DbErr> {
    let insert = Query::insert()
        .into_table(name("guideline_acceptances"))
        .columns(["user_id", "version", "accepted_at"].map(name))
        .values([user_id.into(), version.into(), now().into()])
        .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?
        .on_conflict(
            OnConflict::columns(["user_id", "version"].map(name))
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    db.execute(db.get_database_backend().build(&insert)).await?;
    Ok(())
}

/// The latest version a person accepted, and when.
pub async fn accepted_by(db: &impl ConnectionTrait, user_id: i64) -> Result<Option<(i32, When)>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Accepted {
        version: i32,
        accepted_at: DateTime<Utc>,
    }
    let latest = Query::select()
        .columns(["version", "accepted_at"].map(name))
        .from(name("guideline_acceptances"))
        .and_where(Expr::col(name("user_id")).eq(user_id))
        .order_by(name("version"), Order::Desc)
        .limit(1)
        .to_owned();
    let row = Accepted::find_by_statement(db.get_database_backend().build(&latest))
        .one(db)
        .await?;
    Ok(row.map(|r| (r.version, When::new(r.accepted_at))))
}
