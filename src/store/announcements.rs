//! Posts held up above the stream: pinned at the top of their channel (up
//! to [`MAX_PINS`](crate::domain::policy::MAX_PINS)), or announced to the
//! channel's followers, whose home page shows them until each reader
//! dismisses them. Functions take the caller's connection or transaction.

use sea_orm::sea_query::{Alias, Asterisk, Expr, JoinType, OnConflict, Order, Query, SelectStatement, SimpleExpr};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};

use super::users::PersonChip;
use crate::domain::time::now;

#[derive(FromQueryResult)]
struct PostId {
    #[expect(dead_code, reason = "only whether there is a row is used")]
    post_id: i64,
}

#[derive(FromQueryResult)]
struct Count {
    n: i64,
}

/// A table or column these statements name.
fn name(text: &'static str) -> Alias {
    Alias::new(text)
}

/// How many posts a channel has pinned, whatever their state.
pub async fn pin_count(db: &impl ConnectionTrait, channel_id: i64) -> Result<usize, sea_orm::DbErr> {
    let count = Query::select()
        .expr_as(Expr::col(Asterisk).count(), name("n"))
        .from(name("channel_pins"))
        .and_where(Expr::col(name("channel_id")).eq(channel_id))
        .to_owned();
    Ok(Count::find_by_statement(db.get_database_backend().build(&count))
        .one(db)
        .await?
        .map_or(0, |c| c.n as usize))
}

pub async fn is_pinned(db: &impl ConnectionTrait, post_id: i64) -> Result<bool, sea_orm::DbErr> {
    let pin = Query::select()
        .column(name("post_id"))
        .from(name("channel_pins"))
        .and_where(Expr::col(name("post_id")).eq(post_id))
        .to_owned();
    Ok(PostId::find_by_statement(db.get_database_backend().build(&pin))
        .one(db)
        .await?
        .is_some())
}

/// Insert one row into `table` unless one with the same `key` is there;
/// whether it was inserted.
async fn insert_new(
    db: &impl ConnectionTrait,
    table: &'static str,
    row: &[(&'static str, Value)],
    key: &[&'static str],
) -> Result<bool, sea_orm::DbErr> {
    let insert = Query::insert()
        .into_table(name(table))
        .columns(row.iter().map(|(column, _)| name(column)))
        .values(row.iter().map(|(_, value)| value.clone().into()))
        .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?
        .on_conflict(OnConflict::columns(key.iter().map(|k| name(k))).do_nothing().to_owned())
        .to_owned();
    Ok(db
        .execute(db.get_database_backend().build(&insert))
        .await?
        .rows_affected()
        == 1)
}

/// Delete the rows of `table` about a post; how many there were.
async fn delete_of_post(db: &impl ConnectionTrait, table: &'static str, post_id: i64) -> Result<u64, sea_orm::DbErr> {
    let delete = Query::delete()
        .from_table(name(table))
        .and_where(Expr::col(name("post_id")).eq(post_id))
        .to_owned();
    Ok(db
        .execute(db.get_database_backend().build(&delete))
        .await?
        .rows_affected())
}

/// Pin a post in its channel; false if it already was.
pub async fn pin(db: &impl ConnectionTrait, channel_id: i64, post_id: i64, by: i64) -> Result<bool, sea_orm::DbErr> {
    insert_new(
        db,
        "channel_pins",
        &[
            ("channel_id", channel_id.into()),
            ("post_id", post_id.into()),
            ("pinned_by", by.into()),
            ("pinned_at", now().into()),
        ],
        &["channel_id", "post_id"],
    )
    .await
}

/// Unpin a post; false if it was not pinned.
pub async fn unpin(db: &impl ConnectionTrait, post_id: i64) -> Result<bool, sea_orm::DbErr> {
    Ok(delete_of_post(db, "channel_pins", post_id).await? >= 1)
}

/// Announce a post to its channel's followers; false if it already was.
pub async fn announce(
    db: &impl ConnectionTrait,
    channel_id: i64,
    post_id: i64,
    by: i64,
) -> Result<bool, sea_orm::DbErr> {
    insert_new(
        db,
        "announcements",
        &[
            ("post_id", post_id.into()),
            ("channel_id", channel_id.into()),
            ("announced_by", by.into()),
            ("announced_at", now().into()),
        ],
        &["post_id"],
    )
    .await
}

/// Stop announcing a post (every reader's dismissal goes with it); false if
/// it was not announced.
pub async fn withdraw(db: &impl ConnectionTrait, post_id: i64) -> Result<bool, sea_orm::DbErr> {
    delete_of_post(db, "announcement_dismissals", post_id).await?;
    Ok(delete_of_post(db, "announcements", post_id).await? == 1)
}

/// A reader puts an announcement away; false if it was not one, or they already had.
pub async fn dismiss(db: &impl ConnectionTrait, post_id: i64, user_id: i64) -> Result<bool, sea_orm::DbErr> {
    let announced = Query::select()
        .column(name("post_id"))
        .expr(Expr::val(user_id))
        .expr(Expr::val(now()))
        .from(name("announcements"))
        .and_where(Expr::col(name("post_id")).eq(post_id))
        .to_owned();
    let insert = Query::insert()
        .into_table(name("announcement_dismissals"))
        .columns([name("post_id"), name("user_id"), name("dismissed_at")])
        .select_from(announced)
        .map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?
        .on_conflict(
            OnConflict::columns([name("user_id"), name("post_id")])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    Ok(db
        .execute(db.get_database_backend().build(&insert))
        .await?
        .rows_affected()
        == 1)
}

/// An announcement as the home page holds it up: what it says, where, by whom.
#[derive(Debug, Clone)]
pub struct Announcement {
    pub post_id: i64,
    pub title: String,
    pub body_html: String,
    pub channel_slug: String,
    pub author: PersonChip,
}

/// When each announcement was made, as [`undismissed`] reads them.
pub(super) fn announced_at() -> SimpleExpr {
    Expr::col((Alias::new("a"), Alias::new("announced_at"))).into()
}

/// Cut `select` (a query of posts `p`) to the announcements a reader has
/// not dismissed, newest first, at most `most`, from the channels given
/// (the caller passes those the reader follows and may read): `a` is the
/// announcement. Deleted, hidden and not-yet-published posts are left out.
/// `posts::newest_page` reads these beside the timeline, in one statement.
pub(super) fn undismissed(select: &mut SelectStatement, channel_ids: &[i64], reader: i64, most: u64) {
    let (a, d, p) = (Alias::new("a"), Alias::new("d"), Alias::new("p"));
    let col = |table: &Alias, column: &str| Expr::col((table.clone(), Alias::new(column)));
    let dismissed = Query::select()
        .expr(Expr::val(1))
        .from_as(Alias::new("announcement_dismissals"), d.clone())
        .and_where(col(&d, "post_id").equals((a.clone(), Alias::new("post_id"))))
        .and_where(col(&d, "user_id").eq(reader))
        .to_owned();
    select
        .join_as(
            JoinType::InnerJoin,
            Alias::new("announcements"),
            a.clone(),
            col(&a, "post_id").equals((p.clone(), Alias::new("id"))),
        )
        .and_where(col(&a, "channel_id").is_in(channel_ids.iter().copied()))
        .and_where(Expr::exists(dismissed).not())
        .and_where(col(&p, "deleted_at").is_null())
        .and_where(col(&p, "hidden_at").is_null())
        .and_where(col(&p, "published_at").lte(now()))
        .order_by((a.clone(), Alias::new("announced_at")), Order::Desc)
        .order_by((a, Alias::new("post_id")), Order::Desc)
        .limit(most);
}

/// The followers of a channel, who hear of its announcements.
pub async fn followers(db: &impl ConnectionTrait, channel_id: i64) -> Result<Vec<i64>, sea_orm::DbErr> {
    #[derive(FromQueryResult)]
    struct UserId {
        user_id: i64,
    }
    let (f, u) = (name("f"), name("u"));
    let followers = Query::select()
        .column((f.clone(), name("user_id")))
        .from_as(name("channel_follows"), f.clone())
        .join_as(
            JoinType::InnerJoin,
            name("users"),
            u.clone(),
            Expr::col((u.clone(), name("id"))).equals((f.clone(), name("user_id"))),
        )
        .and_where(Expr::col((f.clone(), name("channel_id"))).eq(channel_id))
        .and_where(Expr::col((u, name("status"))).eq("active"))
        .order_by((f, name("user_id")), Order::Asc)
        .to_owned();
    Ok(UserId::find_by_statement(db.get_database_backend().build(&followers))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.user_id)
        .collect())
}

/// Whether a post is pinned, announced, and featured in a week's digest
/// (read with its thread's head, `posts::thread_head`).
#[derive(Debug, Clone, Copy, Default, FromQueryResult)]
pub struct Standing {
    pub pinned: bool,
    pub announced: bool,
    pub featured: bool,
}
