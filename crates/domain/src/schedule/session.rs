//! A specialist session and its slots: published with the profile's reserved share, booked by
//! accepted referrals (reserved or general), released when a referral no longer needs its
//! slot, and, once held, the patients seen.

use serde::{Deserialize, Serialize};
use time::Date;

use crate::calendar;
use crate::ids::{InstitutionId, ReferralId, SessionId};
use crate::profile::RuleProfile;
use crate::referral::{Department, SlipError, SlotKind, SlotQuota};
use crate::text;
use crate::vocabulary::codes;

/// The most slots a session offers.
const MAX_CAPACITY: u32 = 500;

/// What kind of session a specialist holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    /// An outpatient clinic (坐诊): the slots referrals book.
    Outpatient,
    /// Ward rounds at a township's beds (查房).
    WardRound,
    /// Teaching the township's clinicians (带教).
    Teaching,
}

codes!(SessionKind {
    Outpatient => "outpatient",
    WardRound => "ward_round",
    Teaching => "teaching",
});

/// Why a session command was refused; `field` names the input at fault where there is one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Bad input.
    #[error("{field}: {reason}")]
    Invalid {
        /// The input.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// No slot of the kind asked for is free.
    #[error("no {kind} slot is free in this session")]
    Full {
        /// `reserved` or `general`.
        kind: &'static str,
    },
    /// The referral already holds a slot here.
    #[error("referral {0} already holds a slot in this session")]
    AlreadyBooked(ReferralId),
    /// Reserved slots are for referrals from the hospital's own community, in outpatient
    /// sessions, until they return to the general pool.
    #[error("{0}")]
    NotReservable(&'static str),
}

/// A session to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// Its id.
    pub id: SessionId,
    /// The expert's institution (whose schedule it is).
    pub institution: InstitutionId,
    /// Where it is held: the institution itself, or a township clinic an expert visits.
    pub held_at: InstitutionId,
    /// The department.
    pub department: String,
    /// The specialist holding it.
    pub doctor: String,
    /// What it is.
    pub kind: SessionKind,
    /// Its day.
    pub date: Date,
    /// Patients it takes.
    pub capacity: u32,
}

/// A slot taken by an accepted referral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Booking {
    /// The referral.
    pub referral: ReferralId,
    /// Whether it took a reserved slot.
    pub reserved: bool,
}

/// What is free in a session on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vacancies {
    /// Reserved slots a referral of the community may book.
    pub reserved: u32,
    /// General slots anyone may book (with the unused reserved ones once they returned).
    pub general: u32,
}

/// What changed, for the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ScheduleEvent {
    /// A session was published.
    SessionPublished {
        /// The session.
        session: SessionId,
        /// Where it is held.
        held_at: InstitutionId,
        /// Its day.
        date: Date,
        /// Slots, and how many are reserved for referrals.
        capacity: u32,
        /// Reserved for referrals.
        reserved: u32,
    },
    /// A referral took a slot.
    SlotBooked {
        /// The session.
        session: SessionId,
        /// The referral.
        referral: ReferralId,
        /// Whether the slot was reserved.
        reserved: bool,
    },
    /// A referral gave its slot back.
    SlotReleased {
        /// The session.
        session: SessionId,
        /// The referral.
        referral: ReferralId,
    },
    /// The patients a held session saw were recorded.
    PatientsSeen {
        /// The session.
        session: SessionId,
        /// How many.
        seen: u32,
    },
}

/// A specialist session (专科号源 / 专家坐诊).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecialistSession {
    id: SessionId,
    institution: InstitutionId,
    held_at: InstitutionId,
    department: Department,
    doctor: String,
    kind: SessionKind,
    date: Date,
    capacity: u32,
    reserved: u32,
    published_on: Date,
    bookings: Vec<Booking>,
    #[serde(default)]
    patients_seen: Option<u32>,
}

fn invalid(field: &'static str, reason: impl Into<String>) -> ScheduleError {
    ScheduleError::Invalid {
        field,
        reason: reason.into(),
    }
}

impl SpecialistSession {
    /// Publishes a session on `today`. At a lead hospital's own outpatient clinic
    /// (`reserves`), the profile's share of the slots, rounded up, is reserved for referrals
    /// from its community (`REF-RESERVED-SLOTS`); elsewhere nothing is reserved.
    pub fn publish(
        cmd: NewSession,
        reserves: bool,
        today: Date,
        profile: &RuleProfile,
    ) -> Result<(SpecialistSession, Vec<ScheduleEvent>), ScheduleError> {
        let department = Department::new("department", &cmd.department)
            .map_err(|e: SlipError| invalid("department", e.reason))?;
        let doctor =
            text::required(&cmd.doctor, 1, 64).map_err(|e| invalid("doctor", e.to_string()))?;
        if cmd.date < today {
            return Err(invalid("date", format!("{} is in the past", cmd.date)));
        }
        if !(1..=MAX_CAPACITY).contains(&cmd.capacity) {
            return Err(invalid(
                "capacity",
                format!("must be 1 to {MAX_CAPACITY}, not {}", cmd.capacity),
            ));
        }
        let reserved =
            if reserves && cmd.kind == SessionKind::Outpatient && cmd.held_at == cmd.institution {
                (cmd.capacity * u32::from(profile.referral.reserved_slot_percent)).div_ceil(100)
            } else {
                0
            };
        let session = SpecialistSession {
            id: cmd.id,
            institution: cmd.institution,
            held_at: cmd.held_at,
            department,
            doctor,
            kind: cmd.kind,
            date: cmd.date,
            capacity: cmd.capacity,
            reserved,
            published_on: today,
            bookings: Vec::new(),
            patients_seen: None,
        };
        let event = ScheduleEvent::SessionPublished {
            session: session.id,
            held_at: session.held_at,
            date: session.date,
            capacity: session.capacity,
            reserved,
        };
        Ok((session, vec![event]))
    }

    /// Whether the reserved slots are still held for referrals on `today`: until the
    /// profile's days before the session, when the unused ones return to the general pool.
    pub fn reserved_held(&self, today: Date, profile: &RuleProfile) -> bool {
        calendar::days_between(today, self.date)
            > i64::from(profile.referral.reserved_return_days_before)
    }

    fn booked(&self, reserved: bool) -> u32 {
        let n = self
            .bookings
            .iter()
            .filter(|b| b.reserved == reserved)
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// What is free on `today`. General bookings made after the reserved slots returned may
    /// sit in reserved space; they count against it.
    pub fn vacancies(&self, today: Date, profile: &RuleProfile) -> Vacancies {
        let general_space = self.capacity - self.reserved;
        let general_booked = self.booked(false);
        let overflow = general_booked.saturating_sub(general_space);
        let reserved_free = self.reserved.saturating_sub(self.booked(true) + overflow);
        let general_free = general_space.saturating_sub(general_booked);
        if self.reserved_held(today, profile) {
            Vacancies {
                reserved: reserved_free,
                general: general_free,
            }
        } else {
            Vacancies {
                reserved: 0,
                general: general_free + reserved_free,
            }
        }
    }

    /// The reserved slots as a referral's acceptance checks them ([`SlotQuota`]).
    pub fn quota(&self) -> SlotQuota {
        SlotQuota {
            slot_date: self.date,
            total: self.capacity,
            reserved: self.reserved,
            booked: self.booked(true),
            released_on: self.published_on,
        }
    }

    /// Books a slot for `referral` on `today`: a reserved one (the referral comes from the
    /// hospital's community, `of_community`) while they are held, else a general one. Two
    /// bookings racing for the last slot are told apart by the store's version check: one
    /// wins.
    pub fn book(
        self,
        referral: ReferralId,
        slot: SlotKind,
        of_community: bool,
        today: Date,
        profile: &RuleProfile,
    ) -> Result<(SpecialistSession, Vec<ScheduleEvent>), ScheduleError> {
        if self.bookings.iter().any(|b| b.referral == referral) {
            return Err(ScheduleError::AlreadyBooked(referral));
        }
        if self.kind != SessionKind::Outpatient {
            return Err(ScheduleError::NotReservable(
                "only outpatient sessions take referral appointments",
            ));
        }
        let free = self.vacancies(today, profile);
        let reserved = match slot {
            SlotKind::Reserved => {
                if !of_community {
                    return Err(ScheduleError::NotReservable(
                        "reserved slots are for referrals from the hospital's own community",
                    ));
                }
                if !self.reserved_held(today, profile) {
                    return Err(ScheduleError::NotReservable(
                        "the unused reserved slots have returned to the general pool",
                    ));
                }
                if free.reserved == 0 {
                    return Err(ScheduleError::Full { kind: "reserved" });
                }
                true
            }
            SlotKind::General | SlotKind::Bed => {
                if free.general == 0 {
                    return Err(ScheduleError::Full { kind: "general" });
                }
                false
            }
        };
        let mut bookings = self.bookings;
        bookings.push(Booking { referral, reserved });
        let event = ScheduleEvent::SlotBooked {
            session: self.id,
            referral,
            reserved,
        };
        Ok((SpecialistSession { bookings, ..self }, vec![event]))
    }

    /// Gives back the slot `referral` holds (its referral closed before the visit); nothing
    /// when it holds none.
    pub fn release(self, referral: ReferralId) -> (SpecialistSession, Vec<ScheduleEvent>) {
        let before = self.bookings.len();
        let mut bookings = self.bookings;
        bookings.retain(|b| b.referral != referral);
        let events = if bookings.len() < before {
            vec![ScheduleEvent::SlotReleased {
                session: self.id,
                referral,
            }]
        } else {
            Vec::new()
        };
        (SpecialistSession { bookings, ..self }, events)
    }

    /// Records how many patients the session saw, on or after its day.
    pub fn record_seen(
        self,
        seen: u32,
        today: Date,
    ) -> Result<(SpecialistSession, Vec<ScheduleEvent>), ScheduleError> {
        if today < self.date {
            return Err(invalid("seen", "the session has not been held yet"));
        }
        if seen > MAX_CAPACITY * 4 {
            return Err(invalid(
                "seen",
                format!("{seen} is more than a session sees"),
            ));
        }
        let event = ScheduleEvent::PatientsSeen {
            session: self.id,
            seen,
        };
        Ok((
            SpecialistSession {
                patients_seen: Some(seen),
                ..self
            },
            vec![event],
        ))
    }

    /// Its id.
    pub fn id(&self) -> SessionId {
        self.id
    }

    /// The expert's institution.
    pub fn institution(&self) -> InstitutionId {
        self.institution
    }

    /// Where it is held.
    pub fn held_at(&self) -> InstitutionId {
        self.held_at
    }

    /// The department.
    pub fn department(&self) -> &Department {
        &self.department
    }

    /// The specialist.
    pub fn doctor(&self) -> &str {
        &self.doctor
    }

    /// What it is.
    pub fn kind(&self) -> SessionKind {
        self.kind
    }

    /// Its day.
    pub fn date(&self) -> Date {
        self.date
    }

    /// Slots.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Slots reserved for referrals.
    pub fn reserved(&self) -> u32 {
        self.reserved
    }

    /// The day it was published.
    pub fn published_on(&self) -> Date {
        self.published_on
    }

    /// The slots taken.
    pub fn bookings(&self) -> &[Booking] {
        &self.bookings
    }

    /// Whether a county expert holds it away from the expert's institution (专家下沉).
    pub fn is_rotation(&self) -> bool {
        self.held_at != self.institution
    }

    /// The patients seen, once recorded.
    pub fn patients_seen(&self) -> Option<u32> {
        self.patients_seen
    }
}

/// One expert's sessions held at one place in a period (专家下沉 counts per expert, department
/// and township): how many were held and how many patients they saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpertActivity {
    /// The specialist.
    pub doctor: String,
    /// The department.
    pub department: Department,
    /// Where the sessions were held.
    pub held_at: InstitutionId,
    /// Sessions held (those whose patients seen are recorded).
    pub sessions: u32,
    /// Patients seen in them.
    pub patients_seen: u64,
}

/// The held sessions of `sessions` (those with their patients seen recorded) tallied per
/// expert, department and place, in that order; sessions not yet recorded are not counted.
pub fn expert_activity(sessions: &[SpecialistSession]) -> Vec<ExpertActivity> {
    let mut lines: std::collections::BTreeMap<(String, String, InstitutionId), ExpertActivity> =
        std::collections::BTreeMap::new();
    for s in sessions {
        let Some(seen) = s.patients_seen else {
            continue;
        };
        let key = (
            s.doctor.clone(),
            s.department.as_str().to_owned(),
            s.held_at,
        );
        let line = lines.entry(key).or_insert_with(|| ExpertActivity {
            doctor: s.doctor.clone(),
            department: s.department.clone(),
            held_at: s.held_at,
            sessions: 0,
            patients_seen: 0,
        });
        line.sessions += 1;
        line.patients_seen += u64::from(seen);
    }
    lines.into_values().collect()
}
