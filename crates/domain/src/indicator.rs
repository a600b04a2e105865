//! Indicators (section 4 and 6) as pure functions over in-memory data.
//!
//! Each returns a [`Rate`] — numerator and denominator — rather than a float, so that rates
//! aggregate correctly (sum the parts, never average the rates) and reports can show both.
//! Only permanent residents count in population denominators.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

mod assessed;
mod diagnosis;
mod headline;
mod period;
mod referral;
mod touched;

pub use assessed::{AssessedRate, CheckFact, annual_check_done};
pub use diagnosis::{DiagnosisFigures, Turnaround};
pub use headline::{Headline, Target};
pub use period::{Period, PeriodKind};
pub use referral::ReferralFigures;
pub use touched::{Touched, touched_by};

use crate::calendar;
use crate::contract::{Contract, ContractStatus, PopulationFacts, key_populations_on};
use crate::followup::{Condition, FollowUpPlan, PlanStatus, YearOfCare};
use crate::grid::{AssessedCounts, GridTally};
use crate::identity::Resident;
use crate::measure::Percentage;
use crate::profile::RuleProfile;
use crate::referral::{Direction, Referral};
use crate::screening::{Cancer, Programme, ScreeningSubject, eligibility, screened_in_cycle};

/// A rate as its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Rate {
    /// Numerator.
    pub numerator: u64,
    /// Denominator.
    pub denominator: u64,
}

impl Rate {
    /// The rate as a fraction; `None` when the denominator is zero. Can exceed 1 only for the
    /// management rate, whose denominator is an estimate.
    pub fn fraction(&self) -> Option<f64> {
        #[allow(clippy::cast_precision_loss)] // counts far below 2^52
        (self.denominator > 0).then(|| self.numerator as f64 / self.denominator as f64)
    }

    /// The rate in basis points (hundredths of a percent), rounded half up; `None` when the
    /// denominator is zero. Unbounded, for the management rate.
    pub fn basis_points(&self) -> Option<u64> {
        (self.denominator > 0).then(|| {
            let d = u128::from(self.denominator);
            let bp = (u128::from(self.numerator) * 20_000 + d) / (d * 2);
            u64::try_from(bp).unwrap_or(u64::MAX)
        })
    }

    /// The rate as a percentage; `None` when the denominator is zero or the rate exceeds 100%.
    pub fn percentage(&self) -> Option<Percentage> {
        Percentage::of(self.numerator, self.denominator)
    }

    fn count<T>(
        items: impl IntoIterator<Item = T>,
        mut in_denominator: impl FnMut(&T) -> bool,
        mut in_numerator: impl FnMut(&T) -> bool,
    ) -> Rate {
        let mut rate = Rate::default();
        for item in items {
            if in_denominator(&item) {
                rate.denominator += 1;
                if in_numerator(&item) {
                    rate.numerator += 1;
                }
            }
        }
        rate
    }
}

impl std::ops::Add for Rate {
    type Output = Rate;
    fn add(self, o: Rate) -> Rate {
        Rate {
            numerator: self.numerator + o.numerator,
            denominator: self.denominator + o.denominator,
        }
    }
}

/// Management rate: managed patients / estimated patients in the jurisdiction.
pub fn management_rate(managed: u64, estimated_patients: u64) -> Rate {
    Rate {
        numerator: managed,
        denominator: estimated_patients,
    }
}

/// Standardized management rate (规范管理率): managed patients with at least the profile's
/// face-to-face follow-ups and the annual check in the year / managed patients.
pub fn standardized_management_rate<'a>(
    managed: impl IntoIterator<Item = &'a YearOfCare>,
    profile: &RuleProfile,
) -> Rate {
    Rate::count(managed, |_| true, |y| y.is_standardized(profile))
}

/// Control rate: managed patients whose latest follow-up of the year was on target / managed
/// patients; a patient without a follow-up in the year counts as not controlled.
pub fn control_rate<'a>(managed: impl IntoIterator<Item = &'a YearOfCare>) -> Rate {
    Rate::count(managed, |_| true, |y| y.is_controlled())
}

/// A resident aged 65+ in the year, as the elderly indicator sees them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ElderlyYear {
    /// A permanent resident.
    pub permanent: bool,
    /// Has a health record.
    pub has_record: bool,
    /// Had the health check in the year.
    pub checked: bool,
    /// Received health guidance in the year.
    pub guided: bool,
}

/// Elderly management rate: 65+ with record, check and guidance in the year / 65+ permanent
/// residents.
pub fn elderly_management_rate<'a>(elderly: impl IntoIterator<Item = &'a ElderlyYear>) -> Rate {
    Rate::count(
        elderly,
        |e| e.permanent,
        |e| e.has_record && e.checked && e.guided,
    )
}

/// Dynamic-record rate: records with a service in the profile's window before `on` / records.
pub fn dynamic_record_rate(
    last_services: impl IntoIterator<Item = Option<Date>>,
    on: Date,
    profile: &RuleProfile,
) -> Rate {
    let window = i64::from(profile.records.dynamic_window_days);
    Rate::count(
        last_services,
        |_| true,
        |last| last.is_some_and(|d| d <= on && calendar::days_between(d, on) < window),
    )
}

/// A resident as the coverage indicators see them on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CoverageFacts {
    /// A permanent resident on the date.
    pub permanent: bool,
    /// Holds an active contract on the date.
    pub contracted: bool,
    /// Belongs to a key population on the date.
    pub key_population: bool,
}

/// Contract coverage: permanent residents with an active contract / permanent residents.
pub fn contract_coverage<'a>(residents: impl IntoIterator<Item = &'a CoverageFacts>) -> Rate {
    Rate::count(residents, |r| r.permanent, |r| r.contracted)
}

/// Key-population coverage: key-population permanent residents with an active contract /
/// key-population permanent residents.
pub fn key_population_coverage<'a>(residents: impl IntoIterator<Item = &'a CoverageFacts>) -> Rate {
    Rate::count(
        residents,
        |r| r.permanent && r.key_population,
        |r| r.contracted,
    )
}

/// Renewal rate: contracts that ran to their end in `from..until` and were renewed with the
/// same team / contracts that ran to their end in that period. Terminated contracts did not
/// expire; a switch to another team counts as expired, not renewed.
pub fn renewal_rate<'a>(
    contracts: impl IntoIterator<Item = &'a Contract>,
    from: Date,
    until: Date,
) -> Rate {
    Rate::count(
        contracts,
        |c| {
            (from..until).contains(&c.end())
                && !matches!(c.status(), ContractStatus::Terminated { .. })
        },
        |c| matches!(c.status(), ContractStatus::Renewed { .. }),
    )
}

/// The renewal rate of the calendar year up to `on` (IND-RENEWAL): contracts whose last day
/// in force lies in the year up to the date. A contract's `end` is exclusive, so one in force
/// through 31 December ends on 1 January and belongs to the year it ran in.
pub fn renewal_rate_of_year<'a>(
    contracts: impl IntoIterator<Item = &'a Contract>,
    on: Date,
) -> Rate {
    let year_start = calendar::year_start(on);
    renewal_rate(
        contracts,
        calendar::add_days(year_start, 1),
        calendar::add_days(on, 2),
    )
}

/// Referral counts of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ReferralCounts {
    /// Upward referrals requested.
    pub upward: u64,
    /// Downward referrals requested.
    pub downward: u64,
}

/// Referrals requested in `from..until` (UTC instants), by direction.
pub fn referral_counts<'a>(
    referrals: impl IntoIterator<Item = &'a Referral>,
    from: OffsetDateTime,
    until: OffsetDateTime,
) -> ReferralCounts {
    let mut counts = ReferralCounts::default();
    for r in referrals {
        if (from..until).contains(&r.requested_at()) {
            match r.direction() {
                Direction::Upward => counts.upward += 1,
                Direction::Downward => counts.downward += 1,
            }
        }
    }
    counts
}
/// What the grid indicators need to know of one resident on a date, gathered by the caller
/// from storage; every judgement (permanence, key populations, control) is made here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidentFacts {
    /// The resident (birth date, sex, since when living here).
    pub resident: Resident,
    /// Whether a family doctor contract is in force on the date.
    pub contracted: bool,
    /// The latest service (follow-up visit or screening) on or before the date.
    pub last_service: Option<Date>,
    /// The resident's open enrolments, each with its year of care up to the date.
    pub managed: Vec<(Condition, YearOfCare)>,
    /// The resident's 65+ checks in the year up to the date.
    pub checks: Vec<CheckFact>,
    /// Whether the blood-pressure programme screened the resident in the year up to the date
    /// (an opportunistic reading is not the programme's).
    pub bp_screened: bool,
    /// The two-cancer programme's exams of the resident on or before the date (opportunistic
    /// ones left out); the latest of each cancer is enough.
    pub cancer_exams: Vec<(Cancer, Date)>,
}

/// One grid's tally on `on`: households, permanent residents and their records, dynamic
/// records, contract and key-population coverage, follow-ups due and overdue among `waiting`
/// (the grid's plans not yet done), and managed patients with their control (one per open
/// enrolment). Only permanent residents count in population figures.
pub fn grid_tally<'a>(
    households: u64,
    residents: impl IntoIterator<Item = &'a ResidentFacts>,
    waiting: impl IntoIterator<Item = &'a FollowUpPlan>,
    on: Date,
    profile: &RuleProfile,
) -> GridTally {
    let mut t = GridTally {
        households,
        ..GridTally::default()
    };
    let window = i64::from(profile.records.dynamic_window_days);
    for f in residents {
        t.managed += f.managed.len() as u64;
        t.controlled += f.managed.iter().filter(|(_, y)| y.is_controlled()).count() as u64;
        if !f.resident.is_permanent_on(on, profile) {
            continue;
        }
        // The assessed rates count permanent residents only, as their estimate does.
        count_managed(&mut t.assessed, &f.managed, profile);
        count_programmes(&mut t.assessed, f, on, profile);
        // Every registered resident has a health record: the register is the record.
        t.permanent_residents += 1;
        t.records += 1;
        if f.last_service
            .is_some_and(|d| d <= on && calendar::days_between(d, on) < window)
        {
            t.dynamic_records += 1;
        }
        t.contracted += u64::from(f.contracted);
        let facts = PopulationFacts::of_resident(
            &f.resident,
            f.managed.iter().map(|(c, _)| c.chronic()),
            on,
        );
        if !key_populations_on(&facts, on, profile).0.is_empty() {
            t.key_population += 1;
            t.key_population_contracted += u64::from(f.contracted);
        }
    }
    for plan in waiting {
        match plan.status_on(on, profile) {
            PlanStatus::Overdue { .. } => {
                t.follow_ups_due += 1;
                t.follow_ups_overdue += 1;
            }
            PlanStatus::Due if plan.due() <= on => t.follow_ups_due += 1,
            _ => {}
        }
    }
    t
}

/// Per condition: managed, standardized and on target (IND-STANDARDIZED, IND-CONTROL,
/// IND-SMD-STABLE).
fn count_managed(a: &mut AssessedCounts, managed: &[(Condition, YearOfCare)], p: &RuleProfile) {
    for (condition, year) in managed {
        let counts = match condition {
            Condition::Hypertension => &mut a.hypertension,
            Condition::Type2Diabetes => &mut a.diabetes,
            Condition::SevereMentalDisorder(_) => {
                a.mental_disorder_managed += 1;
                a.mental_disorder_stable += u64::from(year.is_controlled());
                continue;
            }
        };
        counts.managed += 1;
        counts.standardized += u64::from(year.is_standardized(p));
        counts.controlled += u64::from(year.is_controlled());
    }
}

/// A permanent resident in the programmes' denominators: the estimate's adults, the 65+
/// (IND-ELDERLY, IND-ELDERLY-CHECK), the blood-pressure programme (IND-SCREENING) and the
/// two-cancer programme (IND-TWO-CANCER).
fn count_programmes(a: &mut AssessedCounts, f: &ResidentFacts, on: Date, p: &RuleProfile) {
    let r = &f.resident;
    let age = r.age_on(on);
    a.adults += u64::from(age >= u16::from(p.indicators.estimate_min_age));
    if Programme::ElderlyCheck.covers(age, r.sex(), p) {
        let in_year: Vec<&CheckFact> = f
            .checks
            .iter()
            .filter(|c| c.on <= on && c.on.year() == on.year())
            .collect();
        a.elderly += 1;
        a.elderly_checked += u64::from(!in_year.is_empty());
        // Every registered resident has a record: checked and guided by the date is managed.
        a.elderly_managed += u64::from(in_year.iter().any(|c| c.guided_by(on)));
    }
    let subject = ScreeningSubject {
        birth_date: r.birth_date(),
        sex: r.sex(),
        permanent_resident: true,
        high_risk: false,
        diagnosed: f.managed.iter().any(|(c, _)| *c == Condition::Hypertension),
    };
    if eligibility(Programme::BloodPressure, &subject, None, on, p).eligible {
        a.bp_eligible += 1;
        a.bp_screened += u64::from(f.bp_screened);
    }
    if Programme::TwoCancer.covers(age, r.sex(), p) {
        let screened = |c| u64::from(screened_in_cycle(&f.cancer_exams, c, on, p));
        a.two_cancer_eligible += 1;
        a.cervical_screened += screened(Cancer::Cervical);
        a.breast_screened += screened(Cancer::Breast);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::fixtures::{sign, team};
    use time::macros::date;

    #[test]
    fn a_contract_counts_for_renewal_in_the_year_of_its_last_day_in_force() {
        let p = RuleProfile::bphs3();
        let t = team(1);
        // In force through 31 December 2026; `end` is 1 January 2027.
        let (first, _) = Contract::sign(sign(1, date!(2026 - 01 - 01)), &t, None, &p).unwrap();
        let (renewed, _, _) = first
            .clone()
            .renew(
                crate::ids::ContractId::from_u128(2),
                date!(2026 - 12 - 15),
                None,
                &t,
                &p,
            )
            .unwrap();
        let counted = |c: &Contract, on| {
            let r = renewal_rate_of_year([c], on);
            (r.numerator, r.denominator)
        };
        assert_eq!(counted(&renewed, date!(2026 - 12 - 30)), (0, 0));
        assert_eq!(counted(&renewed, date!(2026 - 12 - 31)), (1, 1));
        assert_eq!(counted(&first, date!(2026 - 12 - 31)), (0, 1));
        // Not again in the year after: its last day belongs to 2026.
        assert_eq!(counted(&renewed, date!(2027 - 06 - 01)), (0, 0));
    }
}
