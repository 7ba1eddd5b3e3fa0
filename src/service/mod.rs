//! Application work: each function here does one thing a person, the
//! command line or a background job asks for, end to end (checks against
//! the policy, the database, the search outbox, the fetcher, mail, the next
//! job), and owns its transaction, with the audit row in the same one.
//! Handlers, commands and jobs only turn their input into these functions'
//! arguments and the results into a page, a line of output or the next run.
//!
//! - `accounts` signing in (throttled), signing up by link, ending sessions
//! - `announcements` posts pinned at a channel's top, or announced to its followers
//! - `applications` licence applications and channel requests, decided by coordinators
//! - `digest`   the weekly digest: put together, sent, shown again, refused addresses cleared
//! - `feeds`    following a feed, importing OPML, a feed's settings and word rules
//! - `groups`   working groups: asking to join and the answer, leaving, managers and deputies
//! - `guidelines` the community guidelines: publishing a version, accepting it
//! - `moderation` reports, the queue, hide/restore/warn, break glass and its undo
//! - `notifications` notification email, batched per person, and its one-click unsubscribe
//! - `password_resets` a forgotten password: a link asked for or sent by an administrator, used once
//! - `polling`  one feed's poll end to end, and "poll now"
//! - `sharing`  a link shared into channels, and its inbox entry dealt with
//! - `subscriptions` email-only digest subscribers: offering channels, asking, confirming

pub mod accounts;
pub mod announcements;
pub mod applications;
pub mod digest;
pub mod feeds;
pub mod groups;
pub mod guidelines;
pub mod moderation;
pub mod notifications;
pub mod password_resets;
pub mod polling;
pub mod sharing;
pub mod subscriptions;
