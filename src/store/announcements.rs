//! Posts held up above the stream: pinned at the top of their channel (up
//! to [`MAX_PINS`](crate::domain::policy::MAX_PINS)), or announced to the
//! channel's followers, whose home page shows them until each reader
//! dismisses them. Functions take the caller's connection or transaction.

use sea_orm::sea_query::{Alias, Expr, JoinType, Order, Query, SelectStatement, SimpleExpr};
use sea_orm::{ConnectionTrait, FromQueryResult};

use super::sql;
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

/// How many posts a channel has pinned, whatever their state.
pub async fn pin_count(db: &impl ConnectionTrait, channel_id: i64) -> Result<usize, sea_orm::DbErr> {
    Ok(Count::find_by_statement(sql(
        db,
        "SELECT COUNT(*) AS n FROM channel_pins WHERE channel_id = ?",
        vec![channel_id.into()],
    ))
    .one(db)
    .await?
    .map_or(0, |c| c.n as usize))
}

pub async fn is_pinned(db: &impl ConnectionTrait, post_id: i64) -> Result<bool, sea_orm::DbErr> {
    Ok(PostId::find_by_statement(sql(
        db,
        "SELECT post_id FROM channel_pins WHERE post_id = ?",
        vec![post_id.into()],
    ))
    .one(db)
    .await?
    .is_some())
}

/// Pin a post in its channel; false if it already was.
pub async fn pin(db: &impl ConnectionTrait, channel_id: i64, post_id: i64, by: i64) -> Result<bool, sea_orm::DbErr> {
    Ok(db
        .execute(sql(
            db,
            "INSERT INTO channel_pins (channel_id, post_id, pinned_by, pinned_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (channel_id, post_id) DO NOTHING",
            vec![channel_id.into(), post_id.into(), by.into(), now().into()],
        ))
        .await?
        .rows_affected()
        == 1)
}

/// Unpin a post; false if it was not pinned.
pub async fn unpin(db: &impl ConnectionTrait, post_id: i64) -> Result<bool, sea_orm::DbErr> {
    Ok(db
        .execute(sql(
            db,
            "DELETE FROM channel_pins WHERE post_id = ?",
            vec![post_id.into()],
        ))
        .await?
        .rows_affected()
        >= 1)
}

/// Announce a post to its channel's followers; false if it already was.
pub async fn announce(
    db: &impl ConnectionTrait,
    channel_id: i64,
    post_id: i64,
    by: i64,
) -> Result<bool, sea_orm::DbErr> {
    Ok(db
        .execute(sql(
            db,
            "INSERT INTO announcements (post_id, channel_id, announced_by, announced_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (post_id) DO NOTHING",
            vec![post_id.into(), channel_id.into(), by.into(), now().into()],
        ))
        .await?
        .rows_affected()
        == 1)
}

/// Stop announcing a post (every reader's dismissal goes with it); false if
/// it was not announced.
pub async fn withdraw(db: &impl ConnectionTrait, post_id: i64) -> Result<bool, sea_orm::DbErr> {
    db.execute(sql(
        db,
        "DELETE FROM announcement_dismissals WHERE post_id = ?",
        vec![post_id.into()],
    ))
    .await?;
    Ok(db
        .execute(sql(
            db,
            "DELETE FROM announcements WHERE post_id = ?",
            vec![post_id.into()],
        ))
        .await?
        .rows_affected()
        == 1)
}

/// A reader puts an announcement away; false if it was not one, or they already had.
pub async fn dismiss(db: &impl ConnectionTrait, post_id: i64, user_id: i64) -> Result<bool, sea_orm::DbErr> {
    Ok(db
        .execute(sql(
            db,
            "INSERT INTO announcement_dismissals (post_id, user_id, dismissed_at) \
             SELECT post_id, ?, ? FROM announcements WHERE post_id = ? \
             ON CONFLICT (user_id, post_id) DO NOTHING",
            vec![user_id.into(), now().into(), post_id.into()],
        ))
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
    Ok(UserId::find_by_statement(sql(
        db,
        "SELECT f.user_id FROM channel_follows f JOIN users u ON u.id = f.user_id \
         WHERE f.channel_id = ? AND u.status = 'active' ORDER BY f.user_id",
        vec![channel_id.into()],
    ))
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
