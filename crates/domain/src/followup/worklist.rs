//! A team's overdue worklist, ordered by risk, then post-referral plans, then days overdue.

use serde::{Deserialize, Serialize};
use time::Date;

use super::classify::VisitClass;
use super::plan::{FollowUpPlan, PlanOrigin, PlanStatus};
use super::vocabulary::Condition;
use crate::ids::{PlanId, ResidentId, TeamId};
use crate::profile::RuleProfile;

/// One line of an overdue worklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorklistEntry {
    /// The plan.
    pub plan: PlanId,
    /// The patient.
    pub patient: ResidentId,
    /// The condition.
    pub condition: Condition,
    /// Due date.
    pub due: Date,
    /// Days past due.
    pub days_overdue: u32,
    /// Risk from the last visit, 0–3.
    pub risk: u8,
    /// Why the plan exists.
    pub origin: PlanOrigin,
}

/// A place in a worklist's order, ascending: higher last-visit risk first, then post-referral
/// plans, then the earliest due date (most days overdue), then plan id. Its derived `Ord` *is*
/// the worklist's order, so a page token is simply the position of a page's last line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct WorklistPosition {
    /// 0 (risk 3, after a referral) to 7 (risk 0, routine): risk and origin in one number.
    pub rank: u8,
    /// Due date.
    pub due: Date,
    /// The plan.
    pub plan: PlanId,
}

impl WorklistPosition {
    /// The last rank (risk 0, routine origin).
    pub const LOWEST_RANK: u8 = 7;

    /// The position of a plan with this risk (0–3, higher clamps to 3) and origin.
    pub fn new(risk: u8, origin: PlanOrigin, due: Date, plan: PlanId) -> WorklistPosition {
        let routine = u8::from(!is_referral(origin));
        WorklistPosition {
            rank: (3 - risk.min(3)) * 2 + routine,
            due,
            plan,
        }
    }
}

impl WorklistEntry {
    /// This line's place in the worklist's order.
    pub fn position(&self) -> WorklistPosition {
        WorklistPosition::new(self.risk, self.origin, self.due, self.plan)
    }
}

impl FollowUpPlan {
    /// Where this plan sits in its team's worklist, should it be overdue. Depends only on the
    /// stored plan (never on the day asked), so storage can index it and page through it.
    pub fn worklist_position(&self) -> WorklistPosition {
        WorklistPosition::new(
            self.last_class.map_or(0, VisitClass::risk),
            self.origin,
            self.due,
            self.id,
        )
    }
}

/// The risk-ordered overdue worklist of one team on `on`, in [`WorklistPosition`] order:
/// highest last-visit risk first, then post-referral plans, then most days overdue, then plan
/// id (deterministic). Plans whose patient was reached and asked to be reminded later stay off
/// the list until that date.
pub fn overdue_worklist<'a>(
    plans: impl IntoIterator<Item = &'a FollowUpPlan>,
    team: TeamId,
    on: Date,
    profile: &RuleProfile,
) -> Vec<WorklistEntry> {
    let mut entries: Vec<WorklistEntry> = plans
        .into_iter()
        .filter(|p| p.team == team && p.remind_on.is_none_or(|r| r <= on))
        .filter_map(|p| match p.status_on(on, profile) {
            PlanStatus::Overdue { days } => Some(WorklistEntry {
                plan: p.id,
                patient: p.patient,
                condition: p.condition,
                due: p.due,
                days_overdue: days,
                risk: p.last_class.map_or(0, VisitClass::risk),
                origin: p.origin,
            }),
            _ => None,
        })
        .collect();
    entries.sort_unstable_by_key(WorklistEntry::position);
    entries
}

const fn is_referral(origin: PlanOrigin) -> bool {
    matches!(
        origin,
        PlanOrigin::UpwardReferral(_) | PlanOrigin::DownwardReferral(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::followup::fixtures::{plan, profile};
    use crate::followup::{FollowUpError, OutreachOutcome};
    use time::macros::date;

    #[test]
    fn a_reached_patient_leaves_the_worklist_until_the_remind_on_date() {
        let p = profile();
        let team = TeamId::from_u128(4);
        let reached = OutreachOutcome::Reached {
            remind_on: date!(2026 - 01 - 25),
        };
        let (reminded, _) = plan()
            .record_outreach(date!(2026 - 01 - 20), reached, &p)
            .unwrap();
        assert!(overdue_worklist([&reminded], team, date!(2026 - 01 - 24), &p).is_empty());
        let list = overdue_worklist([&reminded], team, date!(2026 - 01 - 25), &p);
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].days_overdue, 10);
        let back = plan().record_outreach(
            date!(2026 - 01 - 20),
            OutreachOutcome::Reached {
                remind_on: date!(2026 - 01 - 19),
            },
            &p,
        );
        assert!(matches!(
            back,
            Err(FollowUpError::RemindBeforeOutreach { .. })
        ));
    }
}
