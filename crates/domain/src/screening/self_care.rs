//! The elderly self-care assessment and its dependence grade.

use serde::{Deserialize, Serialize};

use crate::rule::{BrokenRule, RuleId};

/// A self-care item score that is not one of the item's allowed values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{item} score {score} is not one of {allowed:?}")]
pub struct SelfCareError {
    /// The item.
    pub item: &'static str,
    /// The score given.
    pub score: u8,
    /// Allowed scores.
    pub allowed: &'static [u8],
}

impl BrokenRule for SelfCareError {
    fn rule(&self) -> RuleId {
        RuleId::ScreenSelfCare
    }
}

/// The elderly self-care assessment (老年人生活自理能力评估): five items with fixed scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "[u8; 5]", into = "[u8; 5]")]
pub struct SelfCareScore([u8; 5]);

const SELF_CARE_ITEMS: [(&str, &[u8]); 5] = [
    ("eating", &[0, 3, 5]),
    ("grooming", &[0, 1, 3, 7]),
    ("dressing", &[0, 3, 5]),
    ("toileting", &[0, 1, 5, 10]),
    ("mobility", &[0, 1, 5, 10]),
];

/// Dependence grade from the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dependence {
    /// 0–3.
    Independent,
    /// 4–8.
    Mild,
    /// 9–18.
    Moderate,
    /// 19+.
    Dependent,
}

crate::vocabulary::codes!(Dependence {
    Independent => "independent",
    Mild => "mild",
    Moderate => "moderate",
    Dependent => "dependent",
});

impl SelfCareScore {
    /// Checks each item's score: eating, grooming, dressing, toileting, mobility.
    pub fn new(items: [u8; 5]) -> Result<Self, SelfCareError> {
        for ((item, allowed), score) in SELF_CARE_ITEMS.iter().zip(items) {
            if !allowed.contains(&score) {
                return Err(SelfCareError {
                    item,
                    score,
                    allowed,
                });
            }
        }
        Ok(Self(items))
    }

    /// The total.
    pub fn total(&self) -> u8 {
        self.0.iter().sum()
    }

    /// The grade.
    pub fn dependence(&self) -> Dependence {
        match self.total() {
            0..=3 => Dependence::Independent,
            4..=8 => Dependence::Mild,
            9..=18 => Dependence::Moderate,
            _ => Dependence::Dependent,
        }
    }
}

impl TryFrom<[u8; 5]> for SelfCareScore {
    type Error = SelfCareError;
    fn try_from(items: [u8; 5]) -> Result<Self, Self::Error> {
        Self::new(items)
    }
}

impl From<SelfCareScore> for [u8; 5] {
    fn from(s: SelfCareScore) -> [u8; 5] {
        s.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_care_score_outside_the_items_values_is_refused() {
        let err = SelfCareScore::new([1, 0, 0, 0, 0]).unwrap_err();
        assert_eq!(err.item, "eating");
        assert_eq!(
            SelfCareScore::new([0, 0, 0, 0, 0]).unwrap().dependence(),
            Dependence::Independent
        );
        assert_eq!(
            SelfCareScore::new([5, 7, 5, 10, 10]).unwrap().dependence(),
            Dependence::Dependent
        );
    }
}
