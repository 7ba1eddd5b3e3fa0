//! A person's notifications and their choices for them
//! (`templates/pages/notifications/`).

use askama::Template;
use askama_web::WebTemplate;

use super::PageCtx;
use crate::domain::notification::{Delivery, NotificationKind};
use crate::store::notifications::Notification;

/// `/notifications`: unread first, each naming who did what where.
#[derive(Template, WebTemplate)]
#[template(path = "pages/notifications/list.html")]
pub struct NotificationsPage {
    pub ctx: PageCtx,
    pub notifications: Vec<Notification>,
    /// Unread ones "Mark all as read" would mark (warnings are acknowledged one by one).
    pub markable: usize,
}

/// One kind's row on the settings page.
#[derive(Debug, Clone)]
pub struct KindChoice {
    pub kind: NotificationKind,
    pub current: Delivery,
    /// The choices offered (email only for some kinds).
    pub options: Vec<Delivery>,
}

/// `/settings/notifications`: per kind, off, in the app, or in the app and by email.
#[derive(Template, WebTemplate)]
#[template(path = "pages/notifications/settings.html")]
pub struct NotificationSettingsPage {
    pub ctx: PageCtx,
    pub kinds: Vec<KindChoice>,
}
