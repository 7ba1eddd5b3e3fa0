//! Link previews: fetch a page (through the safe fetcher) and read its title,
//! description, image and canonical address from OpenGraph and Twitter tags,
//! falling back to `<title>` and `<meta name="description">`.

use scraper::{Html, Selector};
use url::Url;

use super::fetch::{FetchError, Fetcher, Request};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preview {
    pub title: String,
    pub description: String,
    /// Absolute URL of the page's chosen image, if it names one.
    pub image: Option<String>,
    /// The page's own preferred address (`rel=canonical`, `og:url`), if any.
    pub canonical: Option<String>,
    pub site_name: Option<String>,
}

const HTML_TYPES: &[&str] = &["text/html", "application/xhtml+xml"];

pub async fn fetch(fetcher: &Fetcher, url: &str) -> Result<Preview, FetchError> {
    let page = fetcher
        .get(
            url,
            &Request {
                accept: HTML_TYPES,
                expected: "a web page",
                ..Default::default()
            },
        )
        .await?;
    let html = decode(&page.body, page.charset.as_deref());
    Ok(parse(&html, &page.url))
}

/// Bytes to text, by the declared charset, a `<meta charset>` near the top, or UTF-8.
pub fn decode(body: &[u8], declared: Option<&str>) -> String {
    let sniffed = || {
        let head = String::from_utf8_lossy(&body[..body.len().min(2048)]).to_lowercase();
        let at = head.find("charset=")? + "charset=".len();
        let label: String = head[at..]
            .trim_start_matches(['"', '\''])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        Some(label)
    };
    let label = declared
        .map(str::to_owned)
        .or_else(sniffed)
        .unwrap_or_else(|| "utf-8".into());
    let encoding = encoding_rs::Encoding::for_label(label.as_bytes()).unwrap_or(encoding_rs::UTF_8);
    encoding.decode(body).0.into_owned()
}

fn clean(text: &str, max: usize) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() <= max {
        joined
    } else {
        let cut: String = joined.chars().take(max).collect();
        format!("{}…", cut.trim_end())
    }
}

pub fn parse(html: &str, base: &Url) -> Preview {
    let doc = Html::parse_document(html);
    let meta = |attr: &str, name: &str| -> Option<String> {
        let selector = Selector::parse(&format!("meta[{attr}=\"{name}\"]")).ok()?;
        doc.select(&selector)
            .filter_map(|m| m.value().attr("content"))
            .map(str::trim)
            .find(|c| !c.is_empty())
            .map(str::to_owned)
    };
    let first_text = |css: &str| -> Option<String> {
        let selector = Selector::parse(css).ok()?;
        doc.select(&selector)
            .map(|e| e.text().collect::<String>())
            .find(|t| !t.trim().is_empty())
    };
    let absolute = |href: String| {
        base.join(href.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .map(String::from)
    };

    let title = meta("property", "og:title")
        .or_else(|| meta("name", "twitter:title"))
        .or_else(|| first_text("title"))
        .or_else(|| first_text("h1"))
        .unwrap_or_default();
    let description = meta("property", "og:description")
        .or_else(|| meta("name", "twitter:description"))
        .or_else(|| meta("name", "description"))
        .unwrap_or_default();
    let image = meta("property", "og:image")
        .or_else(|| meta("name", "twitter:image"))
        .and_then(absolute);
    let canonical = Selector::parse("link[rel=\"canonical\"]")
        .ok()
        .and_then(|s| doc.select(&s).find_map(|l| l.value().attr("href").map(str::to_owned)))
        .or_else(|| meta("property", "og:url"))
        .and_then(absolute);
    Preview {
        title: clean(&title, 200),
        description: clean(&description, 500),
        image,
        canonical,
        site_name: meta("property", "og:site_name").map(|s| clean(&s, 100)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefers_open_graph_then_falls_back() {
        let base = Url::parse("https://www.example.gov.uk/news/item?utm_source=x").unwrap();
        let html = r#"<html><head><title> Fallback
            title </title><meta property="og:title" content="Winter  gritting starts">
            <meta name="description" content="Plain description"><meta property="og:image" content="/img/grit.png">
            <link rel="canonical" href="/news/item"></head><body><h1>H</h1></body></html>"#;
        let p = parse(html, &base);
        assert_eq!(p.title, "Winter gritting starts");
        assert_eq!(p.description, "Plain description");
        assert_eq!(p.image.as_deref(), Some("https://www.example.gov.uk/img/grit.png"));
        assert_eq!(p.canonical.as_deref(), Some("https://www.example.gov.uk/news/item"));
        let bare = parse("<title>Only a title</title>", &base);
        assert_eq!(bare.title, "Only a title");
        assert!(bare.image.is_none());
    }

    #[test]
    fn decodes_latin1_pages() {
        let body = b"<meta charset=\"iso-8859-1\"><title>Caf\xe9</title>";
        assert!(decode(body, None).contains("Café"));
        assert!(decode("naïve".as_bytes(), Some("utf-8")).contains("naïve"));
    }

    #[test]
    fn javascript_images_are_dropped() {
        let base = Url::parse("https://example.org/").unwrap();
        let p = parse(r#"<meta property="og:image" content="javascript:alert(1)">"#, &base);
        assert!(p.image.is_none());
    }
}
