//! Which profile, at which version: the id and the stamp every decision records.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::ProfileError;

/// A profile id: 1–32 characters of `a-z`, `0-9`, `-`, `_`, `.`; stored inline so that
/// stamping a decision never allocates.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProfileId {
    len: u8,
    bytes: [u8; ProfileId::MAX_LEN],
}

impl ProfileId {
    /// The longest id accepted.
    pub const MAX_LEN: usize = 32;

    /// Parses an id, rejecting empty, long or non-slug text.
    pub fn parse(text: &str) -> Result<Self, ProfileError> {
        let invalid = |reason: &str| ProfileError::Invalid {
            field: "id".to_owned(),
            reason: format!("`{text}` {reason}"),
        };
        if text.is_empty() || text.len() > Self::MAX_LEN {
            return Err(invalid("must have 1 to 32 characters"));
        }
        if !text.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        }) {
            return Err(invalid("may only contain a-z, 0-9, '-', '_' and '.'"));
        }
        let mut bytes = [0; Self::MAX_LEN];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        #[allow(clippy::cast_possible_truncation)] // checked above: len <= 32
        Ok(Self {
            len: text.len() as u8,
            bytes,
        })
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII bytes are ever stored (checked by `parse`).
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or_default()
    }
}

impl fmt::Debug for ProfileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProfileId({})", self.as_str())
    }
}

impl fmt::Display for ProfileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProfileId {
    type Err = ProfileError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for ProfileId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ProfileId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        ProfileId::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Which profile, at which version, a decision was taken under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProfileStamp {
    /// The profile's id, e.g. `bphs3`.
    pub id: ProfileId,
    /// The profile's version; a county bumps it on every published change.
    pub version: u32,
}

impl fmt::Display for ProfileStamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.id, self.version)
    }
}

#[cfg(test)]
mod tests {
    use crate::profile::RuleProfile;

    #[test]
    fn a_bad_profile_id_is_rejected() {
        let err = RuleProfile::from_toml("base = \"bphs3\"\nid = \"Has Spaces\"\n").unwrap_err();
        assert!(err.to_string().contains("Has Spaces"), "{err}");
    }
}
