//! The referral inbox watch: a server stream delivering changes live.

use std::time::Duration as StdDuration;

use time::{Date, Duration, OffsetDateTime};
use yigong_proto::v1 as pb;
use yigong_proto::v1::change_feed_service_client::ChangeFeedServiceClient;
use yigong_proto::v1::referral_service_client::ReferralServiceClient;
use yigong_proto::v1::resident_service_client::ResidentServiceClient;

use crate::support::{TestApp, citizen_id, day, slip};

/// The county's inbox watch sees a new referral arrive and then its cancellation, live.
pub async fn inbox_watch(s: &TestApp) {
    let mut watch = ChangeFeedServiceClient::new(s.channel.clone())
        .watch_referral_inbox(s.as_("TOKEN_COUNTY", pb::WatchReferralInboxRequest {}))
        .await
        .unwrap()
        .into_inner();
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
    let first = next_state(&mut watch).await;
    assert_eq!(first.state, pb::State::Requested as i32);
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
    let mut seen = next_state(&mut watch).await;
    while seen.state == pb::State::Requested as i32 {
        // At least once: the creation may come again before the cancellation.
        seen = next_state(&mut watch).await;
    }
    assert_eq!(seen.state, pb::State::Cancelled as i32);
}
