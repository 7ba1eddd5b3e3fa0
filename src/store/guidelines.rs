//! Versions of the community guidelines, and who accepted which.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, IntoColumnRef, Query, SimpleExpr};
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::sql;
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

/// The version in force: the latest.
pub async fn current(db: &impl ConnectionTrait) -> Result<Option<Guidelines>, sea_orm::DbErr> {
    let row = Row::find_by_statement(sql(
        db,
        "SELECT g.version, g.body_md, g.body_html, g.summary, u.name AS author_name, g.created_at \
         FROM guidelines g LEFT JOIN users u ON u.id = g.author_id ORDER BY g.version DESC LIMIT 1",
        vec![],
    ))
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
    let row = Version::find_by_statement(sql(
        db,
        "INSERT INTO guidelines (version, body_md, body_html, summary, author_id, created_at) \
         SELECT COALESCE(MAX(version), 0) + 1, ?, ?, ?, ?, ? FROM guidelines RETURNING version",
        vec![
            body_md.into(),
            body_html.into(),
            summary.into(),
            author_id.into(),
            now().into(),
        ],
    ))
    .one(db)
    .await?;
    Ok(row.map(|r| r.version).unwrap_or_default())
}

/// Record that a person accepted a version (once; accepting again changes nothing).
pub async fn accept(db: &impl ConnectionTrait, user_id: i64, version: i32) -> Result<(), sea_orm::DbErr> {
    db.execute(sql(
        db,
        "INSERT INTO guideline_acceptances (user_id, version, accepted_at) VALUES (?, ?, ?) \
         ON CONFLICT (user_id, version) DO NOTHING",
        vec![user_id.into(), version.into(), now().into()],
    ))
    .await?;
    Ok(())
}

/// The latest version a person accepted, and when.
pub async fn accepted_by(db: &impl ConnectionTrait, user_id: i64) -> Result<Option<(i32, When)>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct Accepted {
        version: i32,
        accepted_at: DateTime<Utc>,
    }
    let row = Accepted::find_by_statement(sql(
        db,
        "SELECT version, accepted_at FROM guideline_acceptances WHERE user_id = ? ORDER BY version DESC LIMIT 1",
        vec![user_id.into()],
    ))
    .one(db)
    .await?;
    Ok(row.map(|r| (r.version, When::new(r.accepted_at))))
}
