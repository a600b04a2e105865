//! Who is due for a programme on a day (§5): blood pressure yearly (six-monthly for the high
//! risk), fasting glucose yearly for the high risk, the 65+ check yearly; each from
//! [`eligibility`] with the subject read from the resident's latest results.
//!
//! High risk for blood pressure is the latest blood-pressure result's `high_risk` outcome
//! (`SCR-BP-HIGH-RISK`). For glucose, the programme screens "high-risk people 35+": the latest
//! blood-pressure result high risk or a preliminary diagnosis, hypertension under management, or
//! impaired fasting glucose at the latest glucose result (`SCR-GLU-ELIGIBLE`).

use serde::{Deserialize, Serialize};
use time::Date;

use super::blood_pressure::BpOutcome;
use super::eligibility::{Programme, ScreeningSubject, eligibility};
use super::glucose::GlucoseOutcome;
use crate::calendar;
use crate::identity::Resident;
use crate::profile::RuleProfile;
use crate::rule::Explanation;

/// What a resident's due dates are read from, as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreeningHistory {
    /// Under hypertension management (followed up, not screened for it).
    pub hypertension_managed: bool,
    /// Under type 2 diabetes management.
    pub diabetes_managed: bool,
    /// The latest blood-pressure programme result on or before the day, with its outcome.
    pub last_bp: Option<(Date, BpOutcome)>,
    /// The latest fasting-glucose result on or before the day, with its outcome.
    pub last_glucose: Option<(Date, GlucoseOutcome)>,
    /// The latest 65+ check on or before the day.
    pub last_check: Option<Date>,
}

/// A resident due for a programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    /// The programme.
    pub programme: Programme,
    /// When it fell due (the day itself for someone never screened).
    pub due_on: Date,
    /// The last screening or check, if any.
    pub last: Option<Date>,
    /// Whether screened at the high-risk interval or for being at high risk.
    pub high_risk: bool,
    /// Days past the due date.
    pub days_overdue: u32,
    /// The rules applied.
    pub explanation: Explanation,
}

impl ScreeningHistory {
    fn bp_high_risk(&self) -> bool {
        matches!(self.last_bp, Some((_, BpOutcome::HighRisk { .. })))
    }

    fn glucose_high_risk(&self) -> bool {
        self.bp_high_risk()
            || matches!(
                self.last_bp,
                Some((_, BpOutcome::PreliminaryDiagnosis { .. }))
            )
            || self.hypertension_managed
            || matches!(
                self.last_glucose,
                Some((_, GlucoseOutcome::ImpairedFasting))
            )
    }
}

/// Whether `resident` is due for `programme` on `on`, and since when. `None` when the
/// programme does not apply (ages, sex, residency, already managed, not at high risk) or its
/// next date is still ahead. Two-cancer screening is tracked by its cases, not here.
pub fn due_on(
    programme: Programme,
    resident: &Resident,
    history: &ScreeningHistory,
    on: Date,
    profile: &RuleProfile,
) -> Option<Due> {
    let (high_risk, diagnosed, last) = match programme {
        Programme::BloodPressure => (
            history.bp_high_risk(),
            history.hypertension_managed,
            history.last_bp.map(|(d, _)| d),
        ),
        Programme::FastingGlucose => (
            history.glucose_high_risk(),
            history.diabetes_managed,
            history.last_glucose.map(|(d, _)| d),
        ),
        Programme::ElderlyCheck => (false, false, history.last_check),
        Programme::TwoCancer => return None,
    };
    // The lists are the programmes' work among permanent residents (§1): no one who has
    // died, moved away or not yet lived here six months is due for anything.
    if !resident.is_permanent_on(on, profile) {
        return None;
    }
    let subject = ScreeningSubject {
        birth_date: resident.birth_date(),
        sex: resident.sex(),
        permanent_resident: true,
        high_risk,
        diagnosed,
    };
    let e = eligibility(programme, &subject, last, on, profile);
    let next_due = match (programme, last) {
        // The 65+ check is once a calendar year (SCR-ELDERLY): due again on 1 January after the last one,
        // not twelve months on, so a check late in one year does not push the next year's out.
        (Programme::ElderlyCheck, Some(last)) if e.eligible => {
            Some(Date::from_ordinal_date(last.year().saturating_add(1), 1).unwrap_or(Date::MAX))
        }
        _ => e.next_due,
    };
    let due_on = next_due.filter(|d| *d <= on)?;
    Some(Due {
        programme,
        due_on,
        last,
        high_risk,
        days_overdue: u32::try_from(calendar::days_between(due_on, on)).unwrap_or(0),
        explanation: e.explanation,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{DocumentKind, OtherDocument, Sex};
    use crate::ids::ResidentId;
    use time::macros::date;

    const ON: Date = date!(2026 - 06 - 01);

    fn resident(birth: Date, since: Date) -> Resident {
        Resident::with_document(
            ResidentId::from_u128(1),
            OtherDocument::new(DocumentKind::Passport, "P0000001").unwrap(),
            birth,
            Sex::Male,
            None,
            since,
        )
        .unwrap()
    }

    #[test]
    fn blood_pressure_is_due_a_year_on_or_six_months_for_the_high_risk() {
        let p = RuleProfile::bphs3();
        let adult = resident(date!(1980 - 01 - 01), date!(2000 - 01 - 01));
        let never = ScreeningHistory::default();
        let due = due_on(Programme::BloodPressure, &adult, &never, ON, &p).unwrap();
        assert_eq!((due.due_on, due.days_overdue, due.last), (ON, 0, None));
        let normal = ScreeningHistory {
            last_bp: Some((
                date!(2025 - 09 - 01),
                BpOutcome::Normal {
                    rescreen_on: date!(2026 - 09 - 01),
                },
            )),
            ..ScreeningHistory::default()
        };
        assert_eq!(
            due_on(Programme::BloodPressure, &adult, &normal, ON, &p),
            None
        );
        let risky = ScreeningHistory {
            last_bp: Some((
                date!(2025 - 11 - 20),
                BpOutcome::HighRisk {
                    rescreen_on: date!(2026 - 05 - 20),
                },
            )),
            ..ScreeningHistory::default()
        };
        let due = due_on(Programme::BloodPressure, &adult, &risky, ON, &p).unwrap();
        assert_eq!((due.due_on, due.days_overdue), (date!(2026 - 05 - 20), 12));
        assert!(due.high_risk);
        // Managed patients are followed up, not screened; the young are not in the programme.
        let managed = ScreeningHistory {
            hypertension_managed: true,
            ..ScreeningHistory::default()
        };
        assert_eq!(
            due_on(Programme::BloodPressure, &adult, &managed, ON, &p),
            None
        );
        let young = resident(date!(1995 - 01 - 01), date!(2000 - 01 - 01));
        assert_eq!(
            due_on(Programme::BloodPressure, &young, &never, ON, &p),
            None
        );
        // Not yet a permanent resident: not in the programme's denominator.
        let newcomer = resident(date!(1980 - 01 - 01), date!(2026 - 03 - 01));
        assert_eq!(
            due_on(Programme::BloodPressure, &newcomer, &never, ON, &p),
            None
        );
    }

    #[test]
    fn glucose_is_for_the_high_risk_and_the_check_for_the_65_and_over() {
        let p = RuleProfile::bphs3();
        let adult = resident(date!(1980 - 01 - 01), date!(2000 - 01 - 01));
        let never = ScreeningHistory::default();
        assert_eq!(
            due_on(Programme::FastingGlucose, &adult, &never, ON, &p),
            None
        );
        for history in [
            ScreeningHistory {
                hypertension_managed: true,
                ..ScreeningHistory::default()
            },
            ScreeningHistory {
                last_glucose: Some((date!(2025 - 05 - 01), GlucoseOutcome::ImpairedFasting)),
                ..ScreeningHistory::default()
            },
        ] {
            let due = due_on(Programme::FastingGlucose, &adult, &history, ON, &p).unwrap();
            assert!(due.high_risk);
        }
        let diabetic = ScreeningHistory {
            hypertension_managed: true,
            diabetes_managed: true,
            ..ScreeningHistory::default()
        };
        assert_eq!(
            due_on(Programme::FastingGlucose, &adult, &diabetic, ON, &p),
            None
        );
        assert_eq!(
            due_on(Programme::ElderlyCheck, &adult, &never, ON, &p),
            None
        );
        let elder = resident(date!(1955 - 01 - 01), date!(2000 - 01 - 01));
        let checked = ScreeningHistory {
            last_check: Some(date!(2026 - 01 - 02)),
            ..ScreeningHistory::default()
        };
        assert_eq!(
            due_on(Programme::ElderlyCheck, &elder, &checked, ON, &p),
            None
        );
        // Checked in December: due again on 1 January, not twelve months on.
        let december = ScreeningHistory {
            last_check: Some(date!(2025 - 12 - 20)),
            ..ScreeningHistory::default()
        };
        let due = due_on(Programme::ElderlyCheck, &elder, &december, ON, &p).unwrap();
        assert_eq!(due.last, Some(date!(2025 - 12 - 20)));
        assert_eq!((due.due_on, due.days_overdue), (date!(2026 - 01 - 01), 151));
        assert_eq!(due_on(Programme::TwoCancer, &elder, &never, ON, &p), None);
    }

    #[test]
    fn no_one_who_has_died_is_due_for_anything() {
        let p = RuleProfile::bphs3();
        let (elder, _) = resident(date!(1955 - 01 - 01), date!(2000 - 01 - 01))
            .record_death(date!(2026 - 05 - 01))
            .unwrap();
        let at_risk = ScreeningHistory {
            hypertension_managed: true,
            ..ScreeningHistory::default()
        };
        for programme in [
            Programme::BloodPressure,
            Programme::FastingGlucose,
            Programme::ElderlyCheck,
        ] {
            assert_eq!(
                due_on(programme, &elder, &at_risk, ON, &p),
                None,
                "{programme:?}"
            );
        }
    }
}
