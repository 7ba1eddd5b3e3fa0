//! Text without IO: plain text of (sanitised) HTML, excerpts, and escaping
//! text for HTML. Feed parsing, word rules and search results share these,
//! so an item's text reads the same wherever it is worked out.

use std::fmt;

use scraper::{Html, Node};

/// Text written straight into whatever is being written (a page, a
/// message), with no formatting machinery between: for what a page shows
/// many times over (times, paths made from ids). Their `Display` writes
/// the same.
pub trait WriteTo {
    fn write_to<W: fmt::Write + ?Sized>(&self, out: &mut W) -> fmt::Result;
}

/// `Display` for types that [`WriteTo`]: the same text.
macro_rules! displayed_as_written {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                $crate::domain::text::WriteTo::write_to(self, f)
            }
        }
    )*};
}
pub(crate) use displayed_as_written;

/// The most of a summary's plain text that word rules look at.
pub const SUMMARY_TEXT_CHARS: usize = 1200;

/// The text of an HTML fragment as a reader sees it: every text node in
/// order, without what scripts, styles and templates hold.
pub fn html_text(html: &str) -> String {
    let doc = Html::parse_fragment(html);
    let mut out = String::with_capacity(html.len());
    // Depth first by hand: a document nested ten thousand deep must not
    // overflow the stack.
    let mut stack = vec![*doc.root_element()];
    while let Some(node) = stack.pop() {
        match node.value() {
            Node::Text(text) => out.push_str(text),
            Node::Element(el) if matches!(el.name(), "script" | "style" | "template") => {}
            _ => stack.extend(node.children().rev()),
        }
    }
    out
}

/// The plain text of a stored (sanitised) summary that an item's word rules
/// are checked against: the same text the feed parser gives new items.
pub fn summary_text(summary_html: &str) -> String {
    excerpt(&html_text(summary_html), SUMMARY_TEXT_CHARS)
}

/// Text made safe to place inside HTML, attributes included.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}

/// Text with its whitespace collapsed and cut to `max` characters (marked "…" when cut).
pub fn excerpt(text: &str, max: usize) -> String {
    let mut out = Excerpt::new(max);
    out.push_str(text);
    out.finish()
}

/// Text with its whitespace collapsed to single spaces, cut to `max`
/// characters (and marked "…" when cut), built as the text arrives so that a
/// long article is read no further than its excerpt needs.
pub struct Excerpt {
    text: String,
    max: usize,
    chars: usize,
    /// Whitespace seen since the last word (and after the first one).
    gap: bool,
    cut: bool,
}

impl Excerpt {
    pub fn new(max: usize) -> Self {
        Self {
            text: String::with_capacity(max.min(1024)),
            max,
            chars: 0,
            gap: false,
            cut: false,
        }
    }

    /// Whether more text can still change the result.
    pub fn is_full(&self) -> bool {
        self.cut
    }

    pub fn push_str(&mut self, s: &str) {
        let bytes = s.as_bytes();
        let mut at = 0;
        while at < bytes.len() && !self.cut {
            if is_ascii_space(bytes[at]) {
                self.gap = self.chars > 0;
                at += 1;
            } else if bytes[at].is_ascii() {
                // A run of visible ASCII goes in at once (one byte, one character).
                let end = bytes[at..]
                    .iter()
                    .position(|&b| !b.is_ascii() || is_ascii_space(b))
                    .map_or(bytes.len(), |n| at + n);
                self.push_ascii(&s[at..end]);
                at = end;
            } else if let Some(c) = s[at..].chars().next() {
                self.push(c);
                at += c.len_utf8();
            } else {
                break;
            }
        }
    }

    /// A run of ASCII without whitespace.
    fn push_ascii(&mut self, run: &str) {
        if self.gap {
            self.gap = false;
            self.emit(' ');
        }
        let room = self.max - self.chars;
        if run.len() <= room {
            self.text.push_str(run);
            self.chars += run.len();
        } else {
            self.text.push_str(&run[..room]);
            self.chars = self.max;
            self.cut = true;
        }
    }

    pub fn push(&mut self, c: char) {
        if c.is_whitespace() {
            self.gap = self.chars > 0;
            return;
        }
        if self.gap {
            self.gap = false;
            self.emit(' ');
        }
        self.emit(c);
    }

    fn emit(&mut self, c: char) {
        if self.chars == self.max {
            self.cut = true;
        } else {
            self.text.push(c);
            self.chars += 1;
        }
    }

    pub fn finish(mut self) -> String {
        if self.cut {
            self.text.truncate(self.text.trim_end().len());
            self.text.push('…');
        }
        self.text
    }
}

/// ASCII's whitespace as `char::is_whitespace` has it (which, unlike
/// `u8::is_ascii_whitespace`, includes the vertical tab).
pub fn is_ascii_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | b' ')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_text_leaves_out_scripts_and_styles() {
        assert_eq!(
            html_text("<p>Using <code>Option&lt;T&gt;</code></p><script>steal()</script><style>p{}</style> in Rust"),
            "Using Option<T> in Rust"
        );
        let deep = "<b>".repeat(20_000) + "deep";
        assert_eq!(html_text(&deep), "deep");
    }
}
