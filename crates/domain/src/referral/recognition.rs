//! Mutual recognition: a test result attached to a referral is recognised, not repeated, within
//! the profile's validity for its test.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::calendar;
use crate::ids::InstitutionId;
use crate::profile::RuleProfile;

// Test codes are defined with the profile, which keys result validity by them; this is their
// public path.
pub use crate::profile::terms::{TestCode, TestCodeError};

/// A test result attached to a referral (mutual recognition).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedResult {
    /// The test.
    pub test: TestCode,
    /// When the sample was taken or the exam done.
    pub taken_on: Date,
    /// The institution that produced it.
    pub by: InstitutionId,
}

impl AttachedResult {
    /// Whether the receiver recognises it on `on`: taken no later than `on` and within the
    /// profile's validity for its test. A test the profile does not list is never recognised.
    pub fn is_recognised_on(&self, on: Date, profile: &RuleProfile) -> bool {
        profile
            .referral
            .result_validity_days
            .get(self.test.as_str())
            .is_some_and(|days| {
                self.taken_on <= on && calendar::days_between(self.taken_on, on) <= i64::from(*days)
            })
    }
}
