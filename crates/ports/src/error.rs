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
        /// Which uniqueness rule.
        constraint: Constraint,
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

/// The uniqueness rules storage enforces, named by what they protect, so a use case matches a
/// variant instead of an index name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Constraint {
    /// A primary key: the id is taken.
    #[error("id")]
    Id,
    /// A request id already claimed for the same command.
    #[error("request_id")]
    RequestId,
    /// One open referral per patient and direction.
    #[error("open_referral")]
    OpenReferral,
    /// One resident record per identity document.
    #[error("resident_document")]
    ResidentDocument,
    /// One open enrolment per patient and condition.
    #[error("open_enrolment")]
    OpenEnrolment,
    /// One open two-cancer case per woman and cancer.
    #[error("open_cancer_case")]
    OpenCancerCase,
    /// One outbox sequence number per aggregate event.
    #[error("aggregate_sequence")]
    AggregateSequence,
    /// One outbox row per event id.
    #[error("event_id")]
    EventId,
}
