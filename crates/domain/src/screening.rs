//! Screening (筛查): programmes, eligibility and next-due dates, and the outcome rules for blood
//! pressure, glucose, the elderly self-care score and two-cancer cases.
//!
//! Outcomes are decisions: each carries an [`Explanation`] (profile stamp and rules fired).

use crate::vocabulary::codes;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::calendar;
use crate::identity::Sex;
use crate::ids::{CancerCaseId, ResidentId, ScreeningId};
use crate::measure::{BloodPressure, Bmi, Glucose, Waist};
use crate::profile::RuleProfile;
use crate::rule::{BrokenRule, Explanation, RuleId, RuleSet};

/// Screening programmes (section 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Programme {
    /// Blood pressure, 35+.
    BloodPressure,
    /// Fasting glucose, high-risk 35+.
    FastingGlucose,
    /// Elderly health check, 65+.
    ElderlyCheck,
    /// Cervical and breast cancer, women 35–64.
    TwoCancer,
}

codes!(Programme {
    BloodPressure => "blood_pressure",
    FastingGlucose => "fasting_glucose",
    ElderlyCheck => "elderly_check",
    TwoCancer => "two_cancer",
});

/// What eligibility is decided from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreeningSubject {
    /// Birth date.
    pub birth_date: Date,
    /// Sex.
    pub sex: Sex,
    /// Whether a permanent resident on the date.
    pub permanent_resident: bool,
    /// Whether at high risk (from the latest BP screening or other findings).
    pub high_risk: bool,
    /// Whether already diagnosed with the programme's condition (managed patients are followed
    /// up, not screened).
    pub diagnosed: bool,
}

/// Whether the subject is due for `programme` on `on`, given the last screening date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eligibility {
    /// Whether the programme applies to the subject at all.
    pub eligible: bool,
    /// When the next screening is due (the date itself if never screened).
    pub next_due: Option<Date>,
    /// Why.
    pub explanation: Explanation,
}

/// Decides eligibility and the next-due date for one programme.
pub fn eligibility(
    programme: Programme,
    subject: &ScreeningSubject,
    last_screened: Option<Date>,
    on: Date,
    profile: &RuleProfile,
) -> Eligibility {
    let s = &profile.screening;
    let age = calendar::years_between(subject.birth_date, on).unwrap_or(0);
    let (eligible, months, rule) = match programme {
        Programme::BloodPressure => (
            subject.permanent_resident
                && !subject.diagnosed
                && age >= u16::from(s.blood_pressure.min_age),
            if subject.high_risk {
                s.blood_pressure.high_risk_interval_months
            } else {
                s.blood_pressure.interval_months
            },
            RuleId::ScreenBpEligible,
        ),
        Programme::FastingGlucose => (
            subject.high_risk && !subject.diagnosed && age >= u16::from(s.glucose.min_age),
            s.glucose.interval_months,
            RuleId::ScreenGlucoseEligible,
        ),
        Programme::ElderlyCheck => (
            subject.permanent_resident && age >= u16::from(s.elderly.min_age),
            s.elderly.interval_months,
            RuleId::ScreenElderlyCheck,
        ),
        Programme::TwoCancer => (
            subject.sex == Sex::Female
                && age >= u16::from(s.two_cancer.min_age)
                && age <= u16::from(s.two_cancer.max_age),
            s.two_cancer.cycle_years.saturating_mul(12),
            RuleId::ScreenTwoCancerEligible,
        ),
    };
    let next_due = eligible.then(|| match last_screened {
        None => on,
        Some(last) => calendar::add_months(last, u16::from(months)),
    });
    let mut rules = RuleSet::of(rule);
    if programme == Programme::BloodPressure && subject.high_risk {
        rules.insert(RuleId::ScreenBpHighRisk);
    }
    Eligibility {
        eligible,
        next_due,
        explanation: Explanation::new(profile.stamp(), rules),
    }
}

/// High-risk factors for hypertension besides the reading itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RiskFactors {
    /// BMI, if measured.
    pub bmi: Option<Bmi>,
    /// Waist, if measured.
    pub waist: Option<Waist>,
    /// Family history of hypertension.
    pub family_history: bool,
    /// Long-term high-salt diet.
    pub high_salt_diet: bool,
    /// Long-term heavy drinking.
    pub heavy_drinking: bool,
}

/// A blood-pressure reading on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BpReading {
    /// Date.
    pub date: Date,
    /// Reading.
    pub bp: BloodPressure,
}

/// Outcome of a blood-pressure screening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum BpOutcome {
    /// SBP ≥ 180 or DBP ≥ 110: emergency referral.
    Emergency,
    /// Elevated, fewer than the required days so far: recheck on another day.
    RecheckRequired {
        /// Elevated days so far.
        elevated_days: u8,
    },
    /// Elevated on the required number of different days: refer upward for confirmation and
    /// follow the result up by `follow_up_by`.
    PreliminaryDiagnosis {
        /// The screening institution's follow-up deadline.
        follow_up_by: Date,
    },
    /// High risk: rescreen on `rescreen_on`.
    HighRisk {
        /// Next screening.
        rescreen_on: Date,
    },
    /// Normal: rescreen on `rescreen_on`.
    Normal {
        /// Next screening.
        rescreen_on: Date,
    },
}

impl BpOutcome {
    /// The suspected case this outcome flags: an emergency, or a preliminary diagnosis to be
    /// confirmed upward and followed up by its date. `None` for every other outcome.
    pub const fn suspected_case(self) -> Option<SuspectedCase> {
        match self {
            BpOutcome::Emergency => Some(SuspectedCase {
                emergency: true,
                follow_up_by: None,
            }),
            BpOutcome::PreliminaryDiagnosis { follow_up_by } => Some(SuspectedCase {
                emergency: false,
                follow_up_by: Some(follow_up_by),
            }),
            BpOutcome::RecheckRequired { .. }
            | BpOutcome::HighRisk { .. }
            | BpOutcome::Normal { .. } => None,
        }
    }
}

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

/// Assesses a blood-pressure screening episode. `readings` are the person's screening readings
/// of the current episode, in any order; the latest decides. Elevated days count the distinct
/// dates of the unbroken run of elevated readings that ends with the latest (a normal reading
/// ends an episode).
pub fn assess_blood_pressure(
    readings: &[BpReading],
    age: u16,
    sex: Sex,
    risk: &RiskFactors,
    profile: &RuleProfile,
) -> Option<Decision<BpOutcome>> {
    let rules_bp = &profile.screening.blood_pressure;
    let d = &profile.danger;
    let stamp = profile.stamp();
    let mut sorted: Vec<&BpReading> = readings.iter().collect();
    sorted.sort_by_key(|r| r.date);
    let latest = *sorted.last()?;
    let decision = |outcome, rules| {
        Some(Decision {
            outcome,
            explanation: Explanation::new(stamp, rules),
        })
    };
    if latest.bp.reaches(d.sbp, d.dbp) {
        return decision(BpOutcome::Emergency, RuleSet::of(RuleId::ScreenBpEmergency));
    }
    let elevated = |r: &BpReading| r.bp.reaches(rules_bp.elevated_sbp, rules_bp.elevated_dbp);
    if elevated(latest) {
        let days: BTreeSet<Date> = sorted
            .iter()
            .rev()
            .take_while(|r| elevated(r))
            .map(|r| r.date)
            .collect();
        let count = u8::try_from(days.len()).unwrap_or(u8::MAX);
        if count >= rules_bp.diagnosis_readings {
            return decision(
                BpOutcome::PreliminaryDiagnosis {
                    follow_up_by: calendar::add_days(
                        latest.date,
                        rules_bp.diagnosis_follow_up_days,
                    ),
                },
                RuleSet::of(RuleId::ScreenBpThreeDays).with(RuleId::ScreenBpDiagnosisFollowUp),
            );
        }
        return decision(
            BpOutcome::RecheckRequired {
                elevated_days: count,
            },
            RuleSet::of(RuleId::ScreenBpRecheck),
        );
    }
    let factors = hypertension_risk_factors(latest.bp, age, sex, risk, profile);
    if factors.is_empty() {
        decision(
            BpOutcome::Normal {
                rescreen_on: calendar::add_months(latest.date, u16::from(rules_bp.interval_months)),
            },
            RuleSet::of(RuleId::ScreenBpNormal),
        )
    } else {
        decision(
            BpOutcome::HighRisk {
                rescreen_on: calendar::add_months(
                    latest.date,
                    u16::from(rules_bp.high_risk_interval_months),
                ),
            },
            factors.with(RuleId::ScreenBpHighRisk),
        )
    }
}

/// Assesses the reading taken on `on` on what was known by that day: `history` may hold
/// readings of later days (an import of older paper records), which do not decide it.
pub fn assess_blood_pressure_as_of(
    on: Date,
    history: &[BpReading],
    age: u16,
    sex: Sex,
    risk: &RiskFactors,
    profile: &RuleProfile,
) -> Option<Decision<BpOutcome>> {
    let known: Vec<BpReading> = history.iter().filter(|r| r.date <= on).copied().collect();
    assess_blood_pressure(&known, age, sex, risk, profile)
}

/// Why a screening reading's date cannot be right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ReadingDateError {
    /// Dated after the day it is recorded.
    #[error("a reading cannot be dated in the future")]
    InTheFuture,
    /// Dated before the resident was born.
    #[error("the reading predates the resident's birth")]
    BeforeBirth,
}

/// A reading is a fact about a living person: taken on or after their birth, by today.
pub fn check_reading_date(on: Date, birth: Date, today: Date) -> Result<(), ReadingDateError> {
    if calendar::not_after(on, today).is_err() {
        Err(ReadingDateError::InTheFuture)
    } else if on < birth {
        Err(ReadingDateError::BeforeBirth)
    } else {
        Ok(())
    }
}

/// The hypertension high-risk factors present, as the rules that fire (empty: none).
pub fn hypertension_risk_factors(
    bp: BloodPressure,
    age: u16,
    sex: Sex,
    risk: &RiskFactors,
    profile: &RuleProfile,
) -> RuleSet {
    let r = &profile.screening.blood_pressure;
    let mut fired = RuleSet::EMPTY;
    if bp.reaches(r.high_normal_sbp, r.high_normal_dbp) {
        fired.insert(RuleId::ScreenRiskHighNormal);
    }
    let waist_limit = match sex {
        Sex::Male => r.high_risk_waist_cm_male,
        Sex::Female => r.high_risk_waist_cm_female,
    };
    if risk
        .bmi
        .is_some_and(|b| b.tenths() >= r.high_risk_bmi_tenths)
        || risk.waist.is_some_and(|w| w.cm() >= waist_limit)
    {
        fired.insert(RuleId::ScreenRiskBodySize);
    }
    if risk.family_history {
        fired.insert(RuleId::ScreenRiskFamilyHistory);
    }
    if risk.high_salt_diet {
        fired.insert(RuleId::ScreenRiskSalt);
    }
    if risk.heavy_drinking {
        fired.insert(RuleId::ScreenRiskDrinking);
    }
    if age >= u16::from(r.high_risk_age) {
        fired.insert(RuleId::ScreenRiskAge);
    }
    fired
}

/// Which glucose was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GlucoseKind {
    /// Fasting.
    Fasting,
    /// Random.
    Random,
    /// 2 hours after a glucose load.
    TwoHour,
}

/// Outcome of a glucose screening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GlucoseOutcome {
    /// ≥ 16.7 or ≤ 3.9: emergency.
    Emergency,
    /// Suspected diabetes: confirm on another day.
    Suspected,
    /// Impaired fasting glucose: high risk.
    ImpairedFasting,
    /// Normal.
    Normal,
}

impl GlucoseOutcome {
    /// The suspected case this outcome flags: an emergency, or suspected diabetes to be
    /// confirmed on another day. `None` for impaired fasting glucose and normal readings.
    pub const fn suspected_case(self) -> Option<SuspectedCase> {
        match self {
            GlucoseOutcome::Emergency => Some(SuspectedCase {
                emergency: true,
                follow_up_by: None,
            }),
            GlucoseOutcome::Suspected => Some(SuspectedCase {
                emergency: false,
                follow_up_by: None,
            }),
            GlucoseOutcome::ImpairedFasting | GlucoseOutcome::Normal => None,
        }
    }
}

/// Assesses a glucose reading (WHO 1999, compared in tenths of mmol/L).
pub fn assess_glucose(
    glucose: Glucose,
    kind: GlucoseKind,
    symptoms: bool,
    profile: &RuleProfile,
) -> Decision<GlucoseOutcome> {
    let g = glucose.tenths();
    let d = &profile.danger;
    let s = &profile.screening.glucose;
    let (outcome, rule) = if g >= d.glucose_high_tenths || g <= d.glucose_low_tenths {
        (GlucoseOutcome::Emergency, RuleId::ScreenGlucoseEmergency)
    } else {
        match kind {
            GlucoseKind::Fasting if g >= s.diabetic_fasting_tenths => {
                (GlucoseOutcome::Suspected, RuleId::ScreenGlucoseSuspected)
            }
            GlucoseKind::Fasting if g >= s.impaired_fasting_tenths => (
                GlucoseOutcome::ImpairedFasting,
                RuleId::ScreenGlucoseImpaired,
            ),
            GlucoseKind::Random | GlucoseKind::TwoHour
                if symptoms && g >= s.diabetic_random_tenths =>
            {
                (GlucoseOutcome::Suspected, RuleId::ScreenGlucoseSuspected)
            }
            _ => (GlucoseOutcome::Normal, RuleId::ScreenGlucoseNormal),
        }
    };
    Decision {
        outcome,
        explanation: Explanation::new(profile.stamp(), RuleSet::of(rule)),
    }
}

/// A screening result was recorded, and whether it flags a suspected case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ScreeningEvent {
    /// A result was recorded with its decision.
    ScreeningRecorded {
        /// The screening record.
        screening: ScreeningId,
        /// The resident.
        resident: ResidentId,
        /// The programme.
        programme: Programme,
        /// Date.
        on: Date,
        /// Why the outcome is what it is.
        explanation: Explanation,
    },
    /// The result flags a suspected case: refer for confirmation (or emergency referral) and
    /// follow the result up.
    SuspectedCaseFlagged {
        /// The screening record.
        screening: ScreeningId,
        /// The resident.
        resident: ResidentId,
        /// The programme.
        programme: Programme,
        /// Whether it is an emergency.
        emergency: bool,
        /// When the screening institution must have followed up, if the rule sets a date.
        follow_up_by: Option<Date>,
    },
}

/// How a result reaches the record: one at a time by a clinician's command, or in an import
/// batch. It decides the events (decision 0005).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arrival {
    /// One result, recorded as it is taken: `ScreeningRecorded`, plus `SuspectedCaseFlagged`
    /// when flagged.
    Single,
    /// A row of an import batch: only `SuspectedCaseFlagged`, what a hospital system acts on.
    /// A `ScreeningRecorded` per row would double the rows a campaign writes and tell a
    /// consumer nothing the batch's results do not.
    Batch,
}

impl ScreeningEvent {
    /// The events of recording a blood-pressure decision as it arrived: see [`Arrival`];
    /// flagged are an emergency and a preliminary diagnosis ([`BpOutcome::suspected_case`]).
    pub fn blood_pressure(
        screening: ScreeningId,
        resident: ResidentId,
        on: Date,
        decision: &Decision<BpOutcome>,
        arrival: Arrival,
    ) -> Vec<ScreeningEvent> {
        Self::recorded(
            Recorded {
                screening,
                resident,
                programme: Programme::BloodPressure,
                on,
                explanation: decision.explanation,
            },
            decision.outcome.suspected_case(),
            arrival,
        )
    }

    /// The events of recording a glucose decision as it arrived: see [`Arrival`]; flagged are
    /// an emergency and suspected diabetes ([`GlucoseOutcome::suspected_case`]).
    pub fn glucose(
        screening: ScreeningId,
        resident: ResidentId,
        on: Date,
        decision: &Decision<GlucoseOutcome>,
        arrival: Arrival,
    ) -> Vec<ScreeningEvent> {
        Self::recorded(
            Recorded {
                screening,
                resident,
                programme: Programme::FastingGlucose,
                on,
                explanation: decision.explanation,
            },
            decision.outcome.suspected_case(),
            arrival,
        )
    }

    fn recorded(r: Recorded, flag: Option<SuspectedCase>, arrival: Arrival) -> Vec<ScreeningEvent> {
        let mut events = Vec::with_capacity(2);
        if arrival == Arrival::Single {
            events.push(ScreeningEvent::ScreeningRecorded {
                screening: r.screening,
                resident: r.resident,
                programme: r.programme,
                on: r.on,
                explanation: r.explanation,
            });
        }
        if let Some(case) = flag {
            events.push(ScreeningEvent::SuspectedCaseFlagged {
                screening: r.screening,
                resident: r.resident,
                programme: r.programme,
                emergency: case.emergency,
                follow_up_by: case.follow_up_by,
            });
        }
        events
    }
}

/// What every event of one recorded result names.
struct Recorded {
    screening: ScreeningId,
    resident: ResidentId,
    programme: Programme,
    on: Date,
    explanation: Explanation,
}

/// A self-care item score that is not one of the item's allowed values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{item} score {score} is not one of {allowed:?}")]
pub struct SelfCareError {
    /// The item.
    pub item: &'static str,
    /// The score given.
    pub score: u8,
    /// Allowed scores.
    pub allowed: &'static [u8],
}

impl BrokenRule for SelfCareError {
    fn rule(&self) -> RuleId {
        RuleId::ScreenSelfCare
    }
}

/// The elderly self-care assessment (老年人生活自理能力评估): five items with fixed scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "[u8; 5]", into = "[u8; 5]")]
pub struct SelfCareScore([u8; 5]);

const SELF_CARE_ITEMS: [(&str, &[u8]); 5] = [
    ("eating", &[0, 3, 5]),
    ("grooming", &[0, 1, 3, 7]),
    ("dressing", &[0, 3, 5]),
    ("toileting", &[0, 1, 5, 10]),
    ("mobility", &[0, 1, 5, 10]),
];

/// Dependence grade from the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dependence {
    /// 0–3.
    Independent,
    /// 4–8.
    Mild,
    /// 9–18.
    Moderate,
    /// 19+.
    Dependent,
}

impl SelfCareScore {
    /// Checks each item's score: eating, grooming, dressing, toileting, mobility.
    pub fn new(items: [u8; 5]) -> Result<Self, SelfCareError> {
        for ((item, allowed), score) in SELF_CARE_ITEMS.iter().zip(items) {
            if !allowed.contains(&score) {
                return Err(SelfCareError {
                    item,
                    score,
                    allowed,
                });
            }
        }
        Ok(Self(items))
    }

    /// The total.
    pub fn total(&self) -> u8 {
        self.0.iter().sum()
    }

    /// The grade.
    pub fn dependence(&self) -> Dependence {
        match self.total() {
            0..=3 => Dependence::Independent,
            4..=8 => Dependence::Mild,
            9..=18 => Dependence::Moderate,
            _ => Dependence::Dependent,
        }
    }
}

impl TryFrom<[u8; 5]> for SelfCareScore {
    type Error = SelfCareError;
    fn try_from(items: [u8; 5]) -> Result<Self, Self::Error> {
        Self::new(items)
    }
}

impl From<SelfCareScore> for [u8; 5] {
    fn from(s: SelfCareScore) -> [u8; 5] {
        s.0
    }
}

/// Which cancer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cancer {
    /// Cervical.
    Cervical,
    /// Breast.
    Breast,
}

/// Steps of the two-cancer pathways (CS-2022).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathwayStep {
    /// Cervical: gynaecological exam.
    GynaecologicalExam,
    /// Cervical: cytology or HPV test.
    CytologyOrHpv,
    /// Cervical: colposcopy.
    Colposcopy,
    /// Cervical: histopathology.
    Histopathology,
    /// Breast: clinical exam and ultrasound.
    ClinicalExamAndUltrasound,
    /// Breast: mammography.
    Mammography,
    /// Breast: biopsy.
    Biopsy,
}

impl PathwayStep {
    /// The cancer whose pathway the step belongs to.
    pub const fn cancer(self) -> Cancer {
        match self {
            PathwayStep::GynaecologicalExam
            | PathwayStep::CytologyOrHpv
            | PathwayStep::Colposcopy
            | PathwayStep::Histopathology => Cancer::Cervical,
            PathwayStep::ClinicalExamAndUltrasound
            | PathwayStep::Mammography
            | PathwayStep::Biopsy => Cancer::Breast,
        }
    }

    /// The next step after an abnormal result, or `None` at the final (diagnostic) step.
    pub const fn next(self) -> Option<PathwayStep> {
        match self {
            PathwayStep::GynaecologicalExam => Some(PathwayStep::CytologyOrHpv),
            PathwayStep::CytologyOrHpv => Some(PathwayStep::Colposcopy),
            PathwayStep::Colposcopy => Some(PathwayStep::Histopathology),
            PathwayStep::ClinicalExamAndUltrasound => Some(PathwayStep::Mammography),
            PathwayStep::Mammography => Some(PathwayStep::Biopsy),
            PathwayStep::Histopathology | PathwayStep::Biopsy => None,
        }
    }
}

/// The final result that closes a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseResult {
    /// Nothing found in the follow-up steps.
    NoCancer,
    /// A precancerous lesion (CIN2+, atypical hyperplasia).
    Precancerous,
    /// Cancer.
    Cancer,
    /// The woman declined further steps.
    Declined,
    /// Lost to follow-up.
    Lost,
}

/// Why a case command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    /// The step belongs to the other cancer's pathway.
    #[error("{step:?} is not a step of the {cancer:?} pathway")]
    WrongPathway {
        /// The step.
        step: PathwayStep,
        /// The case's cancer.
        cancer: Cancer,
    },
    /// A normal result does not open a case.
    #[error("only an abnormal result opens a case")]
    NotAbnormal,
    /// The case is closed.
    #[error("the case was closed")]
    Closed,
    /// A step out of order.
    #[error("the next step of this case is {expected:?}")]
    OutOfOrder {
        /// The step expected.
        expected: Option<PathwayStep>,
    },
}

impl BrokenRule for CaseError {
    fn rule(&self) -> RuleId {
        RuleId::ScreenTwoCancerCase
    }
}

/// A change to a two-cancer case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CaseEvent {
    /// An abnormal result opened a case.
    CaseOpened {
        /// The case.
        case: CancerCaseId,
        /// The woman.
        resident: ResidentId,
        /// Which cancer.
        cancer: Cancer,
        /// The abnormal step.
        step: PathwayStep,
        /// Date.
        on: Date,
    },
    /// A further step was done.
    StepRecorded {
        /// The case.
        case: CancerCaseId,
        /// The step.
        step: PathwayStep,
        /// Abnormal or not.
        abnormal: bool,
        /// Date.
        on: Date,
    },
    /// Closed with a result.
    CaseClosed {
        /// The case.
        case: CancerCaseId,
        /// The result.
        result: CaseResult,
        /// Date.
        on: Date,
    },
}

/// A two-cancer case: opened by an abnormal result, open until closed with a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancerCase {
    id: CancerCaseId,
    resident: ResidentId,
    cancer: Cancer,
    opened_on: Date,
    steps: Vec<(PathwayStep, bool, Date)>,
    closed: Option<(CaseResult, Date)>,
}

impl CancerCase {
    /// Opens a case from an abnormal result at `step`.
    pub fn open(
        id: CancerCaseId,
        resident: ResidentId,
        step: PathwayStep,
        abnormal: bool,
        on: Date,
    ) -> Result<(CancerCase, Vec<CaseEvent>), CaseError> {
        if !abnormal {
            return Err(CaseError::NotAbnormal);
        }
        let case = CancerCase {
            id,
            resident,
            cancer: step.cancer(),
            opened_on: on,
            steps: vec![(step, true, on)],
            closed: None,
        };
        let event = CaseEvent::CaseOpened {
            case: id,
            resident,
            cancer: case.cancer,
            step,
            on,
        };
        Ok((case, vec![event]))
    }

    /// The step the case waits for: the one after the last abnormal result.
    pub fn expected_step(&self) -> Option<PathwayStep> {
        self.steps.last().and_then(|(s, _, _)| s.next())
    }

    /// Records the next step. A normal result or a final step does not close the case: only
    /// [`CancerCase::close`] does, with a result.
    pub fn record_step(
        mut self,
        step: PathwayStep,
        abnormal: bool,
        on: Date,
    ) -> Result<(CancerCase, Vec<CaseEvent>), CaseError> {
        if self.closed.is_some() {
            return Err(CaseError::Closed);
        }
        if step.cancer() != self.cancer {
            return Err(CaseError::WrongPathway {
                step,
                cancer: self.cancer,
            });
        }
        let expected = self.expected_step();
        if expected != Some(step) {
            return Err(CaseError::OutOfOrder { expected });
        }
        self.steps.push((step, abnormal, on));
        let event = CaseEvent::StepRecorded {
            case: self.id,
            step,
            abnormal,
            on,
        };
        Ok((self, vec![event]))
    }

    /// Closes the case with its result.
    pub fn close(
        self,
        result: CaseResult,
        on: Date,
    ) -> Result<(CancerCase, Vec<CaseEvent>), CaseError> {
        if self.closed.is_some() {
            return Err(CaseError::Closed);
        }
        let event = CaseEvent::CaseClosed {
            case: self.id,
            result,
            on,
        };
        Ok((
            CancerCase {
                closed: Some((result, on)),
                ..self
            },
            vec![event],
        ))
    }

    /// Its id.
    pub fn id(&self) -> CancerCaseId {
        self.id
    }

    /// The woman screened.
    pub fn resident(&self) -> ResidentId {
        self.resident
    }

    /// Which cancer.
    pub fn cancer(&self) -> Cancer {
        self.cancer
    }

    /// Opening date.
    pub fn opened_on(&self) -> Date {
        self.opened_on
    }

    /// Steps so far: step, abnormal, date.
    pub fn steps(&self) -> &[(PathwayStep, bool, Date)] {
        &self.steps
    }

    /// Whether still open.
    pub fn is_open(&self) -> bool {
        self.closed.is_none()
    }

    /// Result and date, once closed.
    pub fn closed(&self) -> Option<(CaseResult, Date)> {
        self.closed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn subject(birth: Date, sex: Sex) -> ScreeningSubject {
        ScreeningSubject {
            birth_date: birth,
            sex,
            permanent_resident: true,
            high_risk: false,
            diagnosed: false,
        }
    }

    #[test]
    fn blood_pressure_screening_starts_at_35_and_repeats_yearly_or_every_6_months() {
        let p = RuleProfile::bphs3();
        let on = date!(2026 - 06 - 01);
        let young = subject(date!(1991 - 06 - 02), Sex::Male);
        assert!(!eligibility(Programme::BloodPressure, &young, None, on, &p).eligible);
        let adult = subject(date!(1991 - 06 - 01), Sex::Male);
        let e = eligibility(
            Programme::BloodPressure,
            &adult,
            Some(date!(2026 - 01 - 10)),
            on,
            &p,
        );
        assert_eq!(e.next_due, Some(date!(2027 - 01 - 10)));
        let risky = ScreeningSubject {
            high_risk: true,
            ..adult
        };
        let e = eligibility(
            Programme::BloodPressure,
            &risky,
            Some(date!(2026 - 01 - 10)),
            on,
            &p,
        );
        assert_eq!(e.next_due, Some(date!(2026 - 07 - 10)));
        assert!(e.explanation.rules.contains(RuleId::ScreenBpHighRisk));
        let managed = ScreeningSubject {
            diagnosed: true,
            ..adult
        };
        assert!(!eligibility(Programme::BloodPressure, &managed, None, on, &p).eligible);
    }

    #[test]
    fn two_cancer_screening_is_for_women_35_to_64_once_per_cycle() {
        let p = RuleProfile::bphs3();
        let on = date!(2026 - 06 - 01);
        let woman = subject(date!(1962 - 06 - 01), Sex::Female);
        let e = eligibility(
            Programme::TwoCancer,
            &woman,
            Some(date!(2024 - 03 - 01)),
            on,
            &p,
        );
        assert_eq!(e.next_due, Some(date!(2027 - 03 - 01)));
        assert!(
            !eligibility(
                Programme::TwoCancer,
                &subject(date!(1961 - 06 - 01), Sex::Female),
                None,
                on,
                &p
            )
            .eligible
        );
        assert!(
            !eligibility(
                Programme::TwoCancer,
                &subject(date!(1980 - 01 - 01), Sex::Male),
                None,
                on,
                &p
            )
            .eligible
        );
    }

    #[test]
    fn glucose_thresholds_compare_in_tenths() {
        let p = RuleProfile::bphs3();
        let outcome = |tenths, kind, symptoms| {
            assess_glucose(Glucose::from_tenths(tenths).unwrap(), kind, symptoms, &p).outcome
        };
        assert_eq!(
            outcome(60, GlucoseKind::Fasting, false),
            GlucoseOutcome::Normal
        );
        assert_eq!(
            outcome(61, GlucoseKind::Fasting, false),
            GlucoseOutcome::ImpairedFasting
        );
        assert_eq!(
            outcome(69, GlucoseKind::Fasting, false),
            GlucoseOutcome::ImpairedFasting
        );
        assert_eq!(
            outcome(70, GlucoseKind::Fasting, false),
            GlucoseOutcome::Suspected
        );
        assert_eq!(
            outcome(111, GlucoseKind::Random, true),
            GlucoseOutcome::Suspected
        );
        assert_eq!(
            outcome(111, GlucoseKind::Random, false),
            GlucoseOutcome::Normal
        );
        assert_eq!(
            outcome(110, GlucoseKind::TwoHour, true),
            GlucoseOutcome::Normal
        );
        assert_eq!(
            outcome(167, GlucoseKind::Random, false),
            GlucoseOutcome::Emergency
        );
        assert_eq!(
            outcome(39, GlucoseKind::Fasting, false),
            GlucoseOutcome::Emergency
        );
        assert_eq!(
            outcome(40, GlucoseKind::Fasting, false),
            GlucoseOutcome::Normal
        );
    }

    #[test]
    fn three_elevated_days_give_a_preliminary_diagnosis_and_a_normal_reading_restarts() {
        let p = RuleProfile::bphs3();
        let r = |d: Date, sbp| BpReading {
            date: d,
            bp: BloodPressure::new(sbp, 80).unwrap(),
        };
        let assess = |rs: &[BpReading]| {
            assess_blood_pressure(rs, 50, Sex::Male, &RiskFactors::default(), &p)
                .unwrap()
                .outcome
        };
        let d1 = date!(2026 - 03 - 01);
        let d2 = date!(2026 - 03 - 05);
        let d3 = date!(2026 - 03 - 09);
        assert_eq!(
            assess(&[r(d1, 145)]),
            BpOutcome::RecheckRequired { elevated_days: 1 }
        );
        // Two readings on one day count once.
        assert_eq!(
            assess(&[r(d1, 145), r(d1, 150), r(d2, 146)]),
            BpOutcome::RecheckRequired { elevated_days: 2 }
        );
        assert_eq!(
            assess(&[r(d1, 145), r(d2, 146), r(d3, 141)]),
            BpOutcome::PreliminaryDiagnosis {
                follow_up_by: date!(2026 - 03 - 23)
            }
        );
        assert_eq!(
            assess(&[r(d1, 145), r(d2, 120), r(d3, 141)]),
            BpOutcome::RecheckRequired { elevated_days: 1 }
        );
        assert!(assess_blood_pressure(&[], 50, Sex::Male, &RiskFactors::default(), &p).is_none());
    }

    #[test]
    fn each_risk_factor_alone_makes_a_high_risk_person() {
        let p = RuleProfile::bphs3();
        let bp = BloodPressure::new(120, 70).unwrap();
        let none = RiskFactors::default();
        assert!(hypertension_risk_factors(bp, 40, Sex::Male, &none, &p).is_empty());
        assert!(
            hypertension_risk_factors(bp, 55, Sex::Male, &none, &p).contains(RuleId::ScreenRiskAge)
        );
        let waist = RiskFactors {
            waist: Some(Waist::from_cm(85).unwrap()),
            ..none
        };
        assert!(
            hypertension_risk_factors(bp, 40, Sex::Female, &waist, &p)
                .contains(RuleId::ScreenRiskBodySize)
        );
        assert!(hypertension_risk_factors(bp, 40, Sex::Male, &waist, &p).is_empty());
        let bmi = RiskFactors {
            bmi: Some(Bmi::from_tenths(240).unwrap()),
            ..none
        };
        assert!(
            hypertension_risk_factors(bp, 40, Sex::Male, &bmi, &p)
                .contains(RuleId::ScreenRiskBodySize)
        );
        for factors in [
            RiskFactors {
                family_history: true,
                ..none
            },
            RiskFactors {
                high_salt_diet: true,
                ..none
            },
            RiskFactors {
                heavy_drinking: true,
                ..none
            },
        ] {
            assert!(!hypertension_risk_factors(bp, 40, Sex::Male, &factors, &p).is_empty());
        }
    }

    #[test]
    fn a_preliminary_diagnosis_flags_a_suspected_case_and_a_normal_result_does_not() {
        let p = RuleProfile::bphs3();
        let r = |d: Date, sbp| BpReading {
            date: d,
            bp: BloodPressure::new(sbp, 80).unwrap(),
        };
        let readings = [
            r(date!(2026 - 03 - 01), 150),
            r(date!(2026 - 03 - 03), 150),
            r(date!(2026 - 03 - 05), 150),
        ];
        let d =
            assess_blood_pressure(&readings, 50, Sex::Male, &RiskFactors::default(), &p).unwrap();
        let events = ScreeningEvent::blood_pressure(
            ScreeningId::from_u128(1),
            ResidentId::from_u128(2),
            date!(2026 - 03 - 05),
            &d,
            Arrival::Single,
        );
        assert!(matches!(
            events[1],
            ScreeningEvent::SuspectedCaseFlagged {
                emergency: false,
                follow_up_by: Some(_),
                ..
            }
        ));
        let g = assess_glucose(
            Glucose::from_tenths(55).unwrap(),
            GlucoseKind::Fasting,
            false,
            &p,
        );
        assert_eq!(
            ScreeningEvent::glucose(
                ScreeningId::from_u128(1),
                ResidentId::from_u128(2),
                date!(2026 - 03 - 05),
                &g,
                Arrival::Single,
            )
            .len(),
            1
        );
    }

    #[test]
    fn a_batch_row_emits_only_its_flag() {
        let p = RuleProfile::bphs3();
        let emergency = assess_glucose(
            Glucose::from_tenths(170).unwrap(),
            GlucoseKind::Random,
            false,
            &p,
        );
        let normal = assess_glucose(
            Glucose::from_tenths(55).unwrap(),
            GlucoseKind::Fasting,
            false,
            &p,
        );
        let events = |d: &Decision<GlucoseOutcome>| {
            ScreeningEvent::glucose(
                ScreeningId::from_u128(1),
                ResidentId::from_u128(2),
                date!(2026 - 03 - 05),
                d,
                Arrival::Batch,
            )
        };
        assert!(matches!(
            events(&emergency).as_slice(),
            [ScreeningEvent::SuspectedCaseFlagged {
                emergency: true,
                ..
            }]
        ));
        assert!(events(&normal).is_empty());
    }

    #[test]
    fn a_reading_is_dated_between_birth_and_today() {
        let birth = date!(1970 - 05 - 01);
        let today = date!(2026 - 03 - 05);
        assert_eq!(check_reading_date(today, birth, today), Ok(()));
        assert_eq!(check_reading_date(birth, birth, today), Ok(()));
        assert_eq!(
            check_reading_date(date!(2026 - 03 - 06), birth, today),
            Err(ReadingDateError::InTheFuture)
        );
        assert_eq!(
            check_reading_date(date!(1970 - 04 - 30), birth, today),
            Err(ReadingDateError::BeforeBirth)
        );
    }

    #[test]
    fn a_reading_is_judged_on_what_was_known_by_its_date() {
        let p = RuleProfile::bphs3();
        let r = |d: Date, sbp| BpReading {
            date: d,
            bp: BloodPressure::new(sbp, 80).unwrap(),
        };
        // Two later elevated readings are on file; the older one is judged alone.
        let history = [
            r(date!(2026 - 03 - 01), 150),
            r(date!(2026 - 03 - 03), 150),
            r(date!(2026 - 03 - 05), 150),
        ];
        let d = assess_blood_pressure_as_of(
            date!(2026 - 03 - 01),
            &history,
            50,
            Sex::Male,
            &RiskFactors::default(),
            &p,
        )
        .unwrap();
        assert_eq!(d.outcome, BpOutcome::RecheckRequired { elevated_days: 1 });
    }

    #[test]
    fn a_self_care_score_outside_the_items_values_is_refused() {
        let err = SelfCareScore::new([1, 0, 0, 0, 0]).unwrap_err();
        assert_eq!(err.item, "eating");
        assert_eq!(
            SelfCareScore::new([0, 0, 0, 0, 0]).unwrap().dependence(),
            Dependence::Independent
        );
        assert_eq!(
            SelfCareScore::new([5, 7, 5, 10, 10]).unwrap().dependence(),
            Dependence::Dependent
        );
    }

    #[test]
    fn a_cancer_case_stays_open_until_closed_with_a_result() {
        let id = CancerCaseId::from_u128(1);
        let woman = ResidentId::from_u128(2);
        let d = date!(2026 - 04 - 01);
        assert_eq!(
            CancerCase::open(id, woman, PathwayStep::CytologyOrHpv, false, d).unwrap_err(),
            CaseError::NotAbnormal
        );
        let (case, _) = CancerCase::open(id, woman, PathwayStep::CytologyOrHpv, true, d).unwrap();
        assert_eq!(case.expected_step(), Some(PathwayStep::Colposcopy));
        assert!(matches!(
            case.clone()
                .record_step(PathwayStep::Mammography, true, d)
                .unwrap_err(),
            CaseError::WrongPathway { .. }
        ));
        assert!(matches!(
            case.clone()
                .record_step(PathwayStep::Histopathology, true, d)
                .unwrap_err(),
            CaseError::OutOfOrder { .. }
        ));
        let (case, _) = case.record_step(PathwayStep::Colposcopy, false, d).unwrap();
        assert!(case.is_open(), "a normal step does not close the case");
        let (case, events) = case.close(CaseResult::NoCancer, d).unwrap();
        assert!(!case.is_open());
        assert_eq!(events.len(), 1);
        assert_eq!(
            case.close(CaseResult::Cancer, d).unwrap_err(),
            CaseError::Closed
        );
    }
}
