//! Finding a patient by identity document over the API: exact, within the caller's scope (the
//! holding township and its community's lead find the record; another township and operators
//! find nothing, as for an unknown number), bad numbers named by field, every search audited.

use time::{Date, Duration, OffsetDateTime};
use tonic_types::StatusExt;
use yigong_proto::v1 as pb;
use yigong_proto::v1::audit_service_client::AuditServiceClient;
use yigong_proto::v1::resident_service_client::ResidentServiceClient;

use crate::support::{TestApp, citizen_id, day, field_of};

fn by_citizen_id(number: &str) -> pb::SearchResidentsRequest {
    pb::SearchResidentsRequest {
        query: Some(pb::search_residents_request::Query::CitizenId(
            number.to_owned(),
        )),
        ..Default::default()
    }
}

fn by_other(kind: &str, number: &str) -> pb::SearchResidentsRequest {
    pb::SearchResidentsRequest {
        query: Some(pb::search_residents_request::Query::OtherDocument(
            pb::DocumentNumber {
                kind: kind.to_owned(),
                number: number.to_owned(),
            },
        )),
        ..Default::default()
    }
}

pub async fn search(s: &TestApp) {
    let today = OffsetDateTime::now_utc().date();
    let mut residents = ResidentServiceClient::new(s.channel.clone());
    let document = citizen_id(Date::from_calendar_date(1958, time::Month::March, 3).unwrap());
    let created = residents
        .create_resident(s.as_(
            "TOKEN_TOWNSHIP",
            pb::CreateResidentRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                document: Some(pb::create_resident_request::Document::CitizenId(
                    document.clone(),
                )),
                resident_since: day(today - Duration::days(400)),
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner();

    for (who, sees) in [
        ("TOKEN_TOWNSHIP", true),
        ("TOKEN_COUNTY", true),
        ("TOKEN_OTHER_TOWNSHIP", false),
        ("TOKEN_OPERATOR", false),
    ] {
        let found = residents
            .search_residents(s.as_(who, by_citizen_id(&document)))
            .await
            .unwrap()
            .into_inner()
            .residents;
        let names: Vec<&str> = found.iter().map(|r| r.name.as_str()).collect();
        let expected: &[&str] = if sees { &[&created.name] } else { &[] };
        assert_eq!(names, expected, "{who}");
    }
    // Registering the document again is ALREADY_EXISTS, naming the record for one who sees it.
    for (who, names_it) in [("TOKEN_TOWNSHIP", true), ("TOKEN_OTHER_TOWNSHIP", false)] {
        let again = residents
            .create_resident(s.as_(
                who,
                pb::CreateResidentRequest {
                    request_id: uuid::Uuid::new_v4().to_string(),
                    document: Some(pb::create_resident_request::Document::CitizenId(
                        document.clone(),
                    )),
                    resident_since: day(today - Duration::days(400)),
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(again.code(), tonic::Code::AlreadyExists, "{again:?}");
        let named = again.get_details_resource_info().map(|r| r.resource_name);
        let expected = names_it.then(|| created.name.clone());
        assert_eq!(named, expected, "{who}");
    }

    no_table_holds(s, &[&document]).await;

    // An unregistered number answers as an out-of-scope one does.
    let unknown = citizen_id(Date::from_calendar_date(1999, time::Month::July, 9).unwrap());
    let none = residents
        .search_residents(s.as_("TOKEN_TOWNSHIP", by_citizen_id(&unknown)))
        .await
        .unwrap()
        .into_inner();
    assert!(none.residents.is_empty());

    let mut wrong_check = document.clone();
    let last = if wrong_check.ends_with('0') { "1" } else { "0" };
    wrong_check.replace_range(17.., last);
    for (request, field) in [
        (by_citizen_id(&wrong_check), "citizen_id"),
        (pb::SearchResidentsRequest::default(), "query"),
        (by_other("citizen_id", "ABC12345"), "other_document.kind"),
        (by_other("spaceship", "ABC12345"), "other_document.kind"),
        (by_other("passport", "E1"), "other_document.number"),
    ] {
        let refused = residents
            .search_residents(s.as_("TOKEN_TOWNSHIP", request))
            .await
            .unwrap_err();
        assert_eq!(field_of(&refused), field);
    }

    let patient = created.name.clone();
    let entries = AuditServiceClient::new(s.channel.clone())
        .list_audit_entries(s.as_(
            "TOKEN_OPERATOR",
            pb::ListAuditEntriesRequest {
                patient: patient.clone(),
                page_size: 500,
                ..Default::default()
            },
        ))
        .await
        .unwrap()
        .into_inner()
        .entries;
    let searches = |outcome: pb::AuditOutcome| {
        entries
            .iter()
            .filter(|e| e.action == "resident.search" && e.outcome == outcome as i32)
            .count()
    };
    assert_eq!(
        searches(pb::AuditOutcome::Success),
        2,
        "the two that found it"
    );
    // The operator reviews its own community's entries: its own refused search is among them
    // (the other township's is its community's to review).
    assert!(
        entries.iter().any(|e| e.action == "resident.search"
            && e.user == "demo-operator"
            && e.outcome == pb::AuditOutcome::Denied as i32),
        "the operator's refused search"
    );
    assert!(searches(pb::AuditOutcome::Denied) >= 1);
}

/// Nothing the service stored holds any of `secrets` (an identity number, a name, a phone) in
/// clear: not the resident's row, its index, an event, an audit entry or a request key. On
/// SQLite, the database file and its write-ahead log are read byte by byte; on PostgreSQL every
/// row of every table, as text.
pub async fn no_table_holds(s: &TestApp, secrets: &[&str]) {
    for secret in secrets {
        no_table_holds_one(s, secret).await;
    }
}

async fn no_table_holds_one(s: &TestApp, document: &str) {
    use sea_orm::{ConnectionTrait, Statement};
    if s.backend.name == "postgres" {
        let db = sea_orm::Database::connect(s.backend.url.as_str())
            .await
            .unwrap();
        let backend = db.get_database_backend();
        let tables = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT table_name::text AS t FROM information_schema.tables \
                 WHERE table_schema = current_schema()",
            ))
            .await
            .unwrap();
        assert!(tables.len() > 10, "{} tables", tables.len());
        for table in tables {
            let table: String = table.try_get("", "t").unwrap();
            let hits = db
                .query_one_raw(Statement::from_string(
                    backend,
                    format!(
                        "SELECT COUNT(*) AS n FROM \"{table}\" r WHERE r::text LIKE '%{document}%'"
                    ),
                ))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(hits.try_get::<i64>("", "n").unwrap(), 0, "{table}");
        }
    } else {
        let file = s
            .backend
            .url
            .trim_start_matches("sqlite://")
            .split('?')
            .next()
            .unwrap()
            .to_owned();
        let mut read = 0;
        for suffix in ["", "-wal"] {
            let Ok(bytes) = std::fs::read(format!("{file}{suffix}")) else {
                continue;
            };
            read += bytes.len();
            assert!(
                !bytes
                    .windows(document.len())
                    .any(|w| w == document.as_bytes()),
                "{file}{suffix} holds a secret in clear"
            );
        }
        assert!(read > 0, "no database file at {file}");
    }
}
