//! The floor the home page is measured against: axum (thin over hyper), one
//! SQLite pool and one askama template, serving the same 20 newest posts from
//! the same database with nothing else (no sessions, policy, reactions or
//! middleware). Used by `scripts/bench-pages`; not part of the product.
//!
//! `cargo bench --bench bare_page -- <sqlite-file> <listen-addr>`

use askama::Template;
use axum::extract::State;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sea_orm::sqlx::{self, SqlitePool};

/// The allocator the `commonroom` binary uses, so figures are the app's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Row {
    id: i64,
    title: String,
    channel: String,
    author: String,
    body_html: String,
    published_at: String,
    reply_count: i64,
}

#[derive(Template)]
#[template(
    ext = "html",
    source = r#"<!doctype html><html lang="en"><head><title>Home</title></head><body><main><h1>Home</h1>
{% for p in posts %}<article><p>{{ p.author }} in #{{ p.channel }} · {{ p.published_at }}</p><h3><a href="/p/{{ p.id }}">{{ p.title }}</a></h3><div>{{ p.body_html|safe }}</div><p>{{ p.reply_count }} replies</p></article>{% endfor %}
</main></body></html>"#
)]
struct Page {
    posts: Vec<Row>,
}

async fn home(State(pool): State<SqlitePool>) -> Response {
    let rows = sqlx::query_as::<_, (i64, String, String, String, String, String, i64)>(
        "SELECT p.id, p.title, c.slug, u.name, p.body_html, p.published_at, p.reply_count \
         FROM posts p JOIN channels c ON c.id = p.channel_id JOIN users u ON u.id = p.author_id \
         WHERE p.deleted_at IS NULL ORDER BY p.published_at DESC, p.id DESC LIMIT 21",
    )
    .fetch_all(&pool)
    .await;
    match rows {
        Ok(rows) => {
            let posts = rows
                .into_iter()
                .take(20)
                .map(
                    |(id, title, channel, author, body_html, published_at, reply_count)| Row {
                        id,
                        title,
                        channel,
                        author,
                        body_html,
                        published_at,
                        reply_count,
                    },
                )
                .collect();
            match (Page { posts }).render() {
                Ok(html) => Html(html).into_response(),
                Err(e) => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
            }
        }
        Err(e) => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

/// The same database ping as the app's `/healthz`, with nothing around it.
async fn ping(State(pool): State<SqlitePool>) -> Response {
    use sqlx::Connection;
    match pool.acquire().await {
        Ok(mut conn) => match conn.ping().await {
            Ok(()) => "ok".into_response(),
            Err(e) => (axum::http::StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
        },
        Err(e) => (axum::http::StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let file = args.next().unwrap_or_else(|| "data/commonroom.db".into());
    let listen = args.next().unwrap_or_else(|| "127.0.0.1:18300".into());
    let options = SqliteConnectOptions::new()
        .filename(&file)
        .journal_mode(SqliteJournalMode::Wal)
        .read_only(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await?;
    let app = axum::Router::new()
        .route("/", get(home))
        .route("/healthz", get(ping))
        .with_state(pool);
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("bare page on http://{listen}");
    axum::serve(listener, app).await?;
    Ok(())
}
