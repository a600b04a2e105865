//! Which grid tallies an event may have changed (IND-CURRENT): the one rule a cache of tallies
//! is kept current by. Every event of the catalogue is matched by name, so a new event cannot
//! slip past the decision; when in doubt an event touches more, never less.

use crate::contract::ContractEvent;
use crate::elderly::ElderlyCheckEvent;
use crate::event::DomainEvent;
use crate::followup::FollowUpEvent;
use crate::grid::GridEvent;
use crate::identity::ResidentEvent;
use crate::ids::{CancerCaseId, ContractId, EnrolmentId, GridId, PlanId, ResidentId};
use crate::referral::ReferralEvent;
use crate::screening::{CaseEvent, ScreeningEvent};

/// What of the grid figures an event may have changed. The figures of a grid are a function
/// of its residents' facts, its households and the date; an event changes them through the
/// resident it is about (named directly or through the aggregate it belongs to), through the
/// grid itself, or, when it moves residents or households between grids, everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Touched {
    /// No figure: referrals but their request (which may move the patient's follow-up),
    /// schedules, advice, diagnosis, consultations, the network, areas and the teams serving
    /// a grid (a grid's line reads its team afresh).
    Nothing,
    /// The grid of this resident.
    Resident(ResidentId),
    /// The grid of this contract's resident.
    Contract(ContractId),
    /// The grid of this two-cancer case's resident.
    CancerCase(CancerCaseId),
    /// The grid of this enrolment's patient.
    Enrolment(EnrolmentId),
    /// The grid of this plan's patient.
    Plan(PlanId),
    /// The grids of the residents of this screening import batch.
    ScreeningBatch(uuid::Uuid),
    /// This grid.
    Grid(GridId),
    /// Any grid: residents or households changed grid (the grid they left is not named).
    Everything,
}

/// The figures `event` may have changed.
pub fn touched_by(event: &DomainEvent) -> Touched {
    match event {
        DomainEvent::Resident(e) => resident(e),
        DomainEvent::Grid(e) => grid(e),
        DomainEvent::Contract(e) => contract(e),
        DomainEvent::Screening(
            ScreeningEvent::ScreeningRecorded { resident, .. }
            | ScreeningEvent::SuspectedCaseFlagged { resident, .. },
        )
        | DomainEvent::ElderlyCheck(ElderlyCheckEvent::CheckRecorded { resident, .. })
        | DomainEvent::CancerCase(CaseEvent::CaseOpened { resident, .. }) => {
            Touched::Resident(*resident)
        }
        DomainEvent::CancerCase(CaseEvent::ExamRecorded { resident, .. }) => {
            Touched::Resident(*resident)
        }
        DomainEvent::CancerCase(
            CaseEvent::StepRecorded { case, .. } | CaseEvent::CaseClosed { case, .. },
        ) => Touched::CancerCase(*case),
        DomainEvent::Screening(ScreeningEvent::BatchImported { batch, .. }) => {
            Touched::ScreeningBatch(*batch)
        }
        DomainEvent::Referral(e) => referral(e),
        DomainEvent::FollowUp(e) => follow_up(e),
        DomainEvent::Network(_)
        | DomainEvent::Session(_)
        | DomainEvent::Advice(_)
        | DomainEvent::Diagnosis(_)
        | DomainEvent::Consultation(_) => Touched::Nothing,
    }
}

fn resident(e: &ResidentEvent) -> Touched {
    match e {
        // Birth date, sex and residence live in the record: any change may move a figure.
        ResidentEvent::ResidentRegistered { resident, .. }
        | ResidentEvent::ResidentMovedOut { resident, .. }
        | ResidentEvent::ResidentDied { resident, .. }
        | ResidentEvent::PersonalInfoChanged { resident, .. } => Touched::Resident(*resident),
        // The household left may lie in another grid.
        ResidentEvent::HouseholdChanged { .. } => Touched::Everything,
    }
}

fn grid(e: &GridEvent) -> Touched {
    match e {
        GridEvent::AreaNodeAdded { .. }
        | GridEvent::TeamAssigned { .. }
        | GridEvent::TeamUnassigned { .. } => Touched::Nothing,
        GridEvent::GridCreated { grid, .. } => Touched::Grid(*grid),
        // A new household joins the grid it names.
        GridEvent::HouseholdAssigned { grid, .. } => Touched::Grid(*grid),
        // Households (and their residents) leave a grid the event does not name.
        GridEvent::HouseholdsReassigned { .. }
        | GridEvent::GridSplit { .. }
        | GridEvent::GridsMerged { .. } => Touched::Everything,
    }
}

fn referral(e: &ReferralEvent) -> Touched {
    match e {
        // An upward referral moves the sender's waiting plan of the patient earlier (FU-14);
        // the follow-ups a referral's end asks for are plans of their own, with their events.
        ReferralEvent::ReferralRequested { patient, .. }
        | ReferralEvent::SenderFollowUpDue { patient, .. }
        | ReferralEvent::DownwardFollowUpDue { patient, .. } => Touched::Resident(*patient),
        ReferralEvent::ReferralApproved { .. }
        | ReferralEvent::ReferralAccepted { .. }
        | ReferralEvent::ReferralRejected { .. }
        | ReferralEvent::ReferralCancelled { .. }
        | ReferralEvent::PatientArrived { .. }
        | ReferralEvent::ReferralCompleted { .. }
        | ReferralEvent::ReferralEscalated { .. }
        | ReferralEvent::ArrivalMissed { .. }
        | ReferralEvent::ReferralClosed { .. }
        | ReferralEvent::ResultAttached { .. } => Touched::Nothing,
    }
}

fn contract(e: &ContractEvent) -> Touched {
    match e {
        ContractEvent::TeamFormed { .. } => Touched::Nothing,
        ContractEvent::ContractSigned { resident, .. }
        | ContractEvent::ContractExpiring { resident, .. } => Touched::Resident(*resident),
        ContractEvent::ContractRenewed { contract, .. }
        | ContractEvent::ContractSwitched { contract, .. }
        | ContractEvent::ContractTerminated { contract, .. } => Touched::Contract(*contract),
    }
}

fn follow_up(e: &FollowUpEvent) -> Touched {
    match e {
        FollowUpEvent::PatientEnrolled { patient, .. }
        | FollowUpEvent::VisitRecorded { patient, .. }
        | FollowUpEvent::ReferralRecommended { patient, .. }
        | FollowUpEvent::PatientLost { patient, .. }
        | FollowUpEvent::PlanFellDue { patient, .. }
        | FollowUpEvent::PlanOverdue { patient, .. } => Touched::Resident(*patient),
        FollowUpEvent::EnrolmentClosed { enrolment, .. }
        | FollowUpEvent::PlanScheduled { enrolment, .. } => Touched::Enrolment(*enrolment),
        FollowUpEvent::OutreachRecorded { plan, .. }
        | FollowUpEvent::PlanMissed { plan, .. }
        | FollowUpEvent::PlanClosed { plan, .. } => Touched::Plan(*plan),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{HouseholdId, InstitutionId, TeamId};
    use time::macros::date;

    #[test]
    fn an_event_touches_the_grid_of_the_resident_it_is_about() {
        let r = ResidentId::from_u128(7);
        let died = DomainEvent::Resident(ResidentEvent::ResidentDied {
            resident: r,
            on: date!(2026 - 12 - 01),
        });
        assert_eq!(touched_by(&died), Touched::Resident(r));
        let closed = DomainEvent::FollowUp(FollowUpEvent::PlanMissed {
            plan: PlanId::from_u128(3),
            on: date!(2026 - 12 - 01),
        });
        assert_eq!(touched_by(&closed), Touched::Plan(PlanId::from_u128(3)));
    }

    #[test]
    fn every_exam_an_import_batch_and_an_upward_referral_touch_the_figures() {
        use crate::screening::PathwayStep;
        let r = ResidentId::from_u128(9);
        let exam = DomainEvent::CancerCase(CaseEvent::ExamRecorded {
            exam: crate::ids::CancerExamId::from_u128(1),
            resident: r,
            step: PathwayStep::CytologyOrHpv,
            abnormal: false,
            on: date!(2026 - 12 - 01),
        });
        assert_eq!(
            touched_by(&exam),
            Touched::Resident(r),
            "a normal exam counts too"
        );
        let batch = uuid::Uuid::from_u128(5);
        let imported = DomainEvent::Screening(ScreeningEvent::BatchImported { batch, rows: 3 });
        assert_eq!(touched_by(&imported), Touched::ScreeningBatch(batch));
        let household = DomainEvent::Grid(GridEvent::HouseholdAssigned {
            household: HouseholdId::from_u128(2),
            grid: GridId::from_u128(3),
        });
        assert_eq!(touched_by(&household), Touched::Grid(GridId::from_u128(3)));
    }

    #[test]
    fn moving_between_grids_touches_every_grid_and_forming_a_team_none() {
        let moved = DomainEvent::Resident(ResidentEvent::HouseholdChanged {
            resident: ResidentId::from_u128(1),
            household: HouseholdId::from_u128(2),
        });
        assert_eq!(touched_by(&moved), Touched::Everything);
        let reassigned = DomainEvent::Grid(GridEvent::HouseholdsReassigned {
            households: vec![HouseholdId::from_u128(2)],
            to: GridId::from_u128(3),
        });
        assert_eq!(touched_by(&reassigned), Touched::Everything);
        let formed = DomainEvent::Contract(ContractEvent::TeamFormed {
            team: TeamId::from_u128(4),
            institution: InstitutionId::from_u128(5),
            members: 3,
        });
        assert_eq!(touched_by(&formed), Touched::Nothing);
    }
}
