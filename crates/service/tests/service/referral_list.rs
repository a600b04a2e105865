//! Referral lists: whose referrals each view reads, its default states, the filters as the
//! store receives them, refusals and the audit entry.

use time::macros::{date, datetime};
use yigong_domain::ids::CommunityId;
use yigong_domain::referral::{Direction, StateName};
use yigong_ports::{AuditOutcome, Page, ReferralParty};
use yigong_service::{Principal, ReferralListing, ReferralView, Role, ServiceError};

use crate::referral::{service, stored_referral};
use crate::support::*;

fn audited(action: &'static str, outcome: AuditOutcome) -> MockAudit {
    let mut audit = MockAudit::new();
    audit
        .expect_record()
        .withf(move |a| a.action == action && a.outcome == outcome)
        .times(1)
        .returning(|_| Ok(()));
    audit
}

fn one_page() -> Page<yigong_ports::Versioned<yigong_domain::referral::Referral>> {
    Page {
        items: vec![stored_referral(7)],
        next: None,
    }
}

#[tokio::test]
async fn the_inbox_is_the_callers_institution_clamped_and_audited() {
    let mut queries = MockQueries::new();
    queries
        .expect_list_referrals()
        .withf(|f, limit, after| {
            f.party == ReferralParty::ReceivedBy(COUNTY)
                && f.states == [StateName::Requested]
                && *limit == 500
                && after.is_none()
        })
        .times(1)
        .returning(|_, _, _| Ok(one_page()));
    let audit = audited("referral.inbox", AuditOutcome::Success);
    let svc = service(MockUow::new(), queries, audit);
    let listing = ReferralListing {
        states: vec![StateName::Requested],
        ..ReferralListing::of(ReferralView::Inbox)
    };
    let page = svc
        .list(&clinician(COUNTY), &listing, 10_000, None)
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
}

#[tokio::test]
async fn the_sent_list_is_what_the_callers_institution_sent_in_every_open_state_by_default() {
    let mut queries = MockQueries::new();
    queries
        .expect_list_referrals()
        .withf(|f, _, _| {
            f.party == ReferralParty::SentBy(TOWNSHIP)
                && f.states
                    == [
                        StateName::AwaitingApproval,
                        StateName::Requested,
                        StateName::Accepted,
                        StateName::Arrived,
                    ]
        })
        .times(1)
        .returning(|_, _, _| Ok(one_page()));
    let svc = service(
        MockUow::new(),
        queries,
        audited("referral.sent", AuditOutcome::Success),
    );
    svc.list(
        &clinician(TOWNSHIP),
        &ReferralListing::of(ReferralView::Sent),
        0,
        None,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn filters_reach_the_store_as_a_half_open_span_of_request_times() {
    let mut queries = MockQueries::new();
    queries
        .expect_list_referrals()
        .withf(|f, _, _| {
            f.direction == Some(Direction::Upward)
                && f.patient == Some(PATIENT)
                && f.requested_from == Some(datetime!(2026 - 03 - 01 0:00 UTC))
                && f.requested_before == Some(datetime!(2026 - 03 - 03 0:00 UTC))
        })
        .times(1)
        .returning(|_, _, _| Ok(one_page()));
    let mut audit = MockAudit::new();
    audit
        .expect_record()
        .withf(|a| a.action == "referral.sent" && a.patient == Some(PATIENT))
        .times(1)
        .returning(|_| Ok(()));
    let svc = service(MockUow::new(), queries, audit);
    let listing = ReferralListing {
        direction: Some(Direction::Upward),
        patient: Some(PATIENT),
        requested_from: Some(date!(2026 - 03 - 01)),
        requested_to: Some(date!(2026 - 03 - 02)),
        ..ReferralListing::of(ReferralView::Sent)
    };
    svc.list(&clinician(TOWNSHIP), &listing, 0, None)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_span_that_ends_before_it_starts_is_refused_naming_requested_to() {
    let svc = service(MockUow::new(), MockQueries::new(), MockAudit::new());
    let listing = ReferralListing {
        requested_from: Some(date!(2026 - 03 - 02)),
        requested_to: Some(date!(2026 - 03 - 01)),
        ..ReferralListing::of(ReferralView::Sent)
    };
    let err = svc
        .list(&clinician(TOWNSHIP), &listing, 0, None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ServiceError::InvalidArgument {
                field: "requested_to",
                ..
            }
        ),
        "{err}"
    );
}

#[tokio::test]
async fn the_community_view_is_the_desks_and_refused_to_a_clinician_with_an_audit_entry() {
    let svc = service(
        MockUow::new(),
        MockQueries::new(),
        audited("referral.community", AuditOutcome::Denied),
    );
    let err = svc
        .list(
            &clinician(COUNTY),
            &ReferralListing::of(ReferralView::Community),
            0,
            None,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ServiceError::PermissionDenied(_)), "{err}");

    let mut queries = MockQueries::new();
    queries
        .expect_list_referrals()
        .withf(|f, _, _| f.party == ReferralParty::Community(CommunityId::from_u128(500)))
        .times(1)
        .returning(|_, _, _| Ok(one_page()));
    let svc = service(
        MockUow::new(),
        queries,
        audited("referral.community", AuditOutcome::Success),
    );
    let desk = Principal {
        role: Role::ReferralDesk,
        ..clinician(COUNTY)
    };
    let page = svc
        .list(
            &desk,
            &ReferralListing::of(ReferralView::Community),
            0,
            None,
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
}
