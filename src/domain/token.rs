//! Signed tokens for links that must work without signing in (one-click
//! unsubscribe, confirming a subscription): an opaque, URL-safe string that
//! carries a few bytes and an HMAC-SHA256 over them and over what the token
//! is for, so a token made for one purpose or one person is worthless for
//! any other. The key is the instance's own (kept in the database, so every
//! server on one database signs alike).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What a token lets its holder do; part of what is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Stop the weekly digest for one recipient.
    Unsubscribe,
    /// Confirm an email-only subscription (the payload carries an expiry).
    ConfirmSubscription,
    /// Open one recipient's digest archive without signing in.
    ReadDigest,
    /// Change or end an email-only subscription (the subscriber has no
    /// account to sign in with).
    ManageSubscription,
    /// Stop notification emails for one account holder.
    UnsubscribeNotifications,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::Unsubscribe => b"unsubscribe",
            Purpose::ConfirmSubscription => b"confirm-subscription",
            Purpose::ReadDigest => b"read-digest",
            Purpose::ManageSubscription => b"manage-subscription",
            Purpose::UnsubscribeNotifications => b"unsubscribe-notifications",
        }
    }
}

/// Bytes of the MAC kept in a token: 128 bits, plenty against guessing.
const MAC_BYTES: usize = 16;

/// Signs and checks tokens with the instance's key.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(…)")
    }
}

impl Signer {
    pub fn new(key: &[u8]) -> Self {
        Self { key: key.to_vec() }
    }

    fn mac(&self, purpose: Purpose, payload: &[u8]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes a key of any length");
        mac.update(purpose.label());
        mac.update(&[0]);
        mac.update(payload);
        mac
    }

    /// A token carrying `payload` for `purpose`.
    pub fn sign(&self, purpose: Purpose, payload: &[u8]) -> String {
        let tag = self.mac(purpose, payload).finalize().into_bytes();
        let mut bytes = payload.to_vec();
        bytes.extend_from_slice(&tag[..MAC_BYTES]);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The payload, if `token` was signed with this key for `purpose`.
    pub fn verify(&self, purpose: Purpose, token: &str) -> Option<Vec<u8>> {
        let bytes = URL_SAFE_NO_PAD.decode(token.trim()).ok()?;
        if bytes.len() < MAC_BYTES {
            return None;
        }
        let (payload, tag) = bytes.split_at(bytes.len() - MAC_BYTES);
        // Constant time: a wrong guess learns nothing from how long it took.
        self.mac(purpose, payload).verify_truncated_left(tag).ok()?;
        Some(payload.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::{Purpose, Signer};

    #[test]
    fn a_token_reads_back_only_for_its_purpose_and_key() {
        let signer = Signer::new(b"instance key");
        let token = signer.sign(Purpose::Unsubscribe, b"\x00\x00\x00\x07");
        assert!(token.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(
            signer.verify(Purpose::Unsubscribe, &token).as_deref(),
            Some(&b"\x00\x00\x00\x07"[..])
        );
        assert_eq!(signer.verify(Purpose::ConfirmSubscription, &token), None);
        assert_eq!(signer.verify(Purpose::ManageSubscription, &token), None);
        assert_eq!(signer.verify(Purpose::UnsubscribeNotifications, &token), None);
        assert_eq!(Signer::new(b"another key").verify(Purpose::Unsubscribe, &token), None);
    }

    #[test]
    fn a_changed_token_is_refused() {
        let signer = Signer::new(b"instance key");
        let token = signer.sign(Purpose::Unsubscribe, b"user 7");
        let other = signer.sign(Purpose::Unsubscribe, b"user 8");
        // Another person's payload with this person's tag, and the reverse.
        let spliced = format!("{}{}", &other[..8], &token[8..]);
        assert_eq!(signer.verify(Purpose::Unsubscribe, &spliced), None);
        assert_eq!(signer.verify(Purpose::Unsubscribe, "not a token!"), None);
        assert_eq!(signer.verify(Purpose::Unsubscribe, ""), None);
        assert_eq!(signer.verify(Purpose::Unsubscribe, &token[..token.len() - 1]), None);
    }
}
