//! What a screening decides: an outcome with its explanation, and the suspected case a flagged
//! outcome asks the screening institution to act on.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::rule::Explanation;

/// What a flagged screening result asks of the screening institution: an emergency referral,
/// or a confirmation and a follow-up by a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuspectedCase {
    /// Whether it is an emergency.
    pub emergency: bool,
    /// When the screening institution must have followed up, if the rule sets a date.
    pub follow_up_by: Option<Date>,
}

/// A screening decision with its explanation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision<T> {
    /// The outcome.
    pub outcome: T,
    /// Why.
    pub explanation: Explanation,
}
