//! The timelines: home (channels I follow) and all posts (`templates/pages/home/`).

use askama::Template;
use axum::response::{IntoResponse, Response};

use super::{PageCtx, Pager, room_for, sized_page};
use crate::store::announcements::Announcement;
use crate::store::posts::PostCard;

#[derive(Template)]
#[template(path = "pages/home/timeline.html")]
pub struct TimelinePage {
    pub ctx: PageCtx,
    pub heading: &'static str,
    pub tab: &'static str,
    pub posts: Vec<PostCard>,
    pub pager: Pager,
    pub follows_nothing: bool,
    /// Announcements in channels the reader follows that they have not
    /// dismissed (on the home page's newest page only).
    pub announcements: Vec<Announcement>,
}

/// About what an announcement takes above the timeline beyond its text.
const ANNOUNCEMENT_BYTES: usize = 1024;

impl IntoResponse for TimelinePage {
    fn into_response(self) -> Response {
        let held: usize = self
            .announcements
            .iter()
            .map(|a| ANNOUNCEMENT_BYTES + a.body_html.len())
            .sum();
        sized_page(&self, room_for(&self.posts) + held)
    }
}
