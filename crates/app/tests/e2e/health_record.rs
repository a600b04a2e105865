//! The personal information form of the health record over the API: registered with the
//! record, read back in full by one who may see it, updated field by field through the mask
//! (a named field left empty is cleared), every bad value named by its field, and neither name
//! nor phone stored in clear.

use prost_types::FieldMask;
use time::{Date, Duration, Month, OffsetDateTime};
use yigong_proto::v1 as pb;
use yigong_proto::v1::resident_service_client::ResidentServiceClient;

use crate::search::no_table_holds;
use crate::support::{TestApp, citizen_id, day, field_of};

const NAME: &str = "欧阳秀英";
const PHONE: &str = "13912345678";
const CONTACT_PHONE: &str = "073184561234";

fn form() -> pb::PersonalInformation {
    pb::PersonalInformation {
        display_name: NAME.to_owned(),
        phone: "+86 139-1234-5678".to_owned(),
        contact: Some(pb::Contact {
            display_name: "欧阳建国".to_owned(),
            phone: "0731-84561234".to_owned(),
        }),
        residence_type: "registered".to_owned(),
        ethnicity: "15".to_owned(),
        blood_type: Some(pb::BloodType {
            abo: "ab".to_owned(),
            rh: "positive".to_owned(),
        }),
        payment_types: vec!["rural_cooperative".to_owned(), "commercial".to_owned()],
        drug_allergies: vec!["penicillin".to_owned()],
        other_drug_allergy: "头孢类".to_owned(),
        past_history: Some(pb::PastHistory {
            diseases: vec![
                pb::PastDisease {
                    disease: "hypertension".to_owned(),
                    diagnosed_date: day(date(2015, Month::June, 1)),
                    ..Default::default()
                },
                pb::PastDisease {
                    disease: "malignant_tumour".to_owned(),
                    detail: "甲状腺癌".to_owned(),
                    diagnosed_date: day(date(2019, Month::March, 9)),
                },
            ],
            operations: vec![pb::PastEvent {
                description: "甲状腺切除术".to_owned(),
                date: day(date(2019, Month::April, 2)),
            }],
            ..Default::default()
        }),
        family_history: Some(pb::FamilyHistory {
            father: vec!["stroke".to_owned(), "hypertension".to_owned()],
            ..Default::default()
        }),
        disabilities: vec!["hearing".to_owned()],
        ..Default::default()
    }
}

fn date(y: i32, m: Month, d: u8) -> Date {
    Date::from_calendar_date(y, m, d).unwrap()
}

fn create(document: &str, personal: pb::PersonalInformation) -> pb::CreateResidentRequest {
    let today = OffsetDateTime::now_utc().date();
    pb::CreateResidentRequest {
        request_id: uuid::Uuid::new_v4().to_string(),
        document: Some(pb::create_resident_request::Document::CitizenId(
            document.to_owned(),
        )),
        resident_since: day(today - Duration::days(400)),
        personal: Some(personal),
        ..Default::default()
    }
}

/// Returns the patient's name (`residents/{uuid}`), its phone changed to 13700001111.
pub async fn health_record(s: &TestApp) -> String {
    let mut residents = ResidentServiceClient::new(s.channel.clone());
    let document = citizen_id(date(1961, Month::August, 17));
    let created = residents
        .create_resident(s.as_("TOKEN_TOWNSHIP", create(&document, form())))
        .await
        .unwrap()
        .into_inner();
    let p = created.personal.clone().unwrap();
    assert_eq!(p.display_name, NAME);
    assert_eq!(p.phone, PHONE, "kept as digits");
    assert_eq!(p.contact.as_ref().unwrap().phone, CONTACT_PHONE);
    assert_eq!(
        (p.ethnicity.as_str(), p.ethnicity_name.as_str()),
        ("15", "土家族")
    );
    assert_eq!(p.payment_types, ["rural_cooperative", "commercial"]);
    assert_eq!(
        p.family_history.as_ref().unwrap().father,
        ["hypertension", "stroke"]
    );
    assert_eq!(p.past_history.as_ref().unwrap().diseases.len(), 2);
    assert!(!created.masked_document.contains(&document[6..14]));

    let read = residents
        .get_resident(s.as_(
            "TOKEN_COUNTY",
            pb::GetResidentRequest {
                name: created.name.clone(),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        read.personal, created.personal,
        "the county reads what was written"
    );

    // One field changed, one cleared, the rest untouched.
    let update =
        |personal: pb::PersonalInformation, etag: &str, paths: &[&str]| pb::UpdateResidentRequest {
            resident: Some(pb::Resident {
                name: created.name.clone(),
                etag: etag.to_owned(),
                personal: Some(personal),
                ..Default::default()
            }),
            update_mask: Some(FieldMask {
                paths: paths.iter().map(|p| (*p).to_owned()).collect(),
            }),
        };
    let changed = residents
        .update_resident(s.as_(
            "TOKEN_TOWNSHIP",
            update(
                pb::PersonalInformation {
                    phone: "13700001111".to_owned(),
                    ..Default::default()
                },
                &created.etag,
                &["personal.phone", "personal.disabilities"],
            ),
        ))
        .await
        .unwrap()
        .into_inner();
    let q = changed.personal.clone().unwrap();
    assert_eq!(q.phone, "13700001111");
    assert!(q.disabilities.is_empty(), "named and empty: cleared");
    assert_eq!(q.display_name, NAME);
    assert_eq!(q.past_history, p.past_history);
    assert_ne!(changed.etag, created.etag);

    // A stale etag is refused and changes nothing.
    let stale = residents
        .update_resident(s.as_(
            "TOKEN_TOWNSHIP",
            update(form(), &created.etag, &["personal"]),
        ))
        .await
        .unwrap_err();
    assert_eq!(stale.code(), tonic::Code::Aborted, "{stale:?}");

    no_table_holds(s, &[&document, NAME, PHONE, "13700001111", CONTACT_PHONE]).await;

    refusals(s, &mut residents, &created.name).await;
    created.name
}

/// Each bad value of the form, on create and on update, is INVALID_ARGUMENT naming its field.
async fn refusals(
    s: &TestApp,
    residents: &mut ResidentServiceClient<tonic::transport::Channel>,
    patient: &str,
) {
    let disease = |code: &str, detail: &str, on: Date| pb::PastHistory {
        diseases: vec![pb::PastDisease {
            disease: code.to_owned(),
            detail: detail.to_owned(),
            diagnosed_date: day(on),
        }],
        ..Default::default()
    };
    let tomorrow = OffsetDateTime::now_utc().date() + Duration::days(1);
    let cases: Vec<(pb::PersonalInformation, &str)> = vec![
        (
            pb::PersonalInformation {
                display_name: "张3".into(),
                ..Default::default()
            },
            "personal.display_name",
        ),
        (
            pb::PersonalInformation {
                display_name: " \u{200b} ".into(),
                ..Default::default()
            },
            "personal.display_name",
        ),
        (
            pb::PersonalInformation {
                display_name: "张".repeat(51),
                ..Default::default()
            },
            "personal.display_name",
        ),
        (
            pb::PersonalInformation {
                phone: "12345".into(),
                ..Default::default()
            },
            "personal.phone",
        ),
        (
            pb::PersonalInformation {
                phone: "9".repeat(5000),
                ..Default::default()
            },
            "personal.phone",
        ),
        (
            pb::PersonalInformation {
                contact: Some(pb::Contact {
                    display_name: "王五".into(),
                    phone: String::new(),
                }),
                ..Default::default()
            },
            "personal.contact.phone",
        ),
        (
            pb::PersonalInformation {
                residence_type: "resident".into(),
                ..Default::default()
            },
            "personal.residence_type",
        ),
        (
            pb::PersonalInformation {
                ethnicity: "57".into(),
                ..Default::default()
            },
            "personal.ethnicity",
        ),
        (
            pb::PersonalInformation {
                blood_type: Some(pb::BloodType {
                    abo: "c".into(),
                    rh: String::new(),
                }),
                ..Default::default()
            },
            "personal.blood_type.abo",
        ),
        (
            pb::PersonalInformation {
                payment_types: vec!["commercial".into(), "barter".into()],
                ..Default::default()
            },
            "personal.payment_types[1]",
        ),
        (
            pb::PersonalInformation {
                disabilities: vec!["tall".into()],
                ..Default::default()
            },
            "personal.disabilities[0]",
        ),
        (
            pb::PersonalInformation {
                past_history: Some(disease("gout_of_kings", "", date(2000, Month::May, 1))),
                ..Default::default()
            },
            "personal.past_history.diseases[0].disease",
        ),
        (
            pb::PersonalInformation {
                past_history: Some(disease("malignant_tumour", "", date(2000, Month::May, 1))),
                ..Default::default()
            },
            "personal.past_history.diseases",
        ),
        (
            pb::PersonalInformation {
                past_history: Some(disease("stroke", "", tomorrow)),
                ..Default::default()
            },
            "personal.past_history.diseases",
        ),
        (
            pb::PersonalInformation {
                past_history: Some(disease("stroke", "", date(1950, Month::January, 1))),
                ..Default::default()
            },
            "personal.past_history.diseases",
        ),
        (
            pb::PersonalInformation {
                past_history: Some(pb::PastHistory {
                    injuries: vec![pb::PastEvent {
                        description: String::new(),
                        date: day(date(2001, Month::May, 1)),
                    }],
                    ..Default::default()
                }),
                ..Default::default()
            },
            "personal.past_history.injuries[0].description",
        ),
        (
            pb::PersonalInformation {
                family_history: Some(pb::FamilyHistory {
                    mother: vec!["x".into()],
                    ..Default::default()
                }),
                ..Default::default()
            },
            "personal.family_history.mother[0]",
        ),
    ];
    for (personal, field) in cases {
        let document = citizen_id(date(1961, Month::August, 18));
        let refused = residents
            .create_resident(s.as_("TOKEN_TOWNSHIP", create(&document, personal.clone())))
            .await
            .unwrap_err();
        assert_eq!(field_of(&refused), field, "create: {personal:?}");
        assert!(
            refused.message().len() < 1000,
            "{}",
            refused.message().len()
        );
        let refused = residents
            .update_resident(s.as_(
                "TOKEN_TOWNSHIP",
                pb::UpdateResidentRequest {
                    resident: Some(pb::Resident {
                        name: patient.to_owned(),
                        personal: Some(personal.clone()),
                        ..Default::default()
                    }),
                    update_mask: Some(FieldMask {
                        paths: vec!["personal".to_owned()],
                    }),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(
            field_of(&refused),
            format!("resident.{field}"),
            "update: {personal:?}"
        );
    }
    for path in ["personal.nickname", "personal.", "personalx"] {
        let refused = residents
            .update_resident(s.as_(
                "TOKEN_TOWNSHIP",
                pb::UpdateResidentRequest {
                    resident: Some(pb::Resident {
                        name: patient.to_owned(),
                        ..Default::default()
                    }),
                    update_mask: Some(FieldMask {
                        paths: vec![path.to_owned()],
                    }),
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(field_of(&refused), "update_mask", "{path}");
    }
}
