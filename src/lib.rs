//! Commonroom: an internal knowledge-sharing feed for public bodies. The
//! `commonroom` binary (`main.rs`, `cli/`) runs it; modules depend one way,
//! web → service → store, search, ingest → domain (`tests/api/architecture.rs`).
//!
//! - `startup`  builds the app (listener, database, migrations) and runs it
//! - `config`   settings from file, environment and flags
//! - `state`    the state every handler shares
//! - `error`    the one error type, which renders itself
//! - `router`   every route, grouped by audience
//! - `domain`   pure types and the policy (who may do what)
//! - `service`  application work: one function per thing a person, command or job asks for
//! - `store`    query functions over the database, returning view structs
//! - `entities` sea-orm table definitions
//! - `web`      HTTP handlers, one file per feature
//! - `views`    askama page structs, one file per feature
//! - `email`    the mail transport and the messages Commonroom sends
//! - `ingest`   the safe fetcher, link previews, feed parsing, OPML, the inbox writer
//! - `jobs`     background work: rows with leases, the runner, one file per job
//! - `search`   the tantivy index: schema, query language, searcher, the one indexer
//! - `demo`     the demo organisation and the bulk data generator
//! - `telemetry` logging setup

pub mod config;
pub mod demo;
pub mod domain;
pub mod email;
pub mod entities;
pub mod error;
pub mod ingest;
pub mod jobs;
pub mod router;
pub mod search;
pub mod service;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod views;
pub mod web;
