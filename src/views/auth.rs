//! Signing in, signing up by link, joining by invite, and a forgotten
//! password (`templates/pages/auth/`).

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

/// `/password/forgot`: ask for a link to choose a new password.
#[derive(Template, WebTemplate)]
#[template(path = "pages/auth/forgot.html")]
pub struct ForgotPage {
    pub ctx: PageCtx,
    pub email: String,
    pub errors: FormErrors,
}

/// `/password/reset/{token}`: choose a new password.
#[derive(Template, WebTemplate)]
#[template(path = "pages/auth/reset.html")]
pub struct ResetPage {
    pub ctx: PageCtx,
    pub token: String,
    /// The account's address, for password managers to file the new one under.
    pub email: String,
    pub errors: FormErrors,
}

/// A reset link that no longer works, whatever the reason.
#[derive(Template, WebTemplate)]
#[template(path = "pages/auth/reset_gone.html")]
pub struct ResetGonePage {
    pub ctx: PageCtx,
}
