//! A managed patient's year: standardized management (face-to-face follow-ups and the annual
//! check) and control.

use serde::{Deserialize, Serialize};
use time::Date;

use super::classify::VisitClass;
use crate::profile::RuleProfile;

/// A visit of the year, as the yearly rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitSummary {
    /// Date.
    pub date: Date,
    /// Whether face to face.
    pub face_to_face: bool,
    /// Class.
    pub class: VisitClass,
}

/// A managed patient's year, for standardized management and control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct YearOfCare {
    /// Face-to-face follow-ups in the year (phone contacts excluded).
    pub face_to_face: u16,
    /// Whether the annual health check was done.
    pub annual_check: bool,
    /// Class of the latest visit of the year, if any.
    pub latest_class: Option<VisitClass>,
}

impl YearOfCare {
    /// Summarises the visits of `year` (other years' visits are ignored).
    pub fn from_visits(visits: &[VisitSummary], year: i32, annual_check: bool) -> YearOfCare {
        let in_year = visits.iter().filter(|v| v.date.year() == year);
        let face_to_face = in_year.clone().filter(|v| v.face_to_face).count();
        let latest_class = in_year.max_by_key(|v| v.date).map(|v| v.class);
        YearOfCare {
            face_to_face: u16::try_from(face_to_face).unwrap_or(u16::MAX),
            annual_check,
            latest_class,
        }
    }

    /// 规范管理: at least the profile's face-to-face follow-ups and the annual check.
    pub fn is_standardized(&self, profile: &RuleProfile) -> bool {
        self.face_to_face >= u16::from(profile.follow_up.min_face_to_face_per_year)
            && self.annual_check
    }

    /// Controlled: the latest visit of the year was on target; no visit counts as not controlled.
    pub fn is_controlled(&self) -> bool {
        self.latest_class.is_some_and(VisitClass::is_controlled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::followup::fixtures::profile;

    #[test]
    fn the_four_face_to_face_rule_needs_the_annual_check_too() {
        let p = profile();
        let year = YearOfCare {
            face_to_face: 4,
            annual_check: false,
            latest_class: Some(VisitClass::Controlled),
        };
        assert!(!year.is_standardized(&p));
        assert!(
            YearOfCare {
                annual_check: true,
                ..year
            }
            .is_standardized(&p)
        );
        assert!(
            !YearOfCare {
                latest_class: None,
                ..year
            }
            .is_controlled()
        );
    }
}
