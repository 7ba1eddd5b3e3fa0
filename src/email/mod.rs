//! Email: the one mail transport (SMTP, or files by default) and the messages
//! Commonroom sends, each a template triple in `templates/email/<name>/`.

pub mod digest;
pub mod mailer;
pub mod messages;
