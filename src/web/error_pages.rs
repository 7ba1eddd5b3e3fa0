//! Every error a person can meet is a page in the site's frame. This layer
//! sits inside the sign-in layer and looks at each error response on its way
//! out: a page made by `AppError` is drawn again with the header, navigation
//! and role-aware wording when the person is signed in; a bare error from a
//! layer or an extractor (an empty 405, a plain-text 400 or 413, a refused
//! form) becomes a proper page; and opening a form's address (after reloading
//! a page a form answered, or from a bookmark) leads to the form's page.

use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::session::AuthSession;
use crate::error::{Said, json_errors, render_error};
use crate::views::{ErrorPage, Me};

pub async fn in_frame(request: Request, next: Next) -> Response {
    let reading = matches!(*request.method(), Method::GET | Method::HEAD);
    let path = request.uri().path().to_owned();
    let me = request
        .extensions()
        .get::<AuthSession>()
        .and_then(|auth| auth.user.as_ref())
        .map(|user| Me::new(&user.name, &user.handle, &user.actor(), user.notices).warned(user.warning));
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let api = path.starts_with("/api/");
    if status == StatusCode::METHOD_NOT_ALLOWED && reading && !api {
        return Redirect::to(&page_above(&path)).into_response();
    }
    let page = match response.extensions().get::<Said>() {
        Some(said) => {
            let Some(me) = me else { return response };
            let page = ErrorPage::new(status, &said.title, &said.message);
            let page = match said.refusal {
                Some(refusal) => page.refused(refusal),
                None => page,
            };
            page.for_viewer(me)
        }
        None if is_page_or_json(&response) => return response,
        // Programs get JSON, as from every other `/api` error.
        None if api => return json_errors(render_error(bare_error(status))).await,
        None => {
            let page = bare_error(status);
            match me {
                Some(me) => page.for_viewer(me),
                None => page,
            }
        }
    };
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut framed = render_error(page);
    if let Some(allow) = allow {
        framed.headers_mut().insert(header::ALLOW, allow);
    }
    framed
}

fn is_page_or_json(response: &Response) -> bool {
    let kind = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v: &HeaderValue| v.to_str().ok());
    kind.is_some_and(|k| k.starts_with("text/html") || k.starts_with("application/json"))
}

/// What to say for an error that came without a page of its own.
fn bare_error(status: StatusCode) -> ErrorPage {
    match status {
        StatusCode::FORBIDDEN => ErrorPage::new(
            status,
            "That form could not be accepted",
            "It came from another site, or from a page open since before a change. Go back, reload the page and try again; what you typed may still be in the form.",
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ErrorPage::new(
            status,
            "That was too large to send",
            "Forms and files up to 2 MB are accepted. Go back, make it smaller and try again.",
        ),
        StatusCode::METHOD_NOT_ALLOWED => ErrorPage::new(
            status,
            "That address does not take this kind of request",
            "Go back to the page you came from and use its buttons and forms.",
        ),
        StatusCode::NOT_FOUND => ErrorPage::new(
            status,
            "Page not found",
            "We could not find that page. It may have been moved or deleted, or the address may be mistyped.",
        ),
        s if s.is_server_error() => ErrorPage::server_fault(),
        _ => ErrorPage::new(
            status,
            "Something was wrong with that request",
            "The form that was sent was incomplete or could not be read. Go back, check it and try again.",
        ),
    }
}

/// The page a form or button at `path` belongs to: its address without the
/// action (`/c/news/posts` → `/c/news`, `/p/7/replies` → `/p/7`), skipping
/// addresses that are only ever actions themselves (`/inbox/5/dismiss` →
/// `/inbox`).
pub fn page_above(path: &str) -> String {
    let mut segments: Vec<&str> = path
        .trim_end_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    // Who can read a channel is set on its members page.
    if let ["c", slug, "visibility"] = segments.as_slice() {
        return format!("/c/{slug}/members");
    }
    segments.pop();
    let only_actions = |s: &[&str]| {
        matches!(s, ["inbox", id] | ["admin", _, id] if id.parse::<i64>().is_ok())
            || matches!(s, ["profile", "sessions"])
    };
    while only_actions(&segments) {
        segments.pop();
    }
    match segments.as_slice() {
        [] => "/".to_owned(),
        s => format!("/{}", s.join("/")),
    }
}

#[cfg(test)]
mod tests {
    use super::page_above;

    #[test]
    fn a_form_address_leads_to_its_page() {
        assert_eq!(page_above("/c/news/posts"), "/c/news");
        assert_eq!(page_above("/c/news/preview"), "/c/news");
        assert_eq!(page_above("/p/7/replies"), "/p/7");
        assert_eq!(page_above("/feeds/3/dry-run"), "/feeds/3");
        assert_eq!(page_above("/feeds/import"), "/feeds");
        assert_eq!(page_above("/inbox/5/dismiss"), "/inbox");
        assert_eq!(page_above("/admin/sites/2/remove"), "/admin/sites");
        assert_eq!(page_above("/profile/sessions/revoke"), "/profile");
        assert_eq!(page_above("/logout"), "/");
        assert_eq!(page_above("/c/news/visibility"), "/c/news/members");
        assert_eq!(page_above("/"), "/");
    }
}
