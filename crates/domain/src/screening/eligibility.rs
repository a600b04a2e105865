//! The screening programmes and eligibility: who is due for which programme, and when.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::calendar;
use crate::identity::Sex;
use crate::profile::RuleProfile;
use crate::rule::{Explanation, RuleId, RuleSet};
use crate::vocabulary::codes;

/// Screening programmes (section 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Programme {
    /// Blood pressure, 35+.
    BloodPressure,
    /// Fasting glucose, high-risk 35+.
    FastingGlucose,
    /// Elderly health check, 65+.
    ElderlyCheck,
    /// Cervical and breast cancer, women 35–64.
    TwoCancer,
}

codes!(Programme {
    BloodPressure => "blood_pressure",
    FastingGlucose => "fasting_glucose",
    ElderlyCheck => "elderly_check",
    TwoCancer => "two_cancer",
});

impl Programme {
    /// Whether the programme's ages (and sex) cover a person: a reading of anyone else is
    /// opportunistic (机会性筛查), recorded and assessed but not counted in the programme.
    pub fn covers(self, age: u16, sex: Sex, profile: &RuleProfile) -> bool {
        let s = &profile.screening;
        match self {
            Programme::BloodPressure => age >= u16::from(s.blood_pressure.min_age),
            Programme::FastingGlucose => age >= u16::from(s.glucose.min_age),
            Programme::ElderlyCheck => age >= u16::from(s.elderly.min_age),
            Programme::TwoCancer => {
                sex == Sex::Female
                    && (u16::from(s.two_cancer.min_age)..=u16::from(s.two_cancer.max_age))
                        .contains(&age)
            }
        }
    }
}

/// What eligibility is decided from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScreeningSubject {
    /// Birth date.
    pub birth_date: Date,
    /// Sex.
    pub sex: Sex,
    /// Whether a permanent resident on the date.
    pub permanent_resident: bool,
    /// Whether at high risk (from the latest BP screening or other findings).
    pub high_risk: bool,
    /// Whether already diagnosed with the programme's condition (managed patients are followed
    /// up, not screened).
    pub diagnosed: bool,
}

/// Whether the subject is due for `programme` on `on`, given the last screening date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eligibility {
    /// Whether the programme applies to the subject at all.
    pub eligible: bool,
    /// When the next screening is due (the date itself if never screened).
    pub next_due: Option<Date>,
    /// Why.
    pub explanation: Explanation,
}

/// Decides eligibility and the next-due date for one programme.
pub fn eligibility(
    programme: Programme,
    subject: &ScreeningSubject,
    last_screened: Option<Date>,
    on: Date,
    profile: &RuleProfile,
) -> Eligibility {
    let s = &profile.screening;
    let age = calendar::years_between(subject.birth_date, on).unwrap_or(0);
    let covered = programme.covers(age, subject.sex, profile);
    let (eligible, months, rule) = match programme {
        Programme::BloodPressure => (
            covered && subject.permanent_resident && !subject.diagnosed,
            if subject.high_risk {
                s.blood_pressure.high_risk_interval_months
            } else {
                s.blood_pressure.interval_months
            },
            RuleId::ScreenBpEligible,
        ),
        Programme::FastingGlucose => (
            covered && subject.high_risk && !subject.diagnosed,
            s.glucose.interval_months,
            RuleId::ScreenGlucoseEligible,
        ),
        Programme::ElderlyCheck => (
            covered && subject.permanent_resident,
            s.elderly.interval_months,
            RuleId::ScreenElderlyCheck,
        ),
        Programme::TwoCancer => (
            covered,
            s.two_cancer.cycle_years.saturating_mul(12),
            RuleId::ScreenTwoCancerEligible,
        ),
    };
    let next_due = eligible.then(|| match last_screened {
        None => on,
        Some(last) => calendar::add_months(last, u16::from(months)),
    });
    let mut rules = RuleSet::of(rule);
    if programme == Programme::BloodPressure && subject.high_risk {
        rules.insert(RuleId::ScreenBpHighRisk);
    }
    Eligibility {
        eligible,
        next_due,
        explanation: Explanation::new(profile.stamp(), rules),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::tests::check_unit;
    use time::macros::date;

    fn subject(birth: Date, sex: Sex) -> ScreeningSubject {
        ScreeningSubject {
            birth_date: birth,
            sex,
            permanent_resident: true,
            high_risk: false,
            diagnosed: false,
        }
    }

    #[test]
    fn blood_pressure_screening_starts_at_35_and_repeats_yearly_or_every_6_months() {
        let p = RuleProfile::bphs3();
        let on = date!(2026 - 06 - 01);
        let young = subject(date!(1991 - 06 - 02), Sex::Male);
        assert!(!eligibility(Programme::BloodPressure, &young, None, on, &p).eligible);
        let adult = subject(date!(1991 - 06 - 01), Sex::Male);
        let e = eligibility(
            Programme::BloodPressure,
            &adult,
            Some(date!(2026 - 01 - 10)),
            on,
            &p,
        );
        assert_eq!(e.next_due, Some(date!(2027 - 01 - 10)));
        let risky = ScreeningSubject {
            high_risk: true,
            ..adult
        };
        let e = eligibility(
            Programme::BloodPressure,
            &risky,
            Some(date!(2026 - 01 - 10)),
            on,
            &p,
        );
        assert_eq!(e.next_due, Some(date!(2026 - 07 - 10)));
        assert!(e.explanation.rules.contains(RuleId::ScreenBpHighRisk));
        let managed = ScreeningSubject {
            diagnosed: true,
            ..adult
        };
        assert!(!eligibility(Programme::BloodPressure, &managed, None, on, &p).eligible);
    }

    #[test]
    fn two_cancer_screening_is_for_women_35_to_64_once_per_cycle() {
        let p = RuleProfile::bphs3();
        let on = date!(2026 - 06 - 01);
        let woman = subject(date!(1962 - 06 - 01), Sex::Female);
        let e = eligibility(
            Programme::TwoCancer,
            &woman,
            Some(date!(2024 - 03 - 01)),
            on,
            &p,
        );
        assert_eq!(e.next_due, Some(date!(2027 - 03 - 01)));
        assert!(
            !eligibility(
                Programme::TwoCancer,
                &subject(date!(1961 - 06 - 01), Sex::Female),
                None,
                on,
                &p
            )
            .eligible
        );
        assert!(
            !eligibility(
                Programme::TwoCancer,
                &subject(date!(1980 - 01 - 01), Sex::Male),
                None,
                on,
                &p
            )
            .eligible
        );
    }

    #[test]
    fn a_programme_covers_its_ages_only() {
        let p = RuleProfile::bphs3();
        assert!(!Programme::BloodPressure.covers(34, Sex::Male, &p));
        assert!(Programme::BloodPressure.covers(35, Sex::Male, &p));
        assert!(!Programme::FastingGlucose.covers(34, Sex::Female, &p));
        assert!(!Programme::ElderlyCheck.covers(64, Sex::Female, &p));
        assert!(Programme::ElderlyCheck.covers(65, Sex::Female, &p));
        assert!(Programme::TwoCancer.covers(64, Sex::Female, &p));
        assert!(!Programme::TwoCancer.covers(65, Sex::Female, &p));
        assert!(!Programme::TwoCancer.covers(40, Sex::Male, &p));
    }

    proptest::proptest! {
        /// Nobody outside a programme's ages is ever due for it.
        #[test]
        fn only_the_covered_are_eligible(
            days in 0i64..40_000, male: bool, permanent: bool, high_risk: bool, diagnosed: bool,
            which in 0usize..4,
        ) {
            let p = RuleProfile::bphs3();
            let on = date!(2026 - 06 - 01);
            let birth = on - time::Duration::days(days);
            let sex = if male { Sex::Male } else { Sex::Female };
            let s = ScreeningSubject { birth_date: birth, sex, permanent_resident: permanent, high_risk, diagnosed };
            let programme = Programme::ALL[which];
            let age = calendar::years_between(birth, on).unwrap_or(0);
            let e = eligibility(programme, &s, None, on, &p);
            proptest::prop_assert!(!e.eligible || programme.covers(age, sex, &p));
            proptest::prop_assert_eq!(e.next_due.is_some(), e.eligible);
        }
    }

    #[test]
    fn programme_codes_are_the_serde_names_and_parse_back() {
        check_unit(Programme::ALL, Programme::code, Programme::from_code);
        use crate::screening::GlucoseKind;
        check_unit(GlucoseKind::ALL, GlucoseKind::code, GlucoseKind::from_code);
    }
}
