//! The events of recording a screening result, which depend on how it arrived.

use serde::{Deserialize, Serialize};
use time::Date;

use super::blood_pressure::BpOutcome;
use super::decision::{Decision, SuspectedCase};
use super::eligibility::Programme;
use super::glucose::GlucoseOutcome;
use crate::ids::{ResidentId, ScreeningId};
use crate::rule::Explanation;

/// A screening result was recorded, and whether it flags a suspected case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ScreeningEvent {
    /// A result was recorded with its decision.
    ScreeningRecorded {
        /// The screening record.
        screening: ScreeningId,
        /// The resident.
        resident: ResidentId,
        /// The programme.
        programme: Programme,
        /// Date.
        on: Date,
        /// Why the outcome is what it is.
        explanation: Explanation,
    },
    /// The result flags a suspected case: refer for confirmation (or emergency referral) and
    /// follow the result up.
    SuspectedCaseFlagged {
        /// The screening record.
        screening: ScreeningId,
        /// The resident.
        resident: ResidentId,
        /// The programme.
        programme: Programme,
        /// Whether it is an emergency.
        emergency: bool,
        /// When the screening institution must have followed up, if the rule sets a date.
        follow_up_by: Option<Date>,
    },
}

/// How a result reaches the record: one at a time by a clinician's command, or in an import
/// batch. It decides the events (decision 0005).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arrival {
    /// One result, recorded as it is taken: `ScreeningRecorded`, plus `SuspectedCaseFlagged`
    /// when flagged.
    Single,
    /// A row of an import batch: only `SuspectedCaseFlagged`, what a hospital system acts on.
    /// A `ScreeningRecorded` per row would double the rows a campaign writes and tell a
    /// consumer nothing the batch's results do not.
    Batch,
}

impl ScreeningEvent {
    /// The events of recording a blood-pressure decision as it arrived: see [`Arrival`];
    /// flagged are an emergency and a preliminary diagnosis ([`BpOutcome::suspected_case`]).
    pub fn blood_pressure(
        screening: ScreeningId,
        resident: ResidentId,
        on: Date,
        decision: &Decision<BpOutcome>,
        arrival: Arrival,
    ) -> Vec<ScreeningEvent> {
        Self::recorded(
            Recorded {
                screening,
                resident,
                programme: Programme::BloodPressure,
                on,
                explanation: decision.explanation,
            },
            decision.outcome.suspected_case(),
            arrival,
        )
    }

    /// The events of recording a glucose decision as it arrived: see [`Arrival`]; flagged are
    /// an emergency and suspected diabetes ([`GlucoseOutcome::suspected_case`]).
    pub fn glucose(
        screening: ScreeningId,
        resident: ResidentId,
        on: Date,
        decision: &Decision<GlucoseOutcome>,
        arrival: Arrival,
    ) -> Vec<ScreeningEvent> {
        Self::recorded(
            Recorded {
                screening,
                resident,
                programme: Programme::FastingGlucose,
                on,
                explanation: decision.explanation,
            },
            decision.outcome.suspected_case(),
            arrival,
        )
    }

    fn recorded(r: Recorded, flag: Option<SuspectedCase>, arrival: Arrival) -> Vec<ScreeningEvent> {
        let mut events = Vec::with_capacity(2);
        if arrival == Arrival::Single {
            events.push(ScreeningEvent::ScreeningRecorded {
                screening: r.screening,
                resident: r.resident,
                programme: r.programme,
                on: r.on,
                explanation: r.explanation,
            });
        }
        if let Some(case) = flag {
            events.push(ScreeningEvent::SuspectedCaseFlagged {
                screening: r.screening,
                resident: r.resident,
                programme: r.programme,
                emergency: case.emergency,
                follow_up_by: case.follow_up_by,
            });
        }
        events
    }
}

/// What every event of one recorded result names.
struct Recorded {
    screening: ScreeningId,
    resident: ResidentId,
    programme: Programme,
    on: Date,
    explanation: Explanation,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Sex;
    use crate::measure::{BloodPressure, Glucose};
    use crate::profile::RuleProfile;
    use crate::screening::{
        BpReading, GlucoseKind, RiskFactors, assess_blood_pressure, assess_glucose,
    };
    use time::macros::date;

    #[test]
    fn a_preliminary_diagnosis_flags_a_suspected_case_and_a_normal_result_does_not() {
        let p = RuleProfile::bphs3();
        let r = |d: Date, sbp| BpReading {
            date: d,
            bp: BloodPressure::new(sbp, 80).unwrap(),
        };
        let readings = [
            r(date!(2026 - 03 - 01), 150),
            r(date!(2026 - 03 - 03), 150),
            r(date!(2026 - 03 - 05), 150),
        ];
        let d =
            assess_blood_pressure(&readings, 50, Sex::Male, &RiskFactors::default(), &p).unwrap();
        let events = ScreeningEvent::blood_pressure(
            ScreeningId::from_u128(1),
            ResidentId::from_u128(2),
            date!(2026 - 03 - 05),
            &d,
            Arrival::Single,
        );
        assert!(matches!(
            events[1],
            ScreeningEvent::SuspectedCaseFlagged {
                emergency: false,
                follow_up_by: Some(_),
                ..
            }
        ));
        let g = assess_glucose(
            Glucose::from_tenths(55).unwrap(),
            GlucoseKind::Fasting,
            false,
            &p,
        );
        assert_eq!(
            ScreeningEvent::glucose(
                ScreeningId::from_u128(1),
                ResidentId::from_u128(2),
                date!(2026 - 03 - 05),
                &g,
                Arrival::Single,
            )
            .len(),
            1
        );
    }

    #[test]
    fn a_batch_row_emits_only_its_flag() {
        let p = RuleProfile::bphs3();
        let emergency = assess_glucose(
            Glucose::from_tenths(170).unwrap(),
            GlucoseKind::Random,
            false,
            &p,
        );
        let normal = assess_glucose(
            Glucose::from_tenths(55).unwrap(),
            GlucoseKind::Fasting,
            false,
            &p,
        );
        let events = |d: &Decision<GlucoseOutcome>| {
            ScreeningEvent::glucose(
                ScreeningId::from_u128(1),
                ResidentId::from_u128(2),
                date!(2026 - 03 - 05),
                d,
                Arrival::Batch,
            )
        };
        assert!(matches!(
            events(&emergency).as_slice(),
            [ScreeningEvent::SuspectedCaseFlagged {
                emergency: true,
                ..
            }]
        ));
        assert!(events(&normal).is_empty());
    }
}
