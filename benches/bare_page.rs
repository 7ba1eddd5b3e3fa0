//! The floor the pages are measured against: axum (thin over hyper), one
//! SQLite pool and one askama template, serving the same 20 newest posts
//! (`/`), the same thread (`/p/{id}`: the post, its channel and author, its
//! replies with theirs and what they quote) and the same database ping
//! (`/healthz`) from the same database with nothing else (no sessions,
//! policy, reactions or middleware). Used by `scripts/bench-pages`; not part
//! of the product.
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

struct Reply {
    id: i64,
    author: String,
    body_html: String,
    created_at: String,
    quote: Option<String>,
}

#[derive(Template)]
#[template(
    ext = "html",
    source = r#"<!doctype html><html lang="en"><head><title>{{ title }}</title></head><body><main>
<article><p>{{ author }} in #{{ channel }} · {{ published_at }}</p><h1>{{ title }}</h1><div>{{ body_html|safe }}</div></article>
<h2>{{ replies.len() }} replies</h2>
{% for r in replies %}<article id="r{{ r.id }}"><p>{{ r.author }} · {{ r.created_at }}</p>{% if let Some(q) = r.quote %}<blockquote>{{ q }}</blockquote>{% endif %}<div>{{ r.body_html|safe }}</div></article>{% endfor %}
</main></body></html>"#
)]
struct ThreadPage {
    title: String,
    channel: String,
    author: String,
    body_html: String,
    published_at: String,
    replies: Vec<Reply>,
}

type PostRow = (String, String, String, String, String);
type ReplyRow = (i64, String, String, String, Option<String>);

async fn thread(State(pool): State<SqlitePool>, axum::extract::Path(id): axum::extract::Path<i64>) -> Response {
    let post = sqlx::query_as::<_, PostRow>(
        "SELECT p.title, c.slug, u.name, p.body_html, p.published_at \
         FROM posts p JOIN channels c ON c.id = p.channel_id JOIN users u ON u.id = p.author_id WHERE p.id = ?",
    )
    .bind(id)
    .fetch_optional(&pool);
    let replies = sqlx::query_as::<_, ReplyRow>(
        "SELECT r.id, u.name, r.body_html, r.created_at, q.body_md \
         FROM replies r JOIN users u ON u.id = r.author_id LEFT JOIN replies q ON q.id = r.quote_of \
         WHERE r.post_id = ? ORDER BY r.created_at, r.id",
    )
    .bind(id)
    .fetch_all(&pool);
    match tokio::try_join!(post, replies) {
        Ok((Some((title, channel, author, body_html, published_at)), replies)) => {
            let replies = replies
                .into_iter()
                .map(|(id, author, body_html, created_at, quote)| Reply {
                    id,
                    author,
                    body_html,
                    created_at,
                    quote,
                })
                .collect();
            let page = ThreadPage {
                title,
                channel,
                author,
                body_html,
                published_at,
                replies,
            };
            match page.render() {
                Ok(html) => Html(html).into_response(),
                Err(e) => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
            }
        }
        Ok((None, _)) => axum::http::StatusCode::NOT_FOUND.into_response(),
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
        .route("/p/{id}", get(thread))
        .route("/healthz", get(ping))
        .with_state(pool);
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("bare page on http://{listen}");
    axum::serve(listener, app).await?;
    Ok(())
}
