//! The timelines: home (channels I follow) and all posts (`templates/pages/home/`).

use askama::Template;
use askama_web::WebTemplate;

use super::{PageCtx, Pager};
use crate::store::announcements::Announcement;
use crate::store::posts::PostCard;

#[derive(Template, WebTemplate)]
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
