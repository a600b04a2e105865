//! The catalogue of domain events: every state change of every aggregate.
//!
//! Each module defines the events of its aggregates next to the transitions that produce them;
//! [`DomainEvent`] gathers them so the outbox and the publishers handle one type. Events carry
//! ids and facts, never identity numbers or names. Publishing comes with the messaging adapters.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::consultation::ConsultationEvent;
use crate::contract::ContractEvent;
use crate::diagnosis::DiagnosisEvent;
use crate::elderly::ElderlyCheckEvent;
use crate::followup::FollowUpEvent;
use crate::grid::GridEvent;
use crate::identity::ResidentEvent;
use crate::network::NetworkEvent;
use crate::referral::{AdviceEvent, ReferralEvent};
use crate::schedule::ScheduleEvent;
use crate::screening::{CaseEvent, ScreeningEvent};

/// Schema version of the serialized events; bumped on any incompatible change.
pub const EVENT_SCHEMA_VERSION: u32 = 1;

/// Which kind of aggregate an event belongs to (the `<aggregate>` of a subject).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AggregateKind {
    /// Institutions and communities.
    Network,
    /// Residents.
    Resident,
    /// Grids.
    Grid,
    /// Contracts.
    Contract,
    /// Screening records.
    Screening,
    /// Two-cancer cases.
    CancerCase,
    /// 65+ checks.
    ElderlyCheck,
    /// Enrolments and follow-up plans.
    FollowUp,
    /// Referrals.
    Referral,
    /// Specialist sessions.
    Session,
    /// Referral advice.
    Advice,
    /// Remote-diagnosis centres and their requests.
    Diagnosis,
    /// Remote consultations.
    Consultation,
}

impl AggregateKind {
    /// The name used in subjects and type names.
    pub const fn as_str(self) -> &'static str {
        match self {
            AggregateKind::Network => "network",
            AggregateKind::Resident => "resident",
            AggregateKind::Grid => "grid",
            AggregateKind::Contract => "contract",
            AggregateKind::Screening => "screening",
            AggregateKind::CancerCase => "cancer_case",
            AggregateKind::ElderlyCheck => "elderly_check",
            AggregateKind::FollowUp => "follow_up",
            AggregateKind::Referral => "referral",
            AggregateKind::Session => "session",
            AggregateKind::Advice => "advice",
            AggregateKind::Diagnosis => "diagnosis",
            AggregateKind::Consultation => "consultation",
        }
    }
}

/// Any domain event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "aggregate", content = "event", rename_all = "snake_case")]
pub enum DomainEvent {
    /// Network.
    Network(NetworkEvent),
    /// Resident.
    Resident(ResidentEvent),
    /// Grid.
    Grid(GridEvent),
    /// Contract.
    Contract(ContractEvent),
    /// Screening.
    Screening(ScreeningEvent),
    /// Two-cancer case.
    CancerCase(CaseEvent),
    /// 65+ check.
    ElderlyCheck(ElderlyCheckEvent),
    /// Follow-up.
    FollowUp(FollowUpEvent),
    /// Referral.
    Referral(ReferralEvent),
    /// Specialist session.
    Session(ScheduleEvent),
    /// Referral advice.
    Advice(AdviceEvent),
    /// Remote diagnosis.
    Diagnosis(DiagnosisEvent),
    /// Remote consultation.
    Consultation(ConsultationEvent),
}

impl DomainEvent {
    /// The aggregate kind.
    pub fn aggregate_kind(&self) -> AggregateKind {
        match self {
            DomainEvent::Network(_) => AggregateKind::Network,
            DomainEvent::Resident(_) => AggregateKind::Resident,
            DomainEvent::Grid(_) => AggregateKind::Grid,
            DomainEvent::Contract(_) => AggregateKind::Contract,
            DomainEvent::Screening(_) => AggregateKind::Screening,
            DomainEvent::CancerCase(_) => AggregateKind::CancerCase,
            DomainEvent::ElderlyCheck(_) => AggregateKind::ElderlyCheck,
            DomainEvent::FollowUp(_) => AggregateKind::FollowUp,
            DomainEvent::Referral(_) => AggregateKind::Referral,
            DomainEvent::Session(_) => AggregateKind::Session,
            DomainEvent::Advice(_) => AggregateKind::Advice,
            DomainEvent::Diagnosis(_) => AggregateKind::Diagnosis,
            DomainEvent::Consultation(_) => AggregateKind::Consultation,
        }
    }

    /// The id of the aggregate instance the event belongs to (for per-aggregate ordering).
    pub fn aggregate_id(&self) -> Uuid {
        match self {
            DomainEvent::Network(e) => match e {
                NetworkEvent::InstitutionRegistered { institution, .. }
                | NetworkEvent::InstitutionRenamed { institution }
                | NetworkEvent::InstitutionClosed { institution, .. } => institution.as_uuid(),
                NetworkEvent::CommunityFounded { community, .. }
                | NetworkEvent::InstitutionJoined { community, .. }
                | NetworkEvent::InstitutionLeft { community, .. } => community.as_uuid(),
            },
            DomainEvent::Resident(e) => match e {
                ResidentEvent::ResidentRegistered { resident, .. }
                | ResidentEvent::HouseholdChanged { resident, .. }
                | ResidentEvent::ResidentMovedOut { resident, .. }
                | ResidentEvent::ResidentDied { resident, .. }
                | ResidentEvent::PersonalInfoChanged { resident, .. } => resident.as_uuid(),
            },
            DomainEvent::Grid(e) => match e {
                GridEvent::AreaNodeAdded { node, .. } => node.as_uuid(),
                GridEvent::GridCreated { grid, .. }
                | GridEvent::HouseholdAssigned { grid, .. }
                | GridEvent::TeamAssigned { grid, .. }
                | GridEvent::TeamUnassigned { grid, .. } => grid.as_uuid(),
                GridEvent::HouseholdsReassigned { to, .. } => to.as_uuid(),
                GridEvent::GridSplit { from, .. } => from.as_uuid(),
                GridEvent::GridsMerged { into, .. } => into.as_uuid(),
            },
            DomainEvent::Contract(e) => match e {
                ContractEvent::TeamFormed { team, .. } => team.as_uuid(),
                ContractEvent::ContractSigned { contract, .. }
                | ContractEvent::ContractRenewed { contract, .. }
                | ContractEvent::ContractSwitched { contract, .. }
                | ContractEvent::ContractExpiring { contract, .. }
                | ContractEvent::ContractTerminated { contract, .. } => contract.as_uuid(),
            },
            DomainEvent::Screening(e) => match e {
                ScreeningEvent::ScreeningRecorded { screening, .. }
                | ScreeningEvent::SuspectedCaseFlagged { screening, .. } => screening.as_uuid(),
                ScreeningEvent::BatchImported { batch, .. } => *batch,
            },
            DomainEvent::CancerCase(e) => match e {
                CaseEvent::CaseOpened { case, .. }
                | CaseEvent::StepRecorded { case, .. }
                | CaseEvent::CaseClosed { case, .. } => case.as_uuid(),
                CaseEvent::ExamRecorded { exam, .. } => exam.as_uuid(),
            },
            DomainEvent::ElderlyCheck(ElderlyCheckEvent::CheckRecorded { check, .. }) => {
                check.as_uuid()
            }
            DomainEvent::FollowUp(e) => match e {
                FollowUpEvent::PatientEnrolled { enrolment, .. }
                | FollowUpEvent::EnrolmentClosed { enrolment, .. }
                | FollowUpEvent::PlanScheduled { enrolment, .. } => enrolment.as_uuid(),
                FollowUpEvent::VisitRecorded { plan, .. }
                | FollowUpEvent::ReferralRecommended { plan, .. }
                | FollowUpEvent::OutreachRecorded { plan, .. }
                | FollowUpEvent::PlanMissed { plan, .. }
                | FollowUpEvent::PatientLost { plan, .. }
                | FollowUpEvent::PlanClosed { plan, .. }
                | FollowUpEvent::PlanFellDue { plan, .. }
                | FollowUpEvent::PlanOverdue { plan, .. } => plan.as_uuid(),
            },
            DomainEvent::Referral(e) => match e {
                ReferralEvent::ReferralRequested { referral, .. }
                | ReferralEvent::ReferralApproved { referral, .. }
                | ReferralEvent::ReferralAccepted { referral, .. }
                | ReferralEvent::ReferralRejected { referral, .. }
                | ReferralEvent::ReferralCancelled { referral, .. }
                | ReferralEvent::PatientArrived { referral, .. }
                | ReferralEvent::ReferralCompleted { referral, .. }
                | ReferralEvent::ReferralEscalated { referral, .. }
                | ReferralEvent::ArrivalMissed { referral, .. }
                | ReferralEvent::ReferralClosed { referral, .. }
                | ReferralEvent::ResultAttached { referral, .. }
                | ReferralEvent::SenderFollowUpDue { referral, .. }
                | ReferralEvent::DownwardFollowUpDue { referral, .. } => referral.as_uuid(),
            },
            DomainEvent::Session(e) => match e {
                ScheduleEvent::SessionPublished { session, .. }
                | ScheduleEvent::SlotBooked { session, .. }
                | ScheduleEvent::SlotReleased { session, .. }
                | ScheduleEvent::PatientsSeen { session, .. } => session.as_uuid(),
            },
            DomainEvent::Advice(e) => match e {
                AdviceEvent::ReferralAdvised { advice, .. }
                | AdviceEvent::AdviceReferred { advice, .. }
                | AdviceEvent::AdviceDeclined { advice, .. }
                | AdviceEvent::AdviceEscalated { advice, .. } => advice.as_uuid(),
            },
            DomainEvent::Diagnosis(e) => e.aggregate(),
            DomainEvent::Consultation(e) => e.aggregate(),
        }
    }

    /// The event's type name, e.g. `referral.referral_accepted`: stable, for subjects and
    /// consumers.
    pub fn type_name(&self) -> &'static str {
        macro_rules! names {
            ($e:expr, $prefix:literal, $ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
                match $e { $($ty::$variant { .. } => concat!($prefix, ".", $name),)+ }
            };
        }
        match self {
            DomainEvent::Network(e) => names!(e, "network", NetworkEvent {
                InstitutionRegistered => "institution_registered",
                CommunityFounded => "community_founded",
                InstitutionJoined => "institution_joined",
                InstitutionRenamed => "institution_renamed",
                InstitutionClosed => "institution_closed",
                InstitutionLeft => "institution_left",
            }),
            DomainEvent::Resident(e) => names!(e, "resident", ResidentEvent {
                ResidentRegistered => "resident_registered",
                HouseholdChanged => "household_changed",
                ResidentMovedOut => "resident_moved_out",
                ResidentDied => "resident_died",
                PersonalInfoChanged => "personal_info_changed",
            }),
            DomainEvent::Grid(e) => names!(e, "grid", GridEvent {
                AreaNodeAdded => "area_node_added",
                GridCreated => "grid_created",
                HouseholdAssigned => "household_assigned",
                HouseholdsReassigned => "households_reassigned",
                GridSplit => "grid_split",
                GridsMerged => "grids_merged",
                TeamAssigned => "team_assigned",
                TeamUnassigned => "team_unassigned",
            }),
            DomainEvent::Contract(e) => names!(e, "contract", ContractEvent {
                TeamFormed => "team_formed",
                ContractSigned => "contract_signed",
                ContractRenewed => "contract_renewed",
                ContractSwitched => "contract_switched",
                ContractExpiring => "contract_expiring",
                ContractTerminated => "contract_terminated",
            }),
            DomainEvent::Screening(e) => names!(e, "screening", ScreeningEvent {
                ScreeningRecorded => "screening_recorded",
                SuspectedCaseFlagged => "suspected_case_flagged",
                BatchImported => "batch_imported",
            }),
            DomainEvent::CancerCase(e) => names!(e, "cancer_case", CaseEvent {
                CaseOpened => "case_opened",
                StepRecorded => "step_recorded",
                CaseClosed => "case_closed",
                ExamRecorded => "exam_recorded",
            }),
            DomainEvent::ElderlyCheck(e) => names!(e, "elderly_check", ElderlyCheckEvent {
                CheckRecorded => "check_recorded",
            }),
            DomainEvent::FollowUp(e) => names!(e, "follow_up", FollowUpEvent {
                PatientEnrolled => "patient_enrolled",
                EnrolmentClosed => "enrolment_closed",
                PlanScheduled => "plan_scheduled",
                VisitRecorded => "visit_recorded",
                ReferralRecommended => "referral_recommended",
                OutreachRecorded => "outreach_recorded",
                PlanMissed => "plan_missed",
                PatientLost => "patient_lost",
                PlanClosed => "plan_closed",
                PlanFellDue => "plan_fell_due",
                PlanOverdue => "plan_overdue",
            }),
            DomainEvent::Referral(e) => names!(e, "referral", ReferralEvent {
                ReferralRequested => "referral_requested",
                ReferralApproved => "referral_approved",
                ReferralAccepted => "referral_accepted",
                ReferralRejected => "referral_rejected",
                ReferralCancelled => "referral_cancelled",
                PatientArrived => "patient_arrived",
                ReferralCompleted => "referral_completed",
                ReferralEscalated => "referral_escalated",
                ArrivalMissed => "arrival_missed",
                ReferralClosed => "referral_closed",
                ResultAttached => "result_attached",
                SenderFollowUpDue => "sender_follow_up_due",
                DownwardFollowUpDue => "downward_follow_up_due",
            }),
            DomainEvent::Session(e) => names!(e, "session", ScheduleEvent {
                SessionPublished => "session_published",
                SlotBooked => "slot_booked",
                SlotReleased => "slot_released",
                PatientsSeen => "patients_seen",
            }),
            DomainEvent::Advice(e) => names!(e, "advice", AdviceEvent {
                ReferralAdvised => "referral_advised",
                AdviceReferred => "advice_referred",
                AdviceDeclined => "advice_declined",
                AdviceEscalated => "advice_escalated",
            }),
            DomainEvent::Diagnosis(e) => names!(e, "diagnosis", DiagnosisEvent {
                CentreOpened => "centre_opened",
                ReaderAppointed => "reader_appointed",
                DiagnosisRequested => "diagnosis_requested",
                StudyAcquired => "study_acquired",
                ReadingClaimed => "reading_claimed",
                ReadingReleased => "reading_released",
                PreliminaryReported => "preliminary_reported",
                ReportVerified => "report_verified",
                ReportAmended => "report_amended",
                ReportAcknowledged => "report_acknowledged",
                DiagnosisCancelled => "diagnosis_cancelled",
                CriticalValueFlagged => "critical_value_flagged",
                CriticalValueAcknowledged => "critical_value_acknowledged",
                CriticalValueEscalated => "critical_value_escalated",
                TurnaroundBreached => "turnaround_breached",
            }),
            DomainEvent::Consultation(e) => names!(e, "consultation", ConsultationEvent {
                ConsultationRequested => "consultation_requested",
                ConsultationScheduled => "consultation_scheduled",
                ConsultationAnswered => "consultation_answered",
                ConsultationDeclined => "consultation_declined",
                ConsultationCancelled => "consultation_cancelled",
            }),
        }
    }
}

macro_rules! from_events {
    ($($ty:ident => $variant:ident),+) => {$(
        impl From<$ty> for DomainEvent {
            fn from(e: $ty) -> Self {
                DomainEvent::$variant(e)
            }
        }
    )+};
}

from_events!(
    NetworkEvent => Network,
    ResidentEvent => Resident,
    GridEvent => Grid,
    ContractEvent => Contract,
    ScreeningEvent => Screening,
    CaseEvent => CancerCase,
    ElderlyCheckEvent => ElderlyCheck,
    FollowUpEvent => FollowUp,
    ReferralEvent => Referral,
    ScheduleEvent => Session,
    AdviceEvent => Advice,
    DiagnosisEvent => Diagnosis,
    ConsultationEvent => Consultation
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ReferralId, ResidentId, ScreeningId};
    use crate::referral::ExternalEvidence;
    use crate::rule::{Explanation, RuleSet};
    use crate::screening::Programme;
    use time::macros::date;

    fn samples() -> Vec<DomainEvent> {
        vec![
            ReferralEvent::ReferralClosed {
                referral: ReferralId::from_u128(1),
                evidence: ExternalEvidence::PatientDied,
            }
            .into(),
            ScreeningEvent::ScreeningRecorded {
                screening: ScreeningId::from_u128(2),
                resident: ResidentId::from_u128(3),
                programme: Programme::BloodPressure,
                on: date!(2026 - 03 - 01),
                explanation: Explanation::new(
                    crate::profile::RuleProfile::bphs3().stamp(),
                    RuleSet::EMPTY,
                ),
            }
            .into(),
            ResidentEvent::ResidentDied {
                resident: ResidentId::from_u128(3),
                on: date!(2026 - 03 - 02),
            }
            .into(),
            ElderlyCheckEvent::CheckRecorded {
                check: crate::ids::ElderlyCheckId::from_u128(4),
                resident: ResidentId::from_u128(3),
                on: date!(2026 - 03 - 01),
                guided: true,
                annual_check_of: vec![crate::followup::Condition::Hypertension],
                findings: vec![crate::elderly::CheckFinding::Emergency],
            }
            .into(),
            ConsultationEvent::ConsultationDeclined {
                consultation: crate::ids::ConsultationId::from_u128(5),
                at: time::macros::datetime!(2026-03-02 10:00 UTC),
            }
            .into(),
        ]
    }

    #[test]
    fn events_round_trip_through_json_with_readable_dates() {
        for event in samples() {
            let json = serde_json::to_string(&event).unwrap();
            assert_eq!(serde_json::from_str::<DomainEvent>(&json).unwrap(), event);
            assert!(json.contains(event.aggregate_kind().as_str()), "{json}");
        }
        let json = serde_json::to_string(&samples()[2]).unwrap();
        assert!(json.contains("\"2026-03-02\""), "{json}");
    }

    #[test]
    fn type_names_start_with_the_aggregate_kind() {
        for event in samples() {
            assert!(
                event
                    .type_name()
                    .starts_with(event.aggregate_kind().as_str())
            );
        }
        assert_eq!(samples()[0].type_name(), "referral.referral_closed");
        assert_eq!(
            samples()[0].aggregate_id(),
            ReferralId::from_u128(1).as_uuid()
        );
        assert_eq!(
            samples()[4].type_name(),
            "consultation.consultation_declined"
        );
        assert_eq!(
            samples()[4].aggregate_id(),
            crate::ids::ConsultationId::from_u128(5).as_uuid()
        );
    }
}
