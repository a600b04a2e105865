//! Specialist sessions (§13): the lead hospital's specialist clinics, a share of each reserved
//! for referrals from its community and released ahead; the same sessions held by rotating
//! county experts at township clinics (专家下沉坐诊, 查房, 带教), each counting the patients seen.

mod session;

pub use session::{
    Booking, ExpertActivity, NewSession, ScheduleError, ScheduleEvent, SessionKind,
    SpecialistSession, Vacancies, expert_activity,
};
