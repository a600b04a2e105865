//! The remote-diagnosis indicators (§12): over a centre's requests in a period, the volume, the
//! turnaround from acquisition to first verification per priority (median and 90th
//! percentile, nearest rank) and its share within the profile's target (DX-TURNAROUND), the
//! critical values acknowledged within the profile's minutes (DX-CRITICAL), the positive rate
//! of the verified reports, and the members that used the centre (its coverage). One tally
//! for every reader: the API and `yigong report`.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnosis::{DiagnosisRequest, Priority, Status};
use crate::ids::{CommunityId, InstitutionId};
use crate::network::{Level, Network};
use crate::profile::RuleProfile;

/// Turnaround of one priority's verified requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Turnaround {
    /// Verified (at least once).
    pub verified: u32,
    /// Of those, verified within the target.
    pub within_target: u32,
    /// Median minutes from acquisition to first verification (nearest rank).
    pub p50_minutes: Option<i64>,
    /// 90th percentile of the same (nearest rank).
    pub p90_minutes: Option<i64>,
}

/// The figures of a set of remote-diagnosis requests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiagnosisFigures {
    /// Requests.
    pub requests: u32,
    /// Of those, cancelled.
    pub cancelled: u32,
    /// Of those, verified (at least once).
    pub verified: u32,
    /// Of the verified, positive by the latest version.
    pub positive: u32,
    /// Turnaround per priority (only priorities with a request).
    pub turnaround: BTreeMap<Priority, Turnaround>,
    /// Turnaround targets breached (verified late, or still waiting past it).
    pub breached: u32,
    /// Critical values flagged.
    pub critical: u32,
    /// Of those, acknowledged before the first escalation fell due.
    pub critical_in_time: u32,
    /// Requesting institutions that used the centre.
    pub members: BTreeSet<InstitutionId>,
}

impl DiagnosisFigures {
    /// Tallies `requests`.
    pub fn tally<'a>(
        requests: impl IntoIterator<Item = &'a DiagnosisRequest>,
        profile: &RuleProfile,
    ) -> DiagnosisFigures {
        let mut f = DiagnosisFigures::default();
        let mut minutes: BTreeMap<Priority, Vec<i64>> = BTreeMap::new();
        for r in requests {
            f.requests += 1;
            f.cancelled += u32::from(r.status() == Status::Cancelled);
            f.members.insert(r.requester().institution);
            let t = f.turnaround.entry(r.priority()).or_default();
            if let (Some(first), Some((_, acquired))) = (r.reports().first(), r.acquisition()) {
                f.verified += 1;
                t.verified += 1;
                t.within_target += u32::from(r.within_target(profile) == Some(true));
                minutes
                    .entry(r.priority())
                    .or_default()
                    .push((first.at - *acquired).whole_minutes());
                f.positive += u32::from(r.reports().last().is_some_and(|v| v.report.positive));
            }
            // Verified late, or found waiting past the target by the deadline jobs.
            f.breached += u32::from(
                r.within_target(profile) == Some(false) || r.turnaround_breached().is_some(),
            );
            if let Some(in_time) = r.critical_acknowledged_in_time(profile) {
                f.critical += 1;
                f.critical_in_time += u32::from(in_time);
            }
        }
        for (priority, mut m) in minutes {
            m.sort_unstable();
            if let Some(t) = f.turnaround.get_mut(&priority) {
                t.p50_minutes = nearest_rank(&m, 50);
                t.p90_minutes = nearest_rank(&m, 90);
            }
        }
        f
    }

    /// Coverage: of the community's open township-level members (township and community
    /// health centres, which acquire for a centre), how many used it — `(used, members)`.
    pub fn coverage(&self, network: &Network, community: CommunityId) -> (u32, u32) {
        let members: Vec<InstitutionId> = network
            .community(community)
            .map(|c| {
                c.members()
                    .iter()
                    .copied()
                    .filter(|m| {
                        network
                            .open_institution(*m)
                            .is_ok_and(|i| i.level() == Level::Township)
                    })
                    .collect()
            })
            .unwrap_or_default();
        let used = members.iter().filter(|m| self.members.contains(m)).count();
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        (count(used), count(members.len()))
    }
}

/// The nearest-rank `p`th percentile of sorted `values`: the smallest value with at least `p`%
/// of the values at or below it.
fn nearest_rank(sorted: &[i64], p: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        assert_eq!(nearest_rank(&[], 50), None);
        assert_eq!(nearest_rank(&[7], 90), Some(7));
        let ten: Vec<i64> = (1..=10).collect();
        assert_eq!(nearest_rank(&ten, 50), Some(5));
        assert_eq!(nearest_rank(&ten, 90), Some(9));
        let eleven: Vec<i64> = (1..=11).collect();
        assert_eq!(nearest_rank(&eleven, 50), Some(6));
        assert_eq!(nearest_rank(&eleven, 90), Some(10));
    }
}
