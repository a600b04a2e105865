//! The 65+ annual health check (老年人健康管理, BPHS-3, `domain-rules.md` §11): the form with
//! its four parts, checked once ([`CheckForm::validate`]), and what it finds
//! ([`assess_check`]).
//!
//! ## Files
//! - `vocabulary`: the form's coded answers.
//! - `analyte`: the auxiliary tests' quantities, units and plausible ranges.
//! - `form`: [`CheckForm`] as entered and the valid [`HealthCheck`].
//! - `assess`: [`CheckFinding`]s, their [`FindingAction`], and whose annual check it is.
//! - `event`: [`ElderlyCheckEvent`], as a check is recorded.

mod analyte;
mod assess;
mod event;
mod form;
mod vocabulary;

#[cfg(test)]
mod tests;

pub use analyte::Analyte;
pub use assess::{CheckAssessment, CheckFinding, FindingAction, assess_check};
pub use event::ElderlyCheckEvent;
pub use form::{AnalyteInput, CheckError, CheckForm, HealthCheck, NOTE_MAX, TestInput, TestResult};
pub use vocabulary::{
    AuxiliaryTest, Drinking, ExamSite, Exercise, Guidance, Hearing, MotorFunction, SelfRatedHealth,
    Smoking,
};
