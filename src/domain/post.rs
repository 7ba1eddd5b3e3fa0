//! What a post is before it is stored: its kind, a checked link, a title and a Markdown body.

use url::Url;

use super::form::FormErrors;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostKind {
    Link,
    Discussion,
}

impl PostKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PostKind::Link => "link",
            PostKind::Discussion => "discussion",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "link" => Some(PostKind::Link),
            "discussion" => Some(PostKind::Discussion),
            _ => None,
        }
    }

    /// As stored: anything but a link reads as a discussion (no link to show).
    pub fn from_stored(raw: &str) -> Self {
        Self::parse(raw).unwrap_or(PostKind::Discussion)
    }
}

/// An `http`/`https` URL with a host, and the domain shown beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkUrl {
    url: Url,
}

impl LinkUrl {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("Enter the link's address, starting https://");
        }
        if raw.len() > 2048 {
            return Err("That address is too long (2,048 characters at most).");
        }
        let url = Url::parse(raw).map_err(|_| "Enter a full web address, like https://www.gov.uk/…")?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err("Only web links (http or https) can be shared.");
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("Enter a full web address, like https://www.gov.uk/…");
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("Links must not contain a user name or password.");
        }
        Ok(Self { url })
    }

    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }

    /// The address with tracking and fragments removed, so the same story
    /// reached by different links compares equal ("already shared", dedupe).
    pub fn canonical(&self) -> String {
        canonical(&self.url)
    }

    /// The host without a leading `www.`, as readers know the site.
    pub fn domain(&self) -> String {
        let host = self.url.host_str().unwrap_or_default().to_lowercase();
        host.strip_prefix("www.").map(str::to_owned).unwrap_or(host)
    }
}

/// Query parameters that only say where a click came from.
fn is_tracking(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("utm_")
        || matches!(
            name.as_str(),
            "fbclid" | "gclid" | "dclid" | "msclkid" | "mc_cid" | "mc_eid"
        )
}

/// The canonical form of a web address: no fragment, no tracking parameters,
/// lower-case host (the `url` crate already drops default ports).
pub fn canonical(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    if url.query().is_some() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !is_tracking(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    url.to_string()
}

pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 20_000;

/// A post as written, checked and ready to store.
#[derive(Debug, Clone)]
pub struct PostDraft {
    pub kind: PostKind,
    pub title: String,
    pub link: Option<LinkUrl>,
    pub body_md: String,
}

impl PostDraft {
    pub fn parse(kind: &str, title: &str, url: &str, body: &str) -> Result<Self, FormErrors> {
        let mut errors = FormErrors::new();
        let kind = PostKind::parse(kind).unwrap_or_else(|| {
            errors.add(
                "kind",
                "Choose whether you are sharing a link or starting a discussion.",
            );
            PostKind::Discussion
        });
        let link = match kind {
            PostKind::Link => match LinkUrl::parse(url) {
                Ok(link) => Some(link),
                Err(message) => {
                    errors.add("url", message);
                    None
                }
            },
            PostKind::Discussion => None,
        };
        let title = title.trim().to_owned();
        if title.is_empty() {
            errors.add(
                "title",
                match kind {
                    PostKind::Link => "Give the link a title.",
                    PostKind::Discussion => "Give the discussion a subject.",
                },
            );
        } else if title.chars().count() > TITLE_MAX {
            errors.add("title", "Keep the title under 200 characters.");
        }
        let body_md = body.trim().to_owned();
        if body_md.is_empty() {
            errors.add(
                "body",
                match kind {
                    PostKind::Link => "Add a note saying why this matters to colleagues.",
                    PostKind::Discussion => "Write something to start the discussion.",
                },
            );
        } else if body_md.chars().count() > BODY_MAX {
            errors.add("body", "That is too long (20,000 characters at most).");
        }
        errors.into_result(Self {
            kind,
            title,
            link,
            body_md,
        })
    }
}

/// A reply's Markdown body, checked.
pub fn parse_reply_body(body: &str) -> Result<String, FormErrors> {
    let body = body.trim();
    if body.is_empty() {
        return Err(FormErrors::with("body", "Write your reply before sending it."));
    }
    if body.chars().count() > BODY_MAX {
        return Err(FormErrors::with(
            "body",
            "That is too long (20,000 characters at most).",
        ));
    }
    Ok(body.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_drops_fragment_and_tracking_but_keeps_real_parameters() {
        let link = LinkUrl::parse("https://WWW.Example.org:443/news?id=7&utm_source=x&fbclid=y&gclid=z#top").unwrap();
        assert_eq!(link.canonical(), "https://www.example.org/news?id=7");
        let only_tracking = LinkUrl::parse("https://example.org/a?utm_medium=email").unwrap();
        assert_eq!(only_tracking.canonical(), "https://example.org/a");
    }

    #[test]
    fn link_post_needs_http_url_title_and_note() {
        let errors = PostDraft::parse("link", "", "javascript:alert(1)", "").unwrap_err();
        assert!(errors.has("title") && errors.has("url") && errors.has("body"));
    }

    #[test]
    fn domain_drops_www() {
        let link = LinkUrl::parse("https://WWW.Gov.UK/guidance").unwrap();
        assert_eq!(link.domain(), "gov.uk");
    }

    #[test]
    fn discussion_ignores_url() {
        let d = PostDraft::parse("discussion", "Hello", "not a url", "Body").unwrap();
        assert!(d.link.is_none());
    }
}
