//! Bringing the outside world in: the one safe fetcher every outgoing request
//! goes through, link previews built on it, feed parsing and OPML, and the
//! refresh of one feed end to end.

pub mod addresses;
pub mod fetch;
pub mod opml;
pub mod parse;
pub mod preview;
pub mod refresh;
