//! The change feed: paged to the end and as a stream of typed events, desk only.

use tonic::Code;
use yigong_proto::v1 as pb;
use yigong_proto::v1::change_feed_service_client::ChangeFeedServiceClient;

use crate::support::{TestApp, field_of};

/// The change feed: the referral desk pages through its community's events to the end and
/// finds the story's referral; clinicians may not read it; a foreign cursor is refused.
pub async fn change_feed(s: &TestApp, patient: &str) {
    let mut feed = ChangeFeedServiceClient::new(s.channel.clone());
    let patient_id = patient.trim_start_matches("residents/").to_owned();
    let (mut token, mut seen, mut last) = (String::new(), Vec::new(), 0i64);
    loop {
        let page = feed
            .list_changes(s.as_(
                "TOKEN_DESK",
                pb::ListChangesRequest {
                    page_size: 500,
                    page_token: token.clone(),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        for c in &page.changes {
            assert!(c.sequence > last, "commit order");
            last = c.sequence;
            seen.push(c.clone());
        }
        if page.next_page_token == token {
            break;
        }
        token = page.next_page_token;
    }
    assert!(
        seen.iter()
            .any(|c| c.event_type == "referral.referral_requested"
                && c.payload_json.contains(&patient_id)),
        "the story's referral is in the feed"
    );
    // Nothing of the other community's patients: its township's referrals name it.
    let other = s.institution("TOKEN_OTHER_TOWNSHIP");
    let other = other.trim_start_matches("institutions/");
    assert!(
        seen.iter()
            .filter(|c| c.aggregate_kind == "referral")
            .all(|c| !c.payload_json.contains(other))
    );
    let refused = feed
        .list_changes(s.as_("TOKEN_TOWNSHIP", pb::ListChangesRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
    let bad = feed
        .list_changes(s.as_(
            "TOKEN_DESK",
            pb::ListChangesRequest {
                page_token: "yesterday".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad), "page_token");

    // The same events as a stream of `yigong.v1.Event` messages, what NATS consumers get.
    let story = seen
        .iter()
        .find(|c| {
            c.event_type == "referral.referral_requested" && c.payload_json.contains(&patient_id)
        })
        .unwrap()
        .clone();
    let mut events = feed
        .watch_events(s.as_(
            "TOKEN_DESK",
            pb::WatchEventsRequest {
                after_sequence: story.sequence - 1,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let first = events.message().await.unwrap().unwrap();
    assert_eq!(first.sequence, story.sequence);
    assert_eq!(first.event_id, story.event_id);
    assert_eq!(first.event_type, "referral.referral_requested");
    let Some(pb::event::Payload::ReferralRequested(requested)) = first.payload else {
        panic!("a typed payload: {:?}", first.payload);
    };
    assert_eq!(requested.patient, patient_id);
    let second = events.message().await.unwrap().unwrap();
    assert!(second.sequence > first.sequence, "commit order");
    drop(events);
    let bad = feed
        .watch_events(s.as_("TOKEN_DESK", pb::WatchEventsRequest { after_sequence: -1 }))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad), "after_sequence");
    let refused = feed
        .watch_events(s.as_("TOKEN_TOWNSHIP", pb::WatchEventsRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied);
}
