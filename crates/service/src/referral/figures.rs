//! The referral indicators of an institution (what it sent, what it received) or of a
//! community, over the referrals requested in a span of days: the domain's tally
//! ([`ReferralFigures`]) of the party's referrals, read a page at a time.

use std::collections::HashMap;
use time::{Date, Time};

use yigong_domain::indicator::ReferralFigures;
use yigong_domain::network::Institution;
use yigong_domain::referral::StateName;
use yigong_ports::{ReferralFilter, ReferralParty};

use super::ReferralService;
use crate::deps::audit_entry;
use crate::{Principal, ServiceError};

impl ReferralService {
    /// The figures of `party`'s referrals requested from `from` to `to` (both included, UTC
    /// days). They are counts with no patient in them, so any caller of the network reads
    /// them; the read is audited.
    #[tracing::instrument(skip_all, fields(user = %who.user, ?party))]
    pub async fn figures(
        &self,
        who: &Principal,
        party: ReferralParty,
        from: Date,
        to: Date,
    ) -> Result<ReferralFigures, ServiceError> {
        let figures = self.tally_of(party, from, to).await?;
        let resource = match party {
            ReferralParty::ReceivedBy(i) => format!("institutions/{i}/referrals:figures"),
            ReferralParty::SentBy(i) => format!("institutions/{i}/referrals:sent:figures"),
            ReferralParty::Community(c) => format!("communities/{c}/referrals:figures"),
        };
        let entry = audit_entry(
            who,
            "referral.figures",
            resource,
            None,
            self.deps.clock.now(),
        );
        self.deps.audit.record(&entry).await?;
        Ok(figures)
    }

    /// The referral flows of the county requested from `from` to `to`: for every institution
    /// of the network, in the network's order, what it sent and what it received (upward and
    /// downward, answered in time, how fast, reported back). Counts only, like
    /// [`ReferralService::figures`], and audited as one read.
    #[tracing::instrument(skip_all, fields(user = %who.user))]
    pub async fn flows(
        &self,
        who: &Principal,
        from: Date,
        to: Date,
    ) -> Result<Vec<ReferralFlow>, ServiceError> {
        let network = self.deps.network.current();
        let mut flows = Vec::new();
        for institution in network.institutions() {
            let id = institution.id;
            flows.push(ReferralFlow {
                institution: institution.clone(),
                sent: self.tally_of(ReferralParty::SentBy(id), from, to).await?,
                received: self
                    .tally_of(ReferralParty::ReceivedBy(id), from, to)
                    .await?,
            });
        }
        let now = self.deps.clock.now();
        let entry = audit_entry(
            who,
            "referral.flows",
            "referrals:flows".to_owned(),
            None,
            now,
        );
        self.deps.audit.record(&entry).await?;
        Ok(flows)
    }

    /// The figures of `party`'s referrals requested from `from` to `to`, unaudited.
    async fn tally_of(
        &self,
        party: ReferralParty,
        from: Date,
        to: Date,
    ) -> Result<ReferralFigures, ServiceError> {
        if to < from {
            return Err(ServiceError::InvalidArgument {
                field: "to_date",
                reason: format!("{to} is before from_date {from}"),
            });
        }
        let filter = ReferralFilter {
            requested_from: Some(from.with_time(Time::MIDNIGHT).assume_utc()),
            requested_before: to
                .next_day()
                .map(|d| d.with_time(Time::MIDNIGHT).assume_utc()),
            ..ReferralFilter::of(party, StateName::ALL.to_vec())
        };
        let mut referrals = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .deps
                .referrals
                .list_referrals(&filter, 1000, token)
                .await?;
            referrals.extend(page.items.into_iter().map(|v| v.value));
            match page.next {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        // The senders' follow-up plans the upward referrals name, to see whether each was done
        // by its day.
        let mut plans = HashMap::new();
        for id in referrals
            .iter()
            .filter_map(|r| r.sender_follow_up())
            .flat_map(|f| f.plans.iter().copied())
        {
            if let Some(plan) = self.deps.follow_ups.get_plan(id).await? {
                plans.insert(id, plan.value);
            }
        }
        Ok(ReferralFigures::tally(
            &referrals,
            &plans,
            self.deps.clock.now().date(),
            &self.deps.profile,
        ))
    }
}

/// One institution's referral flows over a span of days.
#[derive(Debug, Clone, PartialEq)]
pub struct ReferralFlow {
    /// The institution.
    pub institution: Institution,
    /// What it sent: upward and downward.
    pub sent: ReferralFigures,
    /// What it received, and how it answered.
    pub received: ReferralFigures,
}
