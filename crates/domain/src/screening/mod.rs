//! Screening (筛查): programmes, eligibility and next-due dates, and the outcome rules for blood
//! pressure, glucose, the elderly self-care score and two-cancer cases.
//!
//! Outcomes are decisions: each carries an [`Explanation`](crate::rule::Explanation) (profile
//! stamp and rules fired).
//!
//! ## Files
//! - `eligibility`: the [`Programme`]s, who is due for each and when ([`eligibility()`]).
//! - `blood_pressure`: a blood-pressure screening episode ([`assess_blood_pressure`]) and the
//!   hypertension risk factors.
//! - `glucose`: a glucose reading ([`assess_glucose`]).
//! - `due`: who is due for a programme on a day ([`due_on`]), from their [`ScreeningHistory`].
//! - `decision`: a [`Decision`] with its explanation, and the [`SuspectedCase`] it may flag.
//! - `reading`: the dates a reading may carry ([`check_reading_date`]).
//! - `event`: [`ScreeningEvent`], as a result arrived ([`Arrival`]).
//! - `self_care`: the elderly [`SelfCareScore`] and its [`Dependence`] grade.
//! - `cancer`: two-cancer cases ([`CancerCase`]) along their pathways.
//! - `cancer_exam`: the two-cancer exam that starts each pathway ([`ExamForm`]) and the
//!   programme's cycle ([`screened_in_cycle`]).

mod blood_pressure;
mod cancer;
mod cancer_exam;
mod decision;
mod due;
mod eligibility;
mod event;
mod glucose;
mod reading;
mod self_care;

pub use blood_pressure::{
    BpOutcome, BpReading, RiskFactors, assess_blood_pressure, assess_blood_pressure_as_of,
    hypertension_risk_factors,
};
pub use cancer::{Cancer, CancerCase, CaseError, CaseEvent, CaseResult, PathwayStep};
pub use cancer_exam::{CancerExam, ExamError, ExamForm, screened_in_cycle};
pub use decision::{Decision, SuspectedCase};
pub use due::{Due, ScreeningHistory, due_on};
pub use eligibility::{Eligibility, Programme, ScreeningSubject, eligibility};
pub use event::{Arrival, ScreeningEvent, ScreeningOutcome};
pub use glucose::{GlucoseKind, GlucoseOutcome, assess_glucose, glucose_rescreen_on};
pub use reading::{ReadingDateError, check_reading_date};
pub use self_care::{Dependence, SelfCareError, SelfCareScore};
