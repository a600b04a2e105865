//! The rates a county is assessed on (section 6, indicators; §11; FD-2018): management,
//! standardized management and control per condition, the severe mental disorder stable rate,
//! elderly management and 65+ check coverage, blood-pressure and two-cancer screening
//! coverage, and contract renewal. Each is kept as counts per grid (summed, never averaged) and read as a [`Rate`]
//! with the rule that defines it.
//!
//! Rates defined on the year (all but the estimate and the two-cancer coverage, which counts the
//! profile's screening cycle up to the date) count the calendar year up to the date:
//! a report for a month or a quarter is the year to date at that period's close, as the
//! national reporting of basic public health services is cumulative.

use serde::{Deserialize, Serialize};
use time::Date;

use super::Rate;
use crate::followup::Condition;
use crate::grid::AssessedCounts;
use crate::profile::RuleProfile;
use crate::rule::RuleId;
use crate::vocabulary::codes;

/// A 65+ check of the year as the indicators see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckFact {
    /// The day of the check.
    pub on: Date,
    /// The day its results were fed back with guidance (ELD-GUIDED), if they were.
    pub guided_on: Option<Date>,
}

impl CheckFact {
    /// Whether the resident had been given the check's guidance by `on`.
    pub fn guided_by(&self, on: Date) -> bool {
        self.guided_on.is_some_and(|d| d <= on)
    }
}

/// Whether `checks` hold the annual check of a patient managed for `condition` in the year of
/// `on` (ELD-ANNUAL-CHECK: the check of a hypertension or diabetes patient is the annual
/// check of that condition; the severe mental disorder programme has none of its own here).
pub fn annual_check_done(condition: Condition, checks: &[CheckFact], on: Date) -> bool {
    matches!(
        condition,
        Condition::Hypertension | Condition::Type2Diabetes
    ) && checks
        .iter()
        .any(|c| c.on <= on && c.on.year() == on.year())
}

/// The assessed rates, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessedRate {
    /// Hypertension patients managed / the estimate.
    HypertensionManagement,
    /// Hypertension patients managed per the standard / managed.
    HypertensionStandardizedManagement,
    /// Hypertension patients controlled / managed.
    HypertensionControl,
    /// Diabetes patients managed / the estimate.
    DiabetesManagement,
    /// Diabetes patients managed per the standard / managed.
    DiabetesStandardizedManagement,
    /// Diabetes patients controlled / managed.
    DiabetesControl,
    /// Severe mental disorder patients stable / managed.
    MentalDisorderStable,
    /// 65+ with record, check and guidance / 65+ permanent residents.
    ElderlyManagement,
    /// 65+ checked / 65+ permanent residents.
    ElderlyCheckCoverage,
    /// Screened by the blood-pressure programme / covered by it.
    BloodPressureScreeningCoverage,
    /// Women examined for cervical cancer in the cycle / women the programme covers.
    CervicalScreeningCoverage,
    /// Women examined for breast cancer in the cycle / women the programme covers.
    BreastScreeningCoverage,
    /// Renewed / ran to their end.
    ContractRenewal,
}

codes!(AssessedRate {
    HypertensionManagement => "hypertension_management",
    HypertensionStandardizedManagement => "hypertension_standardized_management",
    HypertensionControl => "hypertension_control",
    DiabetesManagement => "diabetes_management",
    DiabetesStandardizedManagement => "diabetes_standardized_management",
    DiabetesControl => "diabetes_control",
    MentalDisorderStable => "mental_disorder_stable",
    ElderlyManagement => "elderly_management",
    ElderlyCheckCoverage => "elderly_check_coverage",
    BloodPressureScreeningCoverage => "blood_pressure_screening_coverage",
    CervicalScreeningCoverage => "cervical_screening_coverage",
    BreastScreeningCoverage => "breast_screening_coverage",
    ContractRenewal => "contract_renewal",
});

impl AssessedRate {
    /// The rule defining the rate.
    pub const fn rule(self) -> RuleId {
        match self {
            AssessedRate::HypertensionManagement | AssessedRate::DiabetesManagement => {
                RuleId::IndicatorManagement
            }
            AssessedRate::HypertensionStandardizedManagement
            | AssessedRate::DiabetesStandardizedManagement => RuleId::IndicatorStandardized,
            AssessedRate::HypertensionControl | AssessedRate::DiabetesControl => {
                RuleId::IndicatorControl
            }
            AssessedRate::MentalDisorderStable => RuleId::IndicatorMentalStable,
            AssessedRate::ElderlyManagement => RuleId::IndicatorElderly,
            AssessedRate::ElderlyCheckCoverage => RuleId::IndicatorElderlyCheck,
            AssessedRate::BloodPressureScreeningCoverage => RuleId::IndicatorScreening,
            AssessedRate::CervicalScreeningCoverage | AssessedRate::BreastScreeningCoverage => {
                RuleId::IndicatorTwoCancer
            }
            AssessedRate::ContractRenewal => RuleId::IndicatorRenewal,
        }
    }

    /// The national goal in percent for a report of `year`, where one is set: standardized
    /// management ≥ 65% by 2025 and ≥ 70% from 2030 (IND-STANDARDIZED).
    pub const fn national_goal_percent(self, year: i32) -> Option<u8> {
        match self {
            AssessedRate::HypertensionStandardizedManagement
            | AssessedRate::DiabetesStandardizedManagement => {
                Some(if year >= 2030 { 70 } else { 65 })
            }
            _ => None,
        }
    }
}

impl AssessedRate {
    /// The rate of `counts`. The management rate's denominator is the estimate (adults times
    /// the profile's prevalence, rounded half up); it may exceed 100%.
    pub fn of(self, counts: &AssessedCounts, profile: &RuleProfile) -> Rate {
        let c = counts;
        let estimate = |per_mille: u16| (c.adults * u64::from(per_mille) + 500) / 1000;
        let ind = &profile.indicators;
        let (numerator, denominator) = match self {
            AssessedRate::HypertensionManagement => (
                c.hypertension.managed,
                estimate(ind.hypertension_prevalence_per_mille),
            ),
            AssessedRate::HypertensionStandardizedManagement => {
                (c.hypertension.standardized, c.hypertension.managed)
            }
            AssessedRate::HypertensionControl => {
                (c.hypertension.controlled, c.hypertension.managed)
            }
            AssessedRate::DiabetesManagement => (
                c.diabetes.managed,
                estimate(ind.diabetes_prevalence_per_mille),
            ),
            AssessedRate::DiabetesStandardizedManagement => {
                (c.diabetes.standardized, c.diabetes.managed)
            }
            AssessedRate::DiabetesControl => (c.diabetes.controlled, c.diabetes.managed),
            AssessedRate::MentalDisorderStable => {
                (c.mental_disorder_stable, c.mental_disorder_managed)
            }
            AssessedRate::ElderlyManagement => (c.elderly_managed, c.elderly),
            AssessedRate::ElderlyCheckCoverage => (c.elderly_checked, c.elderly),
            AssessedRate::BloodPressureScreeningCoverage => (c.bp_screened, c.bp_eligible),
            AssessedRate::CervicalScreeningCoverage => (c.cervical_screened, c.two_cancer_eligible),
            AssessedRate::BreastScreeningCoverage => (c.breast_screened, c.two_cancer_eligible),
            AssessedRate::ContractRenewal => (c.contracts_renewed, c.contracts_ended),
        };
        Rate {
            numerator,
            denominator,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::followup::MentalDiagnosis;
    use crate::vocabulary::tests::check_unit;
    use time::macros::date;

    #[test]
    fn codes_are_the_serde_names() {
        check_unit(
            AssessedRate::ALL,
            AssessedRate::code,
            AssessedRate::from_code,
        );
    }

    #[test]
    fn the_annual_check_is_this_years_check_of_a_hypertension_or_diabetes_patient() {
        let on = date!(2026 - 03 - 01);
        let last_year = [CheckFact {
            on: date!(2025 - 12 - 30),
            guided_on: Some(date!(2025 - 12 - 30)),
        }];
        assert!(!annual_check_done(Condition::Hypertension, &last_year, on));
        let this_year = [CheckFact {
            on: date!(2026 - 02 - 01),
            guided_on: None,
        }];
        assert!(annual_check_done(Condition::Type2Diabetes, &this_year, on));
        assert!(!annual_check_done(
            Condition::SevereMentalDisorder(MentalDiagnosis::Schizophrenia),
            &this_year,
            on
        ));
        let later = [CheckFact {
            on: date!(2026 - 03 - 02),
            guided_on: Some(date!(2026 - 03 - 02)),
        }];
        assert!(!annual_check_done(Condition::Hypertension, &later, on));
    }

    #[test]
    fn guidance_counts_from_the_day_it_was_fed_back() {
        let check = CheckFact {
            on: date!(2026 - 12 - 30),
            guided_on: Some(date!(2027 - 01 - 04)),
        };
        assert!(!check.guided_by(date!(2026 - 12 - 31)));
        assert!(check.guided_by(date!(2027 - 01 - 04)));
        assert!(
            !CheckFact {
                guided_on: None,
                ..check
            }
            .guided_by(date!(2027 - 06 - 01))
        );
    }

    #[test]
    fn the_standardized_goal_rises_to_70_percent_from_2030() {
        let rate = AssessedRate::DiabetesStandardizedManagement;
        assert_eq!(rate.national_goal_percent(2029), Some(65));
        assert_eq!(rate.national_goal_percent(2030), Some(70));
        assert_eq!(
            AssessedRate::DiabetesControl.national_goal_percent(2030),
            None
        );
    }

    #[test]
    fn the_management_estimate_is_adults_times_prevalence_and_may_be_exceeded() {
        let p = RuleProfile::bphs3();
        let mut counts = AssessedCounts {
            adults: 1_000,
            ..AssessedCounts::default()
        };
        counts.hypertension.managed = 250;
        let rate = AssessedRate::HypertensionManagement.of(&counts, &p);
        assert_eq!((rate.numerator, rate.denominator), (250, 232));
        assert_eq!(rate.basis_points(), Some(10_776));
        assert_eq!(rate.percentage(), None);
        assert_eq!(
            AssessedRate::DiabetesManagement.of(&counts, &p).denominator,
            112
        );
    }
}
