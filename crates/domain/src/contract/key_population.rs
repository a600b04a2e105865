//! Key populations (重点人群): derived from a resident's facts at a date, never typed.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::calendar;
use crate::identity::{Resident, Sex};
use crate::personal::Disease;
use crate::profile::RuleProfile;
use crate::rule::{RuleId, RuleSet};
use crate::vocabulary::codes;

/// Chronic conditions under management that make a key population.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChronicCondition {
    /// Hypertension.
    Hypertension,
    /// Type 2 diabetes.
    Type2Diabetes,
    /// Severe mental disorder.
    SevereMentalDisorder,
    /// Tuberculosis.
    Tuberculosis,
}

codes!(ChronicCondition {
    Hypertension => "hypertension",
    Type2Diabetes => "type2_diabetes",
    SevereMentalDisorder => "severe_mental_disorder",
    Tuberculosis => "tuberculosis",
});

/// Key populations (重点人群).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum KeyPopulation {
    /// Aged 65+.
    Elderly,
    /// Children 0–6.
    Child,
    /// Pregnant or postpartum.
    Maternal,
    /// A managed chronic condition.
    Chronic(ChronicCondition),
    /// Disabled.
    Disabled,
    /// A locally listed group, by code.
    Local(String),
}

codes!(KeyPopulation by kind {
    KeyPopulation::Elderly => "elderly",
    KeyPopulation::Child => "child",
    KeyPopulation::Maternal => "maternal",
    KeyPopulation::Chronic(_) => "chronic",
    KeyPopulation::Disabled => "disabled",
    KeyPopulation::Local(_) => "local",
});

impl KeyPopulation {
    /// What names the group within its kind: the condition of a chronic one, the county's code
    /// of a local one.
    pub fn detail(&self) -> Option<&str> {
        match self {
            KeyPopulation::Chronic(c) => Some(c.code()),
            KeyPopulation::Local(code) => Some(code),
            _ => None,
        }
    }
}

/// The facts key-population tags are derived from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PopulationFacts {
    /// Birth date.
    pub birth_date: Option<Date>,
    /// Sex.
    pub sex: Option<Sex>,
    /// Managed conditions.
    pub conditions: BTreeSet<ChronicCondition>,
    /// Start of a current pregnancy.
    pub pregnant_since: Option<Date>,
    /// Latest delivery.
    pub delivered_on: Option<Date>,
    /// Whether a disability is registered.
    pub disabled: bool,
    /// Local group codes the resident is listed in.
    pub local_groups: BTreeSet<String>,
}

impl PopulationFacts {
    /// The facts of a resident's record on `date`: age and sex from the identity, `managed`
    /// (the conditions the resident is enrolled for) joined by the lifelong conditions of the
    /// past history diagnosed by `date` ([`diagnosed_condition`]), and a disability when the
    /// form lists any.
    pub fn of_resident(
        resident: &Resident,
        managed: impl IntoIterator<Item = ChronicCondition>,
        date: Date,
    ) -> Self {
        let form = resident.personal();
        let diagnosed = form
            .past_history
            .diseases
            .iter()
            .filter(|d| d.diagnosed_on <= date)
            .filter_map(|d| diagnosed_condition(d.disease));
        PopulationFacts {
            birth_date: Some(resident.birth_date()),
            sex: Some(resident.sex()),
            conditions: managed.into_iter().chain(diagnosed).collect(),
            disabled: !form.disabilities.is_empty(),
            ..PopulationFacts::default()
        }
    }
}

/// The chronic condition a diagnosis in the past history makes a key population: the lifelong
/// ones the follow-up programmes manage. Tuberculosis is left out: a past tuberculosis is
/// usually cured, and current patients are the TB programme's to list. The form does not type
/// diabetes; type 2 is over 90% of adult cases and the type BPHS-3 manages.
pub fn diagnosed_condition(disease: Disease) -> Option<ChronicCondition> {
    match disease {
        Disease::Hypertension => Some(ChronicCondition::Hypertension),
        Disease::Diabetes => Some(ChronicCondition::Type2Diabetes),
        Disease::SevereMentalDisorder => Some(ChronicCondition::SevereMentalDisorder),
        _ => None,
    }
}

/// The key populations a resident belongs to on `date`, with the rules that placed them.
pub fn key_populations_on(
    facts: &PopulationFacts,
    date: Date,
    profile: &RuleProfile,
) -> (BTreeSet<KeyPopulation>, RuleSet) {
    let rules = &profile.contract.key_population;
    let mut tags = BTreeSet::new();
    let mut fired = RuleSet::EMPTY;
    if let Some(age) = facts
        .birth_date
        .and_then(|b| calendar::years_between(b, date))
    {
        if age >= u16::from(rules.elderly_min_age) {
            tags.insert(KeyPopulation::Elderly);
            fired.insert(RuleId::KeyPopulationElderly);
        }
        if age <= u16::from(rules.child_max_age) {
            tags.insert(KeyPopulation::Child);
            fired.insert(RuleId::KeyPopulationChild);
        }
    }
    if facts.sex != Some(Sex::Male) {
        let delivered = facts.delivered_on.filter(|d| *d <= date);
        let pregnant = facts
            .pregnant_since
            .is_some_and(|p| p <= date && delivered.is_none_or(|d| d < p));
        let postpartum =
            delivered.is_some_and(|d| date < calendar::add_days(d, rules.postpartum_days));
        if pregnant || postpartum {
            tags.insert(KeyPopulation::Maternal);
            fired.insert(RuleId::KeyPopulationMaternal);
        }
    }
    for c in &facts.conditions {
        tags.insert(KeyPopulation::Chronic(*c));
        fired.insert(RuleId::KeyPopulationChronic);
    }
    if facts.disabled {
        tags.insert(KeyPopulation::Disabled);
        fired.insert(RuleId::KeyPopulationDisabled);
    }
    for g in facts.local_groups.intersection(&rules.local_groups) {
        tags.insert(KeyPopulation::Local(g.clone()));
        fired.insert(RuleId::KeyPopulationLocal);
    }
    (tags, fired)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{DocumentKind, OtherDocument};
    use crate::ids::ResidentId;
    use crate::personal::{Disability, PastDisease, PastHistory, PersonalInfo};
    use crate::vocabulary::tests::{check_kinds, check_unit};
    use proptest::prelude::*;
    use time::macros::date;

    #[test]
    fn codes_are_the_serde_names() {
        check_unit(
            ChronicCondition::ALL,
            ChronicCondition::code,
            ChronicCondition::from_code,
        );
        check_kinds(
            &[
                KeyPopulation::Elderly,
                KeyPopulation::Child,
                KeyPopulation::Maternal,
                KeyPopulation::Chronic(ChronicCondition::Tuberculosis),
                KeyPopulation::Disabled,
                KeyPopulation::Local("veterans".into()),
            ],
            KeyPopulation::CODES,
            KeyPopulation::code,
            "kind",
        );
        assert_eq!(
            KeyPopulation::Chronic(ChronicCondition::Type2Diabetes).detail(),
            Some("type2_diabetes")
        );
        assert_eq!(KeyPopulation::Disabled.detail(), None);
    }

    fn resident_with(diseases: Vec<PastDisease>, disabilities: Vec<Disability>) -> Resident {
        let doc = OtherDocument::new(DocumentKind::Passport, "E12345678").unwrap();
        let id = ResidentId::from_u128(7);
        let birth = date!(1950 - 01 - 01);
        let form = PersonalInfo {
            past_history: PastHistory {
                diseases,
                ..PastHistory::default()
            },
            disabilities: disabilities.into_iter().collect(),
            ..PersonalInfo::default()
        };
        Resident::with_document(id, doc, birth, Sex::Male, None, birth)
            .unwrap()
            .with_personal(form, date!(2026 - 12 - 03))
            .unwrap()
    }

    #[test]
    fn a_registered_disability_makes_a_key_population() {
        let p = RuleProfile::bphs3();
        let on = date!(2000 - 01 - 01);
        let none = PopulationFacts::of_resident(&resident_with(vec![], vec![]), [], on);
        assert!(key_populations_on(&none, on, &p).0.is_empty());
        let deaf =
            PopulationFacts::of_resident(&resident_with(vec![], vec![Disability::Hearing]), [], on);
        let (tags, rules) = key_populations_on(&deaf, on, &p);
        assert_eq!(tags, BTreeSet::from([KeyPopulation::Disabled]));
        assert!(rules.contains(RuleId::KeyPopulationDisabled));
    }

    proptest! {
        /// A diagnosis of the past history counts from its date on, and only the lifelong
        /// conditions count; what the resident is managed for always does.
        #[test]
        fn past_diagnoses_count_from_their_date(
            entries in proptest::collection::vec((0..Disease::ALL.len(), 0i64..20_000), 0..8),
            managed in proptest::option::of(0..4usize),
            at in 0i64..30_000,
        ) {
            let birth = date!(1950 - 01 - 01);
            let mut diseases: Vec<PastDisease> = entries
                .iter()
                .map(|&(d, days)| PastDisease {
                    disease: Disease::ALL[d],
                    detail: Disease::ALL[d].needs_detail().then(|| crate::personal::Note::parse("x").unwrap()),
                    diagnosed_on: birth + time::Duration::days(days),
                })
                .collect();
            diseases.sort();
            diseases.dedup();
            let all = [
                ChronicCondition::Hypertension,
                ChronicCondition::Type2Diabetes,
                ChronicCondition::SevereMentalDisorder,
                ChronicCondition::Tuberculosis,
            ];
            let on = birth + time::Duration::days(at);
            let r = resident_with(diseases.clone(), vec![]);
            let facts = PopulationFacts::of_resident(&r, managed.map(|i| all[i]), on);
            let expected: BTreeSet<ChronicCondition> = diseases
                .iter()
                .filter(|d| d.diagnosed_on <= on)
                .filter_map(|d| diagnosed_condition(d.disease))
                .chain(managed.map(|i| all[i]))
                .collect();
            prop_assert_eq!(&facts.conditions, &expected);
            prop_assert!(!facts.conditions.contains(&ChronicCondition::Tuberculosis) || managed == Some(3));
        }
    }

    #[test]
    fn key_populations_are_derived_at_a_date() {
        let p = RuleProfile::bphs3();
        let facts = PopulationFacts {
            birth_date: Some(date!(1961 - 06 - 01)),
            sex: Some(Sex::Female),
            conditions: BTreeSet::from([ChronicCondition::Hypertension]),
            ..PopulationFacts::default()
        };
        let (before, _) = key_populations_on(&facts, date!(2026 - 05 - 31), &p);
        assert!(!before.contains(&KeyPopulation::Elderly));
        let (after, rules) = key_populations_on(&facts, date!(2026 - 06 - 01), &p);
        assert!(after.contains(&KeyPopulation::Elderly));
        assert!(after.contains(&KeyPopulation::Chronic(ChronicCondition::Hypertension)));
        assert!(rules.contains(RuleId::KeyPopulationElderly));
    }

    #[test]
    fn postpartum_lasts_the_profile_days() {
        let p = RuleProfile::bphs3();
        let facts = PopulationFacts {
            birth_date: Some(date!(1996 - 01 - 01)),
            sex: Some(Sex::Female),
            pregnant_since: Some(date!(2025 - 09 - 01)),
            delivered_on: Some(date!(2026 - 05 - 01)),
            ..PopulationFacts::default()
        };
        assert!(
            key_populations_on(&facts, date!(2026 - 01 - 01), &p)
                .0
                .contains(&KeyPopulation::Maternal)
        );
        assert!(
            key_populations_on(&facts, date!(2026 - 06 - 11), &p)
                .0
                .contains(&KeyPopulation::Maternal)
        );
        assert!(
            !key_populations_on(&facts, date!(2026 - 06 - 12), &p)
                .0
                .contains(&KeyPopulation::Maternal)
        );
    }
}
