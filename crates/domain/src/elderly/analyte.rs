//! The quantities the check's auxiliary tests report, each with its unit and plausible range.
//!
//! Values are hundredths of the unit (laboratories report two decimals), held as integers so a
//! threshold is compared exactly. A value outside the plausible range is a typing error.

#![allow(
    clippy::inconsistent_digit_grouping,
    clippy::zero_prefixed_literal,
    reason = "hundredths written as units_hundredths: 6_99 is 6.99, 0_50 is 0.50"
)]

use serde::{Deserialize, Serialize};

use super::vocabulary::AuxiliaryTest;
use crate::vocabulary::codes;

/// One reported quantity of an auxiliary test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Analyte {
    /// Haemoglobin, g/L.
    Hemoglobin,
    /// White cells, ×10⁹/L.
    WhiteCells,
    /// Platelets, ×10⁹/L.
    Platelets,
    /// Urine protein, grade 0–4 (0 negative, 0.5 trace, 1–4 for + to ++++).
    UrineProtein,
    /// Urine glucose, grade.
    UrineGlucose,
    /// Urine ketones, grade.
    UrineKetones,
    /// Urine occult blood, grade.
    UrineOccultBlood,
    /// ALT, U/L.
    Alt,
    /// AST, U/L.
    Ast,
    /// Total bilirubin, μmol/L.
    TotalBilirubin,
    /// Serum creatinine, μmol/L.
    Creatinine,
    /// Urea, mmol/L.
    Urea,
    /// Fasting glucose, mmol/L.
    Glucose,
    /// Total cholesterol, mmol/L.
    TotalCholesterol,
    /// Triglycerides, mmol/L.
    Triglycerides,
    /// LDL cholesterol, mmol/L.
    LdlCholesterol,
    /// HDL cholesterol, mmol/L.
    HdlCholesterol,
}

codes!(Analyte {
    Hemoglobin => "hemoglobin",
    WhiteCells => "white_cells",
    Platelets => "platelets",
    UrineProtein => "urine_protein",
    UrineGlucose => "urine_glucose",
    UrineKetones => "urine_ketones",
    UrineOccultBlood => "urine_occult_blood",
    Alt => "alt",
    Ast => "ast",
    TotalBilirubin => "total_bilirubin",
    Creatinine => "creatinine",
    Urea => "urea",
    Glucose => "glucose",
    TotalCholesterol => "total_cholesterol",
    Triglycerides => "triglycerides",
    LdlCholesterol => "ldl_cholesterol",
    HdlCholesterol => "hdl_cholesterol",
});

impl Analyte {
    /// The test that reports it.
    pub const fn test(self) -> AuxiliaryTest {
        use Analyte::*;
        match self {
            Hemoglobin | WhiteCells | Platelets => AuxiliaryTest::BloodRoutine,
            UrineProtein | UrineGlucose | UrineKetones | UrineOccultBlood => {
                AuxiliaryTest::UrineRoutine
            }
            Alt | Ast | TotalBilirubin => AuxiliaryTest::LiverFunction,
            Creatinine | Urea => AuxiliaryTest::KidneyFunction,
            Glucose => AuxiliaryTest::FastingGlucose,
            TotalCholesterol | Triglycerides | LdlCholesterol | HdlCholesterol => {
                AuxiliaryTest::Lipids
            }
        }
    }

    /// The unit, as a report prints it.
    pub const fn unit(self) -> &'static str {
        use Analyte::*;
        match self {
            Hemoglobin => "g/L",
            WhiteCells | Platelets => "×10⁹/L",
            UrineProtein | UrineGlucose | UrineKetones | UrineOccultBlood => "grade",
            Alt | Ast => "U/L",
            TotalBilirubin | Creatinine => "μmol/L",
            Urea | Glucose | TotalCholesterol | Triglycerides | LdlCholesterol | HdlCholesterol => {
                "mmol/L"
            }
        }
    }

    /// The plausible values, hundredths of the unit (inclusive).
    pub const fn plausible(self) -> (u32, u32) {
        use Analyte::*;
        match self {
            Hemoglobin => (20_00, 250_00),
            WhiteCells => (0_10, 500_00),
            Platelets => (1_00, 2000_00),
            UrineProtein | UrineGlucose | UrineKetones | UrineOccultBlood => (0, 4_00),
            Alt | Ast => (0, 10_000_00),
            TotalBilirubin => (0, 1000_00),
            Creatinine => (5_00, 3000_00),
            Urea => (0_50, 100_00),
            // The same range as `Glucose` (0.50–60.00).
            Glucose => (0_50, 60_00),
            TotalCholesterol | Triglycerides | LdlCholesterol | HdlCholesterol => (0_05, 50_00),
        }
    }

    /// The analytes a test may report (none for ECG and ultrasound, which report a finding).
    pub fn of(test: AuxiliaryTest) -> impl Iterator<Item = Analyte> {
        Analyte::ALL
            .iter()
            .copied()
            .filter(move |a| a.test() == test)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::tests::check_unit;

    #[test]
    fn analyte_codes_are_the_serde_names_and_parse_back() {
        check_unit(Analyte::ALL, Analyte::code, Analyte::from_code);
    }

    #[test]
    fn every_numeric_test_has_analytes_and_the_imaging_ones_none() {
        for test in AuxiliaryTest::ALL {
            let imaging = matches!(
                test,
                AuxiliaryTest::Ecg | AuxiliaryTest::AbdominalUltrasound
            );
            assert_eq!(Analyte::of(*test).next().is_none(), imaging, "{test:?}");
        }
    }

    #[test]
    fn glucose_has_the_measures_range() {
        let (lo, hi) = Analyte::Glucose.plausible();
        use crate::measure::Glucose;
        assert!(Glucose::from_hundredths(lo).is_ok() && Glucose::from_hundredths(hi).is_ok());
        assert!(Glucose::from_hundredths(lo - 1).is_err());
        assert!(Glucose::from_hundredths(hi + 1).is_err());
    }
}
