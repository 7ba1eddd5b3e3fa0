//! Ingest benchmark (not a test): parse → sanitise → dedupe → upsert over a
//! generated corpus of feeds (RSS 2.0, Atom, JSON Feed) written to files, so
//! Python's feedparser can read the very same bytes. Used by
//! `scripts/bench-curation`; not part of the product.
//!
//! `cargo bench --bench ingest -- [--corpus DIR] [--feeds N] [--mb SIZE] [--passes N]
//!  [--concurrency N] [--feedparser benches/feedparser_bench.py] [--regenerate] [--only parse|upsert|e2e]`
//!
//! The corpus (default `/tmp/commonroom-ingest-corpus`, 100 feeds, ~10 MB) is
//! reused while it matches; `--only` runs one phase alone, for a profiler.
//!
//! Everything runs on one current-thread tokio runtime, so the Rust side of
//! each figure is one core's work, except SQLite: sqlx runs each connection on
//! its own thread, which is why process CPU time is reported beside wall time.
//! End to end, the feeds go through `polling::ingest` `--concurrency` at a
//! time (the app's default for polls, 8), as a sweep polls them: one feed is
//! parsed while others are written, and feeds that finish together are
//! stored in one transaction (`ingest::writer`). Parsing then overlaps
//! SQLite's thread, so end-to-end rates are given per second of wall time
//! and per second of process CPU time; "per core" means the latter.
//! Each database is a fresh, migrated SQLite file in a temporary directory
//! (`$TMPDIR`), set up as the app sets it up (WAL, synchronous=NORMAL).
//! Throughput is in MB = 1,000,000 bytes of feed documents; figures are the
//! median of `--passes` passes (3 by default).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use commonroom::config::Settings;
use commonroom::ingest::parse;
use commonroom::ingest::writer::InboxWriter;
use commonroom::service::polling;
use commonroom::store::feeds::{self, Added, Feed, NewFeed};
use commonroom::store::inbox;
use futures_util::StreamExt;
use url::Url;

mod corpus {
    //! The generated corpus: deterministic (seeded) feeds whose items look
    //! like a public body's news, blogs and press releases — HTML with
    //! paragraphs, links (some relative, some tracked), lists, the odd image,
    //! style and script — and a pool of stories that several feeds carry
    //! under the same link with different `utm_` parameters, so cross-feed
    //! dedupe by canonical URL has work to do.

    use std::collections::BTreeSet;
    use std::fmt::Write as _;
    use std::path::Path;
    use std::sync::LazyLock;

    use anyhow::Context;
    use chrono::{DateTime, Duration, TimeZone, Utc};
    use rand::rngs::SmallRng;
    use rand::seq::IndexedRandom;
    use rand::{Rng, SeedableRng};

    /// Bump when the generator changes, so an old corpus is not reused.
    const VERSION: &str = "commonroom-ingest-corpus v1";
    const MANIFEST: &str = "manifest.tsv";
    const MARKER: &str = ".complete";
    /// Stories several feeds share.
    const SHARED_STORIES: usize = 300;
    /// Chance that an item slot carries a shared story.
    const SHARED_CHANCE: f64 = 0.12;
    const MAX_ITEMS: usize = 120;

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Kind {
        Rss,
        Atom,
        Json,
    }

    impl Kind {
        pub fn label(self) -> &'static str {
            match self {
                Kind::Rss => "RSS 2.0",
                Kind::Atom => "Atom",
                Kind::Json => "JSON Feed",
            }
        }

        fn content_type(self) -> &'static str {
            match self {
                Kind::Rss => "application/rss+xml",
                Kind::Atom => "application/atom+xml",
                Kind::Json => "application/feed+json",
            }
        }

        fn ext(self) -> &'static str {
            match self {
                Kind::Rss => "rss",
                Kind::Atom => "atom",
                Kind::Json => "json",
            }
        }

        fn parse(content_type: &str) -> Option<Self> {
            [Kind::Rss, Kind::Atom, Kind::Json]
                .into_iter()
                .find(|k| k.content_type() == content_type)
        }
    }

    /// One generated feed on disk.
    #[derive(Debug, Clone)]
    pub struct FeedFile {
        pub name: String,
        /// The address the feed pretends to come from (the base for relative links).
        pub url: String,
        pub kind: Kind,
    }

    /// Where the text of an item goes: the shapes real feeds come in.
    #[derive(Debug, Clone, Copy)]
    enum Style {
        /// An HTML summary only (most news feeds).
        Summary,
        /// A short summary and the full article (WordPress and the like).
        SummaryAndContent,
        /// The full article only (many Atom blogs, JSON Feed `content_html`).
        ContentOnly,
    }

    struct Story {
        slug: String,
        title: String,
        author: String,
        published: DateTime<Utc>,
        summary: String,
        content: String,
    }

    struct Item<'a> {
        story: &'a Story,
        link: String,
        guid: String,
        guid_is_link: bool,
    }

    /// The corpus in `dir`: reused when it was made by this generator with
    /// these parameters, otherwise (re)generated.
    pub fn ensure(dir: &Path, feeds: usize, total_bytes: usize, regenerate: bool) -> anyhow::Result<Vec<FeedFile>> {
        let stamp = format!("{VERSION}; feeds={feeds}; bytes={total_bytes}\n");
        let marker = dir.join(MARKER);
        if !regenerate && std::fs::read_to_string(&marker).is_ok_and(|s| s == stamp) {
            return read_manifest(dir);
        }
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        // Only what an earlier run wrote goes: the directory is the caller's.
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let ours = name == MANIFEST
                || name == MARKER
                || (name.starts_with("feed-") && [".rss", ".atom", ".json"].iter().any(|e| name.ends_with(e)));
            if ours {
                std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            }
        }
        let files = generate(dir, feeds, total_bytes)?;
        let mut manifest = String::from("# file\turl\tcontent type\n");
        for f in &files {
            let _ = writeln!(manifest, "{}\t{}\t{}", f.name, f.url, f.kind.content_type());
        }
        std::fs::write(dir.join(MANIFEST), manifest)?;
        std::fs::write(marker, stamp)?;
        Ok(files)
    }

    fn read_manifest(dir: &Path) -> anyhow::Result<Vec<FeedFile>> {
        let text = std::fs::read_to_string(dir.join(MANIFEST))?;
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|line| {
                let mut cols = line.split('\t');
                let (Some(name), Some(url), Some(kind)) = (cols.next(), cols.next(), cols.next()) else {
                    anyhow::bail!("bad manifest line {line:?}");
                };
                let kind = Kind::parse(kind).with_context(|| format!("unknown content type {kind:?}"))?;
                Ok(FeedFile {
                    name: name.to_owned(),
                    url: url.to_owned(),
                    kind,
                })
            })
            .collect()
    }

    fn generate(dir: &Path, feeds: usize, total_bytes: usize) -> anyhow::Result<Vec<FeedFile>> {
        let mut rng = SmallRng::seed_from_u64(0x00c0_ffee);
        let now = Utc
            .with_ymd_and_hms(2026, 5, 1, 9, 0, 0)
            .single()
            .context("a fixed date")?;
        let shared: Vec<Story> = (0..SHARED_STORIES).map(|_| story(&mut rng, now)).collect();
        let weights: Vec<f64> = (0..feeds).map(|_| rng.random_range(0.3..2.2)).collect();
        let weight_sum: f64 = weights.iter().sum();
        let mut files = Vec::with_capacity(feeds);
        for (i, weight) in weights.iter().enumerate() {
            // 45% RSS, 35% Atom, 20% JSON Feed, interleaved.
            let kind = match i % 20 {
                0..9 => Kind::Rss,
                9..16 => Kind::Atom,
                _ => Kind::Json,
            };
            let style = match rng.random_range(0..100) {
                0..40 => Style::Summary,
                40..75 => Style::SummaryAndContent,
                _ => Style::ContentOnly,
            };
            let host = format!("{}.example.gov.uk", HOSTS[i % HOSTS.len()]);
            let host = if i < HOSTS.len() {
                host
            } else {
                format!("news{i}.{host}")
            };
            let url = format!("https://{host}/feed.{}", kind.ext());
            let budget = (total_bytes as f64 * weight / weight_sum) as usize;
            let body = feed_document(&mut rng, now, i, kind, style, &host, &url, &shared, budget);
            let name = format!("feed-{i:03}.{}", kind.ext());
            std::fs::write(dir.join(&name), body)?;
            files.push(FeedFile { name, url, kind });
        }
        Ok(files)
    }

    #[expect(
        clippy::too_many_arguments,
        reason = "one call site; a struct would only rename them"
    )]
    fn feed_document(
        rng: &mut SmallRng,
        now: DateTime<Utc>,
        index: usize,
        kind: Kind,
        style: Style,
        host: &str,
        url: &str,
        shared: &[Story],
        budget: usize,
    ) -> String {
        let title = format!(
            "{} — {}",
            title_case(&words(rng, 2, 4)),
            FEED_NAMES.choose(rng).unwrap_or(&"News")
        );
        let mut own: Vec<Story> = Vec::new();
        let mut used_shared = BTreeSet::new();
        let links = Links {
            index,
            host,
            tracked: rng.random_bool(0.5),
            permalink_guids: rng.random_bool(0.6),
        };
        let cdata = rng.random_bool(0.5);
        // Add items until the feed reaches its share of the corpus, rendering
        // only when the average item size so far says the budget may be reached.
        let mut next_render = 5;
        loop {
            let shared_pick = rng
                .random_bool(SHARED_CHANCE)
                .then(|| rng.random_range(0..shared.len()))
                .filter(|&s| used_shared.insert(s));
            if shared_pick.is_none() {
                own.push(story(rng, now));
            }
            let n = own.len() + used_shared.len();
            if n < next_render && n < MAX_ITEMS {
                continue;
            }
            let items = links.items(&own, shared, &used_shared);
            let doc = match kind {
                Kind::Rss => rss(&title, host, url, now, style, cdata, &items),
                Kind::Atom => atom(&title, host, url, now, style, &items),
                Kind::Json => json(&title, host, url, style, &items),
            };
            if doc.len() >= budget || n >= MAX_ITEMS {
                return doc;
            }
            next_render = n + ((budget - doc.len()) * n / doc.len()).max(1);
        }
    }

    /// How one feed links to and identifies its items.
    struct Links<'a> {
        index: usize,
        host: &'a str,
        /// Whether the feed adds `utm_` parameters to its own links.
        tracked: bool,
        /// Whether GUIDs are the permalinks (RSS `isPermaLink`), or tags.
        permalink_guids: bool,
    }

    impl Links<'_> {
        /// The feed's items, newest first: its own stories and the shared ones it carries.
        fn items<'s>(&self, own: &'s [Story], shared: &'s [Story], used: &BTreeSet<usize>) -> Vec<Item<'s>> {
            let host = self.host;
            let index = self.index;
            let mut items: Vec<Item> = Vec::with_capacity(own.len() + used.len());
            for (k, s) in own.iter().enumerate() {
                let link = format!("https://{host}/news/{}/{}", s.published.format("%Y/%m"), s.slug);
                let link = if self.tracked && k % 3 != 0 {
                    format!("{link}?utm_source=rss&utm_medium=feed&utm_campaign=news-{}", k % 7)
                } else {
                    link
                };
                let guid = if self.permalink_guids {
                    link.clone()
                } else {
                    format!("tag:{host},2026:post-{index}-{k}")
                };
                items.push(Item {
                    story: s,
                    guid_is_link: self.permalink_guids,
                    link,
                    guid,
                });
            }
            for &s in used {
                let story = &shared[s];
                let canonical = format!("https://www.gov.example.uk/government/news/{}", story.slug);
                // Each feed tracks its clicks differently; the canonical URL is the same.
                let link = match (index + s) % 3 {
                    0 => canonical,
                    1 => format!("{canonical}?utm_source=site{index}&utm_medium=rss"),
                    _ => format!("{canonical}?utm_source=newsletter&utm_campaign=feed-{index}#main"),
                };
                items.push(Item {
                    story,
                    guid: format!("tag:{host},2026:shared-{s}"),
                    guid_is_link: false,
                    link,
                });
            }
            items.sort_by_key(|i| std::cmp::Reverse(i.story.published));
            items
        }
    }

    fn story(rng: &mut SmallRng, now: DateTime<Utc>) -> Story {
        let title_words = words(rng, 5, 12);
        let slug = format!(
            "{}-{}",
            title_words
                .to_lowercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "-"),
            rng.random_range(1000..99999)
        );
        let mut title = title_case(&title_words);
        if rng.random_bool(0.1) {
            title = format!("Q&A: {title}");
        } else if rng.random_bool(0.1) {
            title = format!("“{title}” says cabinet member");
        }
        let published = now - Duration::minutes(rng.random_range(0..60 * 24 * 30));
        let summary = (0..rng.random_range(1..=2))
            .map(|_| paragraph(rng, 30, 90))
            .collect::<String>();
        let mut content = String::new();
        let paragraphs = rng.random_range(3..=12);
        for p in 0..paragraphs {
            if p > 0 && rng.random_bool(0.2) {
                let _ = writeln!(content, "<h2>{}</h2>", title_case(&words(rng, 2, 6)));
            }
            if rng.random_bool(0.12) {
                content.push_str("<ul>");
                for _ in 0..rng.random_range(2..6) {
                    let _ = write!(content, "<li>{}</li>", words(rng, 3, 12));
                }
                content.push_str("</ul>\n");
            }
            if rng.random_bool(0.08) {
                let _ = writeln!(
                    content,
                    "<figure class=\"wp-block-image\"><img src=\"/media/{}.jpg\" alt=\"{}\" width=\"800\" \
                     height=\"450\" loading=\"lazy\"><figcaption>{}</figcaption></figure>",
                    rng.random_range(100..999),
                    words(rng, 3, 6),
                    words(rng, 4, 10)
                );
            }
            content.push_str(&paragraph(rng, 40, 120));
        }
        if rng.random_bool(0.1) {
            content
                .push_str("<script>window.dataLayer=window.dataLayer||[];dataLayer.push({event:'view'});</script>\n");
        }
        Story {
            slug,
            title,
            author: AUTHORS.choose(rng).unwrap_or(&"Press Office").to_string(),
            published,
            summary,
            content,
        }
    }

    fn paragraph(rng: &mut SmallRng, min: usize, max: usize) -> String {
        let mut p = String::from(if rng.random_bool(0.1) {
            "<p style=\"margin:0 0 1em\">"
        } else {
            "<p>"
        });
        let n = rng.random_range(min..=max);
        let mut i = 0;
        while i < n {
            let roll = rng.random_range(0..100);
            let run = rng.random_range(2..5).min(n - i);
            let phrase = words(rng, run, run);
            match roll {
                0..4 => {
                    let _ = write!(p, "<a href=\"/services/{}\">{phrase}</a>", phrase.replace(' ', "-"));
                }
                4..6 => {
                    let _ = write!(
                        p,
                        "<a href=\"https://www.{}.example.gov.uk/{}?utm_source=blog&amp;utm_medium=link\" \
                         target=\"_blank\">{phrase}</a>",
                        HOSTS.choose(rng).unwrap_or(&"www"),
                        phrase.replace(' ', "/")
                    );
                }
                6..9 => {
                    let _ = write!(p, "<strong>{phrase}</strong>");
                }
                9..11 => {
                    let _ = write!(p, "<em>{phrase}</em>");
                }
                11..13 => {
                    let _ = write!(p, "{phrase}&nbsp;&mdash;");
                }
                13..14 => {
                    let _ = write!(p, "<span class=\"highlight\">{phrase}</span>");
                }
                _ => p.push_str(&phrase),
            }
            i += run;
            p.push_str(if i >= n {
                "."
            } else if rng.random_bool(0.08) {
                ". "
            } else if rng.random_bool(0.08) {
                ", "
            } else {
                " "
            });
        }
        p.push_str("</p>\n");
        p
    }

    fn words(rng: &mut SmallRng, min: usize, max: usize) -> String {
        let n = rng.random_range(min..=max);
        let mut out = String::new();
        for i in 0..n {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(WORD_LIST.choose(rng).unwrap_or(&"council"));
        }
        out
    }

    fn title_case(text: &str) -> String {
        let mut chars = text.chars();
        match chars.next() {
            Some(c) => c.to_uppercase().chain(chars).collect(),
            None => String::new(),
        }
    }

    fn xml_escape(text: &str) -> String {
        let mut out = String::with_capacity(text.len() + text.len() / 8);
        for c in text.chars() {
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '"' => out.push_str("&quot;"),
                c => out.push(c),
            }
        }
        out
    }

    fn html_block(text: &str, cdata: bool) -> String {
        if cdata {
            format!("<![CDATA[{text}]]>")
        } else {
            xml_escape(text)
        }
    }

    /// A short lead for feeds that carry the full article separately.
    fn lead(story: &Story) -> String {
        story
            .summary
            .split("</p>")
            .next()
            .map(|p| format!("{p}</p>"))
            .unwrap_or_default()
    }

    fn rss(
        title: &str,
        host: &str,
        url: &str,
        now: DateTime<Utc>,
        style: Style,
        cdata: bool,
        items: &[Item],
    ) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" \
             xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
             xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n\
             <channel>\n<title>{}</title>\n<link>https://{host}/</link>\n\
             <description>News and updates from {host}</description>\n<language>en-gb</language>\n\
             <atom:link href=\"{url}\" rel=\"self\" type=\"application/rss+xml\"/>\n\
             <lastBuildDate>{}</lastBuildDate>\n<generator>https://wordpress.org/?v=6.5</generator>",
            xml_escape(title),
            now.to_rfc2822()
        );
        for (k, item) in items.iter().enumerate() {
            let s = item.story;
            let _ = writeln!(
                out,
                "<item>\n<title>{}</title>\n<link>{}</link>\n<guid isPermaLink=\"{}\">{}</guid>",
                xml_escape(&s.title),
                xml_escape(&item.link),
                item.guid_is_link,
                xml_escape(&item.guid)
            );
            if k % 2 == 0 {
                let _ = writeln!(out, "<dc:creator>{}</dc:creator>", xml_escape(&s.author));
            } else {
                let _ = writeln!(out, "<author>press@{host} ({})</author>", xml_escape(&s.author));
            }
            let _ = writeln!(
                out,
                "<pubDate>{}</pubDate>\n<category>{}</category>",
                s.published.to_rfc2822(),
                s.slug.split('-').next().unwrap_or("news")
            );
            match style {
                Style::Summary => {
                    let _ = writeln!(out, "<description>{}</description>", html_block(&s.summary, cdata));
                }
                Style::SummaryAndContent => {
                    let _ = writeln!(
                        out,
                        "<description>{}</description>\n<content:encoded>{}</content:encoded>",
                        html_block(&lead(s), cdata),
                        html_block(&s.content, true)
                    );
                }
                Style::ContentOnly => {
                    let _ = writeln!(
                        out,
                        "<content:encoded>{}</content:encoded>",
                        html_block(&s.content, cdata)
                    );
                }
            }
            out.push_str("</item>\n");
        }
        out.push_str("</channel>\n</rss>\n");
        out
    }

    fn atom(title: &str, host: &str, url: &str, now: DateTime<Utc>, style: Style, items: &[Item]) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" \
             xml:lang=\"en-GB\">\n<title>{}</title>\n<subtitle>Updates from {host}</subtitle>\n\
             <link href=\"https://{host}/\" rel=\"alternate\" type=\"text/html\"/>\n\
             <link href=\"{url}\" rel=\"self\"/>\n<id>tag:{host},2026:feed</id>\n<updated>{}</updated>",
            xml_escape(title),
            now.to_rfc3339()
        );
        for item in items {
            let s = item.story;
            let updated = s.published + Duration::minutes(s.slug.len() as i64);
            let _ = writeln!(
                out,
                "<entry>\n<title type=\"html\">{}</title>\n<link rel=\"alternate\" type=\"text/html\" \
                 href=\"{}\"/>\n<id>{}</id>\n<published>{}</published>\n<updated>{}</updated>\n\
                 <author><name>{}</name></author>\n<category term=\"{}\"/>",
                xml_escape(&xml_escape(&s.title)),
                xml_escape(&item.link),
                xml_escape(&item.guid),
                s.published.to_rfc3339(),
                updated.to_rfc3339(),
                xml_escape(&s.author),
                s.slug.split('-').next().unwrap_or("news")
            );
            match style {
                Style::Summary => {
                    let _ = writeln!(out, "<summary type=\"html\">{}</summary>", xml_escape(&s.summary));
                }
                Style::SummaryAndContent => {
                    let _ = writeln!(
                        out,
                        "<summary type=\"html\">{}</summary>\n<content type=\"html\">{}</content>",
                        xml_escape(&lead(s)),
                        xml_escape(&s.content)
                    );
                }
                Style::ContentOnly => {
                    let _ = writeln!(out, "<content type=\"html\">{}</content>", xml_escape(&s.content));
                }
            }
            out.push_str("</entry>\n");
        }
        out.push_str("</feed>\n");
        out
    }

    fn json(title: &str, host: &str, url: &str, style: Style, items: &[Item]) -> String {
        let items: Vec<serde_json::Value> = items
            .iter()
            .map(|item| {
                let s = item.story;
                let mut v = serde_json::json!({
                    "id": item.guid,
                    "url": item.link,
                    "title": s.title,
                    "date_published": s.published.to_rfc3339(),
                    "authors": [{ "name": s.author }],
                    "tags": [s.slug.split('-').next().unwrap_or("news")],
                });
                match style {
                    Style::Summary => v["content_html"] = s.summary.clone().into(),
                    Style::SummaryAndContent => {
                        // JSON Feed's summary is plain text.
                        let plain = lead(s).replace("<p>", "").replace("</p>", "");
                        v["summary"] = strip_tags(&plain).into();
                        v["content_html"] = s.content.clone().into();
                    }
                    Style::ContentOnly => v["content_html"] = s.content.clone().into(),
                }
                v
            })
            .collect();
        let doc = serde_json::json!({
            "version": "https://jsonfeed.org/version/1.1",
            "title": title,
            "home_page_url": format!("https://{host}/"),
            "feed_url": url,
            "language": "en-GB",
            "items": items,
        });
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    }

    fn strip_tags(html: &str) -> String {
        let mut out = String::with_capacity(html.len());
        let mut in_tag = false;
        for c in html.chars() {
            match c {
                '<' => in_tag = true,
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out.replace("&nbsp;", " ").replace("&mdash;", "—")
    }

    const HOSTS: &[&str] = &[
        "brackenshire",
        "westmoor",
        "harbourside",
        "northfell",
        "caerwen",
        "lowdale",
        "kingsferry",
        "ashbury",
        "eastvale",
        "millbrook",
        "nhs-trust",
        "fire-rescue",
        "police-commissioner",
        "housing-board",
        "transport-authority",
        "digital-service",
        "audit-office",
        "planning-inspectorate",
        "environment-agency",
        "library-service",
    ];

    const FEED_NAMES: &[&str] = &[
        "News",
        "Press releases",
        "Blog",
        "Consultations",
        "Committee papers",
        "Service updates",
        "Newyddion",
        "Roadworks and travel",
    ];

    const AUTHORS: &[&str] = &[
        "Press Office",
        "Natalie Hughes",
        "Rhodri Ap Iwan",
        "Siobhán O’Connor",
        "Communications Team",
        "Dr Amara Okafor",
        "Tomasz Wiśniewski",
        "Planning Policy Team",
        "Chief Executive’s Office",
        "Digital Team",
    ];

    /// The vocabulary items are written in, `|`-separated (some entries are phrases).
    const WORDS: &str = concat!(
        "council|residents|consultation|budget|housing|planning|application|roads|gritting|bins|",
        "recycling|collection|schools|admissions|libraries|opening|hours|adult|social|care|children’s|",
        "services|funding|grant|community|centre|climate|emergency|net|zero|active|travel|cycle|lanes|",
        "bus|routes|parking|permits|council tax|support|scheme|cabinet|meeting|agenda|minutes|scrutiny|",
        "committee|decision|report|published|today|this week|announced|partners|NHS|health|wellbeing|",
        "vaccination|clinic|volunteers|apprenticeships|jobs|fair|business|rates|relief|high street|",
        "regeneration|flood|defences|river|warning|weather|storm|closure|diversion|works|contractor|",
        "procurement|tender|digital|service|online|form|accessibility|Welsh|language|Caerdydd|Ynys Môn|",
        "café|heritage|museum|park|playground|trees|planting|biodiversity|waste|strategy|local plan|",
        "draft|feedback|survey|deadline|April|May|2026|£2.4m|15%|households|families|older|people|young|",
        "carers|homelessness|prevention|temporary|accommodation|tenants|repairs|damp|mould|inspection|",
        "safety|fire|police|partnership|board|annual|review|performance|data|open|transparency|freedom|",
        "information|the|and|of|to|for|in|with|on|will|has|new|more|from|across|about|we|our|their|is|",
        "are|be|this",
    );
    static WORD_LIST: LazyLock<Vec<&str>> = LazyLock::new(|| WORDS.split('|').collect());
}

mod measure {
    //! Wall and process CPU time for one phase. CPU time is the sum over the
    //! process's threads of `/proc/self/task/*/schedstat` (nanoseconds, where
    //! `/proc/self/stat` counts in 10 ms ticks), so the SQLite threads sqlx
    //! runs are counted too. (A thread that ends mid-phase takes its time
    //! with it; the threads that work here live through each phase.)

    use std::time::{Duration, Instant};

    pub fn process_cpu() -> Duration {
        let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
            return Duration::ZERO;
        };
        let nanos: u64 = tasks
            .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
            .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
            .sum();
        Duration::from_nanos(nanos)
    }

    pub struct Clock {
        wall: Instant,
        cpu: Duration,
    }

    #[derive(Clone, Copy)]
    pub struct Lap {
        pub wall: Duration,
        pub cpu: Duration,
    }

    impl Clock {
        pub fn start() -> Self {
            Self {
                wall: Instant::now(),
                cpu: process_cpu(),
            }
        }

        pub fn lap(&self) -> Lap {
            Lap {
                wall: self.wall.elapsed(),
                cpu: process_cpu().saturating_sub(self.cpu),
            }
        }
    }

    pub fn mb(bytes: usize) -> f64 {
        bytes as f64 / 1e6
    }
}

use corpus::{FeedFile, Kind};
use measure::{Clock, Lap, mb};

/// The allocator the `commonroom` binary uses, so figures are the app's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Doc {
    file: FeedFile,
    url: Url,
    body: Vec<u8>,
}

/// Per-file timings of one pass, to split figures by format.
#[derive(Default, Clone)]
struct Pass {
    per_file: Vec<Duration>,
    items: Vec<usize>,
}

impl Pass {
    fn total(&self) -> Duration {
        self.per_file.iter().sum()
    }

    fn subset(&self, docs: &[Doc], keep: impl Fn(&Doc) -> bool) -> (usize, usize, Duration) {
        let mut bytes = 0;
        let mut items = 0;
        let mut time = Duration::ZERO;
        for (i, d) in docs.iter().enumerate() {
            if keep(d) {
                bytes += d.body.len();
                items += self.items[i];
                time += self.per_file[i];
            }
        }
        (bytes, items, time)
    }
}

struct Args {
    corpus: PathBuf,
    feeds: usize,
    megabytes: f64,
    feedparser: Option<PathBuf>,
    regenerate: bool,
    passes: usize,
    /// Feeds in flight end to end, as a sweep has them.
    concurrency: usize,
    only: Option<Phase>,
}

/// A part of the benchmark that can be run alone (to profile it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Parse,
    Upsert,
    EndToEnd,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        corpus: PathBuf::from("/tmp/commonroom-ingest-corpus"),
        feeds: 100,
        megabytes: 10.0,
        feedparser: None,
        regenerate: false,
        passes: 3,
        concurrency: Settings::default().jobs.concurrency,
        only: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--corpus" => a.corpus = value()?.into(),
            "--feeds" => a.feeds = value()?.parse()?,
            "--mb" => a.megabytes = value()?.parse()?,
            "--feedparser" => a.feedparser = Some(value()?.into()),
            "--passes" => a.passes = value()?.parse::<usize>()?.max(1),
            "--concurrency" => a.concurrency = value()?.parse::<usize>()?.max(1),
            "--regenerate" => a.regenerate = true,
            "--only" => {
                a.only = Some(match value()?.as_str() {
                    "parse" => Phase::Parse,
                    "upsert" => Phase::Upsert,
                    "e2e" => Phase::EndToEnd,
                    other => bail!("--only takes parse, upsert or e2e, not {other:?}"),
                })
            }
            other => bail!("unknown argument {other:?} (see the comment at the top of benches/ingest.rs)"),
        }
    }
    Ok(a)
}

fn main() -> anyhow::Result<()> {
    let args = args()?;
    let clock = Instant::now();
    let files = corpus::ensure(
        &args.corpus,
        args.feeds,
        (args.megabytes * 1e6) as usize,
        args.regenerate,
    )?;
    let docs = files
        .into_iter()
        .map(|file| {
            let body = std::fs::read(args.corpus.join(&file.name))?;
            let url = Url::parse(&file.url)?;
            Ok(Doc { file, url, body })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let bytes: usize = docs.iter().map(|d| d.body.len()).sum();
    println!(
        "--- corpus {}: {} feeds, {:.2} MB ({} RSS, {} Atom, {} JSON Feed), ready in {:.1} s",
        args.corpus.display(),
        docs.len(),
        mb(bytes),
        docs.iter().filter(|d| d.file.kind == Kind::Rss).count(),
        docs.iter().filter(|d| d.file.kind == Kind::Atom).count(),
        docs.iter().filter(|d| d.file.kind == Kind::Json).count(),
        clock.elapsed().as_secs_f64()
    );

    // One core: every phase is driven from this thread.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let wanted = |p: Phase| args.only.is_none_or(|only| only == p);
    let parse = if wanted(Phase::Parse) {
        Some(parse_phase(&docs, args.passes)?)
    } else {
        None
    };
    let upsert = if wanted(Phase::Upsert) {
        Some(runtime.block_on(upsert_phase(&docs, args.passes, args.concurrency))?)
    } else {
        None
    };
    let e2e = if wanted(Phase::EndToEnd) {
        Some(runtime.block_on(e2e_phase(&docs, args.passes, args.concurrency))?)
    } else {
        None
    };
    let (Some(parse), Some(upsert), Some(e2e)) = (parse, upsert, e2e) else {
        return Ok(());
    };

    // Where an end-to-end ingest spends its time, from the phases measured alone.
    let parse_s = parse.ours.total().as_secs_f64();
    let feed_rs_s = parse.feed_rs.as_secs_f64();
    let db_s = upsert.first.wall.as_secs_f64();
    let e2e_s = e2e.sweep.first.wall.as_secs_f64();
    let e2e_cpu_s = e2e.sweep.first.cpu.as_secs_f64();
    println!("\n--- where the end-to-end time goes (medians of the phases measured alone)");
    println!(
        "  feed-rs {:.0} ms, our parse work on top (canonical URLs, titles, ammonia, excerpts) {:.0} ms, \
         dedupe + upsert ({} feeds to a transaction) {:.0} ms; sum {:.0} ms; end to end {:.0} ms wall, \
         {:.0} ms CPU (parsing overlaps the writes)",
        1e3 * feed_rs_s,
        1e3 * (parse_s - feed_rs_s),
        args.concurrency,
        1e3 * db_s,
        1e3 * (parse_s + db_s),
        1e3 * e2e_s,
        1e3 * e2e_cpu_s
    );

    // The comparison runs in rounds, one feedparser pass right after one of
    // ours, so both sides of each ratio see the (shared) machine in the same
    // state. Ours runs on the same RSS and Atom files feedparser reads.
    let mut ratios = None;
    if let Some(script) = &args.feedparser {
        let xml: Vec<&Doc> = docs.iter().filter(|d| d.file.kind != Kind::Json).collect();
        let xml_bytes: usize = xml.iter().map(|d| d.body.len()).sum();
        let (_, _, xml_parse) = parse.ours.subset(&docs, |d| d.file.kind != Kind::Json);
        println!(
            "\n--- Python feedparser on the same files, in {} rounds of one pass each side \
             (ours: {} feeds at a time, a fresh database per round)",
            args.passes, args.concurrency
        );
        let mut rounds: Vec<Round> = Vec::new();
        let mut version = String::new();
        for round in 0..args.passes {
            let pass = runtime.block_on(e2e_pass(&xml, args.concurrency, false))?;
            let (ours, stored) = (pass.first, pass.items);
            let py = feedparser(script, &args.corpus, round == 0)?;
            if round == 0 && (py.bytes != xml_bytes || py.items != stored) {
                println!(
                    "  note: feedparser read {} items in {:.2} MB; commonroom stored {} items from {:.2} MB of RSS/Atom",
                    py.items,
                    mb(py.bytes),
                    stored,
                    mb(xml_bytes)
                );
            }
            let r = Round {
                py_wall: mb(py.bytes) / py.seconds,
                py_cpu: mb(py.bytes) / py.cpu_seconds,
                ours_wall: mb(xml_bytes) / ours.wall.as_secs_f64(),
                ours_cpu: mb(xml_bytes) / ours.cpu.as_secs_f64(),
            };
            println!(
                "  round {}: feedparser {:.2} MB/s ({:.2} MB per CPU-second); commonroom end to end {:.2} MB/s \
                 ({:.2} MB per CPU-second): {:.1}× per core, {:.1}× wall",
                round + 1,
                r.py_wall,
                r.py_cpu,
                r.ours_wall,
                r.ours_cpu,
                r.per_core(),
                r.wall()
            );
            rounds.push(r);
            version = py.version;
        }
        rounds.sort_by(|a, b| a.per_core().total_cmp(&b.per_core()));
        let median = rounds[rounds.len() / 2];
        let parse_rate = mb(xml_bytes) / xml_parse.as_secs_f64();
        ratios = Some((
            version,
            median,
            (rounds[0].per_core(), rounds[rounds.len() - 1].per_core()),
            parse_rate / median.py_cpu,
        ));
    }

    let items = e2e.sweep.items as f64;
    println!(
        "\n=> ingest end to end, {} feeds at a time: {:.2} MB per CPU-second, {:.2} MB/s wall, {:.0} items/s wall \
         (median of {}; range {:.2}–{:.2} MB per CPU-second) (target ≥ 20 MB/s per core: {})",
        args.concurrency,
        mb(bytes) / e2e_cpu_s,
        mb(bytes) / e2e_s,
        items / e2e_s,
        args.passes,
        e2e.sweep.cpu_range.0,
        e2e.sweep.cpu_range.1,
        verdict(mb(bytes) / e2e_cpu_s >= 20.0)
    );
    println!(
        "=> one feed at a time:  {:.2} MB per CPU-second, {:.2} MB/s wall",
        mb(bytes) / e2e.serial.first.cpu.as_secs_f64(),
        mb(bytes) / e2e.serial.first.wall.as_secs_f64()
    );
    println!(
        "=> parse only:          {:.2} MB/s, {:.0} items/s; feed-rs alone {:.2} MB/s",
        mb(bytes) / parse_s,
        items / parse_s,
        mb(bytes) / feed_rs_s
    );
    if let Some((version, r, (low, high), parse_x)) = ratios {
        println!(
            "=> vs feedparser {version} ({:.2} MB per CPU-second, RSS + Atom): end to end {:.1}× per core \
             (median round; range {low:.1}–{high:.1}×; {:.1}× in wall time), parse only {parse_x:.1}× \
             (target ≥ 13×: {} end to end, {} parse only)",
            r.py_cpu,
            r.per_core(),
            r.wall(),
            verdict(r.per_core() >= 13.0),
            verdict(parse_x >= 13.0)
        );
    }
    Ok(())
}

/// One round of the comparison with feedparser, in MB per second of wall
/// time and per second of CPU time, each side.
#[derive(Clone, Copy)]
struct Round {
    py_wall: f64,
    py_cpu: f64,
    ours_wall: f64,
    ours_cpu: f64,
}

impl Round {
    fn per_core(&self) -> f64 {
        self.ours_cpu / self.py_cpu
    }

    fn wall(&self) -> f64 {
        self.ours_wall / self.py_wall
    }
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}

struct ParseFigures {
    /// feed-rs alone, the whole corpus (median pass).
    feed_rs: Duration,
    /// `ingest::parse::parse` per file (median pass).
    ours: Pass,
}

/// Parsing alone, no database and no runtime: feed-rs, then our whole parse.
fn parse_phase(docs: &[Doc], passes: usize) -> anyhow::Result<ParseFigures> {
    let bytes: usize = docs.iter().map(|d| d.body.len()).sum();
    let mut raw = Vec::new();
    for _ in 0..passes {
        let clock = Clock::start();
        for d in docs {
            let feed = feed_rs::parser::Builder::new()
                .base_uri(Some(d.url.as_str()))
                .build()
                .parse(d.body.as_slice())?;
            std::hint::black_box(feed);
        }
        raw.push(clock.lap().wall);
    }
    let mut runs = Vec::new();
    for _ in 0..passes {
        let mut pass = Pass::default();
        for d in docs {
            let start = Instant::now();
            let feed = parse::parse(&d.body, &d.url, None).map_err(|e| anyhow::anyhow!("{}: {e}", d.file.name))?;
            pass.per_file.push(start.elapsed());
            pass.items.push(feed.items.len());
            std::hint::black_box(feed);
        }
        runs.push(pass);
    }
    let items: usize = runs[0].items.iter().sum();
    let rates: Vec<f64> = runs.iter().map(|p| mb(bytes) / p.total().as_secs_f64()).collect();
    let ours = median_pass(runs);
    let feed_rs = median(raw);
    let secs = ours.total().as_secs_f64();
    println!("\n--- parse alone (median of {passes} passes, one thread)");
    println!(
        "  feed-rs alone:          {:7.2} MB/s  {:8.0} items/s",
        mb(bytes) / feed_rs.as_secs_f64(),
        items as f64 / feed_rs.as_secs_f64()
    );
    println!(
        "  ingest::parse::parse:   {:7.2} MB/s  {:8.0} items/s  (range {:.2}–{:.2} MB/s; {:.0}% of it in feed-rs)",
        mb(bytes) / secs,
        items as f64 / secs,
        min(&rates),
        max(&rates),
        100.0 * feed_rs.as_secs_f64() / secs
    );
    for kind in [Kind::Rss, Kind::Atom, Kind::Json] {
        let (b, n, t) = ours.subset(docs, |d| d.file.kind == kind);
        println!(
            "    {:<10} {:6.2} MB {:6} items  {:7.2} MB/s",
            kind.label(),
            mb(b),
            n,
            mb(b) / t.as_secs_f64()
        );
    }
    Ok(ParseFigures { feed_rs, ours })
}

struct DbFigures {
    /// The first store of every item (median pass).
    first: Lap,
    /// The same documents again, nothing changed (median pass).
    again: Lap,
    /// Items stored in the first pass.
    items: usize,
    /// Slowest and fastest first passes, in MB per CPU-second.
    cpu_range: (f64, f64),
}

/// Dedupe + upsert alone: items parsed beforehand, a fresh database per
/// pass; one feed to a transaction (`upsert_items`), then `group` feeds to a
/// transaction (`upsert_feeds`, as the writer stores a sweep's feeds), in
/// turns. Returns the figures for `group` feeds to a transaction.
async fn upsert_phase(docs: &[Doc], passes: usize, group: usize) -> anyhow::Result<DbFigures> {
    let parsed = docs
        .iter()
        .map(|d| parse::parse(&d.body, &d.url, None).map(|f| f.items))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let items: usize = parsed.iter().map(Vec::len).sum();
    let (mut alone, mut together) = (Vec::new(), Vec::new());
    let mut summary = String::new();
    for _ in 0..passes {
        for (size, runs) in [(1, &mut alone), (group, &mut together)] {
            let (db, _dir, feeds) = fresh_db(docs.iter()).await?;
            let all: Vec<inbox::FeedItems> = feeds
                .iter()
                .zip(&parsed)
                .map(|(f, items)| inbox::FeedItems {
                    feed_id: f.id,
                    rules: &f.rules,
                    items,
                })
                .collect();
            let clock = Clock::start();
            let mut stored = inbox::Upserted::default();
            for chunk in all.chunks(size) {
                for s in inbox::upsert_feeds(&db, chunk).await? {
                    stored.new += s.new;
                    stored.updated += s.updated;
                    stored.unchanged += s.unchanged;
                }
            }
            let first = clock.lap();
            let clock = Clock::start();
            for chunk in all.chunks(size) {
                inbox::upsert_feeds(&db, chunk).await?;
            }
            let again = clock.lap();
            let stories = count(&db, "SELECT COUNT(*) AS n FROM stories").await?;
            db.close().await?;
            summary = format!(
                "  {items} items: {} new, {} updated, {} unchanged; {stories} stories ({} cross-feed duplicates folded)",
                stored.new,
                stored.updated,
                stored.unchanged,
                items as i64 - stories
            );
            runs.push((first, again));
        }
    }
    println!("\n--- dedupe + upsert alone (items parsed beforehand; fresh SQLite database per pass)");
    println!("{summary}");
    println!("  one feed to a transaction:");
    print_db(&median_db(alone, docs, items), None);
    println!("  {group} feeds to a transaction:");
    let together = median_db(together, docs, items);
    print_db(&together, None);
    Ok(together)
}

/// End to end, as a sweep runs it and one feed at a time.
struct E2eFigures {
    sweep: DbFigures,
    serial: DbFigures,
}

/// `polling::ingest`, what a poll does after the network, `concurrency`
/// feeds at a time and then one at a time, in turns: a fresh database per pass.
async fn e2e_phase(docs: &[Doc], passes: usize, concurrency: usize) -> anyhow::Result<E2eFigures> {
    let all: Vec<&Doc> = docs.iter().collect();
    let bytes: usize = docs.iter().map(|d| d.body.len()).sum();
    let (mut sweep, mut serial) = (Vec::new(), Vec::new());
    let mut items = 0;
    for _ in 0..passes {
        for (at_once, runs) in [(concurrency, &mut sweep), (1, &mut serial)] {
            let pass = e2e_pass(&all, at_once, true).await?;
            items = pass.items;
            runs.push((pass.first, pass.again.context("the second ingest was asked for")?));
        }
    }
    println!("\n--- end to end: polling::ingest (parse → sanitise → dedupe → upsert), fresh SQLite database per pass");
    println!("  {concurrency} feeds at a time, as a sweep polls them:");
    let sweep = median_db(sweep, docs, items);
    print_db(&sweep, Some(bytes));
    println!("  one feed at a time:");
    let serial = median_db(serial, docs, items);
    print_db(&serial, Some(bytes));
    Ok(E2eFigures { sweep, serial })
}

/// One end-to-end pass.
struct E2ePass {
    /// Every document into a fresh database.
    first: Lap,
    /// The same documents again, when asked for.
    again: Option<Lap>,
    /// Items the first ingest stored.
    items: usize,
}

/// Ingest `docs` into a fresh database, `concurrency` at a time, through the
/// app's writer; `again` ingests them a second time, as a poll of a feed
/// that did not honour our validators would.
async fn e2e_pass(docs: &[&Doc], concurrency: usize, again: bool) -> anyhow::Result<E2ePass> {
    let (db, _dir, feeds) = fresh_db(docs.iter().copied()).await?;
    let writer = InboxWriter::start(db.clone());
    let clock = Clock::start();
    let stored = ingest_all(&writer, &feeds, docs, concurrency).await?;
    let first = clock.lap();
    let again = if again {
        let clock = Clock::start();
        let stored = ingest_all(&writer, &feeds, docs, concurrency).await?;
        let lap = clock.lap();
        let changed = stored.new + stored.updated;
        if changed > 0 {
            println!("  note: {changed} items changed on the second ingest of identical documents");
        }
        Some(lap)
    } else {
        None
    };
    drop(writer);
    db.close().await?;
    Ok(E2ePass {
        first,
        again,
        items: stored.new + stored.updated + stored.unchanged,
    })
}

/// `polling::ingest` of every document into its feed, `concurrency` at a
/// time: what the whole pass stored.
async fn ingest_all(
    writer: &InboxWriter,
    feeds: &[Feed],
    docs: &[&Doc],
    concurrency: usize,
) -> anyhow::Result<inbox::Upserted> {
    let mut ingests = futures_util::stream::iter(feeds.iter().zip(docs))
        .map(|(feed, d)| async move {
            polling::ingest(writer, feed, &d.url, &d.body, None)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", d.file.name))
        })
        .buffer_unordered(concurrency);
    let mut stored = inbox::Upserted::default();
    while let Some(done) = ingests.next().await {
        let (s, _) = done?;
        stored.new += s.new;
        stored.updated += s.updated;
        stored.unchanged += s.unchanged;
    }
    Ok(stored)
}

fn median_db(mut runs: Vec<(Lap, Lap)>, docs: &[Doc], items: usize) -> DbFigures {
    let bytes: usize = docs.iter().map(|d| d.body.len()).sum();
    let rates: Vec<f64> = runs.iter().map(|r| mb(bytes) / r.0.cpu.as_secs_f64()).collect();
    let mut agains: Vec<Lap> = runs.iter().map(|r| r.1).collect();
    agains.sort_by_key(|l| l.wall);
    runs.sort_by_key(|r| r.0.wall);
    let (first, _) = runs.swap_remove(runs.len() / 2);
    DbFigures {
        first,
        again: agains[agains.len() / 2],
        items,
        cpu_range: (min(&rates), max(&rates)),
    }
}

fn print_db(f: &DbFigures, bytes: Option<usize>) {
    for (label, lap) in [
        ("first store (all new)", f.first),
        ("same items again (unchanged)", f.again),
    ] {
        let secs = lap.wall.as_secs_f64();
        let cpu = lap.cpu.as_secs_f64();
        let rate = bytes.map_or(String::new(), |b| {
            format!("{:6.2} MB/s, {:6.2} MB per CPU-s; ", mb(b) / secs, mb(b) / cpu)
        });
        println!(
            "    {label:<29} {rate}{:7.0} items/s   {:.3} s wall, {:.3} s process CPU",
            f.items as f64 / secs,
            secs,
            cpu,
        );
    }
    if bytes.is_some() {
        println!(
            "    first store over the passes: {:.2}–{:.2} MB per CPU-second",
            f.cpu_range.0, f.cpu_range.1
        );
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn median_pass(mut passes: Vec<Pass>) -> Pass {
    passes.sort_by_key(Pass::total);
    passes.swap_remove(passes.len() / 2)
}

fn min(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

fn max(v: &[f64]) -> f64 {
    v.iter().copied().fold(0.0, f64::max)
}

/// A migrated SQLite database in a temporary directory, with one feed per document.
async fn fresh_db(
    docs: impl Iterator<Item = &Doc>,
) -> anyhow::Result<(sea_orm::DatabaseConnection, tempfile::TempDir, Vec<Feed>)> {
    let dir = tempfile::tempdir()?;
    let settings = Settings {
        data_dir: dir.path().to_path_buf(),
        ..Settings::default()
    };
    let db = commonroom::store::open(&settings).await?;
    let mut feeds = Vec::new();
    for d in docs {
        let new = NewFeed {
            url: d.file.url.clone(),
            title: d.file.name.clone(),
            site_url: None,
            folder: String::new(),
            default_channel_id: None,
            created_by: None,
        };
        let (Added::New(id) | Added::Exists(id)) = feeds::add(&db, &new).await?;
        feeds.push(feeds::by_id(&db, id).await?.context("the feed just added")?);
    }
    Ok((db, dir, feeds))
}

async fn count(db: &sea_orm::DatabaseConnection, query: &str) -> anyhow::Result<i64> {
    use sea_orm::{ConnectionTrait, Statement};
    let row = db
        .query_one(Statement::from_string(db.get_database_backend(), query))
        .await?
        .context("a count")?;
    Ok(row.try_get::<i64>("", "n")?)
}

struct Python {
    version: String,
    bytes: usize,
    items: usize,
    seconds: f64,
    cpu_seconds: f64,
}

/// Run the feedparser script (one pass) and read its `RESULT {json}` line;
/// `echo` prints its summary too.
fn feedparser(script: &Path, corpus: &Path, echo: bool) -> anyhow::Result<Python> {
    let output = Command::new("python3")
        .arg(script)
        .arg(corpus)
        .output()
        .with_context(|| format!("running python3 {}", script.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    for line in stdout.lines().filter(|l| echo && !l.starts_with("RESULT ")) {
        println!("  {line}");
    }
    if !output.status.success() {
        bail!("feedparser script failed: {}", String::from_utf8_lossy(&output.stderr));
    }
    let result = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .context("no RESULT line from the feedparser script")?;
    let v: serde_json::Value = serde_json::from_str(result)?;
    Ok(Python {
        version: v["feedparser"].as_str().unwrap_or("?").to_owned(),
        bytes: v["bytes"].as_u64().unwrap_or_default() as usize,
        items: v["items"].as_u64().unwrap_or_default() as usize,
        seconds: v["seconds"].as_f64().unwrap_or(f64::NAN),
        cpu_seconds: v["cpu_seconds"].as_f64().unwrap_or(f64::NAN),
    })
}
