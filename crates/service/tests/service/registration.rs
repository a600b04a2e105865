//! Registering residents in bulk: a valid batch goes to the store whole, with an event and an
//! audit entry per resident and the request claimed; a retry gets the first batch's ids.

use std::sync::Arc;

use time::macros::date;
use yigong_domain::identity::{DocumentKind, Sex};
use yigong_domain::personal::PersonalInfo;
use yigong_ports::{Constraint, StoreError};
use yigong_service::{DocumentInput, ResidentRow, ResidentService};

use crate::support::*;

fn rows(n: usize) -> Vec<ResidentRow> {
    (0..n)
        .map(|k| ResidentRow {
            document: DocumentInput::Other {
                kind: DocumentKind::Passport,
                number: format!("E{k:08}"),
                birth_date: date!(1960 - 05 - 01),
                sex: Sex::Female,
            },
            household: None,
            grid: None,
            resident_since: date!(2000 - 01 - 01),
            personal: PersonalInfo::default(),
        })
        .collect()
}

/// The store finds the request claimed by a concurrent first run: the batch answers with the
/// first run's ids. Asked again, the service finds the claim before reading or writing anything.
#[tokio::test]
async fn a_batch_whose_request_was_claimed_returns_the_first_runs_ids() {
    let first = uuid::Uuid::from_u128(777);
    let mut tx = MockTx::new();
    tx.expect_load_households().returning(|_| Ok(vec![]));
    tx.expect_registered_documents().returning(|_| Ok(vec![]));
    tx.expect_rollback().times(1).returning(|| Ok(()));
    let claimed = Claimed::default();
    let seen = claimed.clone();
    let mut registry = MockRegistry::new();
    registry
        .expect_import_residents()
        .times(1)
        .returning(move |batch| {
            assert_eq!(batch.records.len(), 3);
            assert_eq!(batch.events.len(), 3, "one registration event each");
            assert_eq!(batch.audits.len(), 3, "one audit entry each");
            for (record, audit) in batch.records.iter().zip(&batch.audits) {
                assert_eq!(audit.patient, Some(record.resident.id()));
            }
            seen.remember(batch.request.as_ref().expect("a batch names its request"));
            Err(StoreError::Duplicate {
                constraint: Constraint::RequestId,
            })
        });
    let service = ResidentService::new(yigong_service::Deps {
        registry: Arc::new(registry),
        requests: Arc::new(claimed.log(first, true)),
        ..deps(
            uow_with(tx),
            MockQueries::new(),
            MockFollowUps::new(),
            MockAudit::new(),
        )
    });
    let who = clinician(TOWNSHIP);
    let raced = service
        .import_residents(&who, "batch-1", rows(3))
        .await
        .unwrap();
    assert!(raced.errors.is_empty());
    assert_eq!(raced.residents.len(), 3);
    let again = service
        .import_residents(&who, "batch-1", rows(3))
        .await
        .unwrap();
    assert_eq!(again, raced, "the same ids, with nothing read or written");
    assert_eq!(
        raced.residents[2].as_uuid(),
        uuid::Uuid::new_v5(&first, &2usize.to_be_bytes()),
        "the ids the first run derived from its claimed base"
    );
}
