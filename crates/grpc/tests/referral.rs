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
    let status = api
        .list_referrals(as_clinician(
            pb::ListReferralsRequest {
                states: vec![],
                page_size: -1,
                page_token: String::new(),
            },
            COUNTY,
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&status), "page_size");
    let status = api
        .list_referrals(as_clinician(
            pb::ListReferralsRequest {
                states: vec![],
                page_size: 10,
                page_token: "garbage".into(),
            },
            COUNTY,
        ))
        .await
        .unwrap_err();
    assert_eq!(field_of(&status), "page_token");
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
