//! Feeds as publishers serve them, made into the XML the parser reads.
//!
//! Old CMSs and sloppy publishers send declarations twice or late, UTF-16,
//! HTML entities XML does not declare, bare ampersands, Atom text types no
//! spec names, and formats older than the parser knows. Left as they are,
//! some of these panic inside the XML stack (feed-rs switches the decoder at
//! every declaration, and quick-xml asserts that only happens at the start),
//! some reject the whole feed, and some parse "successfully" with no items.
//! So every document is first brought to one shape, in one pass:
//!
//! - one encoding: decoded to UTF-8 here (byte-order mark, else UTF-16 by
//!   its first bytes, else the leading declaration, else the HTTP charset,
//!   else UTF-8), and no XML declaration left anywhere, so the parser never
//!   switches decoders;
//! - references as an HTML parser reads them: `&eacute;` becomes `&#233;`,
//!   a bare `&` becomes `&amp;`, and a `<` that cannot start markup `&lt;`;
//! - Atom text types the parser knows (`text`, `html`, `xhtml`): anything
//!   else is taken as HTML if it says so, text otherwise;
//! - old formats under their successors' names: Atom 0.3 as Atom 1.0 (its
//!   namespace, `issued`/`modified`/`tagline`/`copyright`, `mode`), RSS 0.90
//!   as RSS 1.0, `<rss>` without a version (or with Userland's namespace) as
//!   RSS 2.0.
//!
//! Comments and CDATA sections pass through untouched.

use std::borrow::Cow;
use std::collections::HashSet;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

const ATOM_1: &str = "http://www.w3.org/2005/Atom";
const ATOM_03: &str = "http://purl.org/atom/ns#";
const RSS_1: &str = "http://purl.org/rss/1.0/";
const RSS_090: &str = "http://my.netscape.com/rdf/simple/0.9/";
/// A default namespace some RSS 2.0 feeds put on `<rss>`, which hides every element from the parser.
const RSS_USERLAND: &str = "http://backend.userland.com/rss2";

/// A document ready for the parser, and what the pass learnt on the way.
#[derive(Debug, Default)]
pub struct Repaired {
    /// UTF-8 XML without a declaration (or the JSON, decoded).
    pub text: String,
    /// GUIDs marked `isPermaLink="false"`: these are not links, whatever they look like.
    pub not_permalinks: HashSet<String>,
    /// Whether the document has item or entry elements at all.
    pub has_items: bool,
}

/// Bring fetched bytes to one shape for the parser (see the module's notes).
/// `charset` is the HTTP header's, used when the document does not say.
pub fn repair(body: &[u8], charset: Option<&str>) -> Repaired {
    let text = decode(body, charset);
    // JSON or XML as the parser will decide: by whichever of `{` and `<` comes first.
    if text.bytes().find(|b| *b == b'<' || *b == b'{') == Some(b'{') {
        // JSON Feed: only the encoding needed bringing to UTF-8.
        return Repaired {
            text: text.into_owned(),
            ..Repaired::default()
        };
    }
    Pass::new(&text).run()
}

/// The document as text: the encoding its bytes say, or the header's, or UTF-8.
fn decode<'a>(body: &'a [u8], charset: Option<&str>) -> Cow<'a, str> {
    if let Some((encoding, bom)) = Encoding::for_bom(body) {
        return encoding.decode_without_bom_handling(&body[bom..]).0;
    }
    // UTF-16 without a mark: every other byte of "<?" is zero.
    match body {
        [0, b'<', ..] => return UTF_16BE.decode_without_bom_handling(body).0,
        [b'<', 0, ..] => return UTF_16LE.decode_without_bom_handling(body).0,
        _ => {}
    }
    let declared = declared_encoding(body);
    let encoding = declared
        .or_else(|| charset.and_then(|label| Encoding::for_label(label.trim().as_bytes())))
        // The bytes are not UTF-16 (that was settled above), whatever a label says.
        .filter(|e| *e != UTF_16BE && *e != UTF_16LE)
        .unwrap_or(UTF_8);
    encoding.decode_without_bom_handling(body).0
}

/// The encoding the leading XML declaration names, if the document starts with one.
fn declared_encoding(body: &[u8]) -> Option<&'static Encoding> {
    let start = body.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = body.get(start..)?;
    if !rest.starts_with(b"<?xml") {
        return None;
    }
    let end = rest.windows(2).take(512).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&rest[..end]).ok()?;
    let (_, after) = decl.split_once("encoding")?;
    let value = after.trim_start().strip_prefix('=')?.trim_start();
    let quote = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let label = value[1..].split(quote).next()?;
    Encoding::for_label(label.trim().as_bytes())
}

/// Which feed format the root element says this is, as far as the pass cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Root {
    Unknown,
    Atom,
    Atom03,
    Other,
}

/// One pass over the document, writing the repaired copy.
struct Pass<'a> {
    src: &'a str,
    at: usize,
    out: String,
    root: Root,
    not_permalinks: HashSet<String>,
    has_items: bool,
}

impl<'a> Pass<'a> {
    fn new(src: &'a str) -> Self {
        Self {
            src,
            at: 0,
            out: String::with_capacity(src.len() + src.len() / 64),
            root: Root::Unknown,
            not_permalinks: HashSet::new(),
            has_items: false,
        }
    }

    fn rest(&self) -> &'a str {
        &self.src[self.at..]
    }

    fn run(mut self) -> Repaired {
        while self.at < self.src.len() {
            let rest = self.rest();
            let Some(next) = memchr::memchr2(b'<', b'&', rest.as_bytes()) else {
                self.out.push_str(rest);
                break;
            };
            self.out.push_str(&rest[..next]);
            self.at += next;
            if self.rest().starts_with('&') {
                self.reference();
            } else {
                self.markup();
            }
        }
        Repaired {
            text: self.out,
            not_permalinks: self.not_permalinks,
            has_items: self.has_items,
        }
    }

    /// Copy everything up to and including `end` (or to the end of the document).
    fn copy_through(&mut self, end: &str) {
        let rest = self.rest();
        let len = rest.find(end).map_or(rest.len(), |i| i + end.len());
        self.out.push_str(&rest[..len]);
        self.at += len;
    }

    /// Skip everything up to and including `end`.
    fn skip_through(&mut self, end: &str) {
        let rest = self.rest();
        self.at += rest.find(end).map_or(rest.len(), |i| i + end.len());
    }

    /// At `&`: keep what XML knows, spell out what only HTML knows, escape the rest.
    fn reference(&mut self) {
        let rest = self.rest();
        let (written, len) = fix_reference(rest);
        self.out.push_str(&written);
        self.at += len;
    }

    /// At `<`.
    fn markup(&mut self) {
        let rest = self.rest();
        if rest.starts_with("<!--") {
            self.copy_through("-->");
        } else if rest.starts_with("<![CDATA[") {
            self.copy_through("]]>");
        } else if rest.starts_with("<!") {
            self.declaration();
        } else if let Some(pi) = rest.strip_prefix("<?") {
            let target: String = pi.chars().take_while(|c| !c.is_whitespace() && *c != '?').collect();
            if target.eq_ignore_ascii_case("xml") {
                // One encoding now, and no declaration to switch it.
                self.skip_through("?>");
            } else {
                self.copy_through("?>");
            }
        } else if rest[1..].starts_with(|c: char| c == '/' || c == '_' || c == ':' || c.is_alphabetic()) {
            self.tag();
        } else {
            // "a < b" in text: a less-than sign, not markup.
            self.out.push_str("&lt;");
            self.at += 1;
        }
    }

    /// `<!DOCTYPE …>`, with any internal subset in brackets, passed through
    /// (less any XML declaration inside it). One that never ends is not a
    /// declaration: its `<` is text, and the rest is read as usual.
    fn declaration(&mut self) {
        let rest = self.rest();
        let mut depth = 0usize;
        let mut quote = None;
        let mut end = None;
        for (i, c) in rest.char_indices().skip(2) {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '[') => depth += 1,
                (None, ']') => depth = depth.saturating_sub(1),
                (None, '>') if depth == 0 => {
                    end = Some(i + 1);
                    break;
                }
                _ => {}
            }
        }
        let Some(len) = end else {
            self.out.push_str("&lt;");
            self.at += 1;
            return;
        };
        let mut decl = &rest[..len];
        while let Some(at) = decl.find("<?xml") {
            self.out.push_str(&decl[..at]);
            decl = decl[at..].split_once("?>").map_or("", |(_, after)| after);
        }
        self.out.push_str(decl);
        self.at += len;
    }

    /// A start or end tag, read whole (quoted `>` included), then written back repaired.
    fn tag(&mut self) {
        let rest = self.rest();
        let mut quote = None;
        let mut len = rest.len();
        for (i, c) in rest.char_indices().skip(1) {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, '>') => {
                    len = i + 1;
                    break;
                }
                (None, '<') => {
                    // A tag never closed: end it where the next one starts.
                    len = i;
                    break;
                }
                _ => {}
            }
        }
        let raw = &rest[..len];
        self.at += len;
        if !matches!(self.root, Root::Unknown | Root::Atom03) && is_plain(raw) {
            let name = raw[1..]
                .split(|c: char| c.is_whitespace() || c == '/' || c == '>')
                .next();
            let name = local(name.unwrap_or_default());
            let matters =
                matches!(name, "guid" | "item" | "entry") || (self.root == Root::Atom && is_atom_text(name, self.root));
            if !matters {
                // Most tags need nothing: copied as they are, without reading them apart.
                self.out.push_str(raw);
                return;
            }
        }
        let Some(mut tag) = Tag::read(raw) else {
            self.out.push_str(&raw.replace('<', "&lt;"));
            return;
        };
        if !tag.end {
            self.start_tag(&mut tag);
        }
        if self.root == Root::Atom03 {
            tag.name = atom03_name(&tag.name);
        }
        tag.write(&mut self.out);
        if tag.closes_itself {
            return;
        }
        if !tag.end && local(&tag.name) == "guid" && tag.attr("isPermaLink").is_some_and(|v| v.trim() == "false") {
            let text = self.rest().split('<').next().unwrap_or_default();
            self.not_permalinks.insert(decode_text(text).trim().to_owned());
        }
    }

    /// What a start tag says about the document, and what it needs changing.
    fn start_tag(&mut self, tag: &mut Tag) {
        let name = local(&tag.name).to_owned();
        if self.root == Root::Unknown {
            self.root = self.root_of(tag, &name);
        }
        if name == "item" || name == "entry" {
            self.has_items = true;
        }
        if matches!(self.root, Root::Atom | Root::Atom03) && is_atom_text(&name, self.root) {
            atom_text_type(tag, &name);
        }
    }

    /// Recognise the root element, renaming old formats to their successors.
    fn root_of(&mut self, tag: &mut Tag, name: &str) -> Root {
        match name {
            "feed" => {
                let old = tag.attr("xmlns").is_some_and(|ns| ns.trim() == ATOM_03)
                    || tag.attr("version").is_some_and(|v| v.trim() == "0.3");
                if old {
                    tag.set("xmlns", ATOM_1);
                    tag.remove("version");
                    Root::Atom03
                } else {
                    Root::Atom
                }
            }
            "rss" => {
                if tag.attr("version").is_none_or(|v| v.trim().is_empty()) {
                    tag.set("version", "2.0");
                }
                if tag.attr("xmlns").is_some_and(|ns| ns.trim() == RSS_USERLAND) {
                    tag.remove("xmlns");
                }
                Root::Other
            }
            _ => {
                if tag.attr("xmlns").is_some_and(|ns| ns.trim() == RSS_090) {
                    tag.set("xmlns", RSS_1);
                }
                Root::Other
            }
        }
    }
}

/// Whether a tag is well-formed as it stands: ends with `>`, no `<` or `&`
/// inside, and every attribute has a quoted value.
fn is_plain(raw: &str) -> bool {
    let Some(inner) = raw.strip_suffix('>') else {
        return false;
    };
    let inner = &inner[1..];
    if inner.contains(['<', '&']) {
        return false;
    }
    let mut quote = None;
    let mut in_name = false;
    let mut awaiting_value = false;
    for c in inner.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') if awaiting_value => {
                quote = Some(c);
                awaiting_value = false;
                in_name = false;
            }
            (None, '=') if in_name => awaiting_value = true,
            (None, c) if c.is_whitespace() || c == '/' => {}
            // A value without quotes.
            (None, _) if awaiting_value => return false,
            (None, _) => in_name = true,
        }
    }
    quote.is_none() && !awaiting_value
}

/// The element name without its namespace prefix.
fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// Atom 0.3's names for what Atom 1.0 calls otherwise.
fn atom03_name(name: &str) -> String {
    let (prefix, local) = match name.rsplit_once(':') {
        Some((p, l)) => (Some(p), l),
        None => (None, name),
    };
    let renamed = match local {
        "issued" => "published",
        "modified" => "updated",
        "tagline" => "subtitle",
        "copyright" => "rights",
        other => other,
    };
    match prefix {
        Some(p) => format!("{p}:{renamed}"),
        None => renamed.to_owned(),
    }
}

/// Atom's text constructs: the elements whose `type` says how to read them.
fn is_atom_text(name: &str, root: Root) -> bool {
    matches!(name, "title" | "subtitle" | "summary" | "content" | "rights")
        || (root == Root::Atom03 && matches!(name, "tagline" | "copyright" | "info"))
}

/// Give an Atom text construct a `type` the parser knows: `text`, `html` or
/// `xhtml`. Content fetched from elsewhere (`src`) keeps its media type.
fn atom_text_type(tag: &mut Tag, name: &str) {
    let mode = tag.attr("mode").map(|m| m.trim().to_ascii_lowercase());
    tag.remove("mode");
    if name == "content" && tag.attr("src").is_some() {
        return;
    }
    let given = tag.attr("type").map(|t| t.trim().to_ascii_lowercase());
    let kind = match (given.as_deref(), mode.as_deref()) {
        (_, Some("xml")) => "xhtml",
        (None | Some("" | "text" | "text/plain"), _) => "text",
        (Some("html" | "text/html"), _) => "html",
        (Some("xhtml" | "application/xhtml+xml"), _) => "xhtml",
        (Some(other), _) if other.contains("html") => "html",
        _ => "text",
    };
    if given.as_deref() != Some(kind) {
        tag.set("type", kind);
    }
}

/// `&…` at the start of `s`: what to write, and how much of `s` it stands for.
fn fix_reference(s: &str) -> (String, usize) {
    let body = &s[1..];
    let end = body
        .char_indices()
        .take(40)
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '#'))
        .map(|(i, c)| (i, c == ';'));
    if let Some((len, true)) = end
        && len > 0
    {
        let name = &body[..len];
        let whole = len + 2;
        if let Some(number) = name.strip_prefix('#') {
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => number.parse().ok(),
            };
            if code.and_then(char::from_u32).is_some_and(is_xml_char) {
                return (s[..whole].to_owned(), whole);
            }
            // A reference to a character XML forbids: drop it.
            return (String::new(), whole);
        }
        if matches!(name, "amp" | "lt" | "gt" | "quot" | "apos") {
            return (s[..whole].to_owned(), whole);
        }
        if let Some(&(first, second)) = markup5ever::data::NAMED_ENTITIES.get(&s[1..whole])
            && first != 0
        {
            let mut out = format!("&#{first};");
            if second != 0 {
                out.push_str(&format!("&#{second};"));
            }
            return (out, whole);
        }
    }
    // HTML's legacy names read without a semicolon ("&copy 2024").
    if let Some((len, _)) = end
        && len > 0
        && let Some(&(code, 0)) = markup5ever::data::NAMED_ENTITIES.get(&body[..len])
        && code != 0
    {
        return (format!("&#{code};"), len + 1);
    }
    // Not a reference XML or HTML knows: an ampersand in the text.
    ("&amp;".to_owned(), 1)
}

/// Whether XML 1.0 allows this character in a document.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// Text between tags, its references read (for remembering a GUID as the parser will see it).
fn decode_text(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let (fixed, len) = fix_reference(&rest[i..]);
        out.push_str(&match fixed.as_str() {
            "&amp;" => "&".to_owned(),
            "&lt;" => "<".to_owned(),
            "&gt;" => ">".to_owned(),
            "&quot;" => "\"".to_owned(),
            "&apos;" => "'".to_owned(),
            numeric => numeric
                .split(';')
                .filter_map(|r| r.strip_prefix("&#"))
                .filter_map(|n| match n.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => n.parse().ok(),
                })
                .filter_map(char::from_u32)
                .collect(),
        });
        rest = &rest[i + len..];
    }
    out.push_str(rest);
    out
}

/// A tag, read into its parts so attributes can be changed and written back.
struct Tag {
    end: bool,
    name: String,
    /// Attributes in order, values as written (references repaired).
    attrs: Vec<(String, String)>,
    closes_itself: bool,
}

impl Tag {
    fn read(raw: &str) -> Option<Self> {
        let inner = raw.strip_prefix('<')?;
        let inner = inner.strip_suffix('>').unwrap_or(inner);
        let (end, inner) = match inner.strip_prefix('/') {
            Some(rest) => (true, rest),
            None => (false, inner),
        };
        let (inner, closes_itself) = match inner.trim_end().strip_suffix('/') {
            Some(rest) => (rest, true),
            None => (inner, false),
        };
        let name_len = inner
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(inner.len());
        let name = inner[..name_len].to_owned();
        if name.is_empty() {
            return None;
        }
        let mut attrs = Vec::new();
        let mut rest = inner[name_len..].trim_start();
        while !rest.is_empty() {
            let key_len = rest.find(|c: char| c == '=' || c.is_whitespace()).unwrap_or(rest.len());
            let key = rest[..key_len].to_owned();
            rest = rest[key_len..].trim_start();
            let value = if let Some(after) = rest.strip_prefix('=') {
                let after = after.trim_start();
                match after.chars().next() {
                    Some(q @ ('"' | '\'')) => {
                        let close = after[1..].find(q).map_or(after.len(), |i| i + 1);
                        let value = after[1..close].to_owned();
                        rest = after.get(close + 1..).unwrap_or_default().trim_start();
                        value
                    }
                    _ => {
                        let len = after.find(char::is_whitespace).unwrap_or(after.len());
                        let value = after[..len].to_owned();
                        rest = after[len..].trim_start();
                        value
                    }
                }
            } else {
                // An attribute without a value (HTML habit): XML wants one.
                key.clone()
            };
            if !key.is_empty() && !attrs.iter().any(|(k, _)| *k == key) {
                attrs.push((key, value));
            }
        }
        Some(Self {
            end,
            name,
            attrs,
            closes_itself,
        })
    }

    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn set(&mut self, key: &str, value: &str) {
        match self.attrs.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value.to_owned(),
            None => self.attrs.push((key.to_owned(), value.to_owned())),
        }
    }

    fn remove(&mut self, key: &str) {
        self.attrs.retain(|(k, _)| k != key);
    }

    fn write(&self, out: &mut String) {
        out.push('<');
        if self.end {
            out.push('/');
        }
        out.push_str(&self.name);
        if !self.end {
            for (key, value) in &self.attrs {
                out.push(' ');
                out.push_str(key);
                out.push_str("=\"");
                write_attr_value(value, out);
                out.push('"');
            }
        }
        if self.closes_itself {
            out.push('/');
        }
        out.push('>');
    }
}

/// An attribute value inside double quotes, its references repaired.
fn write_attr_value(value: &str, out: &mut String) {
    let mut rest = value;
    while let Some(i) = rest.find(['&', '"', '<']) {
        out.push_str(&rest[..i]);
        match rest.as_bytes()[i] {
            b'&' => {
                let (fixed, len) = fix_reference(&rest[i..]);
                out.push_str(&fixed);
                rest = &rest[i + len..];
                continue;
            }
            b'"' => out.push_str("&quot;"),
            _ => out.push_str("&lt;"),
        }
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repaired(s: &str) -> String {
        repair(s.as_bytes(), None).text
    }

    #[test]
    fn declarations_go_wherever_they_are() {
        assert_eq!(
            repaired(
                r#"<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><?xml version="1.0"?></channel></rss>"#
            ),
            r#"<rss version="2.0"><channel></channel></rss>"#
        );
        assert_eq!(
            repaired(r#"<?xml-stylesheet href="s.xsl"?><a/>"#),
            r#"<?xml-stylesheet href="s.xsl"?><a/>"#,
            "other processing instructions stay"
        );
    }

    #[test]
    fn utf16_is_read_with_or_without_a_mark() {
        let doc = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><rss version=\"2.0\"><channel><title>Caf\u{e9}</title></channel></rss>";
        let be: Vec<u8> = doc.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let le: Vec<u8> = doc.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let with_mark: Vec<u8> = [0xFE, 0xFF].into_iter().chain(be.iter().copied()).collect();
        for bytes in [be, le, with_mark] {
            assert_eq!(
                repair(&bytes, Some("iso-8859-1")).text,
                "<rss version=\"2.0\"><channel><title>Caf\u{e9}</title></channel></rss>"
            );
        }
    }

    #[test]
    fn the_declared_encoding_wins_over_the_header_and_utf8_is_the_default() {
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>Caf\xe9</t>";
        assert_eq!(repair(latin1, Some("utf-8")).text, "<t>Caf\u{e9}</t>");
        assert_eq!(repair(b"<t>Caf\xe9</t>", Some("windows-1252")).text, "<t>Caf\u{e9}</t>");
        assert_eq!(repair("<t>Caf\u{e9}</t>".as_bytes(), None).text, "<t>Caf\u{e9}</t>");
    }

    #[test]
    fn references_are_read_as_html_reads_them() {
        assert_eq!(
            repaired(
                "<t a=\"Caf&eacute;\">Se&ntilde;or &mdash; AT&T &amp; &#233; &#x1F600; &bogus; &#0; &copy 2024</t>"
            ),
            "<t a=\"Caf&#233;\">Se&#241;or &#8212; AT&amp;T &amp; &#233; &#x1F600; &amp;bogus;  &#169; 2024</t>"
        );
        assert_eq!(repaired("<t>a < b</t>"), "<t>a &lt; b</t>");
        assert_eq!(
            repaired("<t><![CDATA[&eacute; < &]]></t>"),
            "<t><![CDATA[&eacute; < &]]></t>"
        );
    }

    #[test]
    fn atom_text_types_become_ones_the_parser_knows() {
        let doc = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title type="image/jpeg">T</title><entry><title type="">A</title><summary type="TEXT/HTML">s</summary><content type="application/xhtml+xml">c</content><content type="video/mp4" src="https://v.example/1"/></entry></feed>"#;
        assert_eq!(
            repaired(doc),
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><title type="text">T</title><entry><title type="text">A</title><summary type="html">s</summary><content type="xhtml">c</content><content type="video/mp4" src="https://v.example/1"/></entry></feed>"#
        );
    }

    #[test]
    fn old_formats_take_their_successors_names() {
        let atom03 = r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><tagline>t</tagline><entry><issued>2004-01-01T00:00:00Z</issued><content type="text/html" mode="escaped">x</content></entry></feed>"#;
        assert_eq!(
            repaired(atom03),
            r#"<feed xmlns="http://www.w3.org/2005/Atom"><subtitle type="text">t</subtitle><entry><published>2004-01-01T00:00:00Z</published><content type="html">x</content></entry></feed>"#
        );
        assert_eq!(
            repaired(r#"<rdf:RDF xmlns="http://my.netscape.com/rdf/simple/0.9/"></rdf:RDF>"#),
            r#"<rdf:RDF xmlns="http://purl.org/rss/1.0/"></rdf:RDF>"#
        );
        assert_eq!(
            repaired("<rss><channel/></rss>"),
            r#"<rss version="2.0"><channel/></rss>"#
        );
        assert_eq!(
            repaired(r#"<rss version="2.0" xmlns="http://backend.userland.com/rss2"></rss>"#),
            r#"<rss version="2.0"></rss>"#
        );
    }

    #[test]
    fn what_the_pass_learns() {
        let r = repair(
            br#"<rss><channel><item><guid isPermaLink="false">https://a.example/&amp;1</guid></item></channel></rss>"#,
            None,
        );
        assert!(r.has_items);
        assert!(
            r.not_permalinks.contains("https://a.example/&1"),
            "{:?}",
            r.not_permalinks
        );
        assert!(!repair(b"<rss><channel></channel></rss>", None).has_items);
    }

    #[test]
    fn a_doctype_that_never_ends_hides_nothing() {
        // Found by the property test: a declaration after a doctype whose brackets never close.
        assert_eq!(
            repaired(
                "<!DOCTYPE x [<!DOCTYPE rss [<!ENTITY a \"b\">]><rss><?xml version=\"1.0\" encoding=\"utf-16\"?></rss>"
            ),
            "&lt;!DOCTYPE x [<!DOCTYPE rss [<!ENTITY a \"b\">]><rss version=\"2.0\"></rss>"
        );
        assert_eq!(
            repaired("<!DOCTYPE rss [<?xml version=\"1.0\"?><!ENTITY a \"b\">]><rss/>"),
            "<!DOCTYPE rss [<!ENTITY a \"b\">]><rss version=\"2.0\"/>"
        );
    }

    #[test]
    fn comments_doctypes_and_json_pass_through() {
        let doc = "<!DOCTYPE rss [<!ENTITY a \"b>\">]><!-- &eacute; <x> --><rss version=\"2.0\"/>";
        assert_eq!(repaired(doc), doc);
        assert_eq!(repaired("{\"title\": \"a & b\"}"), "{\"title\": \"a & b\"}");
        assert_eq!(
            repaired("[junk]<?xml version=\"1.0\" encoding=\"utf-16\"?><rss/>"),
            "[junk]<rss version=\"2.0\"/>",
            "only what starts as JSON is JSON"
        );
    }
}
