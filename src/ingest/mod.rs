//! Bringing the outside world in: the one safe fetcher every outgoing request
//! goes through, and link previews built on it. (Feed parsing and polling
//! join here: parse.rs, refresh.rs.)

pub mod addresses;
pub mod fetch;
pub mod preview;
