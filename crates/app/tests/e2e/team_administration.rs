//! Team and follow-up administration over the API: teams, contracts, outreach, closing an
//! enrolment.

use time::{Duration, OffsetDateTime};
use tonic::Code;
use tonic::transport::Channel;
use yigong_proto::v1 as pb;
use yigong_proto::v1::follow_up_service_client::FollowUpServiceClient;
use yigong_proto::v1::team_service_client::TeamServiceClient;

use crate::support::{TestApp, day, field_of};

/// Teams formed over the API (the "3+1+N" rule enforced), a contract renewed too early and
/// then terminated, an outreach taking a plan off the worklist, an enrolment closed.
pub async fn team_and_follow_up_administration(s: &TestApp, patient: &str, enrolment: &str) {
    let today = OffsetDateTime::now_utc().date();
    let mut teams = TeamServiceClient::new(s.channel.clone());
    let worker = |n: u128| format!("workers/{}", uuid::Uuid::from_u128(0xE2E0_0000 + n));
    let member = |n, role: &str| pb::TeamMember {
        worker: worker(n),
        role: role.to_owned(),
    };
    let form = |members: Vec<pb::TeamMember>| pb::CreateTeamRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        display_name: "Night Clinic Team".into(),
        institution: s.institution("TOKEN_TOWNSHIP"),
        lead: worker(1),
        members,
    };
    let thin = teams
        .create_team(s.as_(
            "TOKEN_OPERATOR",
            form(vec![member(1, "general_practitioner")]),
        ))
        .await
        .unwrap_err();
    assert_eq!(thin.code(), Code::FailedPrecondition, "{thin:?}");
    let unnamed = teams
        .create_team(s.as_(
            "TOKEN_OPERATOR",
            pb::CreateTeamRequest {
                display_name: " ".into(),
                ..form(vec![member(1, "general_practitioner")])
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(crate::support::field_of(&unnamed), "display_name");
    let formed = teams
        .create_team(s.as_(
            "TOKEN_OPERATOR",
            form(vec![
                member(1, "general_practitioner"),
                member(2, "nurse"),
                member(3, "public_health_physician"),
                member(4, "county_specialist"),
            ]),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(formed.members.len(), 4);

    // The story patient's contract: renewing it today is outside the window; terminating works.
    let contract = teams
        .list_contracts(s.as_(
            "TOKEN_TOWNSHIP",
            pb::ListContractsRequest {
                resident: patient.to_owned(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .contracts
        .remove(0);
    let early = teams
        .renew_contract(s.as_(
            "TOKEN_TOWNSHIP",
            pb::RenewContractRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                name: contract.name.clone(),
                renew_date: day(today),
                months: 0,
                etag: contract.etag.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(early.code(), Code::FailedPrecondition, "{early:?}");
    let ended = teams
        .terminate_contract(s.as_(
            "TOKEN_TOWNSHIP",
            pb::TerminateContractRequest {
                name: contract.name.clone(),
                end_date: day(today),
                reason: "resident_request".into(),
                etag: contract.etag.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ended.status, "terminated");

    // An overdue demo patient reached by phone leaves today's worklist until the reminder.
    let mut follow_up = FollowUpServiceClient::new(s.channel.clone());
    let worklist = |client: &mut FollowUpServiceClient<Channel>| {
        let request = s.as_(
            "TOKEN_TOWNSHIP",
            pb::ListOverdueWorklistRequest {
                date: day(today),
                page_size: 500,
                page_token: String::new(),
            },
        );
        let mut client = client.clone();
        async move {
            client
                .list_overdue_worklist(request)
                .await
                .unwrap()
                .into_inner()
        }
    };
    let before = worklist(&mut follow_up).await;
    let entry = before.entries[0].clone();
    let reached = follow_up
        .record_outreach(s.as_(
            "TOKEN_TOWNSHIP",
            pb::RecordOutreachRequest {
                plan: entry.plan.clone(),
                outreach_date: day(today),
                outcome: "reached".into(),
                remind_date: day(today + Duration::days(7)),
                etag: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reached.name, entry.plan);
    let after = worklist(&mut follow_up).await;
    assert!(after.entries.iter().all(|e| e.plan != entry.plan));
    let bad = follow_up
        .record_outreach(s.as_(
            "TOKEN_TOWNSHIP",
            pb::RecordOutreachRequest {
                plan: entry.plan.clone(),
                outreach_date: day(today),
                outcome: "emailed".into(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad), "outcome");

    // The story patient's management ends.
    let closed = follow_up
        .close_enrolment(s.as_(
            "TOKEN_TOWNSHIP",
            pb::CloseEnrolmentRequest {
                enrolment: enrolment.to_owned(),
                close_date: day(today),
                reason: "moved_out".into(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (closed.close_reason.as_str(), closed.close_date),
        ("moved_out", day(today))
    );
}
