//! `Server-Timing: db;desc="N statements"` on every response, when the
//! settings ask for it (`server.timing_header`): how many database
//! statements the request made, from restoring the session to saving it.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;

use crate::telemetry::counting;

pub async fn count_statements(request: Request, next: Next) -> Response {
    let (mut response, statements) = counting(next.run(request)).await;
    tracing::debug!(statements, "database statements");
    if let Ok(value) = HeaderValue::from_str(&format!("db;desc=\"{statements} statements\"")) {
        response.headers_mut().append("server-timing", value);
    }
    response
}
