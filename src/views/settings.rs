//! The person's own settings (`templates/pages/settings/`).

use askama::Template;
use askama_web::WebTemplate;

use super::PageCtx;
use crate::domain::form::FormErrors;

/// A channel the digest can be limited to.
#[derive(Debug, Clone)]
pub struct DigestChannel {
    pub id: i64,
    pub name: String,
    pub slug: String,
    pub following: bool,
    pub picked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/settings/email.html")]
pub struct EmailSettingsPage {
    pub ctx: PageCtx,
    pub weekly: bool,
    pub picked: bool,
    pub channels: Vec<DigestChannel>,
    pub errors: FormErrors,
    /// Always: account holders may choose the channels they follow.
    pub account: bool,
}

/// `/settings/password`: change one's own password.
#[derive(Template, WebTemplate)]
#[template(path = "pages/settings/password.html")]
pub struct PasswordPage {
    pub ctx: PageCtx,
    pub errors: FormErrors,
}
