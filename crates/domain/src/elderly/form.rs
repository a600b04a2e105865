//! The 65+ check form (BPHS-3 健康体检表) as entered, and the validated [`HealthCheck`].
//!
//! The adapters fill a [`CheckForm`] with what the client sent; [`CheckForm::validate`] is the
//! one place that decides what a check may hold, and names the field at fault.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::Date;

use super::analyte::Analyte;
use super::vocabulary::{
    AuxiliaryTest, Drinking, ExamSite, Exercise, Guidance, Hearing, MotorFunction, SelfRatedHealth,
    Smoking,
};
use crate::measure::{
    BloodPressure, Bmi, HeartRate, Height, MeasureError, Temperature, Waist, Weight,
    body_mass_index,
};
use crate::screening::{SelfCareScore, check_reading_date};
use crate::text;

/// The most characters a note keeps.
pub const NOTE_MAX: usize = 500;

/// A field of the form that cannot be kept, named by its path in the form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct CheckError {
    /// The field's path, e.g. `systolic` or `tests[1].values[0].value`.
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

fn bad(field: impl Into<String>, reason: impl ToString) -> CheckError {
    CheckError {
        field: field.into(),
        reason: reason.to_string(),
    }
}

/// One analyte's reported value as entered, in hundredths of its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnalyteInput {
    /// The analyte.
    pub analyte: Analyte,
    /// Hundredths of its unit.
    pub hundredths: u32,
}

/// One auxiliary test as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestInput {
    /// The test.
    pub test: AuxiliaryTest,
    /// Its values (none for ECG and ultrasound).
    pub values: Vec<AnalyteInput>,
    /// Whether the laboratory or the reader reports it abnormal.
    pub abnormal: bool,
    /// What was found; required when abnormal.
    pub note: String,
}

/// The form as the client sent it: ranges, codes and notes not yet checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckForm {
    /// The day of the check.
    pub on: Date,
    /// The self-care items: eating, grooming, dressing, toileting, mobility.
    pub self_care: [u8; 5],
    /// Self-rated health.
    pub self_rated_health: SelfRatedHealth,
    /// Cognitive screen (认知功能粗筛) positive.
    pub cognition_positive: bool,
    /// Emotional screen (情感状态粗筛) positive.
    pub emotion_positive: bool,
    /// Smoking.
    pub smoking: Smoking,
    /// Drinking.
    pub drinking: Drinking,
    /// Exercise.
    pub exercise: Exercise,
    /// Temperature, tenths of °C.
    pub temperature_tenths: Option<u16>,
    /// Pulse, per minute.
    pub pulse: Option<u16>,
    /// Respiration, per minute.
    pub respiration: Option<u16>,
    /// Systolic, mmHg.
    pub sbp: u16,
    /// Diastolic, mmHg.
    pub dbp: u16,
    /// Height, tenths of cm.
    pub height_tenths: Option<u16>,
    /// Weight, tenths of kg.
    pub weight_tenths: Option<u16>,
    /// Waist, cm.
    pub waist_cm: Option<u16>,
    /// Sites found abnormal, with what was found; the others are normal.
    pub abnormal_sites: Vec<(ExamSite, String)>,
    /// Vision on the 5-point logarithmic chart (GB 11533), tenths: left and right.
    pub vision_tenths: Option<(u16, u16)>,
    /// Hearing.
    pub hearing: Hearing,
    /// Motor function.
    pub motor_function: MotorFunction,
    /// The auxiliary tests done.
    pub tests: Vec<TestInput>,
    /// The guidance given.
    pub guidance: Vec<Guidance>,
    /// When the results and the guidance were given to the resident.
    pub fed_back_on: Option<Date>,
}

/// A test's result as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestResult {
    /// Values by analyte, hundredths of each unit.
    pub values: BTreeMap<Analyte, u32>,
    /// Reported abnormal.
    pub abnormal: bool,
    /// What was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A valid 65+ check: what §11 of the rules asks for, each part checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    /// The day of the check.
    pub on: Date,
    /// The self-care assessment.
    pub self_care: SelfCareScore,
    /// Self-rated health.
    pub self_rated_health: SelfRatedHealth,
    /// Cognitive screen positive.
    pub cognition_positive: bool,
    /// Emotional screen positive.
    pub emotion_positive: bool,
    /// Smoking.
    pub smoking: Smoking,
    /// Drinking.
    pub drinking: Drinking,
    /// Exercise.
    pub exercise: Exercise,
    /// Temperature.
    pub temperature: Option<Temperature>,
    /// Pulse.
    pub pulse: Option<HeartRate>,
    /// Respiration, per minute (5–60).
    pub respiration: Option<u16>,
    /// Blood pressure.
    pub bp: BloodPressure,
    /// Height.
    pub height: Option<Height>,
    /// Weight.
    pub weight: Option<Weight>,
    /// BMI from height and weight (truncated to tenths, as at screening).
    pub bmi: Option<Bmi>,
    /// Waist.
    pub waist: Option<Waist>,
    /// Sites found abnormal, with what was found.
    pub abnormal_sites: BTreeMap<ExamSite, String>,
    /// Vision, tenths on the 5-point chart: left and right.
    pub vision_tenths: Option<(u16, u16)>,
    /// Hearing.
    pub hearing: Hearing,
    /// Motor function.
    pub motor_function: MotorFunction,
    /// The auxiliary tests done, one result each.
    pub tests: BTreeMap<AuxiliaryTest, TestResult>,
    /// The guidance given.
    pub guidance: BTreeSet<Guidance>,
    /// When results and guidance were given to the resident.
    pub fed_back_on: Option<Date>,
}

impl HealthCheck {
    /// The fasting glucose, if tested, in hundredths of mmol/L.
    pub fn fasting_glucose(&self) -> Option<u32> {
        self.tests
            .get(&AuxiliaryTest::FastingGlucose)
            .and_then(|t| t.values.get(&Analyte::Glucose))
            .copied()
    }

    /// Whether the results were fed back with guidance (what the elderly management rate
    /// counts besides the check itself).
    pub fn guided(&self) -> bool {
        self.fed_back_on.is_some() && !self.guidance.is_empty()
    }
}

fn note(field: String, raw: &str, required: bool) -> Result<Option<String>, CheckError> {
    match text::nonblank(raw) {
        None if required => Err(bad(field, "an abnormal finding says what was found")),
        None => Ok(None),
        Some(_) => text::required(raw, 1, NOTE_MAX)
            .map(Some)
            .map_err(|e| bad(field, e)),
    }
}

fn measure<T>(
    field: &str,
    v: Option<u16>,
    f: fn(u16) -> Result<T, MeasureError>,
) -> Result<Option<T>, CheckError> {
    v.map(f).transpose().map_err(|e| bad(field, e))
}

impl CheckForm {
    /// Checks the form of a resident born on `birth`, entered on `today`.
    pub fn validate(self, birth: Date, today: Date) -> Result<HealthCheck, CheckError> {
        check_reading_date(self.on, birth, today).map_err(|e| bad("check_date", e))?;
        let self_care = SelfCareScore::new(self.self_care)
            .map_err(|e| bad(format!("self_care.{}", e.item), &e))?;
        let bp = BloodPressure::new(self.sbp, self.dbp).map_err(|e| {
            let field = match e {
                MeasureError::SystolicOutOfRange(_) => "systolic",
                _ => "diastolic",
            };
            bad(field, e)
        })?;
        let respiration = match self.respiration {
            Some(r) if !(5..=60).contains(&r) => {
                return Err(bad(
                    "respiration",
                    format!("{r}/min is outside the plausible 5-60"),
                ));
            }
            r => r,
        };
        let height = measure("height_cm", self.height_tenths, Height::from_tenths)?;
        let weight = measure("weight_kg", self.weight_tenths, Weight::from_tenths)?;
        let bmi = body_mass_index(None, height, weight).map_err(|e| bad("weight_kg", e))?;
        if let Some((left, right)) = self.vision_tenths {
            for (side, v) in [("left", left), ("right", right)] {
                if !(30..=53).contains(&v) {
                    return Err(bad(
                        format!("vision_{side}"),
                        format!(
                            "{}.{} is outside the 5-point chart's 3.0-5.3",
                            v / 10,
                            v % 10
                        ),
                    ));
                }
            }
        }
        let mut abnormal_sites = BTreeMap::new();
        for (i, (site, raw)) in self.abnormal_sites.into_iter().enumerate() {
            let text = note(format!("abnormal_sites[{i}].note"), &raw, true)?.unwrap_or_default();
            if abnormal_sites.insert(site, text).is_some() {
                return Err(bad(
                    format!("abnormal_sites[{i}].site"),
                    format!("{} is listed twice", site.code()),
                ));
            }
        }
        let mut tests = BTreeMap::new();
        for (i, t) in self.tests.into_iter().enumerate() {
            let at = |rest: &str| format!("tests[{i}]{rest}");
            let mut values = BTreeMap::new();
            for (j, v) in t.values.iter().enumerate() {
                let field = at(&format!(".values[{j}]"));
                if v.analyte.test() != t.test {
                    return Err(bad(
                        format!("{field}.analyte"),
                        format!("{} is not reported by {}", v.analyte.code(), t.test.code()),
                    ));
                }
                let (lo, hi) = v.analyte.plausible();
                if !(lo..=hi).contains(&v.hundredths) {
                    return Err(bad(
                        format!("{field}.value"),
                        format!(
                            "{} {} is implausible",
                            fixed(v.hundredths),
                            v.analyte.unit()
                        ),
                    ));
                }
                if values.insert(v.analyte, v.hundredths).is_some() {
                    return Err(bad(
                        format!("{field}.analyte"),
                        format!("{} is given twice", v.analyte.code()),
                    ));
                }
            }
            if t.test == AuxiliaryTest::FastingGlucose && values.is_empty() {
                return Err(bad(
                    at(".values"),
                    "a fasting glucose test reports its glucose",
                ));
            }
            let result = TestResult {
                values,
                abnormal: t.abnormal,
                note: note(
                    at(".note"),
                    &t.note,
                    t.abnormal && Analyte::of(t.test).next().is_none(),
                )?,
            };
            if tests.insert(t.test, result).is_some() {
                return Err(bad(
                    at(".test"),
                    format!("{} is reported twice", t.test.code()),
                ));
            }
        }
        let guidance: BTreeSet<Guidance> = self.guidance.into_iter().collect();
        match self.fed_back_on {
            Some(fed) if fed < self.on => {
                return Err(bad(
                    "fed_back_date",
                    "results are fed back on or after the check",
                ));
            }
            Some(fed) if fed > today => return Err(bad("fed_back_date", "lies in the future")),
            Some(_) if guidance.is_empty() => {
                return Err(bad(
                    "guidance",
                    "results are fed back with the guidance given",
                ));
            }
            None if !guidance.is_empty() => {
                return Err(bad(
                    "fed_back_date",
                    "guidance is given when the results are fed back",
                ));
            }
            _ => {}
        }
        Ok(HealthCheck {
            on: self.on,
            self_care,
            self_rated_health: self.self_rated_health,
            cognition_positive: self.cognition_positive,
            emotion_positive: self.emotion_positive,
            smoking: self.smoking,
            drinking: self.drinking,
            exercise: self.exercise,
            temperature: measure(
                "temperature",
                self.temperature_tenths,
                Temperature::from_tenths,
            )?,
            pulse: measure("pulse", self.pulse, HeartRate::new)?,
            respiration,
            bp,
            height,
            weight,
            bmi,
            waist: measure("waist_cm", self.waist_cm, Waist::from_cm)?,
            abnormal_sites,
            vision_tenths: self.vision_tenths,
            hearing: self.hearing,
            motor_function: self.motor_function,
            tests,
            guidance,
            fed_back_on: self.fed_back_on,
        })
    }
}

/// Hundredths as a decimal, for messages.
fn fixed(hundredths: u32) -> String {
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}
