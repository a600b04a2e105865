//! End to end: the real `yigong` binary started on a free port over a fresh database (SQLite
//! file and PostgreSQL), seeded with the small demo county, driven over gRPC with the tokens it
//! prints. One patient's whole story, plus the refusals a hospital system must be able to
//! rely on: another township cannot read the patient, malformed requests are INVALID_ARGUMENT
//! naming the field, a retried create creates nothing, two concurrent accepts have one winner,
//! and health reports SERVING.
#![allow(
    missing_docs,
    unreachable_pub,
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used
)]

#[path = "../crates/store/tests/contract/backends.rs"]
mod backends;

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration as StdDuration;

use time::{Date, Duration, OffsetDateTime};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tonic::transport::Channel;
use tonic::{Code, Request, Status};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_types::StatusExt;
use yigong_proto::google::r#type::Date as PbDate;
use yigong_proto::v1 as pb;
use yigong_proto::v1::change_feed_service_client::ChangeFeedServiceClient;
use yigong_proto::v1::follow_up_service_client::FollowUpServiceClient;
use yigong_proto::v1::grid_service_client::GridServiceClient;
use yigong_proto::v1::indicator_service_client::IndicatorServiceClient;
use yigong_proto::v1::network_service_client::NetworkServiceClient;
use yigong_proto::v1::referral_service_client::ReferralServiceClient;
use yigong_proto::v1::resident_service_client::ResidentServiceClient;
use yigong_proto::v1::screening_service_client::ScreeningServiceClient;
use yigong_proto::v1::team_service_client::TeamServiceClient;

const KEY: &str = "an-end-to-end-test-key-of-32-bytes-or-more";

/// The running binary, killed when dropped.
struct Service {
    child: Child,
    channel: Channel,
    /// `TOKEN_*` → token.
    tokens: HashMap<String, String>,
    /// `TOKEN_*` → the caller's institution name (`institutions/{uuid}`).
    institutions: HashMap<String, String>,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

async fn start(database_url: &str) -> Service {
    let mut child = Command::new(env!("CARGO_BIN_EXE_yigong"))
        .args([
            "serve",
            "--demo",
            "--demo-scale",
            "small",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            database_url,
        ])
        .env("YIGONG_TOKEN_KEY", KEY)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("the yigong binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut tokens, mut institutions) = (HashMap::new(), HashMap::new());
    let mut institution = String::new();
    let address = tokio::time::timeout(StdDuration::from_secs(300), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(at) = line.strip_prefix("yigong listening on ") {
                return at.to_owned();
            }
            if line.starts_with("# ") {
                institution = line.rsplit(' ').next().unwrap().to_owned();
            }
            if let Some((var, token)) = line.strip_prefix("export ").and_then(|l| l.split_once('='))
            {
                tokens.insert(var.to_owned(), token.to_owned());
                institutions.insert(var.to_owned(), institution.clone());
            }
        }
        panic!("yigong exited before listening")
    })
    .await
    .expect("yigong listens within 5 minutes");
    // Keep draining stdout so the child never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let channel = Channel::from_shared(format!("http://{address}"))
        .unwrap()
        .connect()
        .await
        .unwrap();
    Service {
        child,
        channel,
        tokens,
        institutions,
    }
}

impl Service {
    fn as_<T>(&self, who: &str, message: T) -> Request<T> {
        let mut request = Request::new(message);
        let token = &self.tokens[who];
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        request
    }

    fn institution(&self, who: &str) -> String {
        self.institutions[who].clone()
    }
}

fn day(d: Date) -> Option<PbDate> {
    Some(PbDate {
        year: d.year(),
        month: i32::from(u8::from(d.month())),
        day: i32::from(d.day()),
    })
}

fn date_of(d: Option<PbDate>) -> Date {
    let d = d.unwrap();
    Date::from_calendar_date(
        d.year,
        time::Month::try_from(u8::try_from(d.month).unwrap()).unwrap(),
        u8::try_from(d.day).unwrap(),
    )
    .unwrap()
}

/// A valid citizen identity number outside the demo's region (so it never collides).
fn citizen_id(birth: Date) -> String {
    let seq = uuid::Uuid::new_v4().as_u128() % 900 + 100;
    let first17 = format!(
        "110101{:04}{:02}{:02}{seq:03}",
        birth.year(),
        u8::from(birth.month()),
        birth.day()
    );
    let mut digits = [0u8; 17];
    digits.copy_from_slice(first17.as_bytes());
    format!(
        "{first17}{}",
        yigong_domain::identity::check_character(&digits)
    )
}

fn field_of(status: &Status) -> String {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    status
        .get_details_bad_request()
        .and_then(|b| b.field_violations.into_iter().next())
        .map(|v| v.field)
        .unwrap_or_default()
}

fn bp_row(resident: &str, on: Date, systolic: u32, diastolic: u32) -> pb::ScreeningRow {
    pb::ScreeningRow {
        resident: resident.to_owned(),
        screen_date: day(on),
        reading: Some(pb::ScreeningReading {
            reading: Some(pb::screening_reading::Reading::BloodPressure(
                pb::BloodPressureReading {
                    systolic,
                    diastolic,
                    ..Default::default()
                },
            )),
        }),
    }
}

fn htn_visit(on: Date, systolic: u32, diastolic: u32, signs: &[&str]) -> pb::FollowUpVisit {
    pb::FollowUpVisit {
        visit_date: day(on),
        mode: pb::ContactMode::Clinic as i32,
        kind: Some(pb::follow_up_visit::Kind::Hypertension(
            pb::HypertensionVisit {
                systolic,
                diastolic,
                danger_signs: signs.iter().map(|s| (*s).to_owned()).collect(),
                ..Default::default()
            },
        )),
    }
}

fn appointment() -> Option<pb::Appointment> {
    let at = OffsetDateTime::now_utc() + Duration::hours(2);
    Some(pb::Appointment {
        time: Some(prost_types::Timestamp {
            seconds: at.unix_timestamp(),
            nanos: 0,
        }),
        slot: pb::SlotKind::General as i32,
    })
}

/// Accept, arrive and complete as the receiver.
async fn receive(s: &Service, who: &str, name: &str) {
    let mut referrals = ReferralServiceClient::new(s.channel.clone());
    referrals
        .accept_referral(s.as_(
            who,
            pb::AcceptReferralRequest {
                name: name.to_owned(),
                appointment: appointment(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap();
    referrals
        .arrive_referral(s.as_(
            who,
            pb::ArriveReferralRequest {
                name: name.to_owned(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap();
    let done = referrals
        .complete_referral(s.as_(
            who,
            pb::CompleteReferralRequest {
                name: name.to_owned(),
                summary: "Stabilised; medication adjusted.".into(),
                rehabilitation_guidance: "Home BP twice daily; low-salt diet.".into(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(done.state, pb::State::Completed as i32);
}

async fn story(s: &Service) -> (String, String) {
    let today = OffsetDateTime::now_utc().date();
    let township = "TOKEN_TOWNSHIP";
    let county = "TOKEN_COUNTY";
    let mut residents = ResidentServiceClient::new(s.channel.clone());
    let mut screening = ScreeningServiceClient::new(s.channel.clone());
    let mut follow_up = FollowUpServiceClient::new(s.channel.clone());
    let mut referrals = ReferralServiceClient::new(s.channel.clone());

    // Health, and no call without a token.
    let health = HealthClient::new(s.channel.clone())
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap();
    assert_eq!(health.into_inner().status, ServingStatus::Serving as i32);
    let anonymous = residents
        .get_resident(pb::GetResidentRequest {
            name: "residents/00000000-0000-0000-0000-000000000001".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(anonymous.code(), Code::Unauthenticated);

    // A resident registered at the township; the number never comes back in full.
    let document = citizen_id(Date::from_calendar_date(1961, time::Month::May, 12).unwrap());
    let resident = residents
        .create_resident(s.as_(
            township,
            pb::CreateResidentRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                document: Some(pb::create_resident_request::Document::CitizenId(
                    document.clone(),
                )),
                resident_since: day(today - Duration::days(3650)),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(!resident.masked_document.contains(&document[6..14]));
    let patient = resident.name.clone();

    // Screening: elevated on three days → recheck, recheck, preliminary diagnosis.
    let mut outcomes = Vec::new();
    for (n, ago) in [20, 15, 10].into_iter().enumerate() {
        let result = screening
            .record_screening_result(s.as_(
                township,
                pb::RecordScreeningResultRequest {
                    request_id: format!("{patient}/screening/{n}"),
                    row: Some(bp_row(&patient, today - Duration::days(ago), 152, 96)),
                },
            ))
            .await
            .unwrap()
            .into_inner();
        outcomes.push(result.outcome);
    }
    assert_eq!(
        outcomes,
        [
            "recheck_required",
            "recheck_required",
            "preliminary_diagnosis"
        ]
    );

    // Enrolment after confirmation at the county hospital, then a controlled visit.
    let enrolled = follow_up
        .enrol_patient(s.as_(
            township,
            pb::EnrolPatientRequest {
                patient: patient.clone(),
                condition: pb::Condition::Hypertension as i32,
                confirmed_by: s.institution(county),
                confirm_date: day(today - Duration::days(8)),
                enrol_date: day(today - Duration::days(7)),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let first = enrolled.plan.unwrap();
    let controlled = follow_up
        .record_follow_up_visit(s.as_(
            township,
            pb::RecordFollowUpVisitRequest {
                plan: first.name.clone(),
                visit: Some(htn_visit(today - Duration::days(6), 128, 80, &[])),
                etag: first.etag.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(controlled.classification, "controlled");
    // The same plan again: it is done now, so the stale etag is refused.
    let again = follow_up
        .record_follow_up_visit(s.as_(
            township,
            pb::RecordFollowUpVisitRequest {
                plan: first.name.clone(),
                visit: Some(htn_visit(today - Duration::days(6), 128, 80, &[])),
                etag: first.etag.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(again.code(), Code::Aborted | Code::FailedPrecondition),
        "{again:?}"
    );

    // A danger sign at the next visit: emergency referral upward.
    let next = controlled.next.unwrap();
    let danger = follow_up
        .record_follow_up_visit(s.as_(
            township,
            pb::RecordFollowUpVisitRequest {
                plan: next.name.clone(),
                visit: Some(htn_visit(today, 186, 114, &["chest_pain_or_tightness"])),
                etag: next.etag.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(danger.referral_urgency, "emergency", "{danger:?}");
    let up = pb::CreateReferralRequest {
        request_id: format!("{patient}/up"),
        patient: patient.clone(),
        to_institution: s.institution(county),
        direction: pb::Direction::Upward as i32,
        urgency: pb::Urgency::Emergency as i32,
        reasons: vec![danger.referral_reason.clone()],
    };
    let created = referrals
        .create_referral(s.as_(township, up.clone()))
        .await
        .unwrap()
        .into_inner();
    // A retry with the same request_id returns the same referral and creates nothing.
    let retried = referrals
        .create_referral(s.as_(township, up))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(retried.name, created.name);
    let inbox = referrals
        .list_referrals(s.as_(
            county,
            pb::ListReferralsRequest {
                states: vec![pb::State::Requested as i32],
                page_size: 500,
                page_token: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        inbox
            .referrals
            .iter()
            .filter(|r| r.patient == patient)
            .count(),
        1
    );

    // Another township's clinician cannot read the patient or the referral.
    let other = "TOKEN_OTHER_TOWNSHIP";
    let hidden = residents
        .get_resident(s.as_(
            other,
            pb::GetResidentRequest {
                name: patient.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound);
    let hidden = referrals
        .get_referral(s.as_(
            other,
            pb::GetReferralRequest {
                name: created.name.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound);

    // Two concurrent accepts with the same etag: exactly one wins.
    let accept = |etag: String| {
        let mut client = ReferralServiceClient::new(s.channel.clone());
        let request = s.as_(
            county,
            pb::AcceptReferralRequest {
                name: created.name.clone(),
                appointment: appointment(),
                etag,
            },
        );
        async move { client.accept_referral(request).await }
    };
    let (a, b) = tokio::join!(accept(created.etag.clone()), accept(created.etag.clone()));
    let losers: Vec<Status> = [a, b].into_iter().filter_map(Result::err).collect();
    assert_eq!(losers.len(), 1, "{losers:?}");
    assert!(
        matches!(losers[0].code(), Code::Aborted | Code::FailedPrecondition),
        "{:?}",
        losers[0]
    );
    referrals
        .arrive_referral(s.as_(
            county,
            pb::ArriveReferralRequest {
                name: created.name.clone(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap();
    referrals
        .complete_referral(s.as_(
            county,
            pb::CompleteReferralRequest {
                name: created.name.clone(),
                summary: "Hypertensive urgency treated.".into(),
                rehabilitation_guidance: "Continue amlodipine; BP diary.".into(),
                etag: String::new(),
            },
        ))
        .await
        .unwrap();

    // Downward referral back to the township, received and completed there.
    let down = referrals
        .create_referral(s.as_(
            county,
            pb::CreateReferralRequest {
                request_id: format!("{patient}/down"),
                patient: patient.clone(),
                to_institution: s.institution(township),
                direction: pb::Direction::Downward as i32,
                urgency: pb::Urgency::Routine as i32,
                reasons: vec!["down.condition_stable".into()],
            },
        ))
        .await
        .unwrap()
        .into_inner();
    receive(s, township, &down.name).await;

    // The township's follow-up falls due within 14 days: not overdue today, overdue after.
    let plans_for = |on: Date| {
        let mut client = FollowUpServiceClient::new(s.channel.clone());
        let request = s.as_(township, pb::StreamOverdueWorklistRequest { date: day(on) });
        let patient = patient.clone();
        async move {
            let mut stream = client
                .stream_overdue_worklist(request)
                .await
                .unwrap()
                .into_inner();
            let mut mine = Vec::new();
            while let Some(entry) = stream.message().await.unwrap() {
                if entry.patient == patient && entry.origin == "downward_referral" {
                    mine.push(entry);
                }
            }
            mine
        }
    };
    assert!(plans_for(today).await.is_empty());
    let later = plans_for(today + Duration::days(60)).await;
    assert_eq!(later.len(), 1, "{later:?}");
    let due = date_of(later[0].due_date);
    assert!(due > today && due <= today + Duration::days(14), "{due}");
    let grace = i64::from(
        yigong_domain::profile::RuleProfile::bphs3()
            .follow_up
            .grace_days,
    );
    assert!(plans_for(due + Duration::days(grace)).await.is_empty());
    assert_eq!(plans_for(due + Duration::days(grace + 1)).await.len(), 1);
    // The unary list pages the same worklist.
    let page = follow_up
        .list_overdue_worklist(s.as_(
            township,
            pb::ListOverdueWorklistRequest {
                date: day(today + Duration::days(60)),
                page_size: 5,
                page_token: String::new(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(page.entries.len(), 5);
    assert!(!page.next_page_token.is_empty());

    // The township's indicators count the new patient among the managed.
    let report = IndicatorServiceClient::new(s.channel.clone())
        .get_institution_indicators(s.as_(
            township,
            pb::GetInstitutionIndicatorsRequest {
                institution: s.institution(township),
                date: None,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let total = report.total.unwrap();
    assert!(!report.grids.is_empty());
    assert!(total.households > 0 && total.managed > 0, "{total:?}");
    assert!(total.contract_coverage_percent.is_some());
    (patient, enrolled.enrolment)
}

async fn malformed(s: &Service, patient: &str) {
    let township = "TOKEN_TOWNSHIP";
    let today = OffsetDateTime::now_utc().date();
    let mut residents = ResidentServiceClient::new(s.channel.clone());
    let mut screening = ScreeningServiceClient::new(s.channel.clone());
    let mut follow_up = FollowUpServiceClient::new(s.channel.clone());
    let mut referrals = ReferralServiceClient::new(s.channel.clone());

    let bad_number = residents
        .create_resident(s.as_(
            township,
            pb::CreateResidentRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                document: Some(pb::create_resident_request::Document::CitizenId(
                    "11010119610512123X".into(),
                )),
                resident_since: day(today),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad_number), "citizen_id");

    let bad_patient = referrals
        .create_referral(s.as_(
            township,
            pb::CreateReferralRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                patient: "residents/not-a-uuid".into(),
                to_institution: s.institution("TOKEN_COUNTY"),
                direction: pb::Direction::Upward as i32,
                urgency: pb::Urgency::Routine as i32,
                reasons: vec!["htn.target_not_reached".into()],
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad_patient), "patient");

    let bad_reading = screening
        .record_screening_result(s.as_(
            township,
            pb::RecordScreeningResultRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                row: Some(bp_row(patient, today, 400, 90)),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(
        field_of(&bad_reading),
        "row.reading.blood_pressure.systolic"
    );

    let bad_date = follow_up
        .list_overdue_worklist(s.as_(
            township,
            pb::ListOverdueWorklistRequest {
                date: Some(PbDate {
                    year: 2026,
                    month: 2,
                    day: 30,
                }),
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad_date), "date");

    let bad_sign = follow_up
        .record_follow_up_visit(s.as_(
            township,
            pb::RecordFollowUpVisitRequest {
                plan: "plans/00000000-0000-0000-0000-000000000001".into(),
                visit: Some(htn_visit(today, 130, 80, &["headache", "palpitations"])),
                etag: String::new(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad_sign), "visit.hypertension.danger_signs[0]");
}

/// The directory: communities, institutions, teams, grids, a household and a contract.
async fn directory(s: &Service, patient: &str) {
    let township = "TOKEN_TOWNSHIP";
    let mut network = NetworkServiceClient::new(s.channel.clone());
    let mut teams = TeamServiceClient::new(s.channel.clone());
    let mut grids = GridServiceClient::new(s.channel.clone());

    let communities = network
        .list_communities(s.as_(township, pb::ListCommunitiesRequest {}))
        .await
        .unwrap()
        .into_inner()
        .communities;
    assert_eq!(communities.len(), 2);
    let ours = communities
        .iter()
        .find(|c| c.members.contains(&s.institution(township)))
        .unwrap();
    let members = network
        .list_institutions(s.as_(
            township,
            pb::ListInstitutionsRequest {
                community: ours.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .institutions;
    assert_eq!(members.len(), ours.members.len());
    assert!(ours.members.contains(&ours.lead));
    let county = network
        .get_institution(s.as_(
            township,
            pb::GetInstitutionRequest {
                name: ours.lead.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(county.kind, "county_general_hospital");

    let mut both_teams = teams
        .list_teams(s.as_(
            township,
            pb::ListTeamsRequest {
                institution: s.institution(township),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .teams;
    let other_team = both_teams.remove(1);
    let team = both_teams.remove(0);
    let served = grids_of_team(s, &team.name).await;
    assert!(!served.is_empty());
    assert!(served.iter().all(|g| g.team == team.name));
    let both = grids
        .list_grids(s.as_(
            township,
            pb::ListGridsRequest {
                team: team.name.clone(),
                area: served[0].area.clone(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&both), "area");
    let household = household_in(s, &served[0].name, "No. 77, East Lane").await;
    assert_eq!(household.grid, served[0].name);

    // A resident of that household: the village doctor on the team serving the grid sees the
    // record; on the township's other team, not.
    let today = OffsetDateTime::now_utc().date();
    let neighbour = ResidentServiceClient::new(s.channel.clone())
        .create_resident(s.as_(
            township,
            pb::CreateResidentRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                document: Some(pb::create_resident_request::Document::CitizenId(
                    citizen_id(Date::from_calendar_date(1949, time::Month::October, 1).unwrap()),
                )),
                household: household.name.clone(),
                resident_since: day(today - Duration::days(9000)),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(neighbour.grid, served[0].name);
    let village = village_clinic(s).await;
    for (team, visible) in [(&team, true), (&other_team, false)] {
        let token = token_for(&village, Some(&team.name));
        let mut request = Request::new(pb::GetResidentRequest {
            name: neighbour.name.clone(),
            ..Default::default()
        });
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        let read = ResidentServiceClient::new(s.channel.clone())
            .get_resident(request)
            .await;
        match visible {
            true => assert_eq!(read.unwrap().into_inner().name, neighbour.name),
            false => assert_eq!(read.unwrap_err().code(), Code::NotFound),
        }
    }

    // The family moves to a household of the other team's grid (AIP-134 update with a mask):
    // the record follows; a stale etag, an unknown path and a future date are refused.
    let elsewhere = grids_of_team(s, &other_team.name).await.remove(0);
    let new_home = household_in(s, &elsewhere.name, "No. 3, West Lane").await;
    let mut residents = ResidentServiceClient::new(s.channel.clone());
    let update = |resident: pb::Resident, paths: &[&str]| pb::UpdateResidentRequest {
        resident: Some(resident),
        update_mask: Some(prost_types::FieldMask {
            paths: paths.iter().map(|p| (*p).to_owned()).collect(),
        }),
    };
    let moved = residents
        .update_resident(s.as_(
            township,
            update(
                pb::Resident {
                    household: new_home.name.clone(),
                    ..neighbour.clone()
                },
                &["household"],
            ),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (moved.household.as_str(), moved.grid.as_str()),
        (new_home.name.as_str(), elsewhere.name.as_str())
    );
    assert_ne!(moved.etag, neighbour.etag);
    let stale = residents
        .update_resident(s.as_(township, update(neighbour.clone(), &["household"])))
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted, "{stale:?}");
    let unknown = residents
        .update_resident(s.as_(township, update(moved.clone(), &["citizen_id"])))
        .await
        .unwrap_err();
    assert_eq!(field_of(&unknown), "update_mask");
    let future = residents
        .update_resident(s.as_(
            township,
            update(
                pb::Resident {
                    death_date: day(today + Duration::days(3)),
                    ..moved.clone()
                },
                &["death_date"],
            ),
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&future), "resident.death_date");
    let gone = residents
        .update_resident(s.as_(
            township,
            update(
                pb::Resident {
                    moved_out_date: day(today),
                    ..moved.clone()
                },
                &["moved_out_date"],
            ),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(gone.moved_out_date, day(today));

    // A contract with the township's team; another township cannot list it.
    let today = OffsetDateTime::now_utc().date();
    let signed = teams
        .create_contract(s.as_(
            township,
            pb::CreateContractRequest {
                request_id: format!("{patient}/contract"),
                resident: patient.to_owned(),
                team: team.name.clone(),
                start_date: day(today),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (signed.status.as_str(), signed.package.as_str()),
        ("current", "basic")
    );
    let listed = teams
        .list_contracts(s.as_(
            township,
            pb::ListContractsRequest {
                resident: patient.to_owned(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .contracts;
    assert_eq!(listed.len(), 1);
    let hidden = teams
        .list_contracts(s.as_(
            "TOKEN_OTHER_TOWNSHIP",
            pb::ListContractsRequest {
                resident: patient.to_owned(),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(hidden.code(), Code::NotFound);
}

/// Registers a household in `grid` as the county operator.
async fn household_in(s: &Service, grid: &str, address: &str) -> pb::Household {
    GridServiceClient::new(s.channel.clone())
        .create_household(s.as_(
            "TOKEN_OPERATOR",
            pb::CreateHouseholdRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                grid: grid.to_owned(),
                address: address.to_owned(),
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

/// The grids `team` serves, as the township clinician lists them.
async fn grids_of_team(s: &Service, team: &str) -> Vec<pb::Grid> {
    GridServiceClient::new(s.channel.clone())
        .list_grids(s.as_(
            "TOKEN_TOWNSHIP",
            pb::ListGridsRequest {
                team: team.to_owned(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .grids
}

/// A village clinic of the township's community.
async fn village_clinic(s: &Service) -> pb::Institution {
    let mut network = NetworkServiceClient::new(s.channel.clone());
    let community = network
        .get_institution(s.as_(
            "TOKEN_TOWNSHIP",
            pb::GetInstitutionRequest {
                name: s.institution("TOKEN_TOWNSHIP"),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .community;
    network
        .list_institutions(s.as_("TOKEN_TOWNSHIP", pb::ListInstitutionsRequest { community }))
        .await
        .unwrap()
        .into_inner()
        .institutions
        .into_iter()
        .find(|i| i.kind == "village_clinic")
        .unwrap()
}

/// A village doctor's token (minted with the service's key, as an operator would).
fn token_for(village: &pb::Institution, team: Option<&str>) -> String {
    let id = |name: &str, collection: &str| {
        uuid::Uuid::parse_str(name.trim_start_matches(collection)).unwrap()
    };
    yigong_grpc::TokenKey::from_secret(KEY.as_bytes())
        .unwrap()
        .issue(
            &yigong_service::Principal {
                user: "village-doctor".into(),
                role: yigong_service::Role::Clinician,
                institution: yigong_domain::ids::InstitutionId::from_uuid(id(
                    &village.name,
                    "institutions/",
                )),
                community: None,
                team: team.map(|t| yigong_domain::ids::TeamId::from_uuid(id(t, "teams/"))),
            },
            OffsetDateTime::now_utc(),
            Duration::hours(1),
        )
        .unwrap()
}

/// Break-glass: a village clinician of the patient's community reads the record in an
/// emergency with a stated reason (flagged in the audit log); without a reason, or from another
/// community, the record stays hidden.
async fn break_glass(s: &Service, patient: &str, database_url: &str) {
    let village = village_clinic(s).await;
    let token = token_for(&village, None);
    let read = |reason: &str, bearer: &str| {
        let mut request = Request::new(pb::GetResidentRequest {
            name: patient.to_owned(),
            break_glass_reason: reason.to_owned(),
        });
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {bearer}").parse().unwrap());
        let mut client = ResidentServiceClient::new(s.channel.clone());
        async move { client.get_resident(request).await }
    };
    assert_eq!(read("", &token).await.unwrap_err().code(), Code::NotFound);
    assert_eq!(
        field_of(&read("urgent", &token).await.unwrap_err()),
        "break_glass_reason"
    );
    let reason = "unconscious at the village clinic, needs history";
    let record = read(reason, &token).await.unwrap().into_inner();
    assert_eq!(record.name, patient);
    let other = s.tokens["TOKEN_OTHER_TOWNSHIP"].clone();
    assert_eq!(
        read(reason, &other).await.unwrap_err().code(),
        Code::NotFound
    );

    // Both attempts are in the audit log with the reason; only the first succeeded.
    use sea_orm::ConnectionTrait;
    let db = sea_orm::Database::connect(database_url).await.unwrap();
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT outcome FROM audit_entry WHERE break_glass IS NOT NULL ORDER BY id",
        ))
        .await
        .unwrap();
    let outcomes: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String>("", "outcome").unwrap())
        .collect();
    assert_eq!(outcomes, ["success", "denied"]);
}

/// The change feed: the referral desk pages through its community's events to the end and
/// finds the story's referral; clinicians may not read it; a foreign cursor is refused.
async fn change_feed(s: &Service, patient: &str) {
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

/// The county's inbox watch sees a new referral arrive and then its cancellation, live.
async fn inbox_watch(s: &Service) {
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

/// Grid administration by the county operator: an area tree, grids, households, a team
/// assignment pinned by etag, a reassignment, a split and a merge — and every household still
/// in exactly one grid, as the area's indicators count.
async fn grid_administration(s: &Service) {
    let op = "TOKEN_OPERATOR";
    let today = OffsetDateTime::now_utc().date();
    let mut grids = GridServiceClient::new(s.channel.clone());
    let area = |name: &str, kind: &str, parent: &str| {
        let mut client = GridServiceClient::new(s.channel.clone());
        let request = s.as_(
            op,
            pb::CreateAreaRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                display_name: name.to_owned(),
                kind: kind.to_owned(),
                parent: parent.to_owned(),
            },
        );
        async move {
            client
                .create_area(request)
                .await
                .map(|r| r.into_inner().name)
        }
    };
    let planet = area("Mars", "planet", "").await.unwrap_err();
    assert_eq!(field_of(&planet), "kind");
    let town = area("Test Town", "township", "").await.unwrap();
    let east = area("East Village", "village", &town).await.unwrap();
    let west = area("West Village", "village", &town).await.unwrap();
    let north = area("North Group", "villager_group", &east).await.unwrap();
    let south = area("South Group", "villager_group", &east).await.unwrap();
    let mut grid_on = async |name: &str, area: &str| {
        grids
            .create_grid(s.as_(
                op,
                pb::CreateGridRequest {
                    request_id: uuid::Uuid::new_v4().to_string(),
                    display_name: name.to_owned(),
                    area: area.to_owned(),
                },
            ))
            .await
            .unwrap()
            .into_inner()
    };
    let grid_e = grid_on("East grid", &east).await;
    let grid_w = grid_on("West grid", &west).await;
    let mut households = Vec::new();
    for n in 1..=3 {
        households.push(
            household_in(s, &grid_e.name, &format!("No. {n}, East Village"))
                .await
                .name,
        );
    }
    let team = TeamServiceClient::new(s.channel.clone())
        .list_teams(s.as_(
            op,
            pb::ListTeamsRequest {
                institution: s.institution("TOKEN_TOWNSHIP"),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .teams
        .remove(0);
    let mut grids = GridServiceClient::new(s.channel.clone());
    let assign = |etag: String| pb::AssignGridTeamRequest {
        name: grid_e.name.clone(),
        team: team.name.clone(),
        effective_date: day(today),
        etag,
    };
    // Each household added moved the grid's version: its creation etag is stale now.
    let stale = grids
        .assign_grid_team(s.as_(op, assign(grid_e.etag.clone())))
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted, "{stale:?}");
    let fresh = grids
        .get_grid(s.as_(
            op,
            pb::GetGridRequest {
                name: grid_e.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let assigned = grids
        .assign_grid_team(s.as_(op, assign(fresh.etag.clone())))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(assigned.team, team.name);
    let stale = grids
        .assign_grid_team(s.as_(op, assign(fresh.etag.clone())))
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted, "{stale:?}");

    // One household moves west; the east grid splits into two groups, which merge back.
    grids
        .reassign_households(s.as_(
            op,
            pb::ReassignHouseholdsRequest {
                households: vec![households[0].clone()],
                grid: grid_w.name.clone(),
                etags: vec![pb::GridEtag {
                    grid: grid_e.name.clone(),
                    etag: assigned.etag.clone(),
                }],
            },
        ))
        .await
        .unwrap();
    let current_e = grids
        .get_grid(s.as_(
            op,
            pb::GetGridRequest {
                name: grid_e.name.clone(),
            },
        ))
        .await
        .unwrap()
        .into_inner();
    let part = |name: &str, area: &str, household: &str| pb::SplitPart {
        display_name: name.to_owned(),
        area: area.to_owned(),
        households: vec![household.to_owned()],
    };
    let bad_part = grids
        .split_grid(s.as_(
            op,
            pb::SplitGridRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                name: grid_e.name.clone(),
                etag: current_e.etag.clone(),
                parts: vec![part("N", "areas/nowhere", &households[1])],
                effective_date: day(today),
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&bad_part), "parts[0].area");
    let split = grids
        .split_grid(s.as_(
            op,
            pb::SplitGridRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                name: grid_e.name.clone(),
                etag: current_e.etag.clone(),
                parts: vec![
                    part("North grid", &north, &households[1]),
                    part("South grid", &south, &households[2]),
                ],
                effective_date: day(today),
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .grids;
    assert_eq!(split.len(), 2);
    let merged = grids
        .merge_grids(
            s.as_(
                op,
                pb::MergeGridsRequest {
                    request_id: uuid::Uuid::new_v4().to_string(),
                    grids: split.iter().map(|g| g.name.clone()).collect(),
                    etags: split
                        .iter()
                        .map(|g| pb::GridEtag {
                            grid: g.name.clone(),
                            etag: g.etag.clone(),
                        })
                        .collect(),
                    display_name: "East grid (merged)".into(),
                    area: east.clone(),
                    effective_date: day(today),
                },
            ),
        )
        .await
        .unwrap()
        .into_inner();
    let active = grids
        .list_grids(s.as_(
            op,
            pb::ListGridsRequest {
                area: town.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .grids;
    let mut names: Vec<&str> = active.iter().map(|g| g.name.as_str()).collect();
    names.sort_unstable();
    let mut expected = vec![merged.name.as_str(), grid_w.name.as_str()];
    expected.sort_unstable();
    assert_eq!(names, expected);
    let report = IndicatorServiceClient::new(s.channel.clone())
        .get_area_indicators(s.as_(
            op,
            pb::GetAreaIndicatorsRequest {
                area: town.clone(),
                date: None,
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        report.total.unwrap().households,
        3,
        "no household lost or doubled"
    );
}

/// Teams formed over the API (the "3+1+N" rule enforced), a contract renewed too early and
/// then terminated, an outreach taking a plan off the worklist, an enrolment closed.
async fn team_and_follow_up_administration(s: &Service, patient: &str, enrolment: &str) {
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

async fn run(database_url: &str) {
    let service = start(database_url).await;
    let (patient, enrolment) = story(&service).await;
    directory(&service, &patient).await;
    break_glass(&service, &patient, database_url).await;
    change_feed(&service, &patient).await;
    inbox_watch(&service).await;
    grid_administration(&service).await;
    team_and_follow_up_administration(&service, &patient, &enrolment).await;
    malformed(&service, &patient).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_on_sqlite_walks_the_whole_story() {
    let backend = backends::sqlite_file().await;
    run(&backend.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_on_postgres_walks_the_whole_story() {
    match backends::postgres().await {
        Ok(backend) => run(&backend.url).await,
        Err(reason) if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") => {
            panic!("PostgreSQL is required with CI=true but is unavailable: {reason}")
        }
        Err(reason) => eprintln!("skipping the PostgreSQL end-to-end test: {reason}"),
    }
}
