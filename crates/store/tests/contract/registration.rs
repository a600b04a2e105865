//! Registering residents in bulk (`ResidentImports`): a batch lands whole — records readable
//! and sealed, terms searchable, an event and an audit entry each, the request claimed — or
//! not at all, on every backend.

use sea_orm::{ConnectionTrait, Statement};
use uuid::Uuid;
use yigong_domain::event::DomainEvent;
use yigong_domain::identity::{DocumentKind, OtherDocument, Resident};
use yigong_domain::ids::{HouseholdId, ResidentId};
use yigong_domain::personal::{Phone, ResidentQuery};
use yigong_ports::{
    Actor, AuditEntry, AuditOutcome, ChangeFeed, Constraint, FollowUpQueries, NewEvent,
    ResidentBatch, ResidentImports, ResidentLookup, StoreError, UnitOfWork,
};

use crate::search::person;
use crate::support::*;
use crate::{backends, rows_in};

/// More records than one multi-row statement holds on SQLite, and than one piece of the
/// PostgreSQL `COPY` stream.
const MANY: u128 = 1_200;

fn batch(first: u128, n: u128, request: &str) -> ResidentBatch {
    let records: Vec<_> = (first..first + n)
        .map(|k| {
            let household = (k % 3 == 0).then(|| HouseholdId::from_u128(19));
            person(k, "王小明", &format!("139{k:08}"), household)
        })
        .collect();
    let events = records
        .iter()
        .map(|r| {
            NewEvent::new(
                Uuid::new_v4(),
                r.scope.community,
                &DomainEvent::from(r.resident.registered()),
                NOW,
            )
            .unwrap()
        })
        .collect();
    let audits = records
        .iter()
        .map(|r| AuditEntry {
            actor: Actor {
                user: "importer".into(),
                role: "clinician".into(),
                institution: TOWNSHIP,
            },
            action: "resident.import".into(),
            resource: format!("residents/{}", r.resident.id()),
            patient: Some(r.resident.id()),
            at: NOW,
            outcome: AuditOutcome::Success,
            break_glass: None,
        })
        .collect();
    ResidentBatch {
        records,
        events,
        audits,
        request: Some(request_key(
            "resident.import",
            request,
            Uuid::from_u128(first),
        )),
    }
}

fn phone(p: &str) -> ResidentLookup {
    ResidentLookup::Term(ResidentQuery::Phone(Phone::parse(p).unwrap()).term())
}

/// What a batch writes, table by table.
async fn counts(store: &yigong_store::Store) -> [i64; 5] {
    [
        rows_in(store, "resident").await,
        rows_in(store, "resident_term").await,
        rows_in(store, "outbox_event").await,
        rows_in(store, "audit_entry").await,
        rows_in(store, "request_key").await,
    ]
}

#[tokio::test]
async fn a_batch_lands_whole_sealed_searchable_with_an_event_and_an_audit_entry_each() {
    for b in backends::all().await {
        let s = &b.store;
        let written = batch(1, MANY, "first");
        s.import_residents(&written).await.unwrap();
        let n = i64::try_from(MANY).unwrap();
        let terms: usize = written
            .records
            .iter()
            .map(|r| r.resident.personal().search_terms().len())
            .sum();
        assert!(terms >= 2 * MANY as usize, "a name and a phone each");
        let terms = i64::try_from(terms).unwrap();
        assert_eq!(counts(s).await, [n, terms, n, n, 1], "{}", b.name);
        for k in [1, 2, 3, MANY] {
            let stored = s.get_resident(ResidentId::from_u128(k)).await.unwrap();
            let stored = stored.unwrap_or_else(|| panic!("{}: resident {k}", b.name));
            assert_eq!(stored.version, 1, "{}", b.name);
            assert_eq!(
                stored.value,
                written.records[(k - 1) as usize],
                "{}",
                b.name
            );
        }
        let found = s
            .find_residents(&phone(&format!("139{:08}", 600)), None, 10)
            .await
            .unwrap();
        assert_eq!(found.len(), 1, "{}", b.name);
        assert_eq!(found[0].value.resident.id(), ResidentId::from_u128(600));
        let feed = s.changes_since(0, 5_000).await.unwrap();
        assert_eq!(feed.len(), MANY as usize, "{}", b.name);
        assert!(feed.iter().all(|e| e.aggregate_sequence == 1), "{}", b.name);
        // Sealed: no name or phone of the batch in any stored body.
        let db = s.connection();
        let bodies = db
            .query_all_raw(Statement::from_string(
                db.get_database_backend(),
                "SELECT CAST(body AS TEXT) AS body FROM resident".to_owned(),
            ))
            .await
            .unwrap();
        assert_eq!(bodies.len(), MANY as usize);
        for row in bodies {
            let body: String = row.try_get("", "body").unwrap();
            assert!(
                !body.contains("139000006") && !body.contains('王'),
                "{}",
                b.name
            );
        }
    }
}

#[tokio::test]
async fn a_batch_with_a_registered_document_writes_nothing() {
    for b in backends::all().await {
        let s = &b.store;
        let mut tx = s.begin().await.unwrap();
        tx.insert_resident(&person(5_000, "李娜", "13800000001", None::<HouseholdId>))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let before = counts(s).await;
        // Its last record carries the stored resident's document under a fresh id.
        let mut late = batch(4_000, 1_001, "late");
        let mut twin = person(9_999, "李娜", "13800000001", None);
        twin.resident = Resident::with_document(
            ResidentId::from_u128(9_999),
            OtherDocument::new(DocumentKind::Passport, "E00005000").unwrap(),
            twin.resident.birth_date(),
            twin.resident.sex(),
            None,
            twin.resident.resident_since(),
        )
        .unwrap();
        let last = late.records.len() - 1;
        late.records[last] = twin;
        let err = s.import_residents(&late).await.unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Duplicate {
                    constraint: Constraint::ResidentDocument
                }
            ),
            "{}: {err}",
            b.name
        );
        assert_eq!(counts(s).await, before, "{}", b.name);
    }
}

#[tokio::test]
async fn a_retried_request_writes_nothing() {
    for b in backends::all().await {
        let s = &b.store;
        s.import_residents(&batch(1, 20, "once")).await.unwrap();
        let before = counts(s).await;
        let err = s
            .import_residents(&batch(100, 20, "once"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::Duplicate {
                    constraint: Constraint::RequestId
                }
            ),
            "{}: {err}",
            b.name
        );
        assert_eq!(counts(s).await, before, "{}", b.name);
        assert!(
            s.get_resident(ResidentId::from_u128(100))
                .await
                .unwrap()
                .is_none()
        );
    }
}
