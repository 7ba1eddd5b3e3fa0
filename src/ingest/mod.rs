//! Bringing the outside world in: the one safe fetcher every outgoing request
//! goes through, link previews built on it, feed parsing and OPML, the
//! refresh of one feed end to end, and the writer that stores feeds polled
//! at the same time together.

pub mod addresses;
pub mod fetch;
pub mod opml;
pub mod parse;
pub mod preview;
pub mod refresh;
pub mod writer;
