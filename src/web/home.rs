//! The timelines: home (channels I follow) and "All" (every channel I may read).

use axum::extract::{Query, State};

use super::extract::Viewer;
use super::pages::{PageQuery, pager};
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::{channels, posts};
use crate::views::home::TimelinePage;

/// The most announcements the home page holds up at once (newest first).
const MAX_ANNOUNCEMENTS: u64 = 3;

pub async fn home(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<PageQuery>,
) -> AppResult<TimelinePage> {
    let actor = viewer.actor();
    let followed = channels::followed_readable(&actor, &viewer.user.follows);
    let (page, announced) = state
        .home_pages
        .page(
            &state.db,
            &followed,
            q.page(),
            &actor,
            viewer.user.stamps,
            MAX_ANNOUNCEMENTS,
        )
        .await?;
    Ok(TimelinePage {
        announcements: announced,
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
