//! Referral lists: for every party and filter, the store selects exactly the referrals
//! `ReferralFilter::matches` holds for, in request order, across pages.

use time::Duration;
use yigong_domain::ids::{CommunityId, ReferralId, ResidentId};
use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::{
    CreateReferral, Direction, ReasonCode, Referral, StateName, Urgency,
};
use yigong_ports::{ReferralFilter, ReferralParty, ReferralQueries, UnitOfWork};

use crate::backends;
use crate::support::*;

/// A routine downward referral of `patient` from the county, requested `minutes` after NOW.
fn downward(id: u128, patient: u128, minutes: i64) -> Referral {
    Referral::create(
        CreateReferral {
            id: ReferralId::from_u128(id),
            patient: ResidentId::from_u128(patient),
            direction: Direction::Downward,
            urgency: Urgency::Routine,
            reasons: vec![ReasonCode::ConditionStable],
            slip: slip(),
            attachments: vec![],
        },
        &route(COUNTY, TOWNSHIP),
        &[],
        NOW + Duration::minutes(minutes),
        &RuleProfile::bphs3(),
    )
    .unwrap()
    .0
}

/// Twelve referrals over three days: upward and downward, some cancelled.
fn county() -> Vec<Referral> {
    (0..12u128)
        .map(|i| {
            let minutes = i64::try_from(i).unwrap() * 360;
            // One open referral per patient and direction: only the 8th shares a patient, with
            // the 2nd, which is cancelled.
            let patient = if i == 7 { 201 } else { 200 + i };
            let r = if i % 3 == 0 {
                downward(100 + i, patient + 100, minutes)
            } else {
                upward(100 + i, patient, minutes)
            };
            if i % 4 == 1 {
                r.cancel("patient went elsewhere").unwrap().0
            } else {
                r
            }
        })
        .collect()
}

fn filters() -> Vec<ReferralFilter> {
    let open = StateName::matching(StateName::is_open);
    let mut all = Vec::new();
    for party in [
        ReferralParty::ReceivedBy(COUNTY),
        ReferralParty::SentBy(COUNTY),
        ReferralParty::SentBy(TOWNSHIP),
        ReferralParty::Community(CommunityId::from_u128(500)),
        ReferralParty::Community(CommunityId::from_u128(501)),
    ] {
        all.push(ReferralFilter::of(party, open.clone()));
        all.push(ReferralFilter::of(party, StateName::ALL.to_vec()));
        all.push(ReferralFilter {
            direction: Some(Direction::Upward),
            ..ReferralFilter::of(party, StateName::ALL.to_vec())
        });
        all.push(ReferralFilter {
            patient: Some(ResidentId::from_u128(201)),
            ..ReferralFilter::of(party, StateName::ALL.to_vec())
        });
        all.push(ReferralFilter {
            requested_from: Some(NOW + Duration::hours(12)),
            requested_before: Some(NOW + Duration::hours(42)),
            ..ReferralFilter::of(party, vec![StateName::Requested])
        });
    }
    all
}

#[tokio::test]
async fn every_list_selects_what_its_filter_matches_in_request_order_across_pages() {
    for b in backends::all().await {
        let referrals = county();
        let mut tx = b.store.begin().await.unwrap();
        for r in &referrals {
            tx.insert_referral(r).await.unwrap();
        }
        tx.commit().await.unwrap();
        for filter in filters() {
            let mut expected: Vec<&Referral> =
                referrals.iter().filter(|r| filter.matches(r)).collect();
            expected.sort_by_key(|r| (r.requested_at(), r.id()));
            let expected: Vec<ReferralId> = expected.iter().map(|r| r.id()).collect();
            let mut seen = Vec::new();
            let mut token = None;
            loop {
                let page = b.store.list_referrals(&filter, 2, token).await.unwrap();
                seen.extend(page.items.iter().map(|v| v.value.id()));
                match page.next {
                    Some(next) => token = Some(next),
                    None => break,
                }
            }
            assert_eq!(seen, expected, "{filter:?} on {}", b.name);
        }
    }
}
