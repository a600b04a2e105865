//! Rule profiles: the rules' numbers as data.
//!
//! Counties adapt the national rules. Every number marked *(profile)* in `domain-rules.md` lives
//! in a [`RuleProfile`], loaded from TOML and validated before use, so a county can publish its
//! own values without a code change. The national default [`RuleProfile::bphs3`] is shipped in
//! the crate (`profiles/bphs3.toml`). A county profile names `base = "bphs3"` and overrides only
//! what it changes; the merged result is validated as a whole.
//!
//! Every decision records the [`ProfileStamp`] (id and version) it was taken under.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::contract::TeamRole;

/// The national profile's TOML source, shipped in the crate.
pub const BPHS3_TOML: &str = include_str!("../profiles/bphs3.toml");

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

/// Residency rules (section 2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResidencyRules {
    /// Months of residence that make a permanent resident (常住居民).
    pub permanent_min_months: u16,
}

/// Health-record rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordRules {
    /// A record with a service within this many days is dynamic (动态使用).
    pub dynamic_window_days: u16,
}

/// Danger thresholds shared by screening and follow-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DangerThresholds {
    /// SBP at or above this is a danger sign (mmHg).
    pub sbp: u16,
    /// DBP at or above this is a danger sign (mmHg).
    pub dbp: u16,
    /// Glucose at or above this is a danger sign (tenths of mmol/L).
    pub glucose_high_tenths: u16,
    /// Glucose at or below this is a danger sign (tenths of mmol/L).
    pub glucose_low_tenths: u16,
    /// A heart rate above this is a danger sign (beats/min).
    pub heart_rate_above: u16,
    /// A temperature above this is a danger sign (tenths of °C).
    pub temperature_above_tenths: u16,
}

/// Family doctor team composition ("3+1+N").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamRules {
    /// Roles that count toward the core members.
    pub core_roles: BTreeSet<TeamRole>,
    /// How many members in core roles a team needs at least.
    pub min_core_members: u8,
    /// Roles every team must have at least one member in.
    pub required_roles: BTreeSet<TeamRole>,
    /// Roles that may lead a team.
    pub lead_roles: BTreeSet<TeamRole>,
}

/// Key-population derivation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyPopulationRules {
    /// From this age a resident is elderly.
    pub elderly_min_age: u8,
    /// Up to this age (inclusive) a resident is a child.
    pub child_max_age: u8,
    /// Days after delivery a woman counts as postpartum.
    pub postpartum_days: u16,
    /// Locally listed group codes recognised as key populations.
    pub local_groups: BTreeSet<String>,
}

/// Contract rules (section 4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContractRules {
    /// Shortest contract period in months.
    pub min_period_months: u8,
    /// Period used when the signer does not choose one.
    pub default_period_months: u8,
    /// A renewal may be signed this many days before the end.
    pub renewal_window_days: u16,
    /// Team composition.
    pub team: TeamRules,
    /// Key-population derivation.
    pub key_population: KeyPopulationRules,
}

/// Blood-pressure screening (section 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BpScreeningRules {
    /// Youngest age screened.
    pub min_age: u8,
    /// Months between screenings of people not at high risk.
    pub interval_months: u8,
    /// Months between screenings of high-risk people.
    pub high_risk_interval_months: u8,
    /// SBP at or above this is elevated.
    pub elevated_sbp: u16,
    /// DBP at or above this is elevated.
    pub elevated_dbp: u16,
    /// SBP at or above this (and below elevated) is a high-risk factor.
    pub high_normal_sbp: u16,
    /// DBP at or above this (and below elevated) is a high-risk factor.
    pub high_normal_dbp: u16,
    /// Elevated readings on this many different days give a preliminary diagnosis.
    pub diagnosis_readings: u8,
    /// Days within which the screening institution follows up a preliminary diagnosis.
    pub diagnosis_follow_up_days: u16,
    /// BMI at or above this is a high-risk factor (tenths of kg/m²).
    pub high_risk_bmi_tenths: u16,
    /// Waist at or above this is a high-risk factor for men (cm).
    pub high_risk_waist_cm_male: u16,
    /// Waist at or above this is a high-risk factor for women (cm).
    pub high_risk_waist_cm_female: u16,
    /// From this age, age itself is a high-risk factor.
    pub high_risk_age: u8,
}

/// Glucose screening (section 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlucoseScreeningRules {
    /// Youngest age screened (high-risk people only).
    pub min_age: u8,
    /// Months between tests.
    pub interval_months: u8,
    /// Fasting glucose at or above this is suspected diabetes (tenths of mmol/L).
    pub diabetic_fasting_tenths: u16,
    /// Fasting glucose at or above this (and below diabetic) is impaired.
    pub impaired_fasting_tenths: u16,
    /// Random or 2-h glucose at or above this, with symptoms, is suspected diabetes.
    pub diabetic_random_tenths: u16,
}

/// The yearly elderly health check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElderlyCheckRules {
    /// Youngest age checked.
    pub min_age: u8,
    /// Months between checks.
    pub interval_months: u8,
}

/// Cervical and breast cancer screening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TwoCancerRules {
    /// Youngest age screened.
    pub min_age: u8,
    /// Oldest age screened (inclusive).
    pub max_age: u8,
    /// Years in a screening cycle.
    pub cycle_years: u8,
}

/// All screening programmes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreeningRules {
    /// Blood pressure.
    pub blood_pressure: BpScreeningRules,
    /// Fasting glucose.
    pub glucose: GlucoseScreeningRules,
    /// Elderly health check.
    pub elderly: ElderlyCheckRules,
    /// Cervical and breast cancer.
    pub two_cancer: TwoCancerRules,
}

/// Hypertension follow-up targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HypertensionRules {
    /// Controlled means SBP below this.
    pub target_sbp: u16,
    /// Controlled means DBP below this.
    pub target_dbp: u16,
    /// From this age the elderly targets apply.
    pub elderly_age: u8,
    /// Elderly: controlled means SBP below this.
    pub elderly_target_sbp: u16,
    /// Elderly: controlled means DBP below this.
    pub elderly_target_dbp: u16,
}

/// Type 2 diabetes follow-up targets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiabetesRules {
    /// Controlled means fasting glucose below this (tenths of mmol/L).
    pub target_fasting_tenths: u16,
}

/// Severe mental disorder follow-up intervals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MentalDisorderRules {
    /// Days to the review of an unstable or basically stable patient.
    pub review_days: u16,
    /// Days to the next visit of a stable patient.
    pub stable_interval_days: u16,
    /// Days to the next visit when the review found the patient still not stable.
    pub not_stabilised_interval_days: u16,
}

/// Follow-up rules (section 6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUpRules {
    /// Days after the due date before a plan is overdue.
    pub grace_days: u16,
    /// Days to the next routine visit of a controlled patient.
    pub routine_interval_days: u16,
    /// Days to the next visit after an uncontrolled, refer or emergency outcome.
    pub short_interval_days: u16,
    /// Days within which the sender follows up an upward referral.
    pub post_referral_days: u16,
    /// Face-to-face follow-ups a year for standardized management.
    pub min_face_to_face_per_year: u8,
    /// Days after the due date at which an undone plan is recorded missed.
    pub missed_after_days: u16,
    /// Unreachable outreach attempts after which the patient is lost to follow-up.
    pub lost_after_unreachable: u8,
    /// Hypertension.
    pub hypertension: HypertensionRules,
    /// Type 2 diabetes.
    pub diabetes: DiabetesRules,
    /// Severe mental disorder.
    pub mental_disorder: MentalDisorderRules,
}

impl FollowUpRules {
    /// The longest interval any classification can schedule: next-due dates never exceed it.
    pub fn max_interval_days(&self) -> u16 {
        [
            self.routine_interval_days,
            self.short_interval_days,
            self.post_referral_days,
            self.mental_disorder.review_days,
            self.mental_disorder.stable_interval_days,
            self.mental_disorder.not_stabilised_interval_days,
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }
}

/// Referral rules (section 7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferralRules {
    /// Hours the receiver has to answer a routine request.
    pub response_hours: u16,
    /// Whether routine upward referrals wait for the community referral desk's approval.
    pub approval_required: bool,
    /// Days within which the sender follows up an upward referral.
    pub sender_follow_up_days: u16,
    /// Days within which the receiver of a completed downward referral follows up.
    pub downward_follow_up_days: u16,
    /// Share of specialist slots the lead hospital reserves for referrals (percent).
    pub reserved_slot_percent: u8,
    /// Reserved slots are released to referrals at least this many days ahead.
    pub reserved_release_days_ahead: u16,
    /// Validity of test results for mutual recognition, days per test code.
    pub result_validity_days: BTreeMap<String, u16>,
}

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

    /// Checks the consistency rules; every error names the field at fault.
    pub fn validate(&self) -> Result<(), ProfileError> {
        let d = &self.danger;
        let bp = &self.screening.blood_pressure;
        let glu = &self.screening.glucose;
        let htn = &self.follow_up.hypertension;
        let fu = &self.follow_up;
        let smd = &fu.mental_disorder;
        let c = &self.contract;
        let r = &self.referral;

        ensure(self.version >= 1, "version", "must be at least 1")?;
        ensure(!self.name.trim().is_empty(), "name", "must not be empty")?;
        ensure(
            self.residency.permanent_min_months >= 1,
            "residency.permanent_min_months",
            "must be at least 1",
        )?;
        ensure(
            self.records.dynamic_window_days >= 1,
            "records.dynamic_window_days",
            "must be at least 1",
        )?;
        in_range(d.sbp, 120..=260, "danger.sbp")?;
        in_range(d.dbp, 70..=160, "danger.dbp")?;
        in_range(d.glucose_low_tenths, 10..=60, "danger.glucose_low_tenths")?;
        in_range(
            d.glucose_high_tenths,
            100..=400,
            "danger.glucose_high_tenths",
        )?;
        in_range(d.heart_rate_above, 60..=200, "danger.heart_rate_above")?;
        in_range(
            d.temperature_above_tenths,
            370..=420,
            "danger.temperature_above_tenths",
        )?;

        in_range(c.min_period_months, 1..=60, "contract.min_period_months")?;
        ensure(
            c.default_period_months >= c.min_period_months && c.default_period_months <= 60,
            "contract.default_period_months",
            "must lie between contract.min_period_months and 60",
        )?;
        ensure(
            c.team.min_core_members >= 1,
            "contract.team.min_core_members",
            "must be at least 1",
        )?;
        ensure(
            usize::from(c.team.min_core_members) <= c.team.core_roles.len() * 8,
            "contract.team.min_core_members",
            "cannot be reached with the listed core roles",
        )?;
        ensure(
            !c.team.lead_roles.is_empty(),
            "contract.team.lead_roles",
            "must name at least one role",
        )?;
        in_range(
            c.key_population.elderly_min_age,
            50..=80,
            "contract.key_population.elderly_min_age",
        )?;
        in_range(
            c.key_population.child_max_age,
            1..=14,
            "contract.key_population.child_max_age",
        )?;
        in_range(
            c.key_population.postpartum_days,
            1..=365,
            "contract.key_population.postpartum_days",
        )?;

        in_range(bp.min_age, 1..=120, "screening.blood_pressure.min_age")?;
        in_range(
            bp.interval_months,
            1..=60,
            "screening.blood_pressure.interval_months",
        )?;
        ensure(
            bp.high_risk_interval_months >= 1 && bp.high_risk_interval_months <= bp.interval_months,
            "screening.blood_pressure.high_risk_interval_months",
            "must lie between 1 and screening.blood_pressure.interval_months",
        )?;
        ensure(
            bp.high_normal_sbp < bp.elevated_sbp && bp.elevated_sbp < d.sbp,
            "screening.blood_pressure.elevated_sbp",
            "must lie above high_normal_sbp and below danger.sbp",
        )?;
        ensure(
            bp.high_normal_dbp < bp.elevated_dbp && bp.elevated_dbp < d.dbp,
            "screening.blood_pressure.elevated_dbp",
            "must lie above high_normal_dbp and below danger.dbp",
        )?;
        in_range(
            bp.diagnosis_readings,
            1..=10,
            "screening.blood_pressure.diagnosis_readings",
        )?;
        in_range(
            bp.diagnosis_follow_up_days,
            1..=90,
            "screening.blood_pressure.diagnosis_follow_up_days",
        )?;
        in_range(
            bp.high_risk_bmi_tenths,
            150..=400,
            "screening.blood_pressure.high_risk_bmi_tenths",
        )?;
        in_range(
            bp.high_risk_waist_cm_male,
            50..=150,
            "screening.blood_pressure.high_risk_waist_cm_male",
        )?;
        in_range(
            bp.high_risk_waist_cm_female,
            50..=150,
            "screening.blood_pressure.high_risk_waist_cm_female",
        )?;
        in_range(
            bp.high_risk_age,
            1..=120,
            "screening.blood_pressure.high_risk_age",
        )?;

        in_range(glu.min_age, 1..=120, "screening.glucose.min_age")?;
        in_range(
            glu.interval_months,
            1..=60,
            "screening.glucose.interval_months",
        )?;
        ensure(
            d.glucose_low_tenths < glu.impaired_fasting_tenths
                && glu.impaired_fasting_tenths < glu.diabetic_fasting_tenths
                && glu.diabetic_fasting_tenths < d.glucose_high_tenths,
            "screening.glucose.diabetic_fasting_tenths",
            "must satisfy danger.glucose_low < impaired_fasting < diabetic_fasting < danger.glucose_high",
        )?;
        ensure(
            glu.diabetic_random_tenths > glu.diabetic_fasting_tenths
                && glu.diabetic_random_tenths < d.glucose_high_tenths,
            "screening.glucose.diabetic_random_tenths",
            "must lie above diabetic_fasting_tenths and below danger.glucose_high_tenths",
        )?;
        in_range(
            self.screening.elderly.min_age,
            50..=90,
            "screening.elderly.min_age",
        )?;
        in_range(
            self.screening.elderly.interval_months,
            1..=60,
            "screening.elderly.interval_months",
        )?;
        let tc = &self.screening.two_cancer;
        ensure(
            tc.min_age >= 1 && tc.min_age <= tc.max_age && tc.max_age <= 120,
            "screening.two_cancer.max_age",
            "must be at least screening.two_cancer.min_age (and min_age at least 1)",
        )?;
        in_range(tc.cycle_years, 1..=10, "screening.two_cancer.cycle_years")?;

        in_range(fu.grace_days, 0..=60, "follow_up.grace_days")?;
        in_range(
            fu.routine_interval_days,
            1..=366,
            "follow_up.routine_interval_days",
        )?;
        in_range(
            fu.short_interval_days,
            1..=90,
            "follow_up.short_interval_days",
        )?;
        in_range(
            fu.post_referral_days,
            1..=90,
            "follow_up.post_referral_days",
        )?;
        in_range(
            fu.min_face_to_face_per_year,
            1..=24,
            "follow_up.min_face_to_face_per_year",
        )?;
        ensure(
            fu.missed_after_days > fu.grace_days && fu.missed_after_days <= 366,
            "follow_up.missed_after_days",
            "must lie above follow_up.grace_days and at most 366",
        )?;
        in_range(
            fu.lost_after_unreachable,
            1..=20,
            "follow_up.lost_after_unreachable",
        )?;
        ensure(
            htn.target_sbp <= htn.elderly_target_sbp && htn.elderly_target_sbp < d.sbp,
            "follow_up.hypertension.elderly_target_sbp",
            "must lie between target_sbp and danger.sbp",
        )?;
        ensure(
            htn.target_sbp >= 90,
            "follow_up.hypertension.target_sbp",
            "must be at least 90",
        )?;
        ensure(
            htn.target_dbp >= 50
                && htn.target_dbp < d.dbp
                && htn.elderly_target_dbp >= 50
                && htn.elderly_target_dbp < d.dbp,
            "follow_up.hypertension.target_dbp",
            "targets must lie between 50 and danger.dbp",
        )?;
        in_range(
            htn.elderly_age,
            50..=90,
            "follow_up.hypertension.elderly_age",
        )?;
        ensure(
            fu.diabetes.target_fasting_tenths > d.glucose_low_tenths
                && fu.diabetes.target_fasting_tenths < d.glucose_high_tenths,
            "follow_up.diabetes.target_fasting_tenths",
            "must lie between the danger glucose thresholds",
        )?;
        in_range(
            smd.review_days,
            1..=90,
            "follow_up.mental_disorder.review_days",
        )?;
        in_range(
            smd.stable_interval_days,
            1..=366,
            "follow_up.mental_disorder.stable_interval_days",
        )?;
        in_range(
            smd.not_stabilised_interval_days,
            1..=366,
            "follow_up.mental_disorder.not_stabilised_interval_days",
        )?;

        in_range(r.response_hours, 1..=720, "referral.response_hours")?;
        in_range(
            r.sender_follow_up_days,
            1..=90,
            "referral.sender_follow_up_days",
        )?;
        in_range(
            r.downward_follow_up_days,
            1..=90,
            "referral.downward_follow_up_days",
        )?;
        in_range(
            r.reserved_slot_percent,
            0..=100,
            "referral.reserved_slot_percent",
        )?;
        in_range(
            r.reserved_release_days_ahead,
            0..=180,
            "referral.reserved_release_days_ahead",
        )?;
        for (code, days) in &r.result_validity_days {
            if crate::referral::TestCode::parse(code).is_err() {
                return Err(ProfileError::Invalid {
                    field: format!("referral.result_validity_days.{code}"),
                    reason: "test codes use a-z, 0-9 and '_'".to_owned(),
                });
            }
            if *days > 3650 {
                return Err(ProfileError::Invalid {
                    field: format!("referral.result_validity_days.{code}"),
                    reason: "must be at most 3650 days".to_owned(),
                });
            }
        }
        Ok(())
    }
}

fn ensure(condition: bool, field: &str, reason: &str) -> Result<(), ProfileError> {
    if condition {
        Ok(())
    } else {
        Err(ProfileError::Invalid {
            field: field.to_owned(),
            reason: reason.to_owned(),
        })
    }
}

fn in_range<T>(
    value: T,
    range: std::ops::RangeInclusive<T>,
    field: &str,
) -> Result<(), ProfileError>
where
    T: PartialOrd + fmt::Display,
{
    if range.contains(&value) {
        Ok(())
    } else {
        Err(ProfileError::Invalid {
            field: field.to_owned(),
            reason: format!("{value} is outside {}..={}", range.start(), range.end()),
        })
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
    fn an_unknown_field_is_rejected_by_name() {
        let err =
            RuleProfile::from_toml("base = \"bphs3\"\n[follow_up]\ngrace_dayz = 3\n").unwrap_err();
        assert!(
            matches!(&err, ProfileError::Parse(m) if m.contains("grace_dayz")),
            "{err}"
        );
    }

    #[test]
    fn an_inconsistent_value_names_its_field() {
        let err = RuleProfile::from_toml(
            "base = \"bphs3\"\n[screening.blood_pressure]\nelevated_sbp = 185\n",
        )
        .unwrap_err();
        assert_eq!(
            err,
            ProfileError::Invalid {
                field: "screening.blood_pressure.elevated_sbp".to_owned(),
                reason: "must lie above high_normal_sbp and below danger.sbp".to_owned()
            }
        );
    }

    #[test]
    fn an_unknown_base_is_rejected() {
        let err = RuleProfile::from_toml("base = \"who\"\n").unwrap_err();
        assert_eq!(err, ProfileError::UnknownBase("who".to_owned()));
    }

    #[test]
    fn a_bad_profile_id_is_rejected() {
        let err = RuleProfile::from_toml("base = \"bphs3\"\nid = \"Has Spaces\"\n").unwrap_err();
        assert!(err.to_string().contains("Has Spaces"), "{err}");
    }
}
