//! The whole profile: loaded from TOML (the shipped `bphs3`, or a county's overrides merged
//! into it), validated, and stamped on decisions.

use serde::{Deserialize, Serialize};

use super::error::ProfileError;
use super::id::{ProfileId, ProfileStamp};
use super::rules::{
    ContractRules, DangerThresholds, DiagnosisRules, FollowUpRules, IndicatorRules, RecordRules,
    ReferralRules, ResidencyRules, ScreeningRules,
};

/// The national profile's TOML source, shipped in the crate.
pub const BPHS3_TOML: &str = include_str!("../../profiles/bphs3.toml");

/// A complete, validated rule profile.
///
/// Construct it with [`RuleProfile::bphs3`] or [`RuleProfile::from_toml`]; both validate, so a
/// `RuleProfile` in hand is always consistent (e.g. the elevated threshold is below the danger
/// threshold, every interval is positive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleProfile {
    /// The profile's id.
    pub id: ProfileId,
    /// The profile's version.
    pub version: u32,
    /// A readable name.
    pub name: String,
    /// Residency.
    pub residency: ResidencyRules,
    /// Health records.
    pub records: RecordRules,
    /// Danger thresholds.
    pub danger: DangerThresholds,
    /// Contracts and teams.
    pub contract: ContractRules,
    /// Screening programmes.
    pub screening: ScreeningRules,
    /// Follow-up.
    pub follow_up: FollowUpRules,
    /// Referral.
    pub referral: ReferralRules,
    /// The assessed rates' estimates; a complete profile written before they existed gets
    /// the national defaults.
    #[serde(default)]
    pub indicators: IndicatorRules,
    /// Remote diagnosis; a complete profile written before it existed gets the defaults.
    #[serde(default)]
    pub diagnosis: DiagnosisRules,
}

impl RuleProfile {
    /// The national profile `bphs3`.
    pub fn bphs3() -> RuleProfile {
        // The shipped file is checked by this crate's tests; failing here is a build defect.
        #[allow(clippy::expect_used)]
        Self::from_toml(BPHS3_TOML).expect("the shipped bphs3 profile is valid")
    }

    /// Loads a profile from TOML. A text with `base = "bphs3"` overrides the national profile
    /// field by field (tables merge, other values replace); otherwise the text must be complete.
    /// The result is validated as a whole.
    pub fn from_toml(text: &str) -> Result<RuleProfile, ProfileError> {
        let mut table: toml::Table =
            toml::from_str(text).map_err(|e| ProfileError::Parse(e.to_string()))?;
        let table = match table.remove("base") {
            None => table,
            Some(toml::Value::String(base)) if base == "bphs3" => {
                let mut merged: toml::Table =
                    toml::from_str(BPHS3_TOML).map_err(|e| ProfileError::Parse(e.to_string()))?;
                merge(&mut merged, table);
                merged
            }
            Some(toml::Value::String(other)) => return Err(ProfileError::UnknownBase(other)),
            Some(_) => {
                return Err(ProfileError::Invalid {
                    field: "base".to_owned(),
                    reason: "must be the id of a shipped profile, as a string".to_owned(),
                });
            }
        };
        let profile: RuleProfile = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| ProfileError::Parse(e.to_string()))?;
        profile.validate()?;
        Ok(profile)
    }

    /// The stamp decisions under this profile carry.
    pub fn stamp(&self) -> ProfileStamp {
        ProfileStamp {
            id: self.id,
            version: self.version,
        }
    }
}

/// Deep merge: tables merge key by key, any other value replaces.
fn merge(base: &mut toml::Table, overrides: toml::Table) {
    for (key, value) in overrides {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(inner)), toml::Value::Table(over)) => merge(inner, over),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_profile_loads_with_the_national_numbers() {
        let p = RuleProfile::bphs3();
        assert_eq!(p.stamp().to_string(), "bphs3@1");
        assert_eq!(p.follow_up.routine_interval_days, 90);
        assert_eq!(p.follow_up.hypertension.elderly_target_sbp, 150);
        assert_eq!(p.referral.response_hours, 24);
        assert_eq!(p.screening.two_cancer.cycle_years, 3);
        assert_eq!(p.follow_up.max_interval_days(), 90);
    }

    #[test]
    fn a_county_override_changes_only_what_it_names() {
        let county = RuleProfile::from_toml(
            r#"
            base = "bphs3"
            id = "anji-county"
            version = 3
            name = "Anji county"
            [follow_up]
            grace_days = 7
            [referral]
            approval_required = true
            "#,
        )
        .unwrap();
        let national = RuleProfile::bphs3();
        assert_eq!(county.stamp().to_string(), "anji-county@3");
        assert_eq!(county.follow_up.grace_days, 7);
        assert!(county.referral.approval_required);
        assert_eq!(
            county.follow_up.routine_interval_days,
            national.follow_up.routine_interval_days
        );
        assert_eq!(county.screening, national.screening);
    }

    #[test]
    fn a_complete_profile_written_before_the_assessed_rates_loads_with_their_defaults() {
        let national = RuleProfile::bphs3();
        assert_eq!(national.indicators, IndicatorRules::default());
        let start = BPHS3_TOML.find("[indicators]").unwrap();
        let end = BPHS3_TOML[start + 1..]
            .find("\n[")
            .map_or(BPHS3_TOML.len(), |i| start + 1 + i);
        let older = format!("{}{}", &BPHS3_TOML[..start], &BPHS3_TOML[end..]);
        assert!(!older.contains("prevalence"));
        assert_eq!(RuleProfile::from_toml(&older).unwrap(), national);
    }

    #[test]
    fn a_complete_profile_written_before_remote_diagnosis_loads_with_its_defaults() {
        let national = RuleProfile::bphs3();
        assert_eq!(national.diagnosis, DiagnosisRules::default());
        let older = without(BPHS3_TOML, "[diagnosis]", "\n[referral]");
        assert!(!older.contains("critical_ack_minutes"));
        assert_eq!(RuleProfile::from_toml(&older).unwrap(), national);
        // Written before verified reports were results: the default mapping.
        let older = without(BPHS3_TOML, "[diagnosis.result_tests]", "\n[referral]");
        assert!(!older.contains("mri\"") && older.contains("critical_ack_minutes"));
        assert_eq!(RuleProfile::from_toml(&older).unwrap(), national);
    }

    /// `toml` without the text from `from` up to `to`.
    fn without(toml: &str, from: &str, to: &str) -> String {
        let start = toml.find(from).unwrap();
        let end = start + toml[start..].find(to).unwrap();
        format!("{}{}", &toml[..start], &toml[end..])
    }

    #[test]
    fn a_verified_report_maps_only_to_a_test_of_the_catalogue() {
        let toml = "base = \"bphs3\"\n[diagnosis.result_tests]\nlaboratory = \"potassium\"\n";
        let err = RuleProfile::from_toml(toml).unwrap_err();
        assert!(
            err.to_string()
                .contains("diagnosis.result_tests.laboratory"),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_field_is_rejected_by_name() {
        let err =
            RuleProfile::from_toml("base = \"bphs3\"\n[follow_up]\ngrace_dayz = 3\n").unwrap_err();
        assert!(
            matches!(&err, ProfileError::Parse(m) if m.contains("grace_dayz")),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_base_is_rejected() {
        let err = RuleProfile::from_toml("base = \"who\"\n").unwrap_err();
        assert_eq!(err, ProfileError::UnknownBase("who".to_owned()));
    }
}
