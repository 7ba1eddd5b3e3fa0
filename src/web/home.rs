//! The timelines: home (channels I follow) and "All" (every channel I may read).

use axum::extract::{Query, State};

use super::extract::Viewer;
use super::pages::{PageQuery, pager};
use crate::domain::cursor::PageAt;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store::{announcements, channels, posts};
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
    let at = q.page();
    // The timeline and the announcements over it need nothing of each
    // other: asked for together, on two pooled connections.
    let announced = async {
        if matches!(at, PageAt::Newest) {
            announcements::undismissed(&state.db, actor.user_id, &followed, MAX_ANNOUNCEMENTS).await
        } else {
            Ok(Vec::new())
        }
    };
    let (page, announced) = tokio::try_join!(posts::timeline(&state.db, &followed, at, &actor), announced)?;
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
