//! sea-orm entities, one per table. Only `store/` uses them; handlers and
//! templates see the view structs that `store/` returns.

pub mod audit_log;
pub mod channel;
pub mod channel_follow;
pub mod channel_member;
pub mod digest_feature;
pub mod digest_note;
pub mod digest_outbox;
pub mod digest_subscriber;
pub mod digest_subscriber_channel;
pub mod feed;
pub mod feed_item;
pub mod invite;
pub mod job;
pub mod login_throttle;
pub mod mail_suppression;
pub mod mention;
pub mod password_reset;
pub mod post;
pub mod post_reaction;
pub mod reply;
pub mod reply_reaction;
pub mod search_outbox;
pub mod session;
pub mod signing_key;
pub mod site_rule;
pub mod story;
pub mod user;
pub mod user_role;
