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
    /// An import batch's results were written: one event for the batch, not one per row
    /// (decision 0005), so that whoever counts screenings (the grid figures) learns of them.
    BatchImported {
        /// The batch (its rows carry its id).
        batch: uuid::Uuid,
        /// Results written.
        rows: u32,
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
    /// A row of an import batch: only `SuspectedCaseFlagged`, what a hospital system acts on
    /// (the batch as a whole announces itself once: `BatchImported`).
    /// A `ScreeningRecorded` per row would double the rows a campaign writes and tell a
    /// consumer nothing the batch's results do not.
    Batch,
}

/// The outcome of one screening programme: the programme it belongs to and the suspected case
/// it flags, so that one constructor of [`ScreeningEvent`]s serves every programme.
pub trait ScreeningOutcome: Copy {
    /// The programme whose rule decided the outcome.
    const PROGRAMME: Programme;
    /// The suspected case the outcome flags, by the programme's rule.
    fn suspected_case(self) -> Option<SuspectedCase>;
}

impl ScreeningOutcome for BpOutcome {
    const PROGRAMME: Programme = Programme::BloodPressure;
    fn suspected_case(self) -> Option<SuspectedCase> {
        BpOutcome::suspected_case(self)
    }
}

impl ScreeningOutcome for GlucoseOutcome {
    const PROGRAMME: Programme = Programme::FastingGlucose;
    fn suspected_case(self) -> Option<SuspectedCase> {
        GlucoseOutcome::suspected_case(self)
    }
}

impl ScreeningEvent {
    /// The events of recording a decision as it arrived (see [`Arrival`]); flagged is what
    /// the outcome's [`ScreeningOutcome::suspected_case`] says.
    pub fn recorded<O: ScreeningOutcome>(
        screening: ScreeningId,
        resident: ResidentId,
        on: Date,
        decision: &Decision<O>,
        arrival: Arrival,
    ) -> Vec<ScreeningEvent> {
        let programme = O::PROGRAMME;
        let mut events = Vec::with_capacity(2);
        if arrival == Arrival::Single {
            events.push(ScreeningEvent::ScreeningRecorded {
                screening,
                resident,
                programme,
                on,
                explanation: decision.explanation,
            });
        }
        if let Some(case) = decision.outcome.suspected_case() {
            events.push(ScreeningEvent::SuspectedCaseFlagged {
                screening,
                resident,
                programme,
                emergency: case.emergency,
                follow_up_by: case.follow_up_by,
            });
        }
        events
    }
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
        let events = ScreeningEvent::recorded(
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
            ScreeningEvent::recorded(
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
            ScreeningEvent::recorded(
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
