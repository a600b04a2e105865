//! The counts behind the assessed rates (`crate::indicator::AssessedRate`), kept per grid and
//! summed up the area tree like every other count.

use std::ops::AddAssign;

use serde::{Deserialize, Serialize};

/// The counts behind the assessed rates, per grid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessedCounts {
    /// Permanent residents at or above the profile's estimate age.
    pub adults: u64,
    /// Hypertension patients managed, standardized, controlled.
    pub hypertension: ConditionCounts,
    /// Type 2 diabetes patients managed, standardized, controlled.
    pub diabetes: ConditionCounts,
    /// Severe mental disorder patients managed.
    pub mental_disorder_managed: u64,
    /// Of those, stable at the latest follow-up of the year.
    pub mental_disorder_stable: u64,
    /// Permanent residents of the 65+ check's ages on the date.
    pub elderly: u64,
    /// Of those, checked in the year.
    pub elderly_checked: u64,
    /// Of those, with record, check and guidance in the year.
    pub elderly_managed: u64,
    /// Residents the blood-pressure programme covers on the date (permanent, of its ages, not
    /// managed for hypertension).
    pub bp_eligible: u64,
    /// Of those, screened by the programme in the year (opportunistic readings excluded).
    pub bp_screened: u64,
    /// Permanent residents the two-cancer programme covers on the date (women of its ages).
    pub two_cancer_eligible: u64,
    /// Of those, examined for cervical cancer in the cycle up to the date.
    pub cervical_screened: u64,
    /// Of those, examined for breast cancer in the cycle up to the date.
    pub breast_screened: u64,
    /// Contracts that ran to their end in the year up to the date.
    pub contracts_ended: u64,
    /// Of those, renewed with the same team.
    pub contracts_renewed: u64,
}

/// One condition's managed patients.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConditionCounts {
    /// Patients under management.
    pub managed: u64,
    /// With the face-to-face follow-ups and the annual check of the year.
    pub standardized: u64,
    /// Whose latest follow-up of the year was on target.
    pub controlled: u64,
}

impl AddAssign for ConditionCounts {
    fn add_assign(&mut self, o: Self) {
        self.managed += o.managed;
        self.standardized += o.standardized;
        self.controlled += o.controlled;
    }
}

impl AddAssign for AssessedCounts {
    fn add_assign(&mut self, o: Self) {
        self.adults += o.adults;
        self.hypertension += o.hypertension;
        self.diabetes += o.diabetes;
        self.mental_disorder_managed += o.mental_disorder_managed;
        self.mental_disorder_stable += o.mental_disorder_stable;
        self.elderly += o.elderly;
        self.elderly_checked += o.elderly_checked;
        self.elderly_managed += o.elderly_managed;
        self.bp_eligible += o.bp_eligible;
        self.bp_screened += o.bp_screened;
        self.two_cancer_eligible += o.two_cancer_eligible;
        self.cervical_screened += o.cervical_screened;
        self.breast_screened += o.breast_screened;
        self.contracts_ended += o.contracts_ended;
        self.contracts_renewed += o.contracts_renewed;
    }
}
