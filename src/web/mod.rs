//! HTTP handlers, one file per feature, one async fn per action.

pub mod access;
pub mod accounts;
pub mod admin;
pub mod announcements;
pub mod applications;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod channels;
pub mod csv;
pub mod digest;
pub mod error_pages;
pub mod extract;
pub mod feeds;
pub mod groups;
pub mod guidelines;
pub mod health;
pub mod home;
pub mod inbox;
pub mod moderation;
pub mod notifications;
pub mod pages;
pub mod password;
pub mod people;
pub mod posts;
pub mod reactions;
pub mod registers;
pub mod replies;
pub mod reports;
pub mod search;
pub mod security;
pub mod session;
pub mod settings;
pub mod share;
pub mod subscriptions;
pub mod timing;
pub mod unsubscribe;

use axum::response::{IntoResponse, Redirect, Response};

/// After a successful form POST: go to the page that shows the result.
pub fn see_other(path: &str) -> Response {
    Redirect::to(path).into_response()
}
