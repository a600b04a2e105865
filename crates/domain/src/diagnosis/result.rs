//! A verified report as a test result a referral attaches (DX-RESULT): the county centre's
//! report is recognised across the network like any other result (REF-MUTUAL-RECOGNITION),
//! so a patient referred up with a recent ECG or film is not examined again.
//!
//! The FHIR counterpart: an `Observation` derived from the `DiagnosticReport`
//! (`DiagnosticReport.conclusion` as its value, `effective` the acquisition).

use time::Date;

use super::error::DiagnosisError;
use super::request::DiagnosisRequest;
use crate::profile::RuleProfile;
use crate::referral::AttachedResult;

impl DiagnosisRequest {
    /// The result a referral attaches: the profile's test for the modality, taken on the
    /// acquisition day, issued by the centre's institution, the latest version's impression as
    /// its value (cut to the value's length) and `diagnosis-requests/{uuid}@{version}` (an
    /// AIP-162 revision) as its report. Only a verified report is a result; a modality the
    /// profile does not map is not one.
    pub fn as_result(
        &self,
        today: Date,
        profile: &RuleProfile,
    ) -> Result<AttachedResult, DiagnosisError> {
        let (Some(latest), Some((_, acquired))) = (self.reports().last(), self.acquisition())
        else {
            return Err(DiagnosisError::WrongState {
                status: self.status(),
                command: "attached to a referral",
            });
        };
        let Some(test) = profile.diagnosis.result_tests.get(&self.modality()) else {
            return Err(DiagnosisError::NotAResult(self.modality()));
        };
        let value = cut(&latest.report.impression, AttachedResult::VALUE_MAX);
        let report = format!("diagnosis-requests/{}@{}", self.id(), latest.version);
        AttachedResult::new(
            test,
            acquired.date(),
            self.centre_institution(),
            &value,
            &report,
            today.max(acquired.date()),
            profile,
        )
        // The profile's validation holds each mapped test in the catalogue, so this is a
        // profile edited past its checks.
        .map_err(|_| DiagnosisError::NotAResult(self.modality()))
    }
}

/// `text` within `max` characters, ending in an ellipsis when cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut kept: String = text.chars().take(max.saturating_sub(1)).collect();
    kept.push('…');
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_impression_is_cut_to_the_value_with_an_ellipsis() {
        assert_eq!(cut("急性心肌梗死", 200), "急性心肌梗死");
        let long = "梗".repeat(250);
        let kept = cut(&long, 200);
        assert_eq!(kept.chars().count(), 200);
        assert!(kept.ends_with('…'));
    }
}
