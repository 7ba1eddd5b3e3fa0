//! Feeds in: RSS 0.9x/1.0/2.0, Atom and JSON Feed bytes (parsed by feed-rs)
//! become plain items with a GUID, a canonical URL, plain-text titles and a
//! summary sanitised by ammonia; and web pages give up the feeds they
//! advertise (`<link rel="alternate">` autodiscovery).
//!
//! feed-rs never expands entities beyond XML's five and character
//! references, and reads no DTD, so a "billion laughs" document stays the size
//! it arrived at (and the fetcher caps that).

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::LazyLock;

use scraper::{Html, Selector};
use url::Url;

use super::repair;
use crate::domain::feed::{FeedLink, ParsedFeed, ParsedItem};
use crate::domain::post::LinkUrl;
use crate::domain::text::{Excerpt, SUMMARY_TEXT_CHARS, excerpt, html_text};

/// The media types a feed may arrive as. Servers are loose about this, so
/// plain text and octet streams are tried as well; web pages are not.
pub const FEED_TYPES: &[&str] = &[
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    "application/json",
    "application/xml",
    "text/xml",
    "text/plain",
    "application/octet-stream",
];

/// Longest plain-text title kept.
const TITLE_MAX: usize = 300;
/// Sanitised summaries longer than this become a plain-text excerpt.
const SUMMARY_HTML_MAX: usize = 6_000;
const EXCERPT_CHARS: usize = 600;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("not a feed: got a web page")]
    WebPage,
    #[error("not a feed: {0}")]
    Malformed(String),
}

/// Parse feed bytes fetched from `url` (used to resolve relative links).
/// `charset` is the HTTP header's, used when the document does not say.
pub fn parse(body: &[u8], url: &Url, charset: Option<&str>) -> Result<ParsedFeed, ParseError> {
    let doc = repair::repair(body, charset);
    let head: String = doc
        .text
        .trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n'])
        .chars()
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    if head.starts_with("<!doctype html") || head.starts_with("<html") {
        return Err(ParseError::WebPage);
    }
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(url.as_str()))
        .id_generator(|links, title, _| {
            links
                .iter()
                .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
                .map(|l| l.href.clone())
                .or_else(|| title.as_ref().map(|t| format!("title:{}", t.content)))
                .unwrap_or_default()
        })
        .build();
    // The repair leaves nothing known to panic the XML stack; should
    // something still do so, it is this feed's failure, not the poller's.
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.parse(doc.text.as_bytes())));
    let feed = match parsed {
        Ok(result) => result.map_err(|e| ParseError::Malformed(describe(&e)))?,
        Err(_) => {
            tracing::warn!(feed = %url, "the feed parser panicked on this document");
            return Err(ParseError::Malformed(
                "the document could not be read (the feed parser failed on it)".into(),
            ));
        }
    };

    let site_url = feed
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .and_then(|l| absolute(url, &l.href));
    let title = feed
        .title
        .as_ref()
        .map(plain_title)
        .filter(|t| !t.is_empty())
        .or_else(|| {
            site_url
                .as_deref()
                .and_then(|s| Url::parse(s).ok()?.host_str().map(str::to_owned))
        })
        .unwrap_or_else(|| url.host_str().unwrap_or("Untitled feed").to_owned());

    let mut seen = HashSet::new();
    let mut items = Vec::with_capacity(feed.entries.len());
    for entry in feed.entries {
        let link_url = entry
            .links
            .iter()
            .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .and_then(|l| absolute_url(url, &l.href));
        // An RSS GUID is the item's permalink unless it says otherwise.
        let link_url = link_url.or_else(|| {
            let guid = entry.id.trim();
            (!doc.not_permalinks.contains(guid))
                .then(|| Url::parse(guid).ok())
                .flatten()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
        });
        let link = link_url.as_ref().map(|l| l.as_str().to_owned());
        let canonical_link = entry
            .links
            .iter()
            .find(|l| l.rel.as_deref() == Some("canonical"))
            .and_then(|l| absolute(url, &l.href));
        let canonical_url = canonical_link
            .as_deref()
            .or(link.as_deref())
            .and_then(|l| LinkUrl::parse(l).ok())
            .map(|l| l.canonical());
        let guid = if entry.id.trim().is_empty() {
            match &link {
                Some(l) => l.clone(),
                None => continue,
            }
        } else {
            entry.id.trim().to_owned()
        };
        if !seen.insert(guid.clone()) {
            continue;
        }
        let title = entry.title.as_ref().map(plain_title).unwrap_or_default();
        let base = link_url.unwrap_or_else(|| url.clone());
        let raw_summary = entry
            .summary
            .as_ref()
            .map(|s| (s.content.as_str(), is_html(s.content_type.as_ref())))
            .or_else(|| {
                entry
                    .content
                    .as_ref()
                    .and_then(|c| c.body.as_deref().map(|b| (b, is_html(c.content_type.as_ref()))))
            });
        let (summary_html, summary_text) = match raw_summary {
            Some((text, true)) => summarise_html(text, &base),
            Some((text, false)) => summarise_plain(text),
            None => (String::new(), String::new()),
        };
        let title = if title.is_empty() {
            excerpt(&summary_text, 80)
        } else {
            title
        };
        items.push(ParsedItem {
            guid,
            url: link,
            canonical_url,
            title: if title.is_empty() { "(untitled)".into() } else { title },
            author: entry
                .authors
                .first()
                .and_then(|p| p.name.clone())
                .map(|n| excerpt(&n, 120))
                .unwrap_or_default(),
            summary_html,
            summary_text,
            published: entry.published.or(entry.updated),
            updated: entry.updated,
        });
    }
    if items.is_empty() && doc.has_items {
        return Err(ParseError::Malformed(
            "none of its items could be read (they have no link, id or title Commonroom understands)".into(),
        ));
    }
    Ok(ParsedFeed { title, site_url, items })
}

fn describe(err: &feed_rs::parser::ParseFeedError) -> String {
    use feed_rs::parser::ParseFeedError as E;
    match err {
        E::ParseError(kind) => format!("the document is not RSS, Atom or JSON Feed ({kind})"),
        E::IoError(e) => format!("could not be read ({e})"),
        E::JsonSerde(e) => format!("the JSON is broken ({e})"),
        E::JsonUnsupportedVersion(v) => format!("unsupported JSON Feed version {v}"),
        E::XmlReader(e) => format!("the XML is broken ({e})"),
    }
}

fn is_html(media: &str) -> bool {
    media.contains("html")
}

fn absolute(base: &Url, href: &str) -> Option<String> {
    absolute_url(base, href).map(String::from)
}

fn absolute_url(base: &Url, href: &str) -> Option<Url> {
    let url = base.join(href.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then_some(url)
}

/// A title as plain text on one line. A text title is taken as written
/// (the XML is decoded once: `Option<T>` keeps its angle brackets); an HTML
/// title is read as HTML, without what scripts and styles say.
fn plain_title(text: &feed_rs::model::Text) -> String {
    if is_html(text.content_type.as_ref()) && text.content.contains(['<', '&', '\0']) {
        excerpt(&html_text(&text.content), TITLE_MAX)
    } else {
        excerpt(&text.content, TITLE_MAX)
    }
}

/// The text of HTML that ammonia serialised, as re-parsing it would give it,
/// without a second HTML parse: the serialiser writes only well-formed tags,
/// quotes every attribute and escapes `<`, `>`, `&`, `"` and no-break spaces
/// in attribute values and `<`, `>`, `&` and no-break spaces in text (nothing
/// it keeps is raw text, and it keeps no comments), so the text is what lies
/// between the tags with those few references decoded.
fn sanitised_text(html: &str, max: usize) -> String {
    let mut out = Excerpt::new(max);
    let mut rest = html;
    while !rest.is_empty() && !out.is_full() {
        let Some(at) = rest.bytes().position(|b| b == b'<' || b == b'&') else {
            out.push_str(rest);
            break;
        };
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if rest.starts_with('<') {
            let end = rest.bytes().position(|b| b == b'>').map_or(rest.len(), |e| e + 1);
            let tag = &rest[..end];
            rest = &rest[end..];
            // The HTML parser drops a newline just inside <pre>.
            if tag == "<pre>" {
                rest = rest.strip_prefix('\n').unwrap_or(rest);
            }
        } else {
            let (c, len) = reference(rest);
            out.push(c);
            rest = &rest[len..];
        }
    }
    out.finish()
}

/// The character a reference at the start of `s` stands for, and its length
/// (a bare `&` when it is none the serialiser writes).
fn reference(s: &str) -> (char, usize) {
    for (name, c) in [
        ("&amp;", '&'),
        ("&lt;", '<'),
        ("&gt;", '>'),
        ("&quot;", '"'),
        ("&nbsp;", '\u{a0}'),
    ] {
        if s.starts_with(name) {
            return (c, name.len());
        }
    }
    if let Some(body) = s.strip_prefix("&#")
        && let Some(end) = body.find(';')
    {
        let digits = &body[..end];
        let code = match digits.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => digits.parse().ok(),
        };
        if let Some(c) = code.and_then(char::from_u32) {
            return (c, end + 3);
        }
    }
    ('&', 1)
}

/// What a summary may keep: text structure and links, nothing that runs or styles.
fn sanitiser() -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::empty();
    b.add_tags([
        "p",
        "br",
        "a",
        "em",
        "strong",
        "b",
        "i",
        "ul",
        "ol",
        "li",
        "blockquote",
        "code",
        "pre",
    ])
    .add_tag_attributes("a", ["href"])
    .url_schemes(["http", "https", "mailto"].into_iter().collect())
    .link_rel(Some("noopener noreferrer nofollow"))
    .clean_content_tags(["script", "style"].into_iter().collect());
    b
}

thread_local! {
    /// Building the sanitiser's tag and attribute sets costs about as much as
    /// cleaning a short summary, so each thread builds it once and only the
    /// base for relative links changes from item to item.
    static SANITISER: RefCell<ammonia::Builder<'static>> = RefCell::new(sanitiser());
}

/// Sanitise an HTML summary, making its links absolute; long ones become an excerpt.
fn summarise_html(html: &str, base: &Url) -> (String, String) {
    let clean = SANITISER.with_borrow_mut(|sanitiser| {
        sanitiser
            .url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()))
            .clean(html)
            .to_string()
    });
    let text = sanitised_text(&clean, SUMMARY_TEXT_CHARS);
    if clean.len() <= SUMMARY_HTML_MAX {
        let trimmed = clean.trim();
        let clean = if trimmed.len() == clean.len() {
            clean
        } else {
            trimmed.to_owned()
        };
        (clean, text)
    } else {
        let short = excerpt(&text, EXCERPT_CHARS);
        (format!("<p>{}</p>", ammonia::clean_text(&short)), text)
    }
}

fn summarise_plain(text: &str) -> (String, String) {
    let short = excerpt(text, EXCERPT_CHARS);
    if short.is_empty() {
        return (String::new(), String::new());
    }
    (format!("<p>{}</p>", ammonia::clean_text(&short)), short)
}

static ALTERNATE: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("link[rel][href]").unwrap_or_else(|_| unreachable!("constant selector")));

/// Feeds advertised by a web page through `<link rel="alternate">`, in page order.
pub fn discover(html: &str, base: &Url) -> Vec<FeedLink> {
    let doc = Html::parse_document(html);
    let mut found: Vec<FeedLink> = Vec::new();
    for link in doc.select(&ALTERNATE) {
        let el = link.value();
        let rel = el.attr("rel").unwrap_or_default().to_ascii_lowercase();
        if !rel.split_whitespace().any(|r| r == "alternate") {
            continue;
        }
        let kind = match el.attr("type").unwrap_or_default().trim().to_ascii_lowercase().as_str() {
            "application/rss+xml" | "application/rdf+xml" => "RSS",
            "application/atom+xml" => "Atom",
            "application/feed+json" | "application/json" => "JSON Feed",
            _ => continue,
        };
        let Some(url) = el.attr("href").and_then(|h| absolute(base, h)) else {
            continue;
        };
        if found.iter().any(|f| f.url == url) {
            continue;
        }
        let title = el.attr("title").map(|t| excerpt(t, 200)).unwrap_or_default();
        found.push(FeedLink { url, title, kind });
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://news.example.org/feeds/main.xml").unwrap()
    }

    #[test]
    fn rss2_items_get_guid_absolute_links_and_clean_summaries() {
        let xml = br#"<?xml version="1.0"?><rss version="2.0"><channel><title>Example news</title>
            <link>https://news.example.org/</link>
            <item><title>Gritting starts</title><link>/2026/gritting?utm_source=rss#top</link>
            <guid isPermaLink="false">grit-1</guid><author>press@example.org (Press Office)</author>
            <description>&lt;p onclick="x()"&gt;Lorries &lt;a href="/roads"&gt;out&lt;/a&gt;&lt;script&gt;bad()&lt;/script&gt;&lt;/p&gt;</description>
            <pubDate>Sun, 22 Nov 2026 07:00:00 GMT</pubDate></item>
            </channel></rss>"#;
        let feed = parse(xml, &base(), None).unwrap();
        assert_eq!(feed.title, "Example news");
        assert_eq!(feed.site_url.as_deref(), Some("https://news.example.org/"));
        let item = &feed.items[0];
        assert_eq!(item.guid, "grit-1");
        assert_eq!(
            item.url.as_deref(),
            Some("https://news.example.org/2026/gritting?utm_source=rss#top")
        );
        assert_eq!(
            item.canonical_url.as_deref(),
            Some("https://news.example.org/2026/gritting")
        );
        assert!(
            item.summary_html.contains(r#"href="https://news.example.org/roads""#),
            "{}",
            item.summary_html
        );
        assert!(!item.summary_html.contains("script") && !item.summary_html.contains("onclick"));
        assert_eq!(item.summary_text, "Lorries out");
        assert!(item.published.is_some());
    }

    #[test]
    fn items_without_a_guid_fall_back_to_their_link() {
        let xml = br#"<rss version="2.0"><channel><title>T</title>
            <item><title>A</title><link>https://example.org/a</link></item></channel></rss>"#;
        let feed = parse(xml, &base(), None).unwrap();
        assert_eq!(feed.items[0].guid, "https://example.org/a");
    }

    #[test]
    fn web_pages_and_garbage_are_not_feeds() {
        assert_eq!(
            parse(b"<!DOCTYPE html><html><body>hi</body></html>", &base(), None).unwrap_err(),
            ParseError::WebPage
        );
        assert!(matches!(
            parse(b"<rss><channel><item>", &base(), None),
            Err(ParseError::Malformed(_))
        ));
    }

    #[test]
    fn html_titles_become_text() {
        let xml =
            br#"<feed xmlns="http://www.w3.org/2005/Atom"><title type="html">A &lt;b&gt;bold&lt;/b&gt; feed</title>
            <entry><id>urn:1</id><title type="html">Caf&amp;eacute; &lt;i&gt;news&lt;/i&gt;</title>
            <link href="https://example.org/1"/><updated>2026-11-20T10:00:00Z</updated></entry></feed>"#;
        let feed = parse(xml, &base(), None).unwrap();
        assert_eq!(feed.title, "A bold feed");
        assert_eq!(feed.items[0].title, "Café news");
    }

    #[test]
    fn summary_text_is_what_a_second_parse_of_the_sanitised_html_gives() {
        let tricky = [
            "<p>Caf&eacute; &amp; bar&nbsp;&mdash; 3 &lt; 4 &gt; 2 &quot;q&quot; &#233;&#x2014;</p>",
            "a<pre>\nkept</pre>b<pre>\n\ntwo</pre>",
            "<p>x<a href=\"/a?b=1&c=<2>\" title='\"t\"'>link</a>y</p><!-- note -->",
            "<table><tr><td>cell</td></tr></table>after<script>bad()</script><style>p{}</style>",
            "<xmp>1 &lt; 2</xmp><textarea>\nt</textarea><noscript>ns</noscript><plaintext>&amp;",
            "<p>one<p>two<ul><li>three<li>four</ul><br>five\u{a0}six\u{b}seven",
            "<object><p>in</p></object><svg><title>s</title></svg><math>m</math>",
        ];
        let base = base();
        for html in tricky {
            let clean = SANITISER.with_borrow_mut(|s| {
                s.url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()))
                    .clean(html)
                    .to_string()
            });
            for max in [5, 20, 1200] {
                assert_eq!(
                    sanitised_text(&clean, max),
                    excerpt(&html_text(&clean), max),
                    "{html:?} cleaned to {clean:?}"
                );
            }
        }
    }

    #[test]
    fn excerpts_collapse_whitespace_and_cut_at_a_character_count() {
        assert_eq!(excerpt("  one \t two\n\u{b}three  ", 100), "one two three");
        assert_eq!(excerpt("caf\u{e9} \u{3000} na\u{ef}ve", 100), "caf\u{e9} na\u{ef}ve");
        assert_eq!(excerpt("abc def", 7), "abc def");
        assert_eq!(excerpt("abc def", 6), "abc de…");
        assert_eq!(excerpt("abc def", 4), "abc…");
        assert_eq!(excerpt("\u{e9}\u{e9}\u{e9}\u{e9}", 3), "\u{e9}\u{e9}\u{e9}…");
        assert_eq!(excerpt(" \n ", 3), "");
    }

    #[test]
    fn autodiscovery_lists_feeds_in_page_order() {
        let html = r#"<html><head>
            <link rel="alternate" type="application/rss+xml" title="News" href="/news.rss">
            <link rel="stylesheet" href="/s.css">
            <link rel="alternate" type="application/atom+xml" title="Blog" href="https://blog.example.org/atom">
            <link rel="alternate" type="text/html" hreflang="cy" href="/cy">
            <link rel="alternate" type="application/rss+xml" href="/news.rss">
            </head></html>"#;
        let found = discover(html, &Url::parse("https://example.org/page").unwrap());
        assert_eq!(
            found,
            vec![
                FeedLink {
                    url: "https://example.org/news.rss".into(),
                    title: "News".into(),
                    kind: "RSS"
                },
                FeedLink {
                    url: "https://blog.example.org/atom".into(),
                    title: "Blog".into(),
                    kind: "Atom"
                },
            ]
        );
    }

    // Feeds as they exist on the web: one fixture per kind of trouble
    // (tests/fixtures/feeds/wild-*), and mutated feeds that must never panic.

    macro_rules! wild {
        ($name:literal) => {
            include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/feeds/",
                $name
            ))
            .as_slice()
        };
    }

    fn titles(feed: &ParsedFeed) -> Vec<&str> {
        feed.items.iter().map(|i| i.title.as_str()).collect()
    }

    #[test]
    fn declarations_late_or_twice_and_utf16_are_read() {
        let late = parse(wild!("wild-late-declaration.xml"), &base(), None).unwrap();
        assert_eq!(titles(&late), ["Village hall reopens"]);
        for bytes in [wild!("wild-utf16be.xml"), wild!("wild-utf16le-bom.xml")] {
            let feed = parse(bytes, &base(), Some("iso-8859-1")).unwrap();
            assert!(feed.title.starts_with("Harbour Trust Bulletin"), "{}", feed.title);
            assert_eq!(titles(&feed), ["Tide tables for the winter"]);
            assert_eq!(feed.items[0].summary_text, "Caf\u{e9} by the slipway is open.");
        }
    }

    #[test]
    fn odd_atom_types_lose_nothing() {
        let feed = parse(wild!("wild-atom-types.xml"), &base(), None).unwrap();
        assert_eq!(feed.title, "Library Service Updates");
        assert_eq!(
            titles(&feed),
            ["Mobile library timetable", "Photo: the new reading room"]
        );
        assert_eq!(feed.items[0].summary_text, "New stops in three villages.");
        assert_eq!(feed.items[1].summary_html, "<p>Open from <b>December</b>.</p>");
    }

    #[test]
    fn titles_are_text() {
        let feed = parse(wild!("wild-titles.xml"), &base(), None).unwrap();
        assert_eq!(titles(&feed), ["History of the <blink> tag", "Using Option<T> in Rust"]);
    }

    #[test]
    fn html_entities_are_decoded_as_html_decodes_them() {
        let feed = parse(wild!("wild-entities.xml"), &base(), None).unwrap();
        assert_eq!(feed.title, "Caf\u{e9} Culture & Arts");
        assert_eq!(titles(&feed), ["Se\u{f1}or Garc\u{ed}a \u{2014} a retrospective"]);
        assert_eq!(
            feed.items[0].url.as_deref(),
            Some("https://arts.example.org/garcia?a=1&b=2")
        );
        assert_eq!(
            feed.items[0].summary_text,
            "Paintings & prints at the Town Hall, R&D wing \u{2026}"
        );
    }

    #[test]
    fn old_formats_are_read_as_their_successors() {
        let atom03 = parse(wild!("wild-atom03.xml"), &base(), None).unwrap();
        assert_eq!(atom03.title, "Old Town Blog");
        assert_eq!(titles(&atom03), ["Market square repaved"]);
        assert_eq!(atom03.items[0].summary_text, "Works finish on Friday.");
        assert!(atom03.items[0].published.is_some(), "issued is its publication date");
        for (bytes, title, item) in [
            (
                wild!("wild-rss090.rdf"),
                "County Records Office",
                "Parish registers online",
            ),
            (
                wild!("wild-rss-userland.xml"),
                "Leisure Centre News",
                "Pool timetable changes",
            ),
        ] {
            let feed = parse(bytes, &base(), None).unwrap();
            assert_eq!((feed.title.as_str(), titles(&feed)), (title, vec![item]));
        }
    }

    #[test]
    fn rss_without_a_version_and_permalink_guids() {
        let feed = parse(wild!("wild-rss-noversion.xml"), &base(), None).unwrap();
        let links: Vec<Option<&str>> = feed.items.iter().map(|i| i.url.as_deref()).collect();
        assert_eq!(
            links,
            [
                Some("https://waste.example.org/christmas"),
                Some("https://waste.example.org/garden"),
                None
            ],
            "a GUID is the link unless it says it is not a permalink"
        );
    }

    #[test]
    fn items_none_of_which_can_be_read_are_an_error_not_an_empty_feed() {
        let err = parse(wild!("wild-unreadable.xml"), &base(), None).unwrap_err();
        assert!(err.to_string().contains("none of its items could be read"), "{err}");
        let empty = br#"<rss version="2.0"><channel><title>Nothing yet</title></channel></rss>"#;
        assert!(
            parse(empty, &base(), None).unwrap().items.is_empty(),
            "a feed with no items is just empty"
        );
    }

    /// Valid documents of every format the tests know, to mutate.
    const SEEDS: &[&[u8]] = &[
        wild!("rss2.xml"),
        wild!("atom.xml"),
        wild!("rss1.rdf"),
        wild!("feed.json"),
        wild!("latin1-declared.xml"),
        wild!("relative-atom.xml"),
        wild!("billion-laughs.xml"),
        wild!("wild-entities.xml"),
        wild!("wild-atom03.xml"),
        wild!("wild-titles.xml"),
        wild!("wild-utf16be.xml"),
    ];

    /// One way a publisher's software (or the network) mangles a document.
    #[derive(Debug, Clone)]
    enum Mangle {
        Declaration(proptest::sample::Index, &'static str),
        Truncate(proptest::sample::Index),
        Insert(proptest::sample::Index, Vec<u8>),
        Overwrite(proptest::sample::Index, Vec<u8>),
        Utf16 { big_endian: bool, mark: bool },
        Snippet(proptest::sample::Index, &'static str),
    }

    fn mangle() -> impl proptest::strategy::Strategy<Value = Mangle> {
        use proptest::prelude::*;
        let encodings = prop::sample::select(vec![
            "utf-8",
            "iso-8859-1",
            "UTF-16",
            "utf-16be",
            "shift_jis",
            "x-bogus",
            "",
        ]);
        let snippets = prop::sample::select(vec![
            "&eacute;",
            "&",
            "&#0;",
            "&#xD800;",
            "&#99999999;",
            "<",
            "]]>",
            "<![CDATA[",
            "<!--",
            "<?xml",
            "?>",
            "<rss>",
            "<feed>",
            "</entry>",
            "<!DOCTYPE x [",
            "\u{feff}",
            "<title type=\"image/png\">",
        ]);
        prop_oneof![
            (any::<prop::sample::Index>(), encodings).prop_map(|(at, e)| Mangle::Declaration(at, e)),
            any::<prop::sample::Index>().prop_map(Mangle::Truncate),
            (any::<prop::sample::Index>(), prop::collection::vec(any::<u8>(), 1..16))
                .prop_map(|(at, b)| Mangle::Insert(at, b)),
            (any::<prop::sample::Index>(), prop::collection::vec(any::<u8>(), 1..16))
                .prop_map(|(at, b)| Mangle::Overwrite(at, b)),
            (any::<bool>(), any::<bool>()).prop_map(|(big_endian, mark)| Mangle::Utf16 { big_endian, mark }),
            (any::<prop::sample::Index>(), snippets).prop_map(|(at, s)| Mangle::Snippet(at, s)),
        ]
    }

    fn apply(doc: &mut Vec<u8>, m: &Mangle) {
        let at = |i: &proptest::sample::Index, doc: &Vec<u8>| i.index(doc.len() + 1);
        match m {
            Mangle::Declaration(i, encoding) => {
                let decl = format!("<?xml version=\"1.0\" encoding=\"{encoding}\"?>");
                let at = at(i, doc);
                doc.splice(at..at, decl.into_bytes());
            }
            Mangle::Truncate(i) => doc.truncate(at(i, doc)),
            Mangle::Insert(i, bytes) => {
                let at = at(i, doc);
                doc.splice(at..at, bytes.iter().copied());
            }
            Mangle::Overwrite(i, bytes) => {
                let at = at(i, doc).min(doc.len());
                let end = (at + bytes.len()).min(doc.len());
                doc.splice(at..end, bytes.iter().copied());
            }
            Mangle::Utf16 { big_endian, mark } => {
                let text = String::from_utf8_lossy(doc).into_owned();
                let mut out = Vec::new();
                if *mark {
                    out.extend(if *big_endian { [0xFE, 0xFF] } else { [0xFF, 0xFE] });
                }
                for unit in text.encode_utf16() {
                    out.extend(if *big_endian {
                        unit.to_be_bytes()
                    } else {
                        unit.to_le_bytes()
                    });
                }
                *doc = out;
            }
            Mangle::Snippet(i, s) => {
                let at = at(i, doc);
                doc.splice(at..at, s.bytes());
            }
        }
    }

    proptest::proptest! {
        // 2,000 mangled documents a run; PROPTEST_CASES=N for a longer hunt.
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(2000),
            ..Default::default()
        })]

        /// Whatever a publisher sends, the repaired document never panics the
        /// XML stack (the catch in `parse` is a second line, never needed),
        /// and parsing it ends well within a second.
        #[test]
        fn mangled_feeds_never_panic_or_hang(seed in 0..SEEDS.len(), mangles in proptest::collection::vec(mangle(), 1..4)) {
            let mut doc = SEEDS[seed].to_vec();
            for m in &mangles {
                apply(&mut doc, m);
            }
            let repaired = repair::repair(&doc, Some("utf-8"));
            let panicked = std::panic::catch_unwind(|| feed_rs::parser::parse(repaired.text.as_bytes()).is_ok()).is_err();
            proptest::prop_assert!(!panicked, "the XML stack panicked on {:?}", String::from_utf8_lossy(&doc));
            // A hang guard, a thousand times what a document this size takes; not a benchmark.
            let started = std::time::Instant::now();
            let _ = parse(&doc, &base(), Some("utf-8"));
            proptest::prop_assert!(started.elapsed() < std::time::Duration::from_secs(1));
        }
    }

    /// Well-formed feeds of every XML format the tests know.
    const CLEAN: &[(&str, &[u8])] = &[
        ("rss2", wild!("rss2.xml")),
        ("atom", wild!("atom.xml")),
        ("rss1", wild!("rss1.rdf")),
        ("relative-rss", wild!("relative-rss.xml")),
        ("relative-atom", wild!("relative-atom.xml")),
        ("council", wild!("council.xml")),
        ("dedupe-rss", wild!("dedupe-rss.xml")),
        ("dedupe-atom", wild!("dedupe-atom.xml")),
        ("guids", wild!("guids-v1.xml")),
        ("update", wild!("update-v1.xml")),
    ];

    /// A clean feed as sloppy software serves it: each returns the mangled
    /// document, or `None` where the mangling does not apply to that format.
    fn sloppy(doc: &str) -> Vec<(&'static str, Option<Vec<u8>>)> {
        let is_atom = doc.contains("<feed");
        let is_rss2 = doc.contains("<rss");
        let utf16 = |big_endian: bool, mark: bool| {
            let text = doc.replacen("encoding=\"utf-8\"", "encoding=\"UTF-16\"", 1).replacen(
                "encoding=\"UTF-8\"",
                "encoding=\"UTF-16\"",
                1,
            );
            let mut out: Vec<u8> = Vec::new();
            if mark {
                out.extend(if big_endian { [0xFE, 0xFF] } else { [0xFF, 0xFE] });
            }
            for unit in text.encode_utf16() {
                out.extend(if big_endian {
                    unit.to_be_bytes()
                } else {
                    unit.to_le_bytes()
                });
            }
            out
        };
        let first_title = |with: &str| {
            doc.find("<title").and_then(|at| {
                let close = at + doc[at..].find('>')? + 1;
                Some(format!("{}{with}{}", &doc[..close], &doc[close..]).into_bytes())
            })
        };
        vec![
            (
                "declaration twice",
                Some(format!("<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n{doc}").into_bytes()),
            ),
            (
                "declaration late",
                doc.find("<title").map(|at| {
                    format!(
                        "{}<?xml version=\"1.0\" encoding=\"windows-1252\"?>{}",
                        &doc[..at],
                        &doc[at..]
                    )
                    .into_bytes()
                }),
            ),
            ("UTF-16 BE with a mark", Some(utf16(true, true))),
            ("UTF-16 LE with a mark", Some(utf16(false, true))),
            ("UTF-16 BE without a mark", Some(utf16(true, false))),
            ("UTF-16 LE without a mark", Some(utf16(false, false))),
            ("HTML entities", first_title("Caf&eacute;&nbsp;&mdash; ")),
            ("a bare ampersand", first_title("R&D: ")),
            (
                "an odd Atom type",
                is_atom.then(|| doc.replacen("<title>", "<title type=\"image/png\">", 2).into_bytes()),
            ),
            (
                "Atom 0.3",
                is_atom.then(|| {
                    doc.replace("http://www.w3.org/2005/Atom", "http://purl.org/atom/ns#")
                        .replace("<published>", "<issued>")
                        .replace("</published>", "</issued>")
                        .replace("<updated>", "<modified>")
                        .replace("</updated>", "</modified>")
                        .into_bytes()
                }),
            ),
            (
                "RSS 0.90",
                doc.contains("http://purl.org/rss/1.0/").then(|| {
                    doc.replace("http://purl.org/rss/1.0/", "http://my.netscape.com/rdf/simple/0.9/")
                        .into_bytes()
                }),
            ),
            (
                "rss without a version",
                is_rss2.then(|| doc.replacen("<rss version=\"2.0\"", "<rss", 1).into_bytes()),
            ),
            (
                "Userland's namespace",
                is_rss2.then(|| {
                    doc.replacen(
                        "<rss version=\"2.0\"",
                        "<rss version=\"2.0\" xmlns=\"http://backend.userland.com/rss2\"",
                        1,
                    )
                    .into_bytes()
                }),
            ),
        ]
    }

    /// Every clean feed, served every sloppy way, keeps all its items. (The
    /// printed rate is the one to compare across versions of the parser.)
    #[test]
    fn a_corpus_of_sloppy_feeds_keeps_every_item() {
        let (mut documents, mut kept, mut failures) = (0, 0, Vec::new());
        for (name, bytes) in CLEAN {
            let clean = parse(bytes, &base(), None).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!clean.items.is_empty(), "{name}");
            let text = std::str::from_utf8(bytes).unwrap();
            for (how, mangled) in sloppy(text) {
                let Some(mangled) = mangled else { continue };
                documents += 1;
                let result = std::panic::catch_unwind(|| parse(&mangled, &base(), None));
                match result {
                    Ok(Ok(feed)) if feed.items.len() == clean.items.len() => kept += 1,
                    Ok(Ok(feed)) => failures.push(format!(
                        "{name}, {how}: {} of {} items",
                        feed.items.len(),
                        clean.items.len()
                    )),
                    Ok(Err(e)) => failures.push(format!("{name}, {how}: {e}")),
                    Err(_) => failures.push(format!("{name}, {how}: panicked")),
                }
            }
        }
        println!("sloppy feeds read with every item: {kept} of {documents}");
        assert!(
            failures.is_empty(),
            "{kept} of {documents}; lost:\n{}",
            failures.join("\n")
        );
    }
}
