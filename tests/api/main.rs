//! Black-box tests: each spawns the real app on port 0 against a fresh SQLite
//! file and a fresh PostgreSQL database, and drives it over HTTP.

mod helpers;

mod applications;
mod architecture;
mod asking;
mod auth;
mod browser;
mod channels;
mod cli;
mod community;
mod curation;
mod dead_ends;
mod digest;
mod digest_pages;
mod digest_send;
mod digest_subscribers;
mod fetch;
mod groups;
mod home;
mod mail_sink;
mod migrations;
mod notifications;
mod password_reset;
mod people;
mod permissions;
mod posts;
mod request_path;
mod search;
mod security;
mod share;
mod signup;
mod sites;
mod threads;
