//! The visits: what a hypertension, diabetes or severe mental disorder follow-up records.

use serde::{Deserialize, Serialize};
use time::Date;

use super::vocabulary::{
    AdverseReaction, Complication, Condition, ContactMode, DM_SIGNS, DangerSign, DangerSigns,
    HTN_SIGNS,
};
use crate::measure::{BloodPressure, Glucose, HeartRate, Temperature};

/// A hypertension follow-up visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HypertensionVisit {
    /// Visit date.
    pub date: Date,
    /// Contact mode.
    pub mode: ContactMode,
    /// Blood pressure.
    pub bp: BloodPressure,
    /// Heart rate, if measured.
    pub heart_rate: Option<HeartRate>,
    /// Danger signs observed.
    pub signs: DangerSigns,
    /// Adverse drug reaction.
    pub adverse_reaction: AdverseReaction,
    /// Complications.
    pub complication: Complication,
}

/// A type 2 diabetes follow-up visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiabetesVisit {
    /// Visit date.
    pub date: Date,
    /// Contact mode.
    pub mode: ContactMode,
    /// Fasting glucose.
    pub fasting_glucose: Glucose,
    /// A random glucose, if measured (checked for danger).
    pub random_glucose: Option<Glucose>,
    /// Blood pressure, if measured.
    pub bp: Option<BloodPressure>,
    /// Heart rate, if measured.
    pub heart_rate: Option<HeartRate>,
    /// Temperature, if measured.
    pub temperature: Option<Temperature>,
    /// Danger signs observed.
    pub signs: DangerSigns,
    /// Adverse drug reaction.
    pub adverse_reaction: AdverseReaction,
    /// Complications.
    pub complication: Complication,
}

/// Dangerousness level 0–5 of a severe mental disorder patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Dangerousness(u8);

/// A dangerousness level above 5.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("dangerousness level {0} is outside 0-5")]
pub struct DangerousnessError(pub u8);

impl Dangerousness {
    /// Checks `level <= 5`.
    pub fn new(level: u8) -> Result<Self, DangerousnessError> {
        if level <= 5 {
            Ok(Self(level))
        } else {
            Err(DangerousnessError(level))
        }
    }

    /// The level.
    pub const fn level(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Dangerousness {
    type Error = DangerousnessError;
    fn try_from(v: u8) -> Result<Self, Self::Error> {
        Self::new(v)
    }
}

impl From<Dangerousness> for u8 {
    fn from(d: Dangerousness) -> u8 {
        d.0
    }
}

/// Psychotic symptoms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Symptoms {
    /// Essentially gone.
    Resolved,
    /// Present.
    Present,
    /// Marked.
    Marked,
}

/// Insight into the illness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Insight {
    /// Essentially recovered.
    Full,
    /// Partial.
    Partial,
    /// None.
    Absent,
}

/// Social function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SocialFunction {
    /// Good.
    Good,
    /// Fair.
    Fair,
    /// Poor.
    Poor,
}

/// A severe mental disorder follow-up visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MentalDisorderVisit {
    /// Visit date.
    pub date: Date,
    /// Contact mode.
    pub mode: ContactMode,
    /// Dangerousness level.
    pub dangerousness: Dangerousness,
    /// Psychotic symptoms.
    pub symptoms: Symptoms,
    /// Insight.
    pub insight: Insight,
    /// Social function.
    pub social_function: SocialFunction,
    /// A serious adverse drug reaction.
    pub serious_adverse_reaction: bool,
    /// A serious physical illness.
    pub serious_physical_illness: bool,
}

/// Any follow-up visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Visit {
    /// Hypertension.
    Hypertension(HypertensionVisit),
    /// Type 2 diabetes.
    Diabetes(DiabetesVisit),
    /// Severe mental disorder.
    MentalDisorder(MentalDisorderVisit),
}

impl Visit {
    /// Visit date.
    pub const fn date(&self) -> Date {
        match self {
            Visit::Hypertension(v) => v.date,
            Visit::Diabetes(v) => v.date,
            Visit::MentalDisorder(v) => v.date,
        }
    }

    /// Contact mode.
    pub const fn mode(&self) -> ContactMode {
        match self {
            Visit::Hypertension(v) => v.mode,
            Visit::Diabetes(v) => v.mode,
            Visit::MentalDisorder(v) => v.mode,
        }
    }

    /// The visit's kind, as its errors name it.
    pub const fn kind(&self) -> &'static str {
        match self {
            Visit::Hypertension(_) => "hypertension",
            Visit::Diabetes(_) => "diabetes",
            Visit::MentalDisorder(_) => "mental disorder",
        }
    }

    /// The first danger sign recorded that is not on the visit's own list (a diabetes sign
    /// on a hypertension visit), if any.
    pub fn foreign_sign(&self) -> Option<DangerSign> {
        match self {
            Visit::Hypertension(v) => v.signs.first_outside(HTN_SIGNS),
            Visit::Diabetes(v) => v.signs.first_outside(DM_SIGNS),
            Visit::MentalDisorder(_) => None,
        }
    }

    /// Whether the visit's kind fits the condition.
    pub const fn fits(&self, condition: Condition) -> bool {
        matches!(
            (self, condition),
            (Visit::Hypertension(_), Condition::Hypertension)
                | (Visit::Diabetes(_), Condition::Type2Diabetes)
                | (Visit::MentalDisorder(_), Condition::SevereMentalDisorder(_))
        )
    }
}
