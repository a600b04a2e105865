//! Cervical and breast cancer cases: opened by an abnormal result, led along the pathway's
//! steps, open until closed with a result.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::ids::{CancerCaseId, ResidentId};
use crate::rule::{BrokenRule, RuleId};
use crate::vocabulary::codes;

/// Which cancer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cancer {
    /// Cervical.
    Cervical,
    /// Breast.
    Breast,
}

codes!(Cancer {
    Cervical => "cervical",
    Breast => "breast",
});

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

codes!(PathwayStep {
    GynaecologicalExam => "gynaecological_exam",
    CytologyOrHpv => "cytology_or_hpv",
    Colposcopy => "colposcopy",
    Histopathology => "histopathology",
    ClinicalExamAndUltrasound => "clinical_exam_and_ultrasound",
    Mammography => "mammography",
    Biopsy => "biopsy",
});

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

codes!(CaseResult {
    NoCancer => "no_cancer",
    Precancerous => "precancerous",
    Cancer => "cancer",
    Declined => "declined",
    Lost => "lost",
});

/// Why a case command was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    /// The step belongs to the other cancer's pathway.
    #[error("{} is not a step of the {} pathway", step.code(), cancer.code())]
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
    #[error("{}", match expected {
        Some(step) => format!("the next step of this case is {}", step.code()),
        None => "this case waits for its result, not another step".to_owned(),
    })]
    OutOfOrder {
        /// The step expected.
        expected: Option<PathwayStep>,
    },
    /// A step or close dated before the case's last step: a case's history runs forward.
    #[error("the case's last step was on {last}; nothing on it can be dated before")]
    BeforeLastStep {
        /// The last step's date.
        last: Date,
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
    /// An exam of the programme (or an opportunistic one) was recorded, normal or not.
    ExamRecorded {
        /// The exam.
        exam: crate::ids::CancerExamId,
        /// The woman.
        resident: ResidentId,
        /// The step examined.
        step: PathwayStep,
        /// Abnormal or not.
        abnormal: bool,
        /// Date.
        on: Date,
    },
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

    /// The step the case waits for: the pathway's next after an abnormal last result; none
    /// after a normal one (the case waits for its result), after the final step, or once closed.
    pub fn expected_step(&self) -> Option<PathwayStep> {
        if self.closed.is_some() {
            return None;
        }
        self.steps
            .last()
            .filter(|(_, abnormal, _)| *abnormal)
            .and_then(|(s, _, _)| s.next())
    }

    /// The day of the last step: nothing on the case may be dated before it.
    pub fn last_step_on(&self) -> Date {
        self.steps.last().map_or(self.opened_on, |(_, _, on)| *on)
    }

    fn not_before_last_step(&self, on: Date) -> Result<(), CaseError> {
        let last = self.last_step_on();
        if on < last {
            return Err(CaseError::BeforeLastStep { last });
        }
        Ok(())
    }

    /// Records the next step, on or after the last. A normal result or a final step does not close the case: only
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
        self.not_before_last_step(on)?;
        self.steps.push((step, abnormal, on));
        let event = CaseEvent::StepRecorded {
            case: self.id,
            step,
            abnormal,
            on,
        };
        Ok((self, vec![event]))
    }

    /// Closes the case with its result, on or after its last step.
    pub fn close(
        self,
        result: CaseResult,
        on: Date,
    ) -> Result<(CancerCase, Vec<CaseEvent>), CaseError> {
        if self.closed.is_some() {
            return Err(CaseError::Closed);
        }
        self.not_before_last_step(on)?;
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
    use crate::vocabulary::tests::check_unit;
    use time::macros::date;

    #[test]
    fn each_vocabulary_code_is_its_serde_name() {
        check_unit(Cancer::ALL, Cancer::code, Cancer::from_code);
        check_unit(PathwayStep::ALL, PathwayStep::code, PathwayStep::from_code);
        check_unit(CaseResult::ALL, CaseResult::code, CaseResult::from_code);
    }

    #[test]
    fn nothing_on_a_case_is_dated_before_its_last_step() {
        let d = date!(2026 - 04 - 10);
        let (case, _) = CancerCase::open(
            CancerCaseId::from_u128(1),
            ResidentId::from_u128(2),
            PathwayStep::ClinicalExamAndUltrasound,
            true,
            d,
        )
        .unwrap();
        let before = date!(2026 - 04 - 09);
        assert_eq!(
            case.clone()
                .record_step(PathwayStep::Mammography, true, before)
                .unwrap_err(),
            CaseError::BeforeLastStep { last: d }
        );
        assert_eq!(
            case.clone()
                .close(CaseResult::Declined, before)
                .unwrap_err(),
            CaseError::BeforeLastStep { last: d }
        );
        let later = date!(2026 - 04 - 20);
        let (case, _) = case
            .record_step(PathwayStep::Mammography, true, later)
            .unwrap();
        assert_eq!(case.last_step_on(), later);
        assert!(case.clone().close(CaseResult::Lost, d).is_err());
        assert!(case.close(CaseResult::Lost, later).is_ok());
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
        assert_eq!(
            case.expected_step(),
            None,
            "after a normal result it waits for its result"
        );
        assert_eq!(
            case.clone()
                .record_step(PathwayStep::Histopathology, true, d)
                .unwrap_err(),
            CaseError::OutOfOrder { expected: None }
        );
        let (case, events) = case.close(CaseResult::NoCancer, d).unwrap();
        assert!(!case.is_open());
        assert_eq!(events.len(), 1);
        assert_eq!(
            case.close(CaseResult::Cancer, d).unwrap_err(),
            CaseError::Closed
        );
    }
}
