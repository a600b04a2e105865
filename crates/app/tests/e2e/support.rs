//! `spawn_app`: the real `yigong` binary on a free port over a fresh database, seeded with the
//! small demo county, with the tokens it prints; and the requests and values the steps share.

use std::collections::HashMap;
use std::process::Stdio;
use std::time::Duration as StdDuration;

use time::{Date, Duration, OffsetDateTime};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tonic::transport::Channel;
use tonic::{Code, Request, Status};
use tonic_types::StatusExt;
use yigong_proto::google::r#type::Date as PbDate;
use yigong_proto::v1 as pb;
use yigong_proto::v1::grid_service_client::GridServiceClient;
use yigong_proto::v1::network_service_client::NetworkServiceClient;
use yigong_test_support::backends::Backend;

/// The token key the service is started with (`YIGONG_TOKEN_KEY`).
pub const KEY: &str = "an-end-to-end-test-key-of-32-bytes-or-more";
/// The data key the service seals personal information with (PostgreSQL needs one given).
pub const DATA_KEYS: &str = "e2e:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// The running binary, killed when dropped (before its database is removed).
pub struct TestApp {
    child: Child,
    /// A connection to the service.
    pub channel: Channel,
    /// `TOKEN_*` → token.
    pub tokens: HashMap<String, String>,
    /// `TOKEN_*` → the caller's institution name (`institutions/{uuid}`).
    institutions: HashMap<String, String>,
    /// The fresh database the service runs on (its URL opens it from the test too).
    pub backend: Backend,
    /// The HTTP side's address (`--http-listen 127.0.0.1:0`): dashboard, health, metrics.
    pub http: String,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Starts `yigong serve --demo --demo-scale small` on a free port over `backend`'s database and
/// reads the address and the sample users' tokens it prints.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_serving(
        backend,
        &["--demo", "--demo-scale", "small"],
        KEY,
        DATA_KEYS,
    )
    .await
}

/// Starts `yigong serve` with `args` on a free port over `backend`'s database, with the token
/// key and data keys given, and reads the address (and any tokens) it prints.
pub async fn spawn_serving(
    backend: Backend,
    args: &[&str],
    token_key: &str,
    data_keys: &str,
) -> TestApp {
    let database_url = backend.url.as_str();
    let mut child = Command::new(env!("CARGO_BIN_EXE_yigong"))
        .arg("serve")
        .args(args)
        .args(["--listen", "127.0.0.1:0", "--http-listen", "127.0.0.1:0"])
        .args(["--database-url", database_url])
        .env("YIGONG_TOKEN_KEY", token_key)
        .env("YIGONG_DATA_KEYS", data_keys)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("the yigong binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut tokens, mut institutions) = (HashMap::new(), HashMap::new());
    let mut institution = String::new();
    let mut http = String::new();
    let address = tokio::time::timeout(StdDuration::from_secs(300), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(at) = line.strip_prefix("yigong listening on ") {
                return at.to_owned();
            }
            if let Some(at) = line.strip_prefix("yigong http on ") {
                http = at.to_owned();
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
    // gRPC's default limit of headers and trailers, as grpcio, grpc-go and the C core apply it:
    // an error the server made larger would reach these tests as a transport failure.
    let channel = Channel::from_shared(format!("http://{address}"))
        .unwrap()
        .http2_max_header_list_size(16 * 1024)
        .connect()
        .await
        .unwrap();
    TestApp {
        child,
        channel,
        tokens,
        institutions,
        backend,
        http,
    }
}

impl TestApp {
    /// `message` as a request of `who` (a `TOKEN_*` the service printed).
    pub fn as_<T>(&self, who: &str, message: T) -> Request<T> {
        let mut request = Request::new(message);
        let token = &self.tokens[who];
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        request
    }

    /// The institution `who` works at (`institutions/{uuid}`).
    pub fn institution(&self, who: &str) -> String {
        self.institutions[who].clone()
    }
}

/// `d` on the wire.
pub fn day(d: Date) -> Option<PbDate> {
    Some(PbDate {
        year: d.year(),
        month: i32::from(u8::from(d.month())),
        day: i32::from(d.day()),
    })
}

/// A wire date back.
pub fn date_of(d: Option<PbDate>) -> Date {
    let d = d.unwrap();
    Date::from_calendar_date(
        d.year,
        time::Month::try_from(u8::try_from(d.month).unwrap()).unwrap(),
        u8::try_from(d.day).unwrap(),
    )
    .unwrap()
}

/// A valid citizen identity number outside the demo's region (so it never collides).
///
/// Unique within the run: a per-process counter picks the region code (only its province part is
/// checked), so numbers sharing a birth date never collide; a random sequence varies the sex.
pub fn citizen_id(birth: Date) -> String {
    citizen_id_of(birth, uuid::Uuid::new_v4().as_u128().is_multiple_of(2))
}

/// [`citizen_id`] of a woman (`female`) or a man: the sequence number's parity is the sex.
pub fn citizen_id_of(birth: Date, female: bool) -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let region = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % 10_000;
    let seq = (uuid::Uuid::new_v4().as_u128() % 450) * 2 + 100 + u128::from(!female);
    let first17 = format!(
        "11{region:04}{:04}{:02}{:02}{seq:03}",
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

/// The change of `event_type` on the aggregate `aggregate_id`, read from the change feed a
/// page at a time as the desk (panics when the feed ends without it).
pub async fn change_of(s: &TestApp, event_type: &str, aggregate_id: &str) -> pb::Change {
    let mut feed = yigong_proto::v1::change_feed_service_client::ChangeFeedServiceClient::new(
        s.channel.clone(),
    );
    let mut token = String::new();
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
        if let Some(c) = page
            .changes
            .into_iter()
            .find(|c| c.event_type == event_type && c.aggregate_id == aggregate_id)
        {
            return c;
        }
        assert_ne!(
            page.next_page_token, token,
            "{event_type} of {aggregate_id} is in the feed"
        );
        token = page.next_page_token;
    }
}

/// The field an `INVALID_ARGUMENT` names.
pub fn field_of(status: &Status) -> String {
    assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    status
        .get_details_bad_request()
        .and_then(|b| b.field_violations.into_iter().next())
        .map(|v| v.field)
        .unwrap_or_default()
}

/// The rule a `FAILED_PRECONDITION` names (`ErrorInfo.metadata["rule"]`).
pub fn rule_of(status: &Status) -> String {
    assert_eq!(status.code(), Code::FailedPrecondition, "{status:?}");
    status
        .get_details_error_info()
        .and_then(|i| i.metadata.get("rule").cloned())
        .unwrap_or_default()
}

/// A permanent resident born on `birth`, registered by the township (in `household` when
/// given, so in its grid).
pub async fn resident_born(
    s: &TestApp,
    display_name: &str,
    birth: Date,
    household: Option<&str>,
) -> pb::Resident {
    register(s, display_name, birth, household, citizen_id(birth)).await
}

/// `residents/{uuid}` of a permanent resident born on 9 March of `born`, a woman when
/// `female`, registered by the township (in `household` when given).
pub async fn resident_of_sex(
    s: &TestApp,
    display_name: &str,
    born: i32,
    female: bool,
    household: Option<&str>,
) -> String {
    let birth = Date::from_calendar_date(born, time::Month::March, 9).unwrap();
    register(
        s,
        display_name,
        birth,
        household,
        citizen_id_of(birth, female),
    )
    .await
    .name
}

async fn register(
    s: &TestApp,
    display_name: &str,
    birth: Date,
    household: Option<&str>,
    citizen_id: String,
) -> pb::Resident {
    let today = OffsetDateTime::now_utc().date();
    yigong_proto::v1::resident_service_client::ResidentServiceClient::new(s.channel.clone())
        .create_resident(s.as_(
            "TOKEN_TOWNSHIP",
            pb::CreateResidentRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                document: Some(pb::create_resident_request::Document::CitizenId(citizen_id)),
                household: household.unwrap_or_default().to_owned(),
                resident_since: day((today - Duration::days(12_000)).max(birth)),
                personal: Some(pb::PersonalInformation {
                    display_name: display_name.to_owned(),
                    ..Default::default()
                }),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
}

/// A request recording a normal blood pressure (118/76) with the body size given.
pub fn bp_body(
    resident: &str,
    on: Date,
    height_cm: Option<f64>,
    weight_kg: Option<f64>,
    bmi: Option<f64>,
) -> pb::RecordScreeningResultRequest {
    pb::RecordScreeningResultRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        row: Some(pb::ScreeningRow {
            resident: resident.to_owned(),
            screen_date: day(on),
            reading: Some(pb::ScreeningReading {
                reading: Some(pb::screening_reading::Reading::BloodPressure(
                    pb::BloodPressureReading {
                        systolic: 118,
                        diastolic: 76,
                        height_cm,
                        weight_kg,
                        bmi,
                        ..Default::default()
                    },
                )),
            }),
        }),
    }
}

/// A blood-pressure screening row.
pub fn bp_row(resident: &str, on: Date, systolic: u32, diastolic: u32) -> pb::ScreeningRow {
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

/// A hypertension follow-up visit at the clinic.
pub fn htn_visit(on: Date, systolic: u32, diastolic: u32, signs: &[&str]) -> pb::FollowUpVisit {
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

/// An appointment two hours from now.
pub fn appointment() -> Option<pb::Appointment> {
    let at = OffsetDateTime::now_utc() + Duration::hours(2);
    Some(pb::Appointment {
        time: Some(prost_types::Timestamp {
            seconds: at.unix_timestamp(),
            nanos: 0,
        }),
        slot: pb::SlotKind::General as i32,
    })
}

/// A diagnosis on the wire.
pub fn diagnosis(code: &str, text: &str) -> Option<pb::Diagnosis> {
    Some(pb::Diagnosis {
        code: code.to_owned(),
        text: text.to_owned(),
    })
}

/// A township's slip: hypertension, with `complaint`.
pub fn slip(complaint: &str) -> Option<pb::Slip> {
    Some(pb::Slip {
        preliminary_diagnosis: diagnosis("I10.x00", "原发性高血压"),
        chief_complaint: complaint.to_owned(),
        history: "氨氯地平 5 mg qd 三月".to_owned(),
        requested_department: "心血管内科".to_owned(),
    })
}

/// The county's cardiology clinic taking the patient.
pub fn receiver() -> Option<pb::Receiver> {
    Some(pb::Receiver {
        department: "心血管内科".to_owned(),
        doctor: "王医生".to_owned(),
    })
}

/// Registers a household in `grid` as the county operator.
pub async fn household_in(s: &TestApp, grid: &str, address: &str) -> pb::Household {
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

/// A village clinic of the township's community.
pub async fn village_clinic(s: &TestApp) -> pb::Institution {
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
pub fn token_for(village: &pb::Institution, team: Option<&str>) -> String {
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

/// A token for `user` with `role` at `institution` (`institutions/{uuid}`), minted with the
/// service's key as an operator would.
pub fn token_as(user: &str, role: yigong_service::Role, institution: &str) -> String {
    let id = uuid::Uuid::parse_str(institution.trim_start_matches("institutions/")).unwrap();
    yigong_grpc::TokenKey::from_secret(KEY.as_bytes())
        .unwrap()
        .issue(
            &yigong_service::Principal {
                user: user.into(),
                role,
                institution: yigong_domain::ids::InstitutionId::from_uuid(id),
                community: None,
                team: None,
            },
            OffsetDateTime::now_utc(),
            Duration::hours(1),
        )
        .unwrap()
}

/// `message` as a request carrying `token`.
pub fn with_token<T>(token: &str, message: T) -> Request<T> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

/// The audit entries about `patient` (`residents/{uuid}`) the county operator reviews.
pub async fn audit_of(s: &TestApp, patient: &str) -> Vec<pb::AuditEntry> {
    yigong_proto::v1::audit_service_client::AuditServiceClient::new(s.channel.clone())
        .list_audit_entries(s.as_(
            "TOKEN_OPERATOR",
            pb::ListAuditEntriesRequest {
                patient: patient.to_owned(),
                page_size: 500,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .entries
}

/// A new township resident under hypertension management (confirmed by the county 30 days
/// ago, enrolled 20 days ago): the resident's name and the first plan.
pub async fn managed_patient(
    s: &TestApp,
    display_name: &str,
    born: i32,
) -> (String, pb::FollowUpPlan) {
    let today = OffsetDateTime::now_utc().date();
    let birth = Date::from_calendar_date(born, time::Month::March, 9).unwrap();
    let resident = resident_born(s, display_name, birth, None).await;
    let enrolled =
        yigong_proto::v1::follow_up_service_client::FollowUpServiceClient::new(s.channel.clone())
            .enrol_patient(s.as_(
                "TOKEN_TOWNSHIP",
                pb::EnrolPatientRequest {
                    patient: resident.name.clone(),
                    condition: pb::Condition::Hypertension as i32,
                    confirmed_by: s.institution("TOKEN_COUNTY"),
                    confirm_date: day(today - Duration::days(30)),
                    enrol_date: day(today - Duration::days(20)),
                    ..Default::default()
                },
            ))
            .await
            .unwrap()
            .into_inner();
    (resident.name, enrolled.plan.unwrap())
}
