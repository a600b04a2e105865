//! The coded referral reasons (section 7), each tied to a direction, with their stable codes.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::route::Direction;

macro_rules! reasons {
    ($($variant:ident = $code:literal, $dir:ident, $doc:literal;)+) => {
        /// Coded referral reasons (section 7), each tied to a direction.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum ReasonCode {
            $(#[doc = $doc] $variant,)+
        }

        impl ReasonCode {
            /// Every reason.
            pub const ALL: &'static [ReasonCode] = &[$(ReasonCode::$variant),+];

            /// The stable code, e.g. `htn.onset_under_30`.
            pub const fn code(self) -> &'static str {
                match self { $(ReasonCode::$variant => $code,)+ }
            }

            /// The direction the reason belongs to; `None` for either.
            pub const fn direction(self) -> Option<Direction> {
                match self { $(ReasonCode::$variant => reasons!(@dir $dir),)+ }
            }

            /// Looks a reason up by its code.
            pub fn from_code(code: &str) -> Option<ReasonCode> {
                match code { $($code => Some(ReasonCode::$variant),)+ _ => None }
            }
        }
    };
    (@dir up) => { Some(Direction::Upward) };
    (@dir down) => { Some(Direction::Downward) };
    (@dir either) => { None };
}

reasons! {
    DangerSign = "followup.danger_sign", up, "a danger sign at a follow-up visit or screening (BPHS-3)";
    ComplicationWorse = "followup.complication_worse", up, "a new or worse complication (BPHS-3)";
    HtnTargetNotReached = "htn.target_not_reached", up, "BP uncontrolled at two consecutive visits, or not at target after 2-3 months of regular treatment (County-2022)";
    HtnAdverseReaction = "htn.adverse_reaction", up, "an adverse drug reaction hard to manage (TC-2015)";
    HtnOnsetUnder30 = "htn.onset_under_30", up, "hypertension with onset before 30 years (County-2022)";
    HtnPregnancy = "htn.pregnancy", up, "hypertension in pregnancy or lactation (TC-2015)";
    HtnArmDifference = "htn.arm_difference", up, "BP difference between arms above 20 mmHg (County-2022)";
    HtnSuspectedSecondary = "htn.suspected_secondary", up, "suspected secondary hypertension (TC-2015)";
    HtnConfirmation = "htn.confirmation", up, "preliminary diagnosis at screening, for confirmation (BPHS-3)";
    DmTypeUnclear = "dm.type_unclear", up, "diabetes of unclear type (TC-2015)";
    DmAgeUnder25 = "dm.age_under_25", up, "diabetes diagnosed before 25 (TC-2015)";
    DmPregnancy = "dm.pregnancy", up, "diabetes in pregnancy or lactation (TC-2015)";
    DmAcuteComplication = "dm.acute_complication", up, "an acute complication (ketoacidosis, hyperosmolar state) (TC-2015)";
    DmRecurrentHypoglycaemia = "dm.recurrent_hypoglycaemia", up, "recurrent hypoglycaemia (TC-2015)";
    DmTargetNotReached = "dm.target_not_reached", up, "glucose uncontrolled at two consecutive visits, or targets missed after 3-6 months (TC-2015)";
    DmAdverseReaction = "dm.adverse_reaction", up, "an adverse drug reaction hard to manage (TC-2015)";
    DmComplicationWorkup = "dm.complication_workup", up, "work-up of chronic complications (TC-2015)";
    DmInsulinStart = "dm.insulin_start", up, "starting insulin (TC-2015)";
    DmConfirmation = "dm.confirmation", up, "suspected diabetes at screening, for confirmation (BPHS-3)";
    MentalDisorderUnstable = "smd.unstable", up, "a severe mental disorder patient is unstable (BPHS-3)";
    BeyondCapability = "generic.beyond_capability", up, "beyond the institution's capability";
    BeyondRegisteredScope = "generic.beyond_scope", up, "beyond the institution's registered scope of practice";
    TestsNeeded = "generic.tests_needed", up, "tests the institution cannot do";
    DiagnosisAndPlanSet = "down.diagnosis_and_plan_set", down, "diagnosis and treatment plan set (TC-2015)";
    ConditionStable = "down.condition_stable", down, "condition stable (TC-2015)";
    ComplicationsStable = "down.complications_stable", down, "complications stable (TC-2015)";
    Rehabilitation = "down.rehabilitation", down, "rehabilitation near home (TC-2015)";
    LongTermCare = "down.long_term_care", down, "long-term care (TC-2015)";
    PatientRequest = "generic.patient_request", either, "the patient asks";
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for ReasonCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for ReasonCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        ReasonCode::from_code(&code)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown referral reason `{code}`")))
    }
}
