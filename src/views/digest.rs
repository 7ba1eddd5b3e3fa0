//! The digest's pages for curators (`templates/pages/digest/`).

use askama::Template;
use askama_web::WebTemplate;

use super::PageCtx;
use crate::domain::form::FormErrors;

#[derive(Template, WebTemplate)]
#[template(path = "pages/digest/note.html")]
pub struct NotePage {
    pub ctx: PageCtx,
    /// `2026-W47`.
    pub week: String,
    /// "Monday 16 November to Sunday 22 November 2026".
    pub week_days: String,
    pub body: String,
    pub errors: FormErrors,
}
