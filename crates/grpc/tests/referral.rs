//! The referral RPCs over the real use cases on SQLite (in memory), called in-process: what a
//! client sends is translated, what the use cases refuse comes back as the right status.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use tonic::{Code, Request};
use tonic_types::StatusExt;
use yigong_domain::ids::{CommunityId, InstitutionId, ResidentId};
use yigong_domain::network::{Institution, InstitutionKind, Network};
use yigong_domain::profile::RuleProfile;
use yigong_grpc::ReferralApi;
use yigong_ports::{RandomIds, SystemClock, UnitOfWork};
use yigong_proto::v1 as pb;
use yigong_proto::v1::referral_service_server::ReferralService as _;
use yigong_service::{Deps, Principal, ReferralService, Role};
use yigong_store::Store;
use yigong_test_support::fixtures::patient;

const COUNTY: InstitutionId = InstitutionId::from_u128(1);
const TOWNSHIP: InstitutionId = InstitutionId::from_u128(10);
const COMMUNITY: CommunityId = CommunityId::from_u128(500);

async fn api() -> ReferralApi {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    store.migrate().await.unwrap();
    let mut network = Network::new();
    for (id, kind) in [
        (COUNTY, InstitutionKind::CountyGeneralHospital),
        (TOWNSHIP, InstitutionKind::TownshipHealthCenter),
    ] {
        network
            .add_institution(Institution {
                id,
                name: format!("{kind:?}"),
                kind,
            })
            .unwrap();
    }
    network.found_community(COMMUNITY, "north", COUNTY).unwrap();
    network.join(COMMUNITY, TOWNSHIP).unwrap();
    // The patient's record, held by the township: a referral names a patient its sender sees.
    let mut tx = store.begin().await.unwrap();
    for id in [42, 43] {
        tx.insert_resident(&patient(ResidentId::from_u128(id), TOWNSHIP, COMMUNITY))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    ReferralApi::new(ReferralService::new(Deps::on_store(
        Arc::new(store),
        network,
        Arc::new(SystemClock),
        Arc::new(RandomIds),
        Arc::new(RuleProfile::bphs3()),
    )))
}

fn as_clinician<T>(message: T, institution: InstitutionId) -> Request<T> {
    as_user(message, institution, "dr-li")
}

fn as_county<T>(message: T) -> Request<T> {
    as_clinician(message, COUNTY)
}

fn as_user<T>(message: T, institution: InstitutionId, user: &str) -> Request<T> {
    let mut request = Request::new(message);
    request.extensions_mut().insert(Principal {
        user: user.into(),
        role: Role::Clinician,
        institution,
        community: Some(COMMUNITY),
        team: None,
    });
    request
}

fn create(request_id: &str) -> pb::CreateReferralRequest {
    pb::CreateReferralRequest {
        request_id: request_id.into(),
        patient: format!("residents/{}", ResidentId::from_u128(42)),
        to_institution: format!("institutions/{COUNTY}"),
        direction: pb::Direction::Upward as i32,
        urgency: pb::Urgency::Routine as i32,
        reasons: vec!["htn.target_not_reached".into()],
        slip: Some(slip()),
        results: vec![],
    }
}

fn slip() -> pb::Slip {
    pb::Slip {
        preliminary_diagnosis: Some(pb::Diagnosis {
            code: "I10.x00".into(),
            text: "原发性高血压".into(),
        }),
        chief_complaint: "头晕、血压控制不佳两月".into(),
        history: "氨氯地平 5 mg qd 三月".into(),
        requested_department: "心血管内科".into(),
    }
}

/// A result of `test` taken `days_ago` at the township.
fn result(test: &str, days_ago: i64) -> pb::TestResult {
    let on = time::OffsetDateTime::now_utc().date() - time::Duration::days(days_ago);
    pb::TestResult {
        test: test.into(),
        taken_date: Some(yigong_grpc::wire::date(on)),
        issuing_institution: format!("institutions/{TOWNSHIP}"),
        value: "正常".into(),
        report_reference: String::new(),
    }
}

/// Request ids are the caller's own (AIP-155): another user's id does not collide, and the
/// same caller reusing an id for another request is told so, naming the field.
#[tokio::test]
async fn a_request_id_is_the_callers_own_and_a_reused_one_must_ask_the_same() {
    let api = api().await;
    let first = api
        .create_referral(as_clinician(create("r-1"), TOWNSHIP))
        .await
        .unwrap()
        .into_inner();
    let other_patient = pb::CreateReferralRequest {
        patient: format!("residents/{}", ResidentId::from_u128(43)),
        ..create("r-1")
    };
    let reused = api
        .create_referral(as_clinician(other_patient.clone(), TOWNSHIP))
        .await
        .unwrap_err();
    assert_eq!(reused.code(), Code::InvalidArgument, "{reused:?}");
    assert_eq!(field_of(&reused), "request_id");

    let theirs = api
        .create_referral(as_user(other_patient, TOWNSHIP, "dr-wang"))
        .await
        .unwrap()
        .into_inner();
    assert_ne!(theirs.name, first.name);
    assert_eq!(
        theirs.patient,
        format!("residents/{}", ResidentId::from_u128(43))
    );
}

fn field_of(status: &tonic::Status) -> String {
    status
        .get_details_bad_request()
        .expect("a BadRequest")
        .field_violations[0]
        .field
        .clone()
}

#[tokio::test]
async fn a_referral_is_created_read_and_accepted_with_its_etag() {
    let api = api().await;
    let created = api
        .create_referral(as_clinician(create("r-1"), TOWNSHIP))
        .await
        .unwrap()
        .into_inner();
    assert!(created.name.starts_with("referrals/"));
    assert_eq!(created.state, pb::State::Requested as i32);
    assert_eq!(created.reasons, ["htn.target_not_reached"]);

    // A retry with the same request id returns the first referral.
    let again = api
        .create_referral(as_clinician(create("r-1"), TOWNSHIP))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(again.name, created.name);

    let got = api
        .get_referral(as_clinician(
            pb::GetReferralRequest {
                name: created.name.clone(),
            },
            COUNTY,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got, created);

    let accept = |etag: String| pb::AcceptReferralRequest {
        name: created.name.clone(),
        appointment: Some(pb::Appointment {
            time: Some(prost_types::Timestamp {
                seconds: time::OffsetDateTime::now_utc().unix_timestamp() + 86_400,
                nanos: 0,
            }),
            slot: pb::SlotKind::General as i32,
        }),
        etag,
        receiver: Some(pb::Receiver {
            department: "心血管内科".into(),
            doctor: String::new(),
        }),
        session: String::new(),
    };
    let accepted = api
        .accept_referral(as_clinician(accept(created.etag.clone()), COUNTY))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(accepted.state, pb::State::Accepted as i32);
    assert_ne!(accepted.etag, created.etag);
    assert!(accepted.appointment.is_some());

    // The old etag is stale now: ABORTED, not a second accept.
    let stale = api
        .accept_referral(as_clinician(accept(created.etag.clone()), COUNTY))
        .await
        .unwrap_err();
    assert_eq!(stale.code(), Code::Aborted, "{stale:?}");
}

#[tokio::test]
async fn malformed_requests_are_invalid_arguments_naming_the_field() {
    let api = api().await;
    let cases: Vec<(pb::CreateReferralRequest, &str)> = vec![
        (
            pb::CreateReferralRequest {
                patient: "patients/42".into(),
                ..create("a")
            },
            "patient",
        ),
        (
            pb::CreateReferralRequest {
                to_institution: "institutions/not-a-uuid".into(),
                ..create("b")
            },
            "to_institution",
        ),
        (
            pb::CreateReferralRequest {
                to_institution: format!("institutions/{}", InstitutionId::from_u128(999)),
                ..create("c")
            },
            "to_institution",
        ),
        (
            pb::CreateReferralRequest {
                direction: 0,
                ..create("d")
            },
            "direction",
        ),
        (
            pb::CreateReferralRequest {
                urgency: 17,
                ..create("e")
            },
            "urgency",
        ),
        (
            pb::CreateReferralRequest {
                reasons: vec!["htn.target_not_reached".into(), "made.up".into()],
                ..create("f")
            },
            "reasons[1]",
        ),
        (
            pb::CreateReferralRequest {
                request_id: String::new(),
                ..create("g")
            },
            "request_id",
        ),
        (
            pb::CreateReferralRequest {
                slip: None,
                ..create("h")
            },
            "slip",
        ),
        (
            pb::CreateReferralRequest {
                slip: Some(pb::Slip {
                    preliminary_diagnosis: Some(pb::Diagnosis {
                        code: "高血压".into(),
                        text: "原发性高血压".into(),
                    }),
                    ..slip()
                }),
                ..create("i")
            },
            "slip.preliminary_diagnosis.code",
        ),
        (
            pb::CreateReferralRequest {
                slip: Some(pb::Slip {
                    chief_complaint: "\u{200B} ".into(),
                    ..slip()
                }),
                ..create("j")
            },
            "slip.chief_complaint",
        ),
        (
            pb::CreateReferralRequest {
                slip: Some(pb::Slip {
                    requested_department: "科".repeat(65),
                    ..slip()
                }),
                ..create("k")
            },
            "slip.requested_department",
        ),
        (
            pb::CreateReferralRequest {
                results: vec![result("hba1c", 1), result("karaoke", 1)],
                ..create("l")
            },
            "results[1].test",
        ),
        (
            pb::CreateReferralRequest {
                results: vec![result("hba1c", -1)],
                ..create("m")
            },
            "results[0].taken_date",
        ),
        (
            pb::CreateReferralRequest {
                results: vec![pb::TestResult {
                    issuing_institution: format!("institutions/{}", InstitutionId::from_u128(999)),
                    ..result("hba1c", 1)
                }],
                ..create("n")
            },
            "results[0].issuing_institution",
        ),
        (
            pb::CreateReferralRequest {
                results: vec![pb::TestResult {
                    value: String::new(),
                    ..result("hba1c", 1)
                }],
                ..create("o")
            },
            "results[0].value",
        ),
    ];
    for (request, field) in cases {
        let status = api
            .create_referral(as_clinician(request, TOWNSHIP))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{field}: {status:?}");
        assert_eq!(field_of(&status), field);
    }
    let status = api
        .get_referral(as_clinician(
            pb::GetReferralRequest {
                name: "referrals/42".into(),
            },
            COUNTY,
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&status), "name");
    let day = |year, month, day| Some(yigong_proto::google::r#type::Date { year, month, day });
    for (field, list) in [
        (
            "page_size",
            pb::ListReferralsRequest {
                page_size: -1,
                ..Default::default()
            },
        ),
        (
            "page_token",
            pb::ListReferralsRequest {
                page_token: "garbage".into(),
                ..Default::default()
            },
        ),
        (
            "view",
            pb::ListReferralsRequest {
                view: 99,
                ..Default::default()
            },
        ),
        (
            "direction",
            pb::ListReferralsRequest {
                direction: 7,
                ..Default::default()
            },
        ),
        (
            "patient",
            pb::ListReferralsRequest {
                patient: "patients/1".into(),
                ..Default::default()
            },
        ),
        (
            "requested_from",
            pb::ListReferralsRequest {
                requested_from: day(2026, 2, 30),
                ..Default::default()
            },
        ),
        (
            "requested_to",
            pb::ListReferralsRequest {
                requested_from: day(2026, 3, 2),
                requested_to: day(2026, 3, 1),
                ..Default::default()
            },
        ),
    ] {
        let status = api
            .list_referrals(as_clinician(list, COUNTY))
            .await
            .unwrap_err();
        assert_eq!(status.code(), Code::InvalidArgument, "{field}: {status:?}");
        assert_eq!(field_of(&status), field);
    }
}

/// The loop closes on the wire: the slip and its results go up, each result judged for
/// recognition (one recognised, one past its window), a later result attached by the sender;
/// the county accepts naming its department, and its report comes back to the sender.
#[tokio::test]
async fn the_slip_goes_up_its_results_are_judged_and_the_report_comes_back() {
    let api = api().await;
    let created = api
        .create_referral(as_clinician(
            pb::CreateReferralRequest {
                results: vec![result("blood_routine", 1), result("ecg", 60)],
                ..create("loop")
            },
            TOWNSHIP,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(created.slip, Some(slip()));
    let judged: Vec<_> = created
        .results
        .iter()
        .map(|r| (r.result.as_ref().unwrap().test.as_str(), r.recognition))
        .collect();
    assert_eq!(
        judged,
        [
            ("blood_routine", pb::Recognition::Recognised as i32),
            ("ecg", pb::Recognition::Repeat as i32)
        ]
    );
    assert!(
        created
            .results
            .iter()
            .all(|r| r.rule == "REF-MUTUAL-RECOGNITION")
    );
    assert!(created.results[0].valid_until.is_some());

    let named = |name: &str| pb::AttachResultRequest {
        name: name.to_owned(),
        result: Some(pb::TestResult {
            report_reference: "LAB-2026-77".into(),
            ..result("hba1c", 10)
        }),
        etag: created.etag.clone(),
        diagnostic_report: String::new(),
    };
    // Only the sender attaches; the receiver is refused and nothing changes.
    let refused = api
        .attach_result(as_clinician(named(&created.name), COUNTY))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    let attached = api
        .attach_result(as_clinician(named(&created.name), TOWNSHIP))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(attached.results.len(), 3);
    assert_eq!(
        attached.results[2].recognition,
        pb::Recognition::Recognised as i32
    );
    let twice = api
        .attach_result(as_clinician(
            pb::AttachResultRequest {
                etag: attached.etag.clone(),
                ..named(&created.name)
            },
            TOWNSHIP,
        ))
        .await
        .unwrap_err();
    assert_eq!(twice.code(), Code::FailedPrecondition, "{twice:?}");

    let accepted = api
        .accept_referral(as_county(pb::AcceptReferralRequest {
            name: created.name.clone(),
            appointment: Some(pb::Appointment {
                time: Some(prost_types::Timestamp {
                    seconds: time::OffsetDateTime::now_utc().unix_timestamp() + 3_600,
                    nanos: 0,
                }),
                slot: pb::SlotKind::General as i32,
            }),
            etag: String::new(),
            receiver: Some(pb::Receiver {
                department: "心血管内科".into(),
                doctor: "王医生".into(),
            }),
            session: String::new(),
        }))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(accepted.receiver.as_ref().unwrap().doctor, "王医生");
    api.arrive_referral(as_county(pb::ArriveReferralRequest {
        name: created.name.clone(),
        etag: String::new(),
    }))
    .await
    .unwrap();
    let missing = api
        .complete_referral(as_county(pb::CompleteReferralRequest {
            name: created.name.clone(),
            summary: "血压控制达标".into(),
            rehabilitation_guidance: "低盐饮食".into(),
            etag: String::new(),
            discharge_diagnosis: None,
        }))
        .await
        .unwrap_err();
    assert_eq!(field_of(&missing), "discharge_diagnosis");
    api.complete_referral(as_county(pb::CompleteReferralRequest {
        name: created.name.clone(),
        summary: "加用氨氯地平，出院血压 132/84 mmHg".into(),
        rehabilitation_guidance: "家庭自测血压两周，低盐饮食".into(),
        etag: String::new(),
        discharge_diagnosis: Some(pb::Diagnosis {
            code: "I10.x00x002".into(),
            text: "高血压 2 级".into(),
        }),
    }))
    .await
    .unwrap();
    let read = api
        .get_referral(as_clinician(
            pb::GetReferralRequest {
                name: created.name.clone(),
            },
            TOWNSHIP,
        ))
        .await
        .unwrap()
        .into_inner();
    let report = read.report.expect("the report comes back to the sender");
    assert_eq!(report.discharge_diagnosis.unwrap().code, "I10.x00x002");
    assert_eq!(report.rehabilitation_guidance, "家庭自测血压两周，低盐饮食");
    assert!(report.complete_time.is_some() && read.arrive_time.is_some());
    assert_eq!(read.receiver.unwrap().department, "心血管内科");
}

#[tokio::test]
async fn without_a_principal_every_call_is_unauthenticated() {
    let api = api().await;
    let status = api
        .create_referral(Request::new(create("r-1")))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let status = api
        .list_referrals(Request::new(pb::ListReferralsRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
}
