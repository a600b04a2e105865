//! Referral lists: the receiver's inbox, the sender's sent list and the community desk's view,
//! each narrowed by state, direction, patient and the days requested.

use time::{Date, OffsetDateTime, Time};
use yigong_domain::ids::ResidentId;
use yigong_domain::referral::{Direction, Referral, StateName};
use yigong_ports::{Page, ReferralFilter, ReferralParty, Versioned};

use super::ReferralService;
use crate::access::ReferralView;
use crate::deps::{audit_entry, page_limit};
use crate::{Principal, ServiceError};

/// A list's question as the caller asks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralListing {
    /// Which list.
    pub view: ReferralView,
    /// Only these states; the view's default when empty.
    pub states: Vec<StateName>,
    /// Only this direction.
    pub direction: Option<Direction>,
    /// Only this patient's.
    pub patient: Option<ResidentId>,
    /// Requested on or after this day (UTC, as the service's dates are).
    pub requested_from: Option<Date>,
    /// Requested on or before this day.
    pub requested_to: Option<Date>,
}

impl ReferralListing {
    /// The whole view in its default states.
    pub fn of(view: ReferralView) -> Self {
        Self {
            view,
            states: Vec::new(),
            direction: None,
            patient: None,
            requested_from: None,
            requested_to: None,
        }
    }
}

/// The resource an audit entry names for a list of `party`.
fn resource(party: ReferralParty) -> String {
    match party {
        ReferralParty::ReceivedBy(i) => format!("institutions/{i}/referrals"),
        ReferralParty::SentBy(i) => format!("institutions/{i}/referrals:sent"),
        ReferralParty::Community(c) => format!("communities/{c}/referrals"),
    }
}

fn start_of(day: Date) -> OffsetDateTime {
    day.with_time(Time::MIDNIGHT).assume_utc()
}

impl ReferralService {
    /// Whose referrals `who` may list in `view`; a caller the view is not for is refused
    /// (`PermissionDenied`, audited).
    pub async fn party(
        &self,
        who: &Principal,
        view: ReferralView,
    ) -> Result<ReferralParty, ServiceError> {
        match who.referral_party(view) {
            Some(party) => Ok(party),
            None => Err(self
                .deps
                .forbidden(
                    None,
                    who,
                    view.action(),
                    format!("institutions/{}/referrals", who.institution),
                    None,
                    "only a referral desk lists its community's referrals",
                )
                .await),
        }
    }

    /// A page of the list `listing` asks for, oldest request first; the read is audited as
    /// one entry (naming the patient when the list is one patient's).
    #[tracing::instrument(skip_all, fields(user = %who.user, view = ?listing.view))]
    pub async fn list(
        &self,
        who: &Principal,
        listing: &ReferralListing,
        page_size: u32,
        page_token: Option<String>,
    ) -> Result<Page<Versioned<Referral>>, ServiceError> {
        if let (Some(from), Some(to)) = (listing.requested_from, listing.requested_to)
            && from > to
        {
            return Err(ServiceError::InvalidArgument {
                field: "requested_to",
                reason: format!("{to} is before requested_from {from}"),
            });
        }
        let party = self.party(who, listing.view).await?;
        let filter = ReferralFilter {
            party,
            states: if listing.states.is_empty() {
                listing.view.default_states()
            } else {
                listing.states.clone()
            },
            direction: listing.direction,
            patient: listing.patient,
            requested_from: listing.requested_from.map(start_of),
            requested_before: listing.requested_to.and_then(Date::next_day).map(start_of),
        };
        let page = self
            .deps
            .referrals
            .list_referrals(&filter, page_limit(page_size), page_token)
            .await?;
        let entry = audit_entry(
            who,
            listing.view.action(),
            resource(party),
            listing.patient,
            self.deps.clock.now(),
        );
        self.deps.audit.record(&entry).await?;
        Ok(page)
    }
}
