//! The referral indicators (§7 and the county's assessment): over a set of referrals, how many
//! went up and down, how the receivers answered (in time, how fast), what escalated, why
//! requests were rejected, how many came back with their report, how the attached results
//! were judged, and whether the senders followed their upward referrals up in time. One tally for every reader: the API, `yigong report` and the dashboard.

use std::collections::{BTreeMap, HashMap};

use time::Date;

use crate::followup::{FollowUpPlan, PlanState};
use crate::ids::PlanId;
use crate::profile::RuleProfile;
use crate::referral::{Direction, Referral, ReferralState};

/// The figures of a set of referrals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReferralFigures {
    /// Upward referrals.
    pub upward: u32,
    /// Downward referrals.
    pub downward: u32,
    /// Referrals with an answer deadline that were answered (accepted or rejected).
    pub answered: u32,
    /// Of those, answered by the deadline.
    pub answered_in_time: u32,
    /// The median time from request to answer, in minutes, over the answered referrals whose
    /// answer time is known.
    pub median_answer_minutes: Option<i64>,
    /// Escalated to the community's desk: no answer in time, or a missed arrival.
    pub escalated: u32,
    /// Rejected, per reason as the receiver wrote it.
    pub rejected: BTreeMap<String, u32>,
    /// Completed.
    pub completed: u32,
    /// Completed with the report back (a discharge diagnosis, summary and guidance).
    pub reported_back: u32,
    /// Attached results recognised on the receiver's day.
    pub results_recognised: u32,
    /// Attached results to be repeated.
    pub results_repeated: u32,
    /// Upward referrals whose sender's follow-up day has come, with the sender's plans named.
    pub follow_ups_due: u32,
    /// Of those, followed up in time: one of the plans done on or before the day.
    pub follow_ups_done: u32,
    /// Upward referrals of patients the sender does not manage (no plan to follow them up).
    pub follow_ups_unplanned: u32,
}

impl ReferralFigures {
    /// Tallies `referrals`, judging each attached result on the referral's recognition day as
    /// of `today`; `plans` holds the sender's follow-up plans the referrals name (a plan not
    /// in it counts as not done).
    pub fn tally<'a>(
        referrals: impl IntoIterator<Item = &'a Referral>,
        plans: &HashMap<PlanId, FollowUpPlan>,
        today: Date,
        profile: &RuleProfile,
    ) -> ReferralFigures {
        let mut f = ReferralFigures::default();
        let mut minutes = Vec::new();
        for r in referrals {
            match r.direction() {
                Direction::Upward => f.upward += 1,
                Direction::Downward => f.downward += 1,
            }
            if let (Some(deadline), Some(answered)) = (r.respond_by(), r.answered_at()) {
                f.answered += 1;
                f.answered_in_time += u32::from(answered <= deadline);
            }
            if let Some(answered) = r.answered_at() {
                minutes.push((answered - r.requested_at()).whole_minutes());
            }
            f.escalated += u32::from(r.escalated() || r.arrival_missed());
            match r.state() {
                ReferralState::Rejected { reason } => {
                    *f.rejected.entry(reason.clone()).or_default() += 1;
                }
                ReferralState::Completed { summary, .. } => {
                    f.completed += 1;
                    f.reported_back += u32::from(summary.diagnosis().is_some());
                }
                _ => {}
            }
            if let Some(follow_up) = r.sender_follow_up() {
                if follow_up.plans.is_empty() {
                    f.follow_ups_unplanned += 1;
                } else if follow_up.due <= today {
                    f.follow_ups_due += 1;
                    let done = follow_up.plans.iter().any(|p| {
                        plans.get(p).is_some_and(|plan| {
                            matches!(plan.state(), PlanState::Done { on, .. } if on <= follow_up.due)
                        })
                    });
                    f.follow_ups_done += u32::from(done);
                }
            }
            for (_, judged) in r.recognised_results(r.recognition_day(today), profile) {
                if judged.recognised {
                    f.results_recognised += 1;
                } else {
                    f.results_repeated += 1;
                }
            }
        }
        minutes.sort_unstable();
        f.median_answer_minutes = match minutes.len() {
            0 => None,
            n if n % 2 == 1 => Some(minutes[n / 2]),
            n => Some((minutes[n / 2 - 1] + minutes[n / 2]) / 2),
        };
        f
    }
    /// The figures of several sets of referrals together: every count summed, rejections per
    /// reason merged; a median is not a sum, so the total has none.
    pub fn sum<'a>(parts: impl IntoIterator<Item = &'a ReferralFigures>) -> ReferralFigures {
        let mut f = ReferralFigures::default();
        for p in parts {
            f.upward += p.upward;
            f.downward += p.downward;
            f.answered += p.answered;
            f.answered_in_time += p.answered_in_time;
            f.escalated += p.escalated;
            for (reason, n) in &p.rejected {
                *f.rejected.entry(reason.clone()).or_default() += n;
            }
            f.completed += p.completed;
            f.reported_back += p.reported_back;
            f.results_recognised += p.results_recognised;
            f.results_repeated += p.results_repeated;
            f.follow_ups_due += p.follow_ups_due;
            f.follow_ups_done += p.follow_ups_done;
            f.follow_ups_unplanned += p.follow_ups_unplanned;
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sum_adds_every_count_merges_rejections_and_has_no_median() {
        let a = ReferralFigures {
            upward: 2,
            answered: 2,
            answered_in_time: 1,
            median_answer_minutes: Some(30),
            rejected: BTreeMap::from([("无床位".to_owned(), 1)]),
            follow_ups_due: 1,
            ..ReferralFigures::default()
        };
        let b = ReferralFigures {
            downward: 1,
            answered: 1,
            answered_in_time: 1,
            median_answer_minutes: Some(90),
            rejected: BTreeMap::from([("无床位".to_owned(), 2), ("非本科室".to_owned(), 1)]),
            completed: 1,
            reported_back: 1,
            ..ReferralFigures::default()
        };
        let sum = ReferralFigures::sum([&a, &b]);
        assert_eq!((sum.upward, sum.downward, sum.answered), (2, 1, 3));
        assert_eq!(sum.answered_in_time, 2);
        assert_eq!(
            (sum.completed, sum.reported_back, sum.follow_ups_due),
            (1, 1, 1)
        );
        assert_eq!(sum.rejected["无床位"], 3);
        assert_eq!(sum.rejected["非本科室"], 1);
        assert_eq!(sum.median_answer_minutes, None);
        assert_eq!(ReferralFigures::sum([]), ReferralFigures::default());
    }
}
