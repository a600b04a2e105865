//! The two-cancer screening exam (两癌筛查, CS-2022): the first step of the cervical or breast
//! pathway, recorded for every woman screened. Coverage counts the programme's exams; an
//! abnormal one opens a [`CancerCase`](super::CancerCase) that leads along the pathway.
//!
//! An exam of a woman outside the programme's ages is kept as opportunistic, as blood-pressure
//! readings are (decision 0020): assessed and followed, not counted in the programme.

use serde::{Deserialize, Serialize};
use time::Date;

use super::cancer::{Cancer, PathwayStep};
use super::eligibility::Programme;
use crate::calendar;
use crate::identity::Sex;
use crate::profile::RuleProfile;

/// An exam as a clinician states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExamForm {
    /// The pathway's first step: the gynaecological exam or the clinical breast exam with
    /// ultrasound.
    pub step: PathwayStep,
    /// Whether its result was abnormal.
    pub abnormal: bool,
    /// The day of the exam.
    pub on: Date,
}

/// A validated exam.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancerExam {
    /// The step done.
    pub step: PathwayStep,
    /// Abnormal: a case is opened.
    pub abnormal: bool,
    /// The day.
    pub on: Date,
    /// Outside the programme's ages: kept, not counted (SCR-2C-ELIGIBLE).
    pub opportunistic: bool,
}

impl CancerExam {
    /// The cancer screened for.
    pub const fn cancer(&self) -> Cancer {
        self.step.cancer()
    }
}

/// Why an exam was refused, naming the request field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct ExamError {
    /// The field at fault.
    pub field: &'static str,
    /// Why.
    pub reason: String,
}

fn bad(field: &'static str, reason: impl ToString) -> ExamError {
    ExamError {
        field,
        reason: reason.to_string(),
    }
}

impl PathwayStep {
    /// The step a pathway starts with: what the programme screens every woman with.
    pub const fn first_of(cancer: Cancer) -> PathwayStep {
        match cancer {
            Cancer::Cervical => PathwayStep::GynaecologicalExam,
            Cancer::Breast => PathwayStep::ClinicalExamAndUltrasound,
        }
    }
}

impl ExamForm {
    /// Validates the exam of a woman born on `birth`, on or before `today`.
    pub fn validate(
        self,
        birth: Date,
        sex: Sex,
        today: Date,
        profile: &RuleProfile,
    ) -> Result<CancerExam, ExamError> {
        let first = PathwayStep::first_of(self.step.cancer());
        if self.step != first {
            return Err(bad(
                "step",
                format!(
                    "the {} pathway is screened with {}; later steps are a case's",
                    self.step.cancer().code(),
                    first.code()
                ),
            ));
        }
        if sex != Sex::Female {
            return Err(bad(
                "resident",
                "two-cancer screening is for women (SCR-2C-ELIGIBLE)",
            ));
        }
        let on = calendar::not_after(self.on, today)
            .map_err(|_| bad("exam_date", "lies in the future"))?;
        let age = calendar::years_between(birth, on)
            .ok_or_else(|| bad("exam_date", "is before the resident's birth"))?;
        Ok(CancerExam {
            step: self.step,
            abnormal: self.abnormal,
            on,
            opportunistic: !Programme::TwoCancer.covers(age, sex, profile),
        })
    }
}

/// Whether `exams` (the programme's, opportunistic ones left out) screened a woman for
/// `cancer` in the cycle ending on `on`: an exam on or before the day whose cycle (the
/// profile's years after it, a 29 February ending on the 28th as every due date does) has
/// not run out (SCR-2C-ELIGIBLE, IND-TWO-CANCER): covered until the day she is due again.
pub fn screened_in_cycle(
    exams: &[(Cancer, Date)],
    cancer: Cancer,
    on: Date,
    profile: &RuleProfile,
) -> bool {
    let months = u16::from(profile.screening.two_cancer.cycle_years).saturating_mul(12);
    exams
        .iter()
        .any(|(c, d)| *c == cancer && *d <= on && calendar::add_months(*d, months) > on)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 06 - 01);

    fn form(step: PathwayStep, on: Date) -> ExamForm {
        ExamForm {
            step,
            abnormal: false,
            on,
        }
    }

    #[test]
    fn an_exam_is_a_pathways_first_step_of_a_woman_counted_at_35_to_64() {
        let p = RuleProfile::bphs3();
        let born = date!(1980 - 03 - 01);
        let exam = form(PathwayStep::GynaecologicalExam, TODAY)
            .validate(born, Sex::Female, TODAY, &p)
            .unwrap();
        assert!(!exam.opportunistic);
        assert_eq!(exam.cancer(), Cancer::Cervical);
        let err = form(PathwayStep::Colposcopy, TODAY)
            .validate(born, Sex::Female, TODAY, &p)
            .unwrap_err();
        assert_eq!(err.field, "step");
        let err = form(PathwayStep::ClinicalExamAndUltrasound, TODAY)
            .validate(born, Sex::Male, TODAY, &p)
            .unwrap_err();
        assert_eq!(err.field, "resident");
        let err = form(PathwayStep::GynaecologicalExam, date!(2026 - 06 - 02))
            .validate(born, Sex::Female, TODAY, &p)
            .unwrap_err();
        assert_eq!(err.field, "exam_date");
        let err = form(PathwayStep::GynaecologicalExam, date!(1979 - 01 - 01))
            .validate(born, Sex::Female, TODAY, &p)
            .unwrap_err();
        assert_eq!(err.field, "exam_date");
        // 65 on the day: kept, not the programme's.
        let older = form(PathwayStep::ClinicalExamAndUltrasound, TODAY)
            .validate(date!(1961 - 06 - 01), Sex::Female, TODAY, &p)
            .unwrap();
        assert!(older.opportunistic);
        let at_64 = form(PathwayStep::ClinicalExamAndUltrasound, TODAY)
            .validate(date!(1961 - 06 - 02), Sex::Female, TODAY, &p)
            .unwrap();
        assert!(!at_64.opportunistic);
    }

    #[test]
    fn an_exam_covers_its_cancer_for_the_profiles_cycle() {
        let p = RuleProfile::bphs3();
        let exams = [(Cancer::Breast, date!(2023 - 06 - 02))];
        assert!(screened_in_cycle(&exams, Cancer::Breast, TODAY, &p));
        assert!(!screened_in_cycle(&exams, Cancer::Cervical, TODAY, &p));
        assert!(!screened_in_cycle(
            &exams,
            Cancer::Breast,
            date!(2026 - 06 - 02),
            &p
        ));
        assert!(!screened_in_cycle(
            &exams,
            Cancer::Breast,
            date!(2023 - 06 - 01),
            &p
        ));
    }
}
