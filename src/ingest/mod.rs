//! Bringing the outside world in: the one safe fetcher every outgoing request
//! goes through, link previews built on it, feed repair and parsing, OPML, and the
//! writer that stores feeds polled at the same time together. Deciding what
//! to fetch and what to record (a poll, following a feed) is `service`'s.

pub mod addresses;
pub mod fetch;
pub mod opml;
pub mod parse;
pub mod preview;
pub mod repair;
pub mod writer;
