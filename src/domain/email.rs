//! Email addresses, normalised to lower case at the edge.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let email = raw.trim().to_lowercase();
        if email.is_empty() {
            return Err("Enter an email address.");
        }
        if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err("Enter a valid email address, like name@example.org.");
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err("Enter a valid email address, like name@example.org.");
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        if local.is_empty() || local.contains('@') || !domain_ok {
            return Err("Enter a valid email address, like name@example.org.");
        }
        Ok(Self(email))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn local_part(&self) -> &str {
        self.0.rsplit_once('@').map(|(l, _)| l).unwrap_or(&self.0)
    }

    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map(|(_, d)| d).unwrap_or("")
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_case_and_space() {
        let e = EmailAddress::parse("  Natalie.Hughes@Brackenshire.Example ").unwrap();
        assert_eq!(e.as_str(), "natalie.hughes@brackenshire.example");
        assert_eq!(e.local_part(), "natalie.hughes");
        assert_eq!(e.domain(), "brackenshire.example");
    }

    #[test]
    fn rejects_bad_addresses() {
        for bad in ["", "no-at", "a@b", "a b@c.org", "@c.org", "a@.org", "a@@c.org"] {
            assert!(EmailAddress::parse(bad).is_err(), "{bad}");
        }
    }
}
