//! The rules of each section of a profile, as plain data.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::terms::{Grade, Level, Modality, TeamRole};

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
    /// The lowest level of care whose diagnosis enrols a patient (确诊): a village clinic or
    /// township centre finds and refers, a county hospital confirms.
    pub confirming_level: Level,
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

/// What the assessed rates estimate (section 6, indicators): the management rate's
/// denominator is the patients a jurisdiction is expected to have, its adults times the
/// prevalence the county sets (defaults: the China Hypertension Survey 2012–2015, 23.2% of
/// adults; Li et al., BMJ 2020, 11.2% of adults by the WHO criteria).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorRules {
    /// The age from which a permanent resident counts as an adult in the estimate.
    pub estimate_min_age: u8,
    /// Hypertension prevalence among those adults, per mille.
    pub hypertension_prevalence_per_mille: u16,
    /// Type 2 diabetes prevalence among those adults, per mille.
    pub diabetes_prevalence_per_mille: u16,
}

impl Default for IndicatorRules {
    /// The national figures above, as `bphs3.toml` states them (a test holds them equal).
    fn default() -> Self {
        IndicatorRules {
            estimate_min_age: 18,
            hypertension_prevalence_per_mille: 232,
            diabetes_prevalence_per_mille: 112,
        }
    }
}

/// Remote diagnosis (section 12): the turnaround from acquisition to verification per
/// priority, the grade a verifier holds at least, and the minutes a critical value may wait
/// for acknowledgment before each escalation. The defaults are common hospital practice
/// (`domain-rules.md` §12); counties set their own. A profile written before they existed gets
/// them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiagnosisRules {
    /// Minutes for an emergency request.
    pub emergency_minutes: u32,
    /// Minutes for an urgent request.
    pub urgent_minutes: u32,
    /// Minutes for a routine request.
    pub routine_minutes: u32,
    /// The lowest grade that verifies or amends a report.
    pub verifier_grade: Grade,
    /// Minutes a critical value waits for acknowledgment before each escalation.
    pub critical_ack_minutes: u16,
    /// The test of `referral.result_validity_days` a verified report of each modality is
    /// attached to a referral as (DX-RESULT); a modality not listed is not attached.
    #[serde(default = "default_result_tests")]
    pub result_tests: BTreeMap<Modality, String>,
}

/// An MR is an `mri`; ECG, ultrasound and CT by their names. A radiograph is not one test (a
/// `chest_xray` only when it is of the chest), so a county whose DR centre reads chest films
/// alone maps `dr` itself; laboratory and pathology reports carry several tests and are
/// attached as those results.
fn default_result_tests() -> BTreeMap<Modality, String> {
    [
        (Modality::Ct, "ct"),
        (Modality::Mr, "mri"),
        (Modality::Ultrasound, "ultrasound"),
        (Modality::Ecg, "ecg"),
    ]
    .into_iter()
    .map(|(m, test)| (m, test.to_owned()))
    .collect()
}

impl Default for DiagnosisRules {
    /// As `bphs3.toml` states them (a test holds them equal).
    fn default() -> Self {
        DiagnosisRules {
            emergency_minutes: 30,
            urgent_minutes: 120,
            routine_minutes: 1440,
            verifier_grade: Grade::Attending,
            critical_ack_minutes: 15,
            result_tests: default_result_tests(),
        }
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
    /// Days after an accepted referral's appointment by which the patient should have
    /// arrived; past them the referral escalates to the community's referral desk.
    pub arrival_grace_days: u16,
    /// Minutes an emergency advised without a referral waits before it escalates to the
    /// community's referral desk.
    pub unreferred_emergency_minutes: u16,
    /// Share of specialist slots the lead hospital reserves for referrals (percent).
    pub reserved_slot_percent: u8,
    /// Reserved slots are released to referrals at least this many days ahead.
    pub reserved_release_days_ahead: u16,
    /// Unused reserved slots return to the general pool this many days before the session.
    pub reserved_return_days_before: u16,
    /// Validity of test results for mutual recognition, days per test code.
    pub result_validity_days: BTreeMap<String, u16>,
}
