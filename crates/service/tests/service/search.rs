//! Finding residents by phone and name: pages that hold exactly the matching records the caller
//! sees, in id order, whatever the page size and however many candidates are out of sight;
//! reads audited per patient, a phone's out-of-sight match audited as a refusal.

use std::sync::{Arc, Mutex};

use time::macros::date;
use yigong_domain::ids::{InstitutionId, ResidentId};
use yigong_domain::personal::{PersonName, PersonalInfo, Phone, ResidentQuery};
use yigong_ports::{AuditOutcome, PatientRecord, ResidentLookup, Versioned};
use yigong_service::ResidentService;
use yigong_service::search::SCAN_PAGES;

use crate::support::*;

/// An institution of no community: its patients are out of the township clinician's sight.
const ELSEWHERE: InstitutionId = InstitutionId::from_u128(7777);

fn named(id: u128, name: &str, phone: &str, held_by: InstitutionId) -> Versioned<PatientRecord> {
    let mut record = patient_record(ResidentId::from_u128(id), held_by);
    let info = PersonalInfo {
        name: Some(PersonName::parse(name).unwrap()),
        phone: Some(Phone::parse(phone).unwrap()),
        ..PersonalInfo::default()
    };
    record.resident = record
        .resident
        .with_personal(info, date!(2026 - 03 - 02))
        .unwrap();
    if held_by == ELSEWHERE {
        record.scope.community = None;
    }
    Versioned {
        value: record,
        version: 1,
    }
}

/// A store's contract over `records`: those answering the term, after the id, at most `limit`.
fn store(records: Vec<Versioned<PatientRecord>>, reads: Arc<Mutex<usize>>) -> MockFollowUps {
    let mut follow_ups = MockFollowUps::new();
    follow_ups
        .expect_find_residents()
        .returning(move |lookup, after, limit| {
            *reads.lock().unwrap() += 1;
            let ResidentLookup::Term(term) = lookup else {
                panic!("a term lookup")
            };
            let mut found: Vec<_> = records
                .iter()
                .filter(|r| r.value.resident.personal().search_terms().contains(term))
                .filter(|r| after.is_none_or(|a| r.value.resident.id() > a))
                .cloned()
                .collect();
            found.sort_by_key(|r| r.value.resident.id());
            found.truncate(limit as usize);
            Ok(found)
        });
    follow_ups
}

fn no_referrals() -> MockQueries {
    let mut q = MockQueries::new();
    q.expect_referred_to().returning(|_, _| Ok(false));
    q
}

/// The audit log as (patient, outcome) pairs, in order.
type Log = Arc<Mutex<Vec<(Option<ResidentId>, AuditOutcome)>>>;

fn audit_into(log: Log) -> MockAudit {
    let mut audit = MockAudit::new();
    let all = Arc::clone(&log);
    audit.expect_record_all().returning(move |entries| {
        let mut log = all.lock().unwrap();
        log.extend(entries.iter().map(|e| (e.patient, e.outcome)));
        Ok(())
    });
    audit.expect_record().returning(move |e| {
        log.lock().unwrap().push((e.patient, e.outcome));
        Ok(())
    });
    audit
}

/// Thirty candidates for 张: some out of sight, some 张 only by a longer name, and others.
fn county() -> Vec<Versioned<PatientRecord>> {
    (1..=30u128)
        .map(|i| {
            let name = match i % 5 {
                0 => "李四",
                1 => "张伟",
                2 => "张秀英",
                3 => "章三",
                _ => "张三丰",
            };
            let held_by = if i % 3 == 0 { ELSEWHERE } else { TOWNSHIP };
            named(i, name, &format!("138{i:08}"), held_by)
        })
        .collect()
}

#[tokio::test]
async fn every_page_size_gives_exactly_the_visible_matches_in_id_order() {
    let query = ResidentQuery::name_prefix("张").unwrap();
    let expected: Vec<ResidentId> = county()
        .iter()
        .filter(|r| query.matches(r.value.resident.personal()))
        .filter(|r| r.value.scope.institution == TOWNSHIP)
        .map(|r| r.value.resident.id())
        .collect();
    assert_eq!(expected.len(), 12);
    for size in 1..=13 {
        let log = Arc::default();
        let svc = ResidentService::new(deps(
            MockUow::new(),
            no_referrals(),
            store(county(), Arc::default()),
            audit_into(Arc::clone(&log)),
        ));
        let mut token: Option<String> = None;
        let mut seen = Vec::new();
        loop {
            let page = svc
                .search(&clinician(TOWNSHIP), &query, size, token.as_deref())
                .await
                .unwrap();
            assert!(page.items.len() <= size as usize);
            seen.extend(page.items.iter().map(|r| r.value.resident.id()));
            match page.next {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, expected, "page size {size}");
        let audited: Vec<_> = log.lock().unwrap().iter().filter_map(|(p, _)| *p).collect();
        assert_eq!(
            audited, expected,
            "each read audited, no candidate out of sight"
        );
    }
}

#[tokio::test]
async fn a_longer_prefix_is_settled_by_the_whole_name() {
    let svc = ResidentService::new(deps(
        MockUow::new(),
        no_referrals(),
        store(county(), Arc::default()),
        audit_into(Arc::default()),
    ));
    let query = ResidentQuery::name_prefix("张三丰").unwrap();
    let page = svc
        .search(&clinician(TOWNSHIP), &query, 50, None)
        .await
        .unwrap();
    assert!(page.next.is_none());
    assert!(!page.items.is_empty());
    for r in &page.items {
        assert_eq!(
            r.value.resident.personal().name.as_ref().unwrap().expose(),
            "张三丰"
        );
    }
}

#[tokio::test]
async fn a_phone_of_someone_out_of_sight_is_a_refused_read() {
    let log = Arc::default();
    let svc = ResidentService::new(deps(
        MockUow::new(),
        no_referrals(),
        store(county(), Arc::default()),
        audit_into(Arc::clone(&log)),
    ));
    let query = ResidentQuery::Phone(Phone::parse("13800000003").unwrap());
    let page = svc
        .search(&clinician(TOWNSHIP), &query, 0, None)
        .await
        .unwrap();
    assert!(page.items.is_empty());
    assert_eq!(
        *log.lock().unwrap(),
        [
            (None, AuditOutcome::Success),
            (Some(ResidentId::from_u128(3)), AuditOutcome::Denied)
        ]
    );
}

#[tokio::test]
async fn a_search_of_many_unseen_reads_a_bounded_number_of_store_pages() {
    let unseen: Vec<_> = (1..=1000u128)
        .map(|i| named(i, "王芳", "13900139000", ELSEWHERE))
        .collect();
    let reads = Arc::default();
    let svc = ResidentService::new(deps(
        MockUow::new(),
        no_referrals(),
        store(unseen, Arc::clone(&reads)),
        audit_into(Arc::default()),
    ));
    let query = ResidentQuery::name_prefix("王").unwrap();
    let page = svc
        .search(&clinician(TOWNSHIP), &query, 5, None)
        .await
        .unwrap();
    assert!(page.items.is_empty());
    assert_eq!(*reads.lock().unwrap(), SCAN_PAGES);
    let next = page.next.expect("the search carries on");
    let later = svc
        .search(&clinician(TOWNSHIP), &query, 5, Some(&next))
        .await
        .unwrap();
    assert!(later.items.is_empty() && later.next.is_some());
    for bad in ["", "zz", "00000000-0000-0000-0000-000000000001"] {
        let refused = svc
            .search(&clinician(TOWNSHIP), &query, 5, Some(bad))
            .await
            .unwrap_err();
        assert!(refused.to_string().contains("page_token"), "{refused}");
    }
}
