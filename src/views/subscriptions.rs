//! Email-only digest subscribers' pages, for people without an account
//! (`templates/pages/subscriptions/`): asking for the digest, confirming
//! it, and their own page for changing or ending it.

use askama::Template;
use askama_web::WebTemplate;

use super::PageCtx;
use super::settings::DigestChannel;
use crate::domain::form::FormErrors;

/// A channel offered to subscribers, as the form to ask for the digest lists it.
#[derive(Debug, Clone)]
pub struct OfferedChoice {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub picked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/subscriptions/subscribe.html")]
pub struct SubscribePage {
    pub ctx: PageCtx,
    pub email: String,
    pub channels: Vec<OfferedChoice>,
    pub errors: FormErrors,
}

/// The page a confirmation link opens: says what will happen; its button confirms.
#[derive(Template, WebTemplate)]
#[template(path = "pages/subscriptions/confirm.html")]
pub struct ConfirmSubscriptionPage {
    pub ctx: PageCtx,
    /// Where the button posts (the link itself).
    pub action: String,
    pub email: String,
    /// The picked channels still offered, by name.
    pub channels: Vec<String>,
}

/// A subscriber's own page: the same choices as account holders' email
/// settings (`partials/digest_choices.html`), less "the channels I follow".
#[derive(Template, WebTemplate)]
#[template(path = "pages/subscriptions/manage.html")]
pub struct ManageSubscriptionPage {
    pub ctx: PageCtx,
    /// The page's own address (its token is the subscriber's key).
    pub action: String,
    pub email: String,
    pub weekly: bool,
    /// Always: a subscriber picks their channels.
    pub picked: bool,
    pub channels: Vec<DigestChannel>,
    pub errors: FormErrors,
    /// Never: there is no account, so nothing is followed.
    pub account: bool,
}

/// What happened, and where to go next (for people who cannot sign in,
/// the next step is rarely Commonroom's home page).
#[derive(Template, WebTemplate)]
#[template(path = "pages/subscriptions/notice.html")]
pub struct SubscriptionNotice {
    pub ctx: PageCtx,
    pub title: String,
    pub message: String,
    /// Where to go next, and the link's words.
    pub next: String,
    pub next_label: String,
}
