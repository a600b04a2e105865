//! Capacity an acceptance books: the lead hospital's reserved specialist slots and the
//! appointment offered.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

use super::error::ReferralError;
use crate::calendar;
use crate::profile::RuleProfile;

/// The kind of capacity an acceptance books.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotKind {
    /// A specialist slot reserved for referrals.
    Reserved,
    /// An ordinary outpatient slot.
    General,
    /// An inpatient bed.
    Bed,
}

/// A specialist clinic's reserved slots for one day: the lead hospital reserves a share of its
/// slots for referrals and releases them to the primary institutions ahead of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotQuota {
    /// The clinic day.
    pub slot_date: Date,
    /// All slots that day.
    pub total: u32,
    /// Slots reserved for referrals.
    pub reserved: u32,
    /// Reserved slots already booked.
    pub booked: u32,
    /// When the reserved slots were released to referrals.
    pub released_on: Date,
}

impl SlotQuota {
    /// Checks the reservation plan: at least the profile's share reserved, released at least
    /// the profile's days ahead.
    pub fn check_plan(&self, profile: &RuleProfile) -> Result<(), ReferralError> {
        let r = &profile.referral;
        if u64::from(self.reserved) * 100
            < u64::from(self.total) * u64::from(r.reserved_slot_percent)
            || self.reserved > self.total
        {
            return Err(ReferralError::ReservedShareTooLow {
                reserved: self.reserved,
                total: self.total,
                percent: r.reserved_slot_percent,
            });
        }
        if calendar::days_between(self.released_on, self.slot_date)
            < i64::from(r.reserved_release_days_ahead)
        {
            return Err(ReferralError::ReleasedTooLate {
                days_ahead: r.reserved_release_days_ahead,
            });
        }
        Ok(())
    }

    /// Reserved slots still free.
    pub fn remaining(&self) -> u32 {
        self.reserved.saturating_sub(self.booked)
    }

    /// Books one reserved slot.
    pub fn book(self) -> Result<SlotQuota, ReferralError> {
        if self.remaining() == 0 {
            return Err(ReferralError::QuotaExhausted);
        }
        Ok(SlotQuota {
            booked: self.booked + 1,
            ..self
        })
    }
}

/// An appointment or bed offered on acceptance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    /// When the patient is expected.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// What it books.
    pub slot: SlotKind,
}
