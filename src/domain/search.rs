//! What search deals in, without IO: the kinds of document, a document as
//! the index is built from it, and a hit as searches return it.

use chrono::{DateTime, Utc};

/// What a document is, as `type:` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    Link,
    Discussion,
    Reply,
    Channel,
}

impl DocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DocKind::Link => "link",
            DocKind::Discussion => "discussion",
            DocKind::Reply => "reply",
            DocKind::Channel => "channel",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "link" => Some(DocKind::Link),
            "discussion" => Some(DocKind::Discussion),
            "reply" => Some(DocKind::Reply),
            "channel" => Some(DocKind::Channel),
            _ => None,
        }
    }
}

impl From<crate::domain::post::PostKind> for DocKind {
    fn from(kind: crate::domain::post::PostKind) -> Self {
        match kind {
            crate::domain::post::PostKind::Link => DocKind::Link,
            crate::domain::post::PostKind::Discussion => DocKind::Discussion,
        }
    }
}

/// One thing to index, read from the database (`store::search`).
#[derive(Debug, Clone)]
pub struct SearchDoc {
    pub kind: DocKind,
    /// The post's, reply's or channel's own id.
    pub id: i64,
    /// The post a reply belongs to (the post itself for posts; 0 for channels).
    pub thread_id: i64,
    pub channel_id: i64,
    /// Whether the channel is private at indexing time (the query adds today's members).
    pub private: bool,
    pub author_id: i64,
    /// Published (posts), written (replies) or created (channels).
    pub at: DateTime<Utc>,
    /// A post's title or a channel's name; empty for replies.
    pub title: String,
    /// Plain text: a post's note or body, a reply, a channel's description.
    pub body: String,
    /// For replies: the title of the post they answer (shown, not searched).
    pub context: String,
    pub url: Option<String>,
    pub domain: Option<String>,
    /// The feed a curated link came from.
    pub feed: Option<String>,
    pub has_link: bool,
}

impl SearchDoc {
    /// The unique key a document is replaced by.
    pub fn key(&self) -> String {
        key(self.kind, self.id)
    }
}

pub fn key(kind: DocKind, id: i64) -> String {
    match kind {
        DocKind::Reply => format!("reply:{id}"),
        DocKind::Channel => format!("channel:{id}"),
        DocKind::Link | DocKind::Discussion => format!("post:{id}"),
    }
}

/// One search result: where it is, and its title and passage with matches marked.
#[derive(Debug, Clone)]
pub struct Hit {
    pub kind: DocKind,
    pub id: i64,
    pub thread_id: i64,
    pub channel_id: i64,
    pub author_id: i64,
    pub at: DateTime<Utc>,
    /// The title as plain text (empty for replies).
    pub title: String,
    /// The title with matches in `<b>…</b>`, everything else escaped.
    pub title_html: String,
    /// A passage of the text with matches in `<b>…</b>`, everything else escaped.
    pub snippet_html: String,
    /// For replies: the title of the post they answer.
    pub context: String,
    pub url: Option<String>,
    pub domain: Option<String>,
}
