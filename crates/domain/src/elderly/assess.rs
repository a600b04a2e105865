//! What a 65+ check finds (§11 (4)): danger signs, newly found hypertension or diabetes,
//! dependence, other abnormal findings, and whose annual check it is.

use serde::{Deserialize, Serialize};

use super::form::HealthCheck;
use super::vocabulary::{AuxiliaryTest, ExamSite, Hearing, MotorFunction};
use crate::followup::Condition;
use crate::measure::Glucose;
use crate::profile::RuleProfile;
use crate::rule::{Explanation, RuleId, RuleSet};
use crate::screening::Dependence;

/// One finding of a check and what it asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "finding", content = "detail", rename_all = "snake_case")]
pub enum CheckFinding {
    /// A danger sign (BP ≥ 180/110, glucose ≥ 16.7 or ≤ 3.9): emergency referral.
    Emergency,
    /// BP elevated in someone not managed for hypertension: recheck on another day, refer to
    /// confirm, then enrol.
    SuspectedHypertension,
    /// Fasting glucose ≥ 7.0 in someone not managed for diabetes: confirm and enrol.
    SuspectedDiabetes,
    /// Impaired fasting glucose in someone not managed for diabetes: high risk, tested yearly.
    ImpairedFastingGlucose,
    /// Self-care dependence (mild or worse): care guidance.
    Dependence(Dependence),
    /// A positive cognitive screen: further assessment.
    CognitionPositive,
    /// A positive emotional screen: further assessment.
    EmotionPositive,
    /// An examination site found abnormal: recheck or refer.
    AbnormalSite(ExamSite),
    /// An auxiliary test reported abnormal: recheck or refer.
    AbnormalTest(AuxiliaryTest),
    /// Hearing impaired.
    HearingImpaired,
    /// Motor tasks not completed alone.
    MotorImpaired,
}

/// What a finding asks of the institution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingAction {
    /// Emergency referral now (the desk is told, as for any danger sign).
    EmergencyReferral,
    /// Refer upward to confirm the diagnosis, then enrol in management.
    ConfirmDiagnosis,
    /// Recheck, or refer when the institution cannot.
    RecheckOrRefer,
    /// Guidance on care and falls.
    Care,
}

crate::vocabulary::codes!(FindingAction {
    EmergencyReferral => "emergency_referral",
    ConfirmDiagnosis => "confirm_diagnosis",
    RecheckOrRefer => "recheck_or_refer",
    Care => "care",
});

impl CheckFinding {
    /// What the finding asks for.
    pub const fn action(self) -> FindingAction {
        match self {
            CheckFinding::Emergency => FindingAction::EmergencyReferral,
            CheckFinding::SuspectedHypertension | CheckFinding::SuspectedDiabetes => {
                FindingAction::ConfirmDiagnosis
            }
            CheckFinding::Dependence(_) | CheckFinding::MotorImpaired => FindingAction::Care,
            CheckFinding::ImpairedFastingGlucose
            | CheckFinding::CognitionPositive
            | CheckFinding::EmotionPositive
            | CheckFinding::AbnormalSite(_)
            | CheckFinding::AbnormalTest(_)
            | CheckFinding::HearingImpaired => FindingAction::RecheckOrRefer,
        }
    }

    /// The finding's code (its kind; the detail travels beside it).
    pub const fn code(self) -> &'static str {
        match self {
            CheckFinding::Emergency => "emergency",
            CheckFinding::SuspectedHypertension => "suspected_hypertension",
            CheckFinding::SuspectedDiabetes => "suspected_diabetes",
            CheckFinding::ImpairedFastingGlucose => "impaired_fasting_glucose",
            CheckFinding::Dependence(_) => "dependence",
            CheckFinding::CognitionPositive => "cognition_positive",
            CheckFinding::EmotionPositive => "emotion_positive",
            CheckFinding::AbnormalSite(_) => "abnormal_site",
            CheckFinding::AbnormalTest(_) => "abnormal_test",
            CheckFinding::HearingImpaired => "hearing_impaired",
            CheckFinding::MotorImpaired => "motor_impaired",
        }
    }

    /// The detail's code: the dependence grade, the site or the test; empty otherwise.
    pub fn detail(self) -> &'static str {
        match self {
            CheckFinding::Dependence(d) => d.code(),
            CheckFinding::AbnormalSite(s) => s.code(),
            CheckFinding::AbnormalTest(t) => t.code(),
            _ => "",
        }
    }
}

/// The domain's reading of a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckAssessment {
    /// The self-care total and its grade.
    pub self_care_total: u8,
    /// The grade.
    pub dependence: Dependence,
    /// The findings, in order of urgency.
    pub findings: Vec<CheckFinding>,
    /// The managed conditions whose annual check this is (hypertension, type 2 diabetes).
    pub annual_check_of: Vec<Condition>,
    /// Results fed back with guidance: the check counts for elderly management.
    pub guided: bool,
    /// The rules applied.
    pub explanation: Explanation,
}

impl CheckAssessment {
    /// Whether a finding is a danger sign.
    pub fn is_emergency(&self) -> bool {
        self.findings.contains(&CheckFinding::Emergency)
    }
}

/// Reads a check of a resident managed for `managed`, by the profile's thresholds (the same
/// as screening's and follow-up's danger signs).
pub fn assess_check(
    check: &HealthCheck,
    managed: &[Condition],
    profile: &RuleProfile,
) -> CheckAssessment {
    let d = &profile.danger;
    let bp_rules = &profile.screening.blood_pressure;
    let g_rules = &profile.screening.glucose;
    let mut fired: Vec<(CheckFinding, RuleId)> = Vec::new();
    let glucose = check
        .fasting_glucose()
        .and_then(|g| Glucose::from_hundredths(g).ok());
    let htn = managed.contains(&Condition::Hypertension);
    let dm = managed.contains(&Condition::Type2Diabetes);
    if check.bp.reaches(d.sbp, d.dbp) {
        fired.push((CheckFinding::Emergency, RuleId::ScreenBpEmergency));
    } else if !htn
        && check
            .bp
            .reaches(bp_rules.elevated_sbp, bp_rules.elevated_dbp)
    {
        fired.push((CheckFinding::SuspectedHypertension, RuleId::ScreenBpRecheck));
    }
    if let Some(g) = glucose {
        if g.at_least_tenths(d.glucose_high_tenths) || g.at_most_tenths(d.glucose_low_tenths) {
            fired.push((CheckFinding::Emergency, RuleId::ScreenGlucoseEmergency));
        } else if !dm && g.at_least_tenths(g_rules.diabetic_fasting_tenths) {
            fired.push((
                CheckFinding::SuspectedDiabetes,
                RuleId::ScreenGlucoseSuspected,
            ));
        } else if !dm && g.at_least_tenths(g_rules.impaired_fasting_tenths) {
            fired.push((
                CheckFinding::ImpairedFastingGlucose,
                RuleId::ScreenGlucoseImpaired,
            ));
        }
    }
    let dependence = check.self_care.dependence();
    if dependence != Dependence::Independent {
        fired.push((CheckFinding::Dependence(dependence), RuleId::ScreenSelfCare));
    }
    let other = RuleId::ElderlyFinding;
    if check.cognition_positive {
        fired.push((CheckFinding::CognitionPositive, other));
    }
    if check.emotion_positive {
        fired.push((CheckFinding::EmotionPositive, other));
    }
    for site in check.abnormal_sites.keys() {
        fired.push((CheckFinding::AbnormalSite(*site), other));
    }
    for (test, result) in &check.tests {
        if result.abnormal {
            fired.push((CheckFinding::AbnormalTest(*test), other));
        }
    }
    if check.hearing == Hearing::Impaired {
        fired.push((CheckFinding::HearingImpaired, other));
    }
    if check.motor_function == MotorFunction::CannotComplete {
        fired.push((CheckFinding::MotorImpaired, other));
    }
    let mut rules = RuleSet::of(RuleId::ElderlyCheckForm).with(RuleId::ScreenSelfCare);
    for (_, rule) in &fired {
        rules.insert(*rule);
        rules.insert(RuleId::ElderlyFinding);
    }
    let mut findings: Vec<CheckFinding> = fired.into_iter().map(|(f, _)| f).collect();
    findings.sort_unstable();
    findings.dedup();
    let annual_check_of: Vec<Condition> = managed
        .iter()
        .copied()
        .filter(|c| matches!(c, Condition::Hypertension | Condition::Type2Diabetes))
        .collect();
    if !annual_check_of.is_empty() {
        rules.insert(RuleId::ElderlyAnnualCheck);
    }
    let guided = check.guided();
    if guided {
        rules.insert(RuleId::ElderlyGuided);
    }
    CheckAssessment {
        self_care_total: check.self_care.total(),
        dependence,
        findings,
        annual_check_of,
        guided,
        explanation: Explanation::new(profile.stamp(), rules),
    }
}
