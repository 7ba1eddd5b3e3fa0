//! Administration: invites and the site lists (`templates/pages/admin/`).

use askama::Template;
use askama_web::WebTemplate;

use super::PageCtx;
use crate::domain::form::FormErrors;
use crate::domain::role::Role;
use crate::store::invites::InviteRow;
use crate::store::sites::SiteRule;

#[derive(Template, WebTemplate)]
#[template(path = "pages/admin/invites.html")]
pub struct InvitesPage {
    pub ctx: PageCtx,
    pub invites: Vec<InviteRow>,
    pub new_link: Option<String>,
    pub email: String,
    pub role: String,
    pub roles: [Role; 3],
    pub errors: FormErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/admin/sites.html")]
pub struct SitesPage {
    pub ctx: PageCtx,
    pub blocked: Vec<SiteRule>,
    pub approved: Vec<SiteRule>,
    pub domain: String,
    pub kind: String,
    pub note: String,
    pub errors: FormErrors,
}
