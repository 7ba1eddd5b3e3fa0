//! Passwords chosen by people: long enough to resist guessing, never echoed back.

pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_LEN: usize = 10;

    pub fn parse(raw: &str, confirm: Option<&str>) -> Result<Self, &'static str> {
        if raw.chars().count() < Self::MIN_LEN {
            return Err("Use at least 10 characters. A short sentence is easy to remember.");
        }
        if raw.len() > 1024 {
            return Err("That password is too long (1,024 characters at most).");
        }
        if let Some(confirm) = confirm
            && confirm != raw
        {
            return Err("The two passwords do not match.");
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}
