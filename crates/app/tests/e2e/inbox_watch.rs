//! The referral inbox watch: a server stream delivering changes live.

use std::time::Duration as StdDuration;

use time::{Date, Duration, OffsetDateTime};
use yigong_proto::v1 as pb;
use yigong_proto::v1::change_feed_service_client::ChangeFeedServiceClient;
use yigong_proto::v1::referral_service_client::ReferralServiceClient;
use yigong_proto::v1::resident_service_client::ResidentServiceClient;

use crate::support::{TestApp, citizen_id, day, slip};

/// The county's inbox watch sees a new referral arrive and then its cancellation, live; the
/// township's watch of what it sent sees both too.
pub async fn inbox_watch(s: &TestApp) {
    let open = async |caller: &str, view: pb::ReferralView| {
        ChangeFeedServiceClient::new(s.channel.clone())
            .watch_referral_inbox(
                s.as_(caller, pb::WatchReferralInboxRequest { view: view as i32 }),
            )
            .await
            .unwrap()
            .into_inner()
    };
    let mut watch = open("TOKEN_COUNTY", pb::ReferralView::Unspecified).await;
    let mut sent = open("TOKEN_TOWNSHIP", pb::ReferralView::Sent).await;
    let today = OffsetDateTime::now_utc().date();
    let resident = ResidentServiceClient::new(s.channel.clone())
        .create_resident(s.as_(
            "TOKEN_TOWNSHIP",
            pb::CreateResidentRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                document: Some(pb::create_resident_request::Document::CitizenId(
                    citizen_id(Date::from_calendar_date(1958, time::Month::March, 3).unwrap()),
                )),
                resident_since: day(today - Duration::days(4000)),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let mut referrals = ReferralServiceClient::new(s.channel.clone());
    let created = referrals
        .create_referral(s.as_(
            "TOKEN_TOWNSHIP",
            pb::CreateReferralRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                patient: resident.name.clone(),
                to_institution: s.institution("TOKEN_COUNTY"),
                direction: pb::Direction::Upward as i32,
                urgency: pb::Urgency::Routine as i32,
                reasons: vec!["generic.tests_needed".into()],
                slip: slip("头晕、血压控制不佳两月"),
                results: vec![],
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let next_state = async |watch: &mut tonic::Streaming<pb::Referral>| {
        tokio::time::timeout(StdDuration::from_secs(20), async {
            loop {
                let r = watch.message().await.unwrap().unwrap();
                if r.name == created.name {
                    return r;
                }
            }
        })
        .await
        .expect("the watch delivers the change")
    };
    for watch in [&mut watch, &mut sent] {
        let first = next_state(watch).await;
        assert_eq!(first.state, pb::State::Requested as i32);
    }
    referrals
        .cancel_referral(s.as_(
            "TOKEN_TOWNSHIP",
            pb::CancelReferralRequest {
                name: created.name.clone(),
                reason: "tests done at the township".into(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap();
    for watch in [&mut watch, &mut sent] {
        let mut seen = next_state(watch).await;
        while seen.state == pb::State::Requested as i32 {
            // At least once: the creation may come again before the cancellation.
            seen = next_state(watch).await;
        }
        assert_eq!(seen.state, pb::State::Cancelled as i32);
    }
    // The community view is a desk's: a clinician's watch of it is refused before it opens.
    let refused = ChangeFeedServiceClient::new(s.channel.clone())
        .watch_referral_inbox(s.as_(
            "TOKEN_TOWNSHIP",
            pb::WatchReferralInboxRequest {
                view: pb::ReferralView::Community as i32,
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::PermissionDenied);
}
