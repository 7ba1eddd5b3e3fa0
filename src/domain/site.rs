//! Site domains as admins list them ("gov.uk", "news.example.com"), and the
//! rule that a listing covers every subdomain.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SiteDomain(String);

impl SiteDomain {
    /// Accepts a bare domain, `*.domain`, or a pasted address (its host is used).
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let raw = raw.trim();
        let host = if raw.contains("://") {
            url::Url::parse(raw)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_default()
        } else {
            raw.split(['/', '?', '#']).next().unwrap_or_default().to_owned()
        };
        let host = host.trim_start_matches("*.").trim_end_matches('.').to_lowercase();
        let host = host.strip_prefix("www.").map(str::to_owned).unwrap_or(host);
        let valid = host.contains('.')
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            });
        if valid {
            Ok(Self(host))
        } else {
            Err("Enter a domain like example.com (subdomains are included).")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SiteDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A host and every domain above it, most specific first:
/// `news.bbc.co.uk` → `news.bbc.co.uk`, `bbc.co.uk`, `co.uk`, `uk`.
pub fn covering_domains(host: &str) -> Vec<String> {
    let host = host.trim_end_matches('.').to_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    let mut out = vec![host.clone()];
    let mut rest = host.as_str();
    while let Some((_, parent)) = rest.split_once('.') {
        out.push(parent.to_owned());
        rest = parent;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_domains_and_pasted_addresses() {
        assert_eq!(SiteDomain::parse("Example.COM").unwrap().as_str(), "example.com");
        assert_eq!(
            SiteDomain::parse("https://www.dodgy.example/x?y").unwrap().as_str(),
            "dodgy.example"
        );
        assert_eq!(SiteDomain::parse("*.ads.example").unwrap().as_str(), "ads.example");
        for bad in ["", "localhost", "bad_domain.com", "-x.com", "a..b"] {
            assert!(SiteDomain::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn subdomains_are_covered_by_their_parents() {
        assert_eq!(
            covering_domains("www.news.bbc.co.uk"),
            ["news.bbc.co.uk", "bbc.co.uk", "co.uk", "uk"]
        );
    }
}
