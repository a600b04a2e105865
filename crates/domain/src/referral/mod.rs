//! Two-way referral (双向转诊): the referral slip and its state machine.
//!
//! ```text
//!   (approval required)        accept              arrive            complete
//! AwaitingApproval ─approve─▶ Requested ──────▶ Accepted ──────▶ Arrived ──────▶ Completed
//!        │                     │   │                               ▲
//!        └─reject/cancel──┐    │   └──── arrive (emergency: green channel) ──┘
//!                         ▼    ▼
//!                   Rejected / Cancelled          any open state ─external evidence─▶ Closed
//! ```
//!
//! Every transition is a method that consumes the referral and returns the new one with its
//! events; an illegal transition returns [`ReferralError::IllegalTransition`] and, since the
//! old value was moved in only on success paths through the caller's clone-free API, nothing
//! changes. Deadlines (response, escalation) and follow-ups (14 days after an upward referral,
//! 14 days after a completed downward one) are computed here from `now` and the profile.
//!
//! ## Files
//! - `route`: which way a referral goes ([`Direction`], [`Urgency`]) between which ends
//!   ([`Route`]).
//! - `reason`: the coded reasons ([`ReasonCode`]), each tied to a direction.
//! - `state`: [`ReferralState`], its names ([`StateName`]) and their named sets, the commands.
//! - `lifecycle`: the [`Referral`] slip: creation under the network rules and every transition.
//! - `slip`: the slip's clinical part ([`Slip`], [`Diagnosis`] with its [`Icd10Code`]) and
//!   who receives ([`Receiving`]).
//! - `slot`: reserved specialist slots ([`SlotQuota`]) and the [`Appointment`] an acceptance
//!   offers.
//! - `recognition`: test results attached for mutual recognition ([`AttachedResult`],
//!   [`TestCode`]).
//! - `advice`: a referral a visit or screening calls for but did not send ([`ReferralAdvice`]):
//!   the team's and the desk's lists until a referral is sent or it is declined.
//! - `event`: [`ReferralEvent`], for the outbox.
//! - `error`: [`ReferralError`].

mod advice;
mod error;
mod event;
mod lifecycle;
mod reason;
mod recognition;
mod route;
mod sender_follow_up;
mod slip;
mod slot;
mod state;

pub use advice::{
    AdviceError, AdviceEvent, AdviceOutcome, AdviceSource, DeclineReason, NewAdvice, ReferralAdvice,
};
pub use error::ReferralError;
pub use event::ReferralEvent;
pub use lifecycle::{CreateReferral, Referral};
pub use reason::ReasonCode;
pub use recognition::{AttachedResult, Recognition, TestCode, TestCodeError};
pub use route::{Direction, Route, Urgency};
pub use sender_follow_up::SenderFollowUp;
pub use slip::{Department, Diagnosis, Icd10Code, Receiving, Slip, SlipError};
pub use slot::{Appointment, SlotKind, SlotQuota};
pub use state::{Command, DischargeSummary, ExternalEvidence, ReferralState, StateName};
