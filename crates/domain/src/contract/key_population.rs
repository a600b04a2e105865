//! Key populations (重点人群): derived from a resident's facts at a date, never typed.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::calendar;
use crate::identity::Sex;
use crate::profile::RuleProfile;
use crate::rule::{RuleId, RuleSet};

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
    use time::macros::date;

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
