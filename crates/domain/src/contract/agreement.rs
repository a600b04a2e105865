//! The contract itself: signed with a team for at least the profile's period, never two active
//! at once; at expiry renewed with the same team or replaced by one with another team.

use serde::{Deserialize, Serialize};
use time::Date;

use super::error::ContractError;
use super::event::ContractEvent;
use super::team::Team;
use crate::calendar;
use crate::ids::{ContractId, ResidentId, TeamId, WorkerId};
use crate::profile::RuleProfile;
use crate::vocabulary::codes;

/// Service packages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Package {
    /// Basic medical care plus the basic public health services.
    Basic,
    /// A personalized package, by code (e.g. `hypertension_plus`).
    Personalized {
        /// The package code.
        code: String,
    },
}

impl Package {
    /// The package's code: `basic`, or the personalized package's own code.
    pub fn code(&self) -> &str {
        match self {
            Package::Basic => "basic",
            Package::Personalized { code } => code,
        }
    }

    /// The package a code names: `basic` (or nothing) is the basic package, any other code a
    /// personalized package's.
    pub fn from_code(code: &str) -> Package {
        match code {
            "" | "basic" => Package::Basic,
            other => Package::Personalized {
                code: other.to_owned(),
            },
        }
    }
}

/// Why a contract stopped being current.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TerminationReason {
    /// The resident asked.
    ResidentRequest,
    /// The resident moved out of the jurisdiction.
    MovedOut,
    /// The resident died.
    Died,
}

/// Where a contract stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ContractStatus {
    /// Current: active between start and end.
    Current,
    /// Renewed by a new contract with the same team.
    Renewed {
        /// The renewal.
        by: ContractId,
    },
    /// Replaced at expiry by a contract with another team.
    Switched {
        /// The new contract.
        to: ContractId,
    },
    /// Ended early.
    Terminated {
        /// First day without the contract.
        on: Date,
        /// Why.
        reason: TerminationReason,
    },
}

codes!(ContractStatus by kind {
    ContractStatus::Current => "current",
    ContractStatus::Renewed { .. } => "renewed",
    ContractStatus::Switched { .. } => "switched",
    ContractStatus::Terminated { .. } => "terminated",
});

/// What a signature asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignContract {
    /// The new contract's id.
    pub id: ContractId,
    /// The resident.
    pub resident: ResidentId,
    /// A named doctor of the team, if the resident chose one.
    pub doctor: Option<WorkerId>,
    /// The package.
    pub package: Package,
    /// First day.
    pub start: Date,
    /// Length in months; the profile default if `None`.
    pub months: Option<u8>,
}

/// A family doctor contract. `end` is exclusive: the contract is active on `start..end`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contract {
    id: ContractId,
    resident: ResidentId,
    team: TeamId,
    doctor: Option<WorkerId>,
    package: Package,
    start: Date,
    end: Date,
    status: ContractStatus,
}

impl Contract {
    /// Signs a contract with `team`. `current` is the resident's latest contract, if any:
    /// the new one must start on or after the day that contract stops being in force, so two
    /// contracts can never overlap (one active contract at a time).
    pub fn sign(
        cmd: SignContract,
        team: &Team,
        current: Option<&Contract>,
        profile: &RuleProfile,
    ) -> Result<(Contract, Vec<ContractEvent>), ContractError> {
        if let Some(c) = current
            && c.resident == cmd.resident
            && cmd.start < c.in_force_until()
        {
            return Err(ContractError::AlreadyContracted(c.id));
        }
        Self::create(cmd, team, profile)
    }

    fn create(
        cmd: SignContract,
        team: &Team,
        profile: &RuleProfile,
    ) -> Result<(Contract, Vec<ContractEvent>), ContractError> {
        let min = profile.contract.min_period_months;
        let months = cmd.months.unwrap_or(profile.contract.default_period_months);
        if months < min {
            return Err(ContractError::PeriodTooShort { months, min });
        }
        if let Some(doctor) = cmd.doctor
            && !team.has_member(doctor)
        {
            return Err(ContractError::DoctorNotInTeam(doctor));
        }
        let contract = Contract {
            id: cmd.id,
            resident: cmd.resident,
            team: team.id,
            doctor: cmd.doctor,
            package: cmd.package,
            start: cmd.start,
            end: calendar::add_months(cmd.start, u16::from(months)),
            status: ContractStatus::Current,
        };
        let event = ContractEvent::ContractSigned {
            contract: contract.id,
            resident: contract.resident,
            team: contract.team,
            start: contract.start,
            end: contract.end,
        };
        Ok((contract, vec![event]))
    }

    /// The window around expiry in which renewal or switch is allowed: from the profile's
    /// days before the end to as many days after it.
    pub fn renewal_window(&self, profile: &RuleProfile) -> (Date, Date) {
        let days = profile.contract.renewal_window_days;
        let opens = self
            .end
            .checked_sub(time::Duration::days(i64::from(days)))
            .unwrap_or(Date::MIN);
        (opens, calendar::add_days(self.end, days))
    }

    fn check_successor(&self, on: Date, profile: &RuleProfile) -> Result<Date, ContractError> {
        if self.status != ContractStatus::Current {
            return Err(ContractError::NotCurrent);
        }
        let (opens, closes) = self.renewal_window(profile);
        if on < opens || on > closes {
            return Err(ContractError::OutsideRenewalWindow { opens, closes });
        }
        // The successor starts when this contract ends, so there is never a gap or overlap.
        Ok(self.end.max(on))
    }

    /// Renews with the same team: the new contract starts when this one ends.
    pub fn renew(
        self,
        new_id: ContractId,
        on: Date,
        months: Option<u8>,
        team: &Team,
        profile: &RuleProfile,
    ) -> Result<(Contract, Contract, Vec<ContractEvent>), ContractError> {
        let start = self.check_successor(on, profile)?;
        let (renewal, mut events) = Self::create(
            SignContract {
                id: new_id,
                resident: self.resident,
                doctor: self.doctor.filter(|d| team.has_member(*d)),
                package: self.package.clone(),
                start,
                months,
            },
            team,
            profile,
        )?;
        let old = Contract {
            status: ContractStatus::Renewed { by: new_id },
            ..self
        };
        events.push(ContractEvent::ContractRenewed {
            contract: old.id,
            renewal: new_id,
        });
        Ok((old, renewal, events))
    }

    /// At expiry, signs with another team instead.
    pub fn switch_team(
        self,
        cmd: SignContract,
        new_team: &Team,
        profile: &RuleProfile,
    ) -> Result<(Contract, Contract, Vec<ContractEvent>), ContractError> {
        if new_team.id == self.team {
            return Err(ContractError::SameTeam);
        }
        let start = self.check_successor(cmd.start, profile)?;
        let new_id = cmd.id;
        let (new, mut events) = Self::create(
            SignContract {
                resident: self.resident,
                start,
                ..cmd
            },
            new_team,
            profile,
        )?;
        let old = Contract {
            status: ContractStatus::Switched { to: new_id },
            ..self
        };
        events.push(ContractEvent::ContractSwitched {
            contract: old.id,
            new_contract: new_id,
            team: new_team.id,
        });
        Ok((old, new, events))
    }

    /// Ends the contract early.
    pub fn terminate(
        self,
        on: Date,
        reason: TerminationReason,
    ) -> Result<(Contract, Vec<ContractEvent>), ContractError> {
        if self.status != ContractStatus::Current {
            return Err(ContractError::NotCurrent);
        }
        if on < self.start || on > self.end {
            return Err(ContractError::TerminationDate);
        }
        let contract = Contract {
            status: ContractStatus::Terminated { on, reason },
            ..self
        };
        let event = ContractEvent::ContractTerminated {
            contract: contract.id,
            on,
            reason,
        };
        Ok((contract, vec![event]))
    }

    /// The deadline job's renewal reminder: once the renewal window of a current contract has
    /// opened and before it ends, so the team can renew it or the resident choose another team
    /// before coverage lapses; `None` otherwise.
    pub fn expiry_notice(&self, today: Date, profile: &RuleProfile) -> Option<ContractEvent> {
        let (opens, _) = self.renewal_window(profile);
        (self.status == ContractStatus::Current && opens <= today && today < self.end).then_some(
            ContractEvent::ContractExpiring {
                contract: self.id,
                resident: self.resident,
                team: self.team,
                end: self.end,
            },
        )
    }

    /// Whether the contract is in force on `date`.
    pub fn is_active_on(&self, date: Date) -> bool {
        self.start <= date && date < self.in_force_until()
    }

    /// The first day the contract is no longer in force: its end, or an earlier termination.
    pub fn in_force_until(&self) -> Date {
        match self.status {
            ContractStatus::Terminated { on, .. } => on.min(self.end),
            _ => self.end,
        }
    }

    /// Its id.
    pub fn id(&self) -> ContractId {
        self.id
    }

    /// The resident.
    pub fn resident(&self) -> ResidentId {
        self.resident
    }

    /// The team.
    pub fn team(&self) -> TeamId {
        self.team
    }

    /// The named doctor.
    pub fn doctor(&self) -> Option<WorkerId> {
        self.doctor
    }

    /// The package.
    pub fn package(&self) -> &Package {
        &self.package
    }

    /// First day.
    pub fn start(&self) -> Date {
        self.start
    }

    /// First day after the period.
    pub fn end(&self) -> Date {
        self.end
    }

    /// Status.
    pub fn status(&self) -> ContractStatus {
        self.status
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::fixtures::{sign, team};
    use crate::rule::{BrokenRule, RuleId};
    use crate::vocabulary::tests::check_kinds;
    use proptest::prelude::*;
    use time::macros::date;

    proptest::proptest! {
        #[test]
        fn the_expiry_notice_runs_from_the_renewal_window_to_the_end(
            offset in -400i64..60,
            window in 1u16..90,
        ) {
            let p = RuleProfile::from_toml(&format!(
                "base = \"bphs3\"\n[contract]\nrenewal_window_days = {window}\n"
            ))
            .unwrap();
            let (contract, _) =
                Contract::sign(sign(1, date!(2026 - 01 - 01)), &team(1), None, &p).unwrap();
            let today = contract.end() + time::Duration::days(offset);
            let notice = contract.expiry_notice(today, &p);
            if (-i64::from(window)..0).contains(&offset) {
                proptest::prop_assert_eq!(
                    notice,
                    Some(ContractEvent::ContractExpiring {
                        contract: contract.id(),
                        resident: contract.resident(),
                        team: contract.team(),
                        end: contract.end(),
                    })
                );
            } else {
                proptest::prop_assert_eq!(notice, None);
            }
            // A contract already renewed, switched or terminated is never announced.
            let (ended, _) = contract
                .terminate(date!(2026 - 02 - 01), TerminationReason::Died)
                .unwrap();
            proptest::prop_assert_eq!(ended.expiry_notice(today, &p), None);
        }
    }

    #[test]
    fn a_second_active_contract_is_refused() {
        let p = RuleProfile::bphs3();
        let t = team(1);
        let (first, events) = Contract::sign(sign(1, date!(2026 - 01 - 01)), &t, None, &p).unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(first.end(), date!(2027 - 01 - 01));
        let err = Contract::sign(sign(2, date!(2026 - 06 - 01)), &t, Some(&first), &p).unwrap_err();
        assert_eq!(err.rule(), RuleId::ContractOneActive);
        // After expiry a fresh signature is allowed.
        assert!(Contract::sign(sign(2, date!(2027 - 01 - 01)), &t, Some(&first), &p).is_ok());
    }

    #[test]
    fn renewal_starts_when_the_old_contract_ends() {
        let p = RuleProfile::bphs3();
        let t = team(1);
        let (first, _) = Contract::sign(sign(1, date!(2026 - 01 - 01)), &t, None, &p).unwrap();
        let early = first.clone().renew(
            ContractId::from_u128(2),
            date!(2026 - 06 - 01),
            None,
            &t,
            &p,
        );
        assert!(matches!(
            early,
            Err(ContractError::OutsideRenewalWindow { .. })
        ));
        let (old, new, events) = first
            .renew(
                ContractId::from_u128(2),
                date!(2026 - 12 - 15),
                None,
                &t,
                &p,
            )
            .unwrap();
        assert_eq!(new.start(), date!(2027 - 01 - 01));
        assert_eq!(
            old.status(),
            ContractStatus::Renewed {
                by: ContractId::from_u128(2)
            }
        );
        assert_eq!(events.len(), 2);
        assert!(
            !old.is_active_on(date!(2027 - 01 - 01)) || !new.is_active_on(date!(2026 - 12 - 31))
        );
    }

    #[test]
    fn switching_needs_another_team() {
        let p = RuleProfile::bphs3();
        let t = team(1);
        let (first, _) = Contract::sign(sign(1, date!(2026 - 01 - 01)), &t, None, &p).unwrap();
        let err = first
            .clone()
            .switch_team(sign(2, date!(2026 - 12 - 20)), &t, &p)
            .unwrap_err();
        assert_eq!(err, ContractError::SameTeam);
        let (_, new, _) = first
            .switch_team(sign(2, date!(2026 - 12 - 20)), &team(2), &p)
            .unwrap();
        assert_eq!(new.team(), TeamId::from_u128(2));
        assert_eq!(new.start(), date!(2027 - 01 - 01));
    }

    proptest! {
        #[test]
        fn a_resident_never_holds_two_active_contracts(starts in proptest::collection::vec(0i64..2000, 1..12)) {
            let p = RuleProfile::bphs3();
            let t = team(1);
            let mut latest: Option<Contract> = None;
            let mut signed: Vec<Contract> = Vec::new();
            for (i, offset) in starts.into_iter().enumerate() {
                let start = date!(2020 - 01 - 01) + time::Duration::days(offset);
                if let Ok((c, _)) = Contract::sign(sign(i as u128 + 1, start), &t, latest.as_ref(), &p) {
                    latest = Some(c.clone());
                    signed.push(c);
                }
            }
            for (i, a) in signed.iter().enumerate() {
                prop_assert!(a.end() > a.start());
                for b in &signed[i + 1..] {
                    prop_assert!(a.in_force_until() <= b.start() || b.in_force_until() <= a.start(),
                        "{:?} overlaps {:?}", a, b);
                }
            }
        }
    }

    #[test]
    fn contract_status_codes_are_the_serde_tags() {
        let on = date!(2026 - 03 - 01);
        let c = ContractId::from_u128(1);
        check_kinds(
            &[
                ContractStatus::Current,
                ContractStatus::Renewed { by: c },
                ContractStatus::Switched { to: c },
                ContractStatus::Terminated {
                    on,
                    reason: TerminationReason::Died,
                },
            ],
            ContractStatus::CODES,
            ContractStatus::code,
            "status",
        );
    }
}
