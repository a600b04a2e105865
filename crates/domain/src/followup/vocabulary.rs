//! The words of follow-up: the conditions under management, how a patient was contacted, the
//! danger signs, adverse reactions and complications a visit records, and why care was closed.

use serde::{Deserialize, Serialize};

use crate::contract::ChronicCondition;
use crate::vocabulary::codes;

/// The six severe mental disorders under management.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MentalDiagnosis {
    /// 精神分裂症.
    Schizophrenia,
    /// 分裂情感性障碍.
    SchizoaffectiveDisorder,
    /// 偏执性精神病.
    ParanoidPsychosis,
    /// 双相（情感）障碍.
    BipolarDisorder,
    /// 癫痫所致精神障碍.
    EpilepsyMentalDisorder,
    /// 精神发育迟滞伴发精神障碍.
    IntellectualDisabilityWithPsychosis,
}

/// A condition under management.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "diagnosis", rename_all = "snake_case")]
pub enum Condition {
    /// Hypertension.
    Hypertension,
    /// Type 2 diabetes.
    Type2Diabetes,
    /// A severe mental disorder.
    SevereMentalDisorder(MentalDiagnosis),
}

codes!(Condition by kind {
    Condition::Hypertension => "hypertension",
    Condition::Type2Diabetes => "type2_diabetes",
    Condition::SevereMentalDisorder(_) => "severe_mental_disorder",
});

impl Condition {
    /// The chronic condition it makes a key population of.
    pub const fn chronic(self) -> ChronicCondition {
        match self {
            Condition::Hypertension => ChronicCondition::Hypertension,
            Condition::Type2Diabetes => ChronicCondition::Type2Diabetes,
            Condition::SevereMentalDisorder(_) => ChronicCondition::SevereMentalDisorder,
        }
    }
}

/// How the patient was contacted. Only face-to-face contacts count toward the yearly four.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactMode {
    /// At the clinic.
    Clinic,
    /// At home (入户).
    Home,
    /// By telephone.
    Phone,
}

impl ContactMode {
    /// Whether the contact was face to face.
    pub const fn is_face_to_face(self) -> bool {
        matches!(self, ContactMode::Clinic | ContactMode::Home)
    }
}

/// Danger signs observed at a visit (symptoms; measured signs come from the readings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum DangerSign {
    /// 意识改变 (HTN, DM: consciousness or behaviour).
    AlteredConsciousness,
    /// 剧烈头痛或头晕 (HTN).
    SevereHeadacheOrDizziness,
    /// 恶心呕吐 (HTN, DM).
    NauseaOrVomiting,
    /// 腹痛 (DM).
    AbdominalPain,
    /// 视力模糊、眼痛 (HTN).
    BlurredVisionOrEyePain,
    /// 视力骤降 (DM).
    SuddenVisionLoss,
    /// 胸闷胸痛 (HTN).
    ChestPainOrTightness,
    /// 持续性心悸 (HTN) / 心慌 (DM).
    Palpitations,
    /// 出汗 (DM).
    Sweating,
    /// 喘憋不能平卧 (HTN).
    Dyspnoea,
    /// 深大呼吸 (DM).
    DeepBreathing,
    /// 呼气有烂苹果样丙酮味 (DM).
    AcetoneBreath,
    /// 多饮多尿 (DM).
    PolydipsiaPolyuria,
    /// Pregnant or lactating with raised BP (HTN) or raised glucose (DM).
    PregnancyOrLactation,
    /// Any other condition the institution cannot handle.
    BeyondCapability,
}

codes!(DangerSign {
    AlteredConsciousness => "altered_consciousness",
    SevereHeadacheOrDizziness => "severe_headache_or_dizziness",
    NauseaOrVomiting => "nausea_or_vomiting",
    AbdominalPain => "abdominal_pain",
    BlurredVisionOrEyePain => "blurred_vision_or_eye_pain",
    SuddenVisionLoss => "sudden_vision_loss",
    ChestPainOrTightness => "chest_pain_or_tightness",
    Palpitations => "palpitations",
    Sweating => "sweating",
    Dyspnoea => "dyspnoea",
    DeepBreathing => "deep_breathing",
    AcetoneBreath => "acetone_breath",
    PolydipsiaPolyuria => "polydipsia_polyuria",
    PregnancyOrLactation => "pregnancy_or_lactation",
    BeyondCapability => "beyond_capability",
});

impl DangerSign {
    const fn bit(self) -> u32 {
        1 << self as u8
    }
}

/// A set of danger signs, as bits (no allocation on the hot path).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(from = "Vec<DangerSign>", into = "Vec<DangerSign>")]
pub struct DangerSigns(u32);

pub(super) const HTN_SIGNS: u32 = DangerSign::AlteredConsciousness.bit()
    | DangerSign::SevereHeadacheOrDizziness.bit()
    | DangerSign::NauseaOrVomiting.bit()
    | DangerSign::BlurredVisionOrEyePain.bit()
    | DangerSign::ChestPainOrTightness.bit()
    | DangerSign::Palpitations.bit()
    | DangerSign::Dyspnoea.bit()
    | DangerSign::PregnancyOrLactation.bit()
    | DangerSign::BeyondCapability.bit();

pub(super) const DM_SIGNS: u32 = DangerSign::AlteredConsciousness.bit()
    | DangerSign::NauseaOrVomiting.bit()
    | DangerSign::AbdominalPain.bit()
    | DangerSign::SuddenVisionLoss.bit()
    | DangerSign::Palpitations.bit()
    | DangerSign::Sweating.bit()
    | DangerSign::DeepBreathing.bit()
    | DangerSign::AcetoneBreath.bit()
    | DangerSign::PolydipsiaPolyuria.bit()
    | DangerSign::PregnancyOrLactation.bit()
    | DangerSign::BeyondCapability.bit();

impl DangerSigns {
    /// No sign.
    pub const NONE: DangerSigns = DangerSigns(0);

    /// This set plus `sign`.
    #[must_use]
    pub const fn with(self, sign: DangerSign) -> Self {
        DangerSigns(self.0 | sign.bit())
    }

    /// Whether `sign` is in the set.
    pub const fn contains(self, sign: DangerSign) -> bool {
        self.0 & sign.bit() != 0
    }

    /// The signs, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = DangerSign> {
        DangerSign::ALL
            .iter()
            .copied()
            .filter(move |s| self.contains(*s))
    }

    pub(super) const fn any_of(self, mask: u32) -> bool {
        self.0 & mask != 0
    }

    /// The first sign of the set outside `mask` (another condition's list), if any.
    pub(super) fn first_outside(self, mask: u32) -> Option<DangerSign> {
        DangerSigns(self.0 & !mask).iter().next()
    }
}

impl From<Vec<DangerSign>> for DangerSigns {
    fn from(signs: Vec<DangerSign>) -> Self {
        signs.into_iter().fold(DangerSigns::NONE, DangerSigns::with)
    }
}

impl From<DangerSigns> for Vec<DangerSign> {
    fn from(signs: DangerSigns) -> Self {
        signs.iter().collect()
    }
}

impl FromIterator<DangerSign> for DangerSigns {
    fn from_iter<I: IntoIterator<Item = DangerSign>>(iter: I) -> Self {
        iter.into_iter().fold(DangerSigns::NONE, DangerSigns::with)
    }
}

/// Adverse drug reaction at a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdverseReaction {
    /// None.
    #[default]
    None,
    /// Present, manageable by adjusting treatment.
    Present,
    /// Hard to control: refer.
    HardToControl,
}

/// Complications since the last visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Complication {
    /// None new, none worse.
    #[default]
    Unchanged,
    /// A new complication or a worse one: refer.
    NewOrWorse,
}

/// Why a managed patient's plan or enrolment was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// The patient died.
    Death,
    /// The patient moved out.
    MovedOut,
    /// The patient refused management.
    Refused,
    /// The record was cancelled (e.g. diagnosis revised).
    RecordCancelled,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::tests::{check_kinds, check_unit};

    #[test]
    fn danger_sign_codes_are_the_serde_names_and_parse_back() {
        check_unit(DangerSign::ALL, DangerSign::code, DangerSign::from_code);
    }

    #[test]
    fn condition_codes_are_the_serde_tags() {
        check_kinds(
            &[
                Condition::Hypertension,
                Condition::Type2Diabetes,
                Condition::SevereMentalDisorder(MentalDiagnosis::Schizophrenia),
            ],
            Condition::CODES,
            Condition::code,
            "kind",
        );
    }
}
