//! Mutual recognition (检查检验结果互认): a test result attached to a referral is recognised, not
//! repeated, within the profile's validity for its test.

use serde::{Deserialize, Serialize};
use time::Date;

use super::slip::SlipError;
use crate::calendar;
use crate::ids::InstitutionId;
use crate::profile::RuleProfile;
use crate::rule::RuleId;
use crate::text;

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
    /// The value as reported (`7.2 %`, `阴性`), when the result is a value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// Where the full report is (an accession number, a report id in the issuer's system).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
}

/// How the receiver judges an attached result on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recognition {
    /// Recognised (not repeated), or to be repeated.
    pub recognised: bool,
    /// The last day it is recognised; `None` when the profile no longer lists the test.
    pub valid_until: Option<Date>,
    /// The day it was judged on.
    pub judged_on: Date,
    /// The rule that judged it.
    pub rule: RuleId,
}

impl AttachedResult {
    /// The most characters a value keeps.
    pub const VALUE_MAX: usize = 200;
    /// The most characters a report reference keeps.
    pub const REPORT_MAX: usize = 256;

    /// A result as a sender attaches it: the test must be in the profile's catalogue (the
    /// tests it sets a validity for), taken no later than `today`, with a value, a report
    /// reference or both. `field` names the part at fault (`test`, `taken_date`, `value`).
    pub fn new(
        test: &str,
        taken_on: Date,
        by: InstitutionId,
        value: &str,
        report: &str,
        today: Date,
        profile: &RuleProfile,
    ) -> Result<Self, SlipError> {
        let test = TestCode::parse(test).map_err(|e| SlipError {
            field: "test",
            reason: e.to_string(),
        })?;
        if !profile
            .referral
            .result_validity_days
            .contains_key(test.as_str())
        {
            return Err(SlipError {
                field: "test",
                reason: format!(
                    "`{}` is not in the profile's catalogue of recognised tests",
                    test.as_str()
                ),
            });
        }
        calendar::not_after(taken_on, today).map_err(|e| SlipError {
            field: "taken_date",
            reason: e.to_string(),
        })?;
        let part = |field, raw: &str, max| match text::nonblank(raw) {
            None => Ok(None),
            Some(_) => text::required(raw, 1, max)
                .map(Some)
                .map_err(|e| SlipError {
                    field,
                    reason: e.to_string(),
                }),
        };
        let value = part("value", value, Self::VALUE_MAX)?;
        let report = part("report_reference", report, Self::REPORT_MAX)?;
        if value.is_none() && report.is_none() {
            return Err(SlipError {
                field: "value",
                reason: "a result carries its value, a report reference, or both".to_owned(),
            });
        }
        Ok(AttachedResult {
            test,
            taken_on,
            by,
            value,
            report,
        })
    }

    /// The last day the profile recognises it, if the profile lists its test.
    pub fn valid_until(&self, profile: &RuleProfile) -> Option<Date> {
        profile
            .referral
            .result_validity_days
            .get(self.test.as_str())
            .map(|days| calendar::add_days(self.taken_on, *days))
    }

    /// Whether the receiver recognises it on `on`: taken no later than `on` and within the
    /// profile's validity for its test. A test the profile does not list is never recognised.
    pub fn is_recognised_on(&self, on: Date, profile: &RuleProfile) -> bool {
        self.recognition(on, profile).recognised
    }

    /// The judgement on `on`, with the last day of validity and the rule.
    pub fn recognition(&self, on: Date, profile: &RuleProfile) -> Recognition {
        let valid_until = self.valid_until(profile);
        Recognition {
            recognised: self.taken_on <= on && valid_until.is_some_and(|last| on <= last),
            valid_until,
            judged_on: on,
            rule: RuleId::ReferralMutualRecognition,
        }
    }

    /// Whether `other` is the same result (same test, day and issuer): attaching it twice is
    /// refused.
    pub fn same_as(&self, other: &AttachedResult) -> bool {
        self.test == other.test && self.taken_on == other.taken_on && self.by == other.by
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::Duration;
    use time::macros::date;

    use super::*;

    proptest! {
        /// Recognised exactly from the day it was taken to the last day of its test's window,
        /// whatever the test of the catalogue and the days between.
        #[test]
        fn recognised_exactly_inside_the_window(test in 0usize..12, taken in -400i64..400, on in -400i64..400) {
            let profile = RuleProfile::bphs3();
            let (code, days) = profile.referral.result_validity_days.iter().nth(test % profile.referral.result_validity_days.len()).unwrap();
            let base = date!(2026 - 06 - 01);
            let result = AttachedResult {
                test: TestCode::parse(code).unwrap(),
                taken_on: base + Duration::days(taken),
                by: InstitutionId::from_u128(1),
                value: Some("1".to_owned()),
                report: None,
            };
            let on = base + Duration::days(on);
            let judged = result.recognition(on, &profile);
            let age = (on - result.taken_on).whole_days();
            prop_assert_eq!(judged.recognised, (0..=i64::from(*days)).contains(&age));
            prop_assert_eq!(judged.valid_until, Some(result.taken_on + Duration::days(i64::from(*days))));
        }
    }
}
