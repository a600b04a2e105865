//! The rates a county's overview leads with, each against the figure it is measured by: a
//! national goal where one is set (contract coverage 75% and key-population coverage 85% by
//! 2035, FD-2018; standardized management 65% by 2025 and 70% from 2030, BPHS-3), or the
//! figure the seed counties report where none is (dynamic records ≥ 98%, §6).

use crate::grid::GridTally;
use crate::indicator::{AssessedRate, Rate};
use crate::profile::RuleProfile;

/// A headline rate of the overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Headline {
    /// Contract coverage (签约覆盖率).
    ContractCoverage,
    /// Key-population contract coverage (重点人群签约覆盖率).
    KeyPopulationCoverage,
    /// Dynamic-record rate (健康档案动态使用率).
    DynamicRecords,
    /// One of the assessed rates.
    Assessed(AssessedRate),
}

/// What a rate is measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    /// The figure, in percent.
    pub percent: u8,
    /// A national goal (true), or the figure counties report, for reference (false).
    pub national: bool,
    /// The year a national goal is set for, when it is a goal for later (2035 for the
    /// contract rates); `None` for a goal of the report's own year.
    pub by: Option<i32>,
}

impl Target {
    /// Whether `rate` reaches the target, exactly (74.995% does not reach 75%, though it
    /// shows as 75.00); `None` for a rate with nothing to count.
    pub fn met_by(self, rate: Rate) -> Option<bool> {
        (rate.denominator > 0).then(|| {
            u128::from(rate.numerator) * 100
                >= u128::from(self.percent) * u128::from(rate.denominator)
        })
    }
}

impl Headline {
    /// Every headline, in the overview's order: the contract and record rates, then the
    /// assessed rates as `AssessedRate::ALL` orders them.
    pub fn all() -> impl Iterator<Item = Headline> {
        [
            Headline::ContractCoverage,
            Headline::KeyPopulationCoverage,
            Headline::DynamicRecords,
        ]
        .into_iter()
        .chain(AssessedRate::ALL.iter().copied().map(Headline::Assessed))
    }

    /// A stable code, for exports and page anchors.
    pub fn code(self) -> &'static str {
        match self {
            Headline::ContractCoverage => "contract_coverage",
            Headline::KeyPopulationCoverage => "key_population_coverage",
            Headline::DynamicRecords => "dynamic_records",
            Headline::Assessed(a) => a.code(),
        }
    }

    /// The rate of `t`.
    pub fn rate(self, t: &GridTally, profile: &RuleProfile) -> Rate {
        let rate = |numerator, denominator| Rate {
            numerator,
            denominator,
        };
        match self {
            Headline::ContractCoverage => rate(t.contracted, t.permanent_residents),
            Headline::KeyPopulationCoverage => rate(t.key_population_contracted, t.key_population),
            Headline::DynamicRecords => rate(t.dynamic_records, t.records),
            Headline::Assessed(a) => a.of(&t.assessed, profile),
        }
    }

    /// The target for a report of `year`, where there is one.
    pub fn target(self, year: i32) -> Option<Target> {
        let national = |percent, by| {
            Some(Target {
                percent,
                national: true,
                by,
            })
        };
        match self {
            Headline::ContractCoverage => national(75, Some(2035)),
            Headline::KeyPopulationCoverage => national(85, Some(2035)),
            Headline::DynamicRecords => Some(Target {
                percent: 98,
                national: false,
                by: None,
            }),
            Headline::Assessed(a) => a
                .national_goal_percent(year)
                .and_then(|percent| national(percent, None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_met_at_its_figure_and_not_a_hair_below() {
        let t = Target {
            percent: 75,
            national: true,
            by: Some(2035),
        };
        let rate = |numerator, denominator| Rate {
            numerator,
            denominator,
        };
        assert_eq!(t.met_by(rate(3, 4)), Some(true));
        assert_eq!(t.met_by(rate(7_499, 10_000)), Some(false));
        assert_eq!(
            t.met_by(rate(74_995, 100_000)),
            Some(false),
            "not by rounding"
        );
        assert_eq!(t.met_by(rate(0, 0)), None);
        assert_eq!(
            Headline::Assessed(AssessedRate::HypertensionStandardizedManagement)
                .target(2030)
                .map(|t| t.percent),
            Some(70)
        );
        assert_eq!(Headline::all().count(), 3 + AssessedRate::ALL.len());
    }
}
