//! The search box's language, parsed into a plain value (no IO, no index):
//! words (all must match), `"exact phrases"`, `-exclude`, `OR` (or `or`)
//! between two terms, `#channel` on its own, and the operators `in:#channel`, `from:@person`,
//! `type:link|discussion|reply|channel`, `has:link`, `before:`/`after:`
//! (YYYY-MM-DD) and `domain:gov.uk`. Mistakes come back as a sentence for
//! the person who typed them.

use chrono::NaiveDate;

use crate::domain::search::DocKind;

/// A word or an exact phrase, as typed (the index's analyzer runs later).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    Word(String),
    Phrase(String),
}

impl Term {
    pub fn text(&self) -> &str {
        match self {
            Term::Word(w) | Term::Phrase(w) => w,
        }
    }
}

/// A parsed query. Every group must match; a group matches when any of its
/// terms does (`a OR b`). Repeating an operator widens it (`in:#a in:#b`
/// is either channel), because one post is in one channel.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    pub groups: Vec<Vec<Term>>,
    pub excluded: Vec<Term>,
    pub channels: Vec<String>,
    /// `#slug` written on its own: a channel if there is one by that name
    /// (see [`SearchQuery::settle_tags`]), otherwise a word.
    pub tags: Vec<String>,
    pub people: Vec<String>,
    pub kinds: Vec<DocKind>,
    pub has_link: bool,
    pub before: Option<NaiveDate>,
    pub after: Option<NaiveDate>,
    pub domains: Vec<String>,
}

impl SearchQuery {
    /// Whether the query asks for anything at all.
    pub fn is_empty(&self) -> bool {
        *self == SearchQuery::default()
    }

    /// Whether there are words to rank by (otherwise results come newest first).
    pub fn has_terms(&self) -> bool {
        !self.groups.is_empty()
    }

    /// Each `#slug` becomes `in:#slug` when `is_channel` knows the slug, and
    /// is searched for as the word it is otherwise. Returns the slugs that
    /// were not channels.
    pub fn settle_tags(&mut self, is_channel: impl Fn(&str) -> bool) -> Vec<String> {
        let mut not_channels = Vec::new();
        for slug in std::mem::take(&mut self.tags) {
            if is_channel(&slug) {
                self.channels.push(slug);
            } else {
                self.groups.push(vec![Term::Word(format!("#{slug}"))]);
                not_channels.push(slug);
            }
        }
        not_channels
    }
}

/// What was wrong with a query, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct QueryError(pub String);

fn err<T>(message: impl Into<String>) -> Result<T, QueryError> {
    Err(QueryError(message.into()))
}

pub const OPERATORS: &str = "in:, from:, type:, has:, before:, after: and domain:";

/// Longest query accepted, in characters.
pub const MAX_CHARS: usize = 500;
/// Most terms (words, phrases, exclusions) in one query.
pub const MAX_TERMS: usize = 24;

#[derive(Debug, PartialEq, Eq)]
enum Token {
    Word(String),
    Phrase(String),
    Not(Term),
    Or,
    Operator(String, String),
}

fn tokens(input: &str) -> Result<Vec<Token>, QueryError> {
    let mut out = Vec::new();
    let mut chars = input.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else { break };
        let negated = first == '-';
        if negated {
            chars.next();
        }
        let term = if chars.peek() == Some(&'"') || chars.peek() == Some(&'“') {
            chars.next();
            let mut phrase = String::new();
            let mut closed = false;
            for c in chars.by_ref() {
                if c == '"' || c == '”' || c == '“' {
                    closed = true;
                    break;
                }
                phrase.push(c);
            }
            if !closed {
                return err(
                    "A quotation mark is not closed. Add the closing \" after the phrase, or remove the opening one.",
                );
            }
            let phrase = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
            if phrase.is_empty() {
                continue;
            }
            Token::Phrase(phrase)
        } else {
            let mut word = String::new();
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                word.push(c);
            }
            if word.is_empty() {
                // A lone "-".
                continue;
            }
            if !negated && word == "OR" {
                Token::Or
            } else if let Some((name, value)) = operator(&word) {
                if negated {
                    return err(format!(
                        "“-{word}” cannot be excluded: operators such as {name}: narrow the search instead."
                    ));
                }
                Token::Operator(name, value)
            } else {
                Token::Word(word)
            }
        };
        out.push(match (negated, term) {
            (true, Token::Word(w)) => Token::Not(Term::Word(w)),
            (true, Token::Phrase(p)) => Token::Not(Term::Phrase(p)),
            (_, t) => t,
        });
    }
    // People type "snow or ice" and mean OR; at either end, "or" is a word.
    for i in 1..out.len().saturating_sub(1) {
        let is_term = |t: &Token| matches!(t, Token::Word(_) | Token::Phrase(_));
        if matches!(&out[i], Token::Word(w) if w.eq_ignore_ascii_case("or"))
            && is_term(&out[i - 1])
            && is_term(&out[i + 1])
        {
            out[i] = Token::Or;
        }
    }
    Ok(out)
}

/// `#digital-comms`: the slug, if the word has the shape of one.
fn tag(word: &str) -> Option<String> {
    let slug = word.strip_prefix('#')?.to_lowercase();
    let shaped = slug.len() >= 2
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    shaped.then_some(slug)
}

/// `name:value` where `name` is letters; addresses (`https://…`) and times (`10:30`) are words.
fn operator(word: &str) -> Option<(String, String)> {
    let (name, value) = word.split_once(':')?;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphabetic()) || value.starts_with("//") {
        return None;
    }
    Some((name.to_ascii_lowercase(), value.to_owned()))
}

fn date(name: &str, value: &str) -> Result<NaiveDate, QueryError> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d").or_else(|_| {
        err(format!(
            "Write the date after {name}: as year-month-day, for example {name}:2026-06-01."
        ))
    })
}

pub fn parse(input: &str) -> Result<SearchQuery, QueryError> {
    if input.chars().count() > MAX_CHARS {
        return err(format!(
            "That search is too long: keep it under {MAX_CHARS} characters."
        ));
    }
    let mut q = SearchQuery::default();
    let mut pending_or = false;
    let mut terms = 0usize;
    let mut tokens = tokens(input)?.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            Token::Or => {
                if q.groups.is_empty() || pending_or {
                    return err("OR goes between two words or phrases, for example: gritting OR snow.");
                }
                pending_or = true;
            }
            Token::Word(w) => {
                terms += 1;
                // A `#slug` in an OR stays a word: a channel cannot be one of two choices.
                match tag(&w) {
                    Some(slug) if !pending_or && tokens.peek() != Some(&Token::Or) => q.tags.push(slug),
                    _ => push_term(&mut q, std::mem::take(&mut pending_or), Term::Word(w)),
                }
            }
            Token::Phrase(p) => {
                terms += 1;
                push_term(&mut q, std::mem::take(&mut pending_or), Term::Phrase(p));
            }
            Token::Not(term) => {
                if pending_or {
                    return err("OR cannot be followed by an excluded word. Put the -word elsewhere in the search.");
                }
                terms += 1;
                q.excluded.push(term);
            }
            Token::Operator(name, value) => {
                if pending_or {
                    return err(format!(
                        "OR goes between words or phrases, not before {name}:. Repeat {name}: instead to widen it."
                    ));
                }
                operator_into(&mut q, &name, &value)?;
            }
        }
        if terms > MAX_TERMS {
            return err(format!("That search has too many words: use at most {MAX_TERMS}."));
        }
    }
    if pending_or {
        return err("OR needs a word or phrase after it, for example: gritting OR snow.");
    }
    if let (Some(after), Some(before)) = (q.after, q.before)
        && after >= before
    {
        return err("after: must be earlier than before:, or nothing could match.");
    }
    Ok(q)
}

/// A term joins the previous group after OR, or starts a group of its own.
fn push_term(q: &mut SearchQuery, after_or: bool, term: Term) {
    match q.groups.last_mut() {
        Some(group) if after_or => group.push(term),
        _ => q.groups.push(vec![term]),
    }
}

fn operator_into(q: &mut SearchQuery, name: &str, value: &str) -> Result<(), QueryError> {
    let value = value.trim();
    match name {
        "in" => {
            let slug = value.trim_start_matches('#').to_lowercase();
            if slug.is_empty() {
                return err("in: needs a channel, for example in:#digital-comms.");
            }
            q.channels.push(slug);
        }
        "from" => {
            let handle = value.trim_start_matches('@').to_lowercase();
            if handle.is_empty() {
                return err("from: needs a person's handle, for example from:@natalie.hughes.");
            }
            q.people.push(handle);
        }
        "type" => match DocKind::parse(&value.to_lowercase()) {
            Some(kind) => q.kinds.push(kind),
            None => return err("type: can be link, discussion, reply or channel, for example type:link."),
        },
        "has" => match value.to_lowercase().as_str() {
            "link" | "links" => q.has_link = true,
            _ => return err("has: only knows has:link (posts and replies with a link in them)."),
        },
        "before" => q.before = Some(date("before", value)?),
        "after" => q.after = Some(date("after", value)?),
        "domain" | "site" => {
            let domain = value
                .trim_start_matches("https://")
                .trim_start_matches("http://")
                .split('/')
                .next()
                .unwrap_or_default()
                .trim_matches('.')
                .to_lowercase();
            if domain.is_empty() {
                return err("domain: needs a web address, for example domain:gov.uk.");
            }
            q.domains.push(domain);
        }
        other => {
            return err(format!(
                "There is no {other}: in search. You can use {OPERATORS}; or put the words in quotes to search for them as written."
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<Vec<Term>> {
        list.iter().map(|w| vec![Term::Word((*w).to_owned())]).collect()
    }

    #[test]
    fn words_must_all_match() {
        let q = parse("winter  gritting ").unwrap();
        assert_eq!(q.groups, words(&["winter", "gritting"]));
        assert!(q.has_terms());
    }

    #[test]
    fn phrases_exclusions_and_or() {
        let q = parse(r#""young people" -budget snow OR ice -"cold snap""#).unwrap();
        assert_eq!(
            q.groups,
            vec![
                vec![Term::Phrase("young people".into())],
                vec![Term::Word("snow".into()), Term::Word("ice".into())],
            ]
        );
        assert_eq!(
            q.excluded,
            vec![Term::Word("budget".into()), Term::Phrase("cold snap".into())]
        );
    }

    #[test]
    fn operators_fill_filters() {
        let q = parse("in:#digital-comms from:@Natalie.Hughes type:link has:link after:2026-01-01 before:2026-06-01 domain:https://www.GOV.uk/x").unwrap();
        assert_eq!(q.channels, ["digital-comms"]);
        assert_eq!(q.people, ["natalie.hughes"]);
        assert_eq!(q.kinds, [DocKind::Link]);
        assert!(q.has_link);
        assert_eq!(q.after, NaiveDate::from_ymd_opt(2026, 1, 1));
        assert_eq!(q.before, NaiveDate::from_ymd_opt(2026, 6, 1));
        assert_eq!(q.domains, ["www.gov.uk"]);
        assert!(!q.has_terms());
        assert!(!q.is_empty());
    }

    #[test]
    fn addresses_and_times_are_words_not_operators() {
        let q = parse("https://example.org/a 10:30").unwrap();
        assert_eq!(q.groups, words(&["https://example.org/a", "10:30"]));
    }

    #[test]
    fn mistakes_are_explained() {
        for (input, says) in [
            ("colour:red", "There is no colour: in search"),
            (r#""unclosed phrase"#, "quotation mark is not closed"),
            ("OR snow", "OR goes between"),
            ("snow OR", "OR needs a word"),
            ("snow OR OR ice", "OR goes between"),
            ("before:June", "year-month-day"),
            ("type:video", "type: can be link"),
            ("has:pictures", "has: only knows"),
            ("in:", "in: needs a channel"),
            ("from:@", "from: needs"),
            ("-in:#x", "cannot be excluded"),
            ("after:2026-06-01 before:2026-01-01", "must be earlier"),
        ] {
            let e = parse(input).unwrap_err();
            assert!(e.0.contains(says), "{input}: {e}");
        }
    }

    #[test]
    fn lowercase_or_between_two_terms_means_or() {
        let q = parse(r#"snow or ice "cold snap" Or frost"#).unwrap();
        assert_eq!(
            q.groups,
            vec![
                vec![Term::Word("snow".into()), Term::Word("ice".into())],
                vec![Term::Phrase("cold snap".into()), Term::Word("frost".into())],
            ]
        );
        assert_eq!(parse("or snow or").unwrap().groups, words(&["or", "snow", "or"]));
        assert_eq!(
            parse(r#""snow or ice""#).unwrap().groups,
            vec![vec![Term::Phrase("snow or ice".into())]]
        );
        assert_eq!(parse("snow -or ice").unwrap().excluded, [Term::Word("or".into())]);
    }

    #[test]
    fn a_lone_hash_slug_is_a_channel_if_there_is_one() {
        let mut q = parse("#Digital-Comms #nowhere winter #a #libraries OR snow").unwrap();
        assert_eq!(q.tags, ["digital-comms", "nowhere"]);
        let missing = q.settle_tags(|slug| slug == "digital-comms");
        assert_eq!(missing, ["nowhere"]);
        assert_eq!(q.channels, ["digital-comms"]);
        assert_eq!(
            q.groups,
            vec![
                vec![Term::Word("winter".into())],
                vec![Term::Word("#a".into())],
                vec![Term::Word("#libraries".into()), Term::Word("snow".into())],
                vec![Term::Word("#nowhere".into())],
            ]
        );
    }

    #[test]
    fn empty_and_dash_only_queries_ask_nothing() {
        assert!(parse("").unwrap().is_empty());
        assert!(parse("  -  \"\" ").unwrap().is_empty());
    }

    #[test]
    fn very_long_queries_are_refused_politely() {
        assert!(parse(&"word ".repeat(200)).is_err());
    }
}
