//! The timelines: home (channels I follow) and "All" (every channel I may read).

use axum::extract::{Query, State};

use super::extract::Viewer;
use super::pages::{PageQuery, pager};
use crate::domain::cursor::PageAt;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::{announcements, channels, posts};

/// The most announcements the home page holds up at once (newest first).
const MAX_ANNOUNCEMENTS: u64 = 3;
use crate::views::home::TimelinePage;

pub async fn home(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<PageQuery>,
) -> AppResult<TimelinePage> {
    let actor = viewer.actor();
    let followed = channels::scope(&state.db, &actor).await?.followed;
    let at = q.page();
    let page = posts::timeline(&state.db, &followed, at, &actor).await?;
    let announced = if matches!(at, PageAt::Newest) {
        announcements::undismissed(&state.db, actor.user_id, &followed, MAX_ANNOUNCEMENTS).await?
    } else {
        Vec::new()
    };
    Ok(TimelinePage {
        announcements: posts::cards_by_ids(&state.db, &announced, &actor).await?,
        ctx: viewer.ctx.in_section("home"),
        heading: "Home",
        tab: "home",
        pager: pager(&page),
        posts: page.posts,
        follows_nothing: followed.is_empty(),
    })
}

pub async fn all(State(state): State<AppState>, viewer: Viewer, Query(q): Query<PageQuery>) -> AppResult<TimelinePage> {
    let actor = viewer.actor();
    let readable = channels::readable_ids(&state.db, &actor).await?;
    let page = posts::timeline(&state.db, &readable, q.page(), &actor).await?;
    Ok(TimelinePage {
        ctx: viewer.ctx.in_section("all"),
        heading: "All posts",
        tab: "all",
        pager: pager(&page),
        posts: page.posts,
        follows_nothing: false,
        announcements: Vec::new(),
    })
}
