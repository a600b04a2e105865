//! Blood-pressure screening: the episode's outcome (emergency, recheck, preliminary diagnosis,
//! high risk, normal) and the hypertension high-risk factors.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::Date;

use super::decision::{Decision, SuspectedCase};
use crate::calendar;
use crate::identity::Sex;
use crate::measure::{BloodPressure, Bmi, Height, Waist, Weight};
use crate::profile::RuleProfile;
use crate::rule::{Explanation, RuleId, RuleSet};

/// High-risk factors for hypertension besides the reading itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RiskFactors {
    /// Height, if measured (recorded; the BMI is what the rule reads).
    #[serde(default)]
    pub height: Option<Height>,
    /// Weight, if measured.
    #[serde(default)]
    pub weight: Option<Weight>,
    /// BMI, given or from height and weight ([`body_mass_index`](crate::measure::body_mass_index)).
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

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

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
}
