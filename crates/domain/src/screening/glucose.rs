//! Glucose screening (WHO 1999): emergency, suspected diabetes, impaired fasting glucose or
//! normal.

use serde::{Deserialize, Serialize};
use time::Date;

use super::decision::{Decision, SuspectedCase};
use crate::calendar;
use crate::measure::Glucose;
use crate::profile::RuleProfile;
use crate::rule::{Explanation, RuleId, RuleSet};

/// Which glucose was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GlucoseKind {
    /// Fasting.
    Fasting,
    /// Random.
    Random,
    /// 2 hours after a glucose load.
    TwoHour,
}

crate::vocabulary::codes!(GlucoseKind {
    Fasting => "fasting",
    Random => "random",
    TwoHour => "two_hour",
});

/// Outcome of a glucose screening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GlucoseOutcome {
    /// ≥ 16.7 or ≤ 3.9: emergency.
    Emergency,
    /// Suspected diabetes: confirm on another day.
    Suspected,
    /// Impaired fasting glucose: high risk.
    ImpairedFasting,
    /// Normal.
    Normal,
}

impl GlucoseOutcome {
    /// The suspected case this outcome flags: an emergency, or suspected diabetes to be
    /// confirmed on another day. `None` for impaired fasting glucose and normal readings.
    pub const fn suspected_case(self) -> Option<SuspectedCase> {
        match self {
            GlucoseOutcome::Emergency => Some(SuspectedCase {
                emergency: true,
                follow_up_by: None,
            }),
            GlucoseOutcome::Suspected => Some(SuspectedCase {
                emergency: false,
                follow_up_by: None,
            }),
            GlucoseOutcome::ImpairedFasting | GlucoseOutcome::Normal => None,
        }
    }
}

/// Assesses a glucose reading (WHO 1999): the reading in hundredths against the profile's
/// thresholds in tenths, exactly, so a laboratory's 6.99 stays below 7.0.
pub fn assess_glucose(
    glucose: Glucose,
    kind: GlucoseKind,
    symptoms: bool,
    profile: &RuleProfile,
) -> Decision<GlucoseOutcome> {
    let g = glucose;
    let d = &profile.danger;
    let s = &profile.screening.glucose;
    let (outcome, rule) =
        if g.at_least_tenths(d.glucose_high_tenths) || g.at_most_tenths(d.glucose_low_tenths) {
            (GlucoseOutcome::Emergency, RuleId::ScreenGlucoseEmergency)
        } else {
            match kind {
                GlucoseKind::Fasting if g.at_least_tenths(s.diabetic_fasting_tenths) => {
                    (GlucoseOutcome::Suspected, RuleId::ScreenGlucoseSuspected)
                }
                GlucoseKind::Fasting if g.at_least_tenths(s.impaired_fasting_tenths) => (
                    GlucoseOutcome::ImpairedFasting,
                    RuleId::ScreenGlucoseImpaired,
                ),
                GlucoseKind::Random | GlucoseKind::TwoHour
                    if symptoms && g.at_least_tenths(s.diabetic_random_tenths) =>
                {
                    (GlucoseOutcome::Suspected, RuleId::ScreenGlucoseSuspected)
                }
                _ => (GlucoseOutcome::Normal, RuleId::ScreenGlucoseNormal),
            }
        };
    Decision {
        outcome,
        explanation: Explanation::new(profile.stamp(), RuleSet::of(rule)),
    }
}

/// When a glucose-screened person is tested again: normal and impaired fasting glucose a
/// year on (the programme's interval, SCR-GLU-ELIGIBLE); `None` for a suspected case or an
/// emergency, which are confirmed or referred rather than rescreened.
pub fn glucose_rescreen_on(
    outcome: GlucoseOutcome,
    on: Date,
    profile: &RuleProfile,
) -> Option<Date> {
    match outcome {
        GlucoseOutcome::Normal | GlucoseOutcome::ImpairedFasting => Some(calendar::add_months(
            on,
            u16::from(profile.screening.glucose.interval_months),
        )),
        GlucoseOutcome::Suspected | GlucoseOutcome::Emergency => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_and_impaired_glucose_are_rescreened_a_year_on() {
        use time::macros::date;
        let p = RuleProfile::bphs3();
        let on = date!(2026 - 02 - 28);
        for outcome in [GlucoseOutcome::Normal, GlucoseOutcome::ImpairedFasting] {
            assert_eq!(
                glucose_rescreen_on(outcome, on, &p),
                Some(date!(2027 - 02 - 28))
            );
        }
        for outcome in [GlucoseOutcome::Suspected, GlucoseOutcome::Emergency] {
            assert_eq!(glucose_rescreen_on(outcome, on, &p), None);
        }
    }

    #[test]
    fn glucose_thresholds_compare_in_tenths() {
        let p = RuleProfile::bphs3();
        let outcome = |tenths, kind, symptoms| {
            assess_glucose(Glucose::from_tenths(tenths).unwrap(), kind, symptoms, &p).outcome
        };
        assert_eq!(
            outcome(60, GlucoseKind::Fasting, false),
            GlucoseOutcome::Normal
        );
        assert_eq!(
            outcome(61, GlucoseKind::Fasting, false),
            GlucoseOutcome::ImpairedFasting
        );
        assert_eq!(
            outcome(69, GlucoseKind::Fasting, false),
            GlucoseOutcome::ImpairedFasting
        );
        assert_eq!(
            outcome(70, GlucoseKind::Fasting, false),
            GlucoseOutcome::Suspected
        );
        assert_eq!(
            outcome(111, GlucoseKind::Random, true),
            GlucoseOutcome::Suspected
        );
        assert_eq!(
            outcome(111, GlucoseKind::Random, false),
            GlucoseOutcome::Normal
        );
        assert_eq!(
            outcome(110, GlucoseKind::TwoHour, true),
            GlucoseOutcome::Normal
        );
        assert_eq!(
            outcome(167, GlucoseKind::Random, false),
            GlucoseOutcome::Emergency
        );
        assert_eq!(
            outcome(39, GlucoseKind::Fasting, false),
            GlucoseOutcome::Emergency
        );
        assert_eq!(
            outcome(40, GlucoseKind::Fasting, false),
            GlucoseOutcome::Normal
        );
    }

    #[test]
    fn laboratory_glucose_compares_exactly_at_each_threshold() {
        let p = RuleProfile::bphs3();
        let outcome = |text: &str, kind, symptoms| {
            assess_glucose(text.parse().unwrap(), kind, symptoms, &p).outcome
        };
        let fasting = |text| outcome(text, GlucoseKind::Fasting, false);
        assert_eq!(fasting("6.09"), GlucoseOutcome::Normal);
        assert_eq!(fasting("6.10"), GlucoseOutcome::ImpairedFasting);
        assert_eq!(fasting("6.99"), GlucoseOutcome::ImpairedFasting);
        assert_eq!(fasting("7.00"), GlucoseOutcome::Suspected);
        assert_eq!(fasting("16.69"), GlucoseOutcome::Suspected);
        assert_eq!(fasting("16.70"), GlucoseOutcome::Emergency);
        assert_eq!(fasting("3.90"), GlucoseOutcome::Emergency);
        assert_eq!(fasting("3.91"), GlucoseOutcome::Normal);
        assert_eq!(
            outcome("11.09", GlucoseKind::Random, true),
            GlucoseOutcome::Normal
        );
        assert_eq!(
            outcome("11.10", GlucoseKind::TwoHour, true),
            GlucoseOutcome::Suspected
        );
    }
}
