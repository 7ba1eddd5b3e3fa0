//! Profiles (`templates/pages/people/`).

use askama::Template;
use askama_web::WebTemplate;

use super::PageCtx;
use crate::domain::form::FormErrors;
use crate::store::users::Profile;

#[derive(Template, WebTemplate)]
#[template(path = "pages/people/profile.html")]
pub struct ProfilePage {
    pub ctx: PageCtx,
    pub profile: Profile,
    pub is_me: bool,
    pub name: String,
    pub job_title: String,
    pub department: String,
    pub errors: FormErrors,
    pub session_count: u64,
}
