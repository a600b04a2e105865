//! sea-orm entities. They never leave this crate: repositories translate them to domain types.
//!
//! The derive macros generate `pub` items and undocumented helpers; the module itself is
//! private, so neither lint applies in substance.
#![allow(unreachable_pub, missing_docs)]

pub(crate) mod area_closure;
pub(crate) mod area_node;
pub(crate) mod audit_entry;
pub(crate) mod cancer_case;
pub(crate) mod cancer_exam;
pub(crate) mod community;
pub(crate) mod consultation;
pub(crate) mod contract;
pub(crate) mod diagnosis_centre;
pub(crate) mod diagnosis_request;
pub(crate) mod elderly_check;
pub(crate) mod enrolment;
pub(crate) mod follow_up_plan;
pub(crate) mod follow_up_visit;
pub(crate) mod grid;
pub(crate) mod household;
pub(crate) mod indicator_snapshot;
pub(crate) mod institution;
pub(crate) mod outbox_event;
pub(crate) mod referral;
pub(crate) mod referral_advice;
pub(crate) mod request_key;
pub(crate) mod resident;
pub(crate) mod resident_term;
pub(crate) mod screening_result;
pub(crate) mod specialist_session;
pub(crate) mod team;
