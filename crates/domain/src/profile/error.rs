//! Why a profile could not be loaded.

/// A profile could not be loaded: bad TOML, an unknown or missing field, or a value that
/// breaks a consistency rule. `field` is the dotted path, e.g. `follow_up.grace_days`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// The text is not TOML, or does not have the profile's shape.
    #[error("profile does not parse: {0}")]
    Parse(String),
    /// `base` names a profile this build does not ship.
    #[error("unknown base profile `{0}` (known: bphs3)")]
    UnknownBase(String),
    /// A value breaks a consistency rule.
    #[error("profile field `{field}` is invalid: {reason}")]
    Invalid {
        /// Dotted path of the field at fault.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
}
