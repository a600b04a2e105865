//! Worklist entries and inbox referrals carry their patient's card: the display name and grid
//! as the record has them, the phone only for those who call the patient (the institution
//! keeping the record, the team serving the grid), nothing for a patient the caller cannot see.

use yigong_proto::v1 as pb;
use yigong_proto::v1::follow_up_service_client::FollowUpServiceClient;
use yigong_proto::v1::referral_service_client::ReferralServiceClient;
use yigong_proto::v1::resident_service_client::ResidentServiceClient;

use time::{Duration, OffsetDateTime};

use crate::support::{TestApp, day};

/// The record `who` reads for `patient`.
async fn record(s: &TestApp, who: &str, patient: &str) -> pb::Resident {
    ResidentServiceClient::new(s.channel.clone())
        .get_resident(s.as_(
            who,
            pb::GetResidentRequest {
                name: patient.to_owned(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

pub async fn cards(s: &TestApp) {
    let entries = FollowUpServiceClient::new(s.channel.clone())
        .list_overdue_worklist(s.as_(
            "TOKEN_TOWNSHIP",
            pb::ListOverdueWorklistRequest {
                // Far enough ahead that the demo's plans are overdue.
                date: day(OffsetDateTime::now_utc().date() + Duration::days(120)),
                page_size: 20,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .entries;
    assert!(!entries.is_empty());
    let mut phoned = 0;
    for e in &entries {
        let card = e.patient_card.as_ref().expect("the team sees its patients");
        let r = record(s, "TOKEN_TOWNSHIP", &e.patient).await;
        let p = r.personal.unwrap_or_default();
        assert_eq!(card.display_name, p.display_name, "{}", e.patient);
        assert!(!card.display_name.is_empty(), "the demo names everyone");
        assert_eq!(card.grid, r.grid);
        if !r.grid.is_empty() {
            assert!(!card.grid_name.is_empty() && !card.area_name.is_empty());
        }
        // The township keeps these records: its clinicians call the patients.
        assert_eq!(card.phone, p.phone);
        phoned += usize::from(!card.phone.is_empty());
    }
    assert!(phoned > 0, "adults of the demo have phones");

    let inbox = ReferralServiceClient::new(s.channel.clone())
        .list_referrals(s.as_(
            "TOKEN_COUNTY",
            pb::ListReferralsRequest {
                page_size: 20,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .referrals;
    assert!(!inbox.is_empty());
    for referral in &inbox {
        let card = referral
            .patient_card
            .as_ref()
            .expect("the receiver sees the patient it is sent");
        let r = record(s, "TOKEN_COUNTY", &referral.patient).await;
        assert_eq!(
            card.display_name,
            r.personal.unwrap_or_default().display_name
        );
        assert!(
            card.phone.is_empty(),
            "the county hospital neither keeps the record nor serves the grid"
        );
    }
}
