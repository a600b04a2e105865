//! The storage error every port returns.

/// What went wrong in storage. Adapters translate driver errors into these; they never decide
/// business outcomes (a unique violation on the open-referral index becomes `Duplicate`, and the
/// use case turns it into the domain's `OpenReferralExists`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// An update carried a stale version: someone else changed the row first.
    #[error("{entity} {id} was changed concurrently (expected version {expected})")]
    Conflict {
        /// What kind of row.
        entity: &'static str,
        /// Its id.
        id: String,
        /// The version the caller had.
        expected: i64,
    },
    /// A unique constraint refused the write.
    #[error("duplicate {constraint}")]
    Duplicate {
        /// Which uniqueness rule: `request_id`, `open_referral`, `id`, ...
        constraint: &'static str,
    },
    /// The row does not exist.
    #[error("{entity} {id} not found")]
    NotFound {
        /// What kind of row.
        entity: &'static str,
        /// Its id.
        id: String,
    },
    /// A stored value could not be read back into the domain.
    #[error("stored {entity} is unreadable: {detail}")]
    Corrupt {
        /// What kind of row.
        entity: &'static str,
        /// What failed.
        detail: String,
    },
    /// The database could not be reached or failed; the operation may be retried.
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}
