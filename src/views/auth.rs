//! Signing in, signing up by link, and joining by invite (`templates/pages/auth/`).

use askama::Template;
use askama_web::WebTemplate;

use super::PageCtx;
use crate::domain::form::FormErrors;

#[derive(Template, WebTemplate)]
#[template(path = "pages/auth/login.html")]
pub struct LoginPage {
    pub ctx: PageCtx,
    pub email: String,
    pub next: String,
    pub remember: bool,
    pub error: Option<String>,
    pub signup_open: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/auth/signup.html")]
pub struct SignupPage {
    pub ctx: PageCtx,
    pub email: String,
    pub domains: String,
    pub errors: FormErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/auth/invite.html")]
pub struct InvitePage {
    pub ctx: PageCtx,
    pub token: String,
    pub fixed_email: Option<String>,
    pub name: String,
    pub email: String,
    pub role: &'static str,
    pub errors: FormErrors,
}
