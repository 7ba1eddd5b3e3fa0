//! Pure types and rules, no IO: input is parsed into these at the edge and
//! nothing inside re-checks it.

pub mod application;
pub mod audit;
pub mod cursor;
pub mod digest;
pub mod email;
pub mod feed;
pub mod form;
pub mod guidelines;
pub mod handle;
pub mod job;
pub mod markdown;
pub mod moderation;
pub mod notification;
pub mod password;
pub mod person;
pub mod policy;
pub mod post;
pub mod reaction;
pub mod role;
pub mod search;
pub mod site;
pub mod slug;
pub mod text;
pub mod throttle;
pub mod time;
pub mod token;
