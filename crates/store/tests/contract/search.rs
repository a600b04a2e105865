//! Finding residents by search term and roster: a record answers to exactly the terms of its
//! form as last written (insert, bulk insert, update), in id order with `after` and `limit`; a
//! database whose terms were never written (before migration 000015) or written under an older
//! key is indexed again by `reseal`.

use sea_orm::{ConnectionTrait, Statement};
use time::macros::date;
use yigong_domain::identity::{DocumentKind, OtherDocument, Resident, Sex};
use yigong_domain::ids::{CommunityId, GridId, HouseholdId, ResidentId};
use yigong_domain::personal::{Contact, PersonName, PersonalInfo, Phone, ResidentQuery};
use yigong_ports::{FollowUpQueries, PatientRecord, PatientScope, ResidentLookup, UnitOfWork};
use yigong_store::Store;

use crate::support::TOWNSHIP;
use crate::{backends, rows_in};

const GRID: GridId = GridId::from_u128(9);
const HOUSEHOLD: HouseholdId = HouseholdId::from_u128(19);

pub(crate) fn person(
    id: u128,
    name: &str,
    phone: &str,
    household: Option<HouseholdId>,
) -> PatientRecord {
    let resident = Resident::with_document(
        ResidentId::from_u128(id),
        OtherDocument::new(DocumentKind::Passport, &format!("E{id:08}")).unwrap(),
        date!(1960 - 05 - 01),
        Sex::Male,
        household,
        date!(2000 - 01 - 01),
    )
    .unwrap()
    .with_personal(
        PersonalInfo {
            name: Some(PersonName::parse(name).unwrap()),
            phone: Some(Phone::parse(phone).unwrap()),
            ..PersonalInfo::default()
        },
        date!(2026 - 12 - 01),
    )
    .unwrap();
    PatientRecord {
        resident,
        scope: PatientScope {
            community: Some(CommunityId::from_u128(500)),
            institution: TOWNSHIP,
            grid: household.map(|_| GRID),
        },
    }
}

async fn ids(store: &Store, lookup: &ResidentLookup, after: Option<u128>, limit: u32) -> Vec<u128> {
    store
        .find_residents(lookup, after.map(ResidentId::from_u128), limit)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.value.resident.id().as_uuid().as_u128())
        .collect()
}

fn name(prefix: &str) -> ResidentLookup {
    ResidentLookup::Term(ResidentQuery::name_prefix(prefix).unwrap().term())
}

fn phone(p: &str) -> ResidentLookup {
    ResidentLookup::Term(ResidentQuery::Phone(Phone::parse(p).unwrap()).term())
}

#[tokio::test]
async fn a_record_answers_to_the_terms_of_its_form_as_last_written() {
    for b in backends::all().await {
        let s = &b.store;
        let mut tx = s.begin().await.unwrap();
        tx.insert_resident(&person(3, "张伟", "13800000003", Some(HOUSEHOLD)))
            .await
            .unwrap();
        tx.insert_residents(&[
            person(1, "张秀英", "13800000001", Some(HOUSEHOLD)),
            person(2, "李娜", "13800000002", None),
            person(4, "张伟明", "13800000004", Some(HOUSEHOLD)),
        ])
        .await
        .unwrap();
        tx.commit().await.unwrap();

        assert_eq!(ids(s, &name("张"), None, 10).await, [1, 3, 4], "{}", b.name);
        assert_eq!(ids(s, &name("张伟"), None, 10).await, [3, 4], "{}", b.name);
        assert_eq!(ids(s, &name("张"), Some(1), 1).await, [3], "{}", b.name);
        assert_eq!(
            ids(s, &name("张"), Some(4), 10).await,
            [0u128; 0],
            "{}",
            b.name
        );
        assert_eq!(
            ids(s, &phone("13800000002"), None, 10).await,
            [2],
            "{}",
            b.name
        );
        assert!(ids(s, &name("王"), None, 10).await.is_empty(), "{}", b.name);
        let grid = ResidentLookup::Grid(GRID);
        assert_eq!(ids(s, &grid, None, 2).await, [1, 3], "{}", b.name);
        assert_eq!(ids(s, &grid, Some(3), 2).await, [4], "{}", b.name);
        let household = ResidentLookup::Household(HOUSEHOLD);
        assert_eq!(ids(s, &household, None, 10).await, [1, 3, 4], "{}", b.name);

        // An update replaces the terms: the old phone and name find nothing, the new ones do,
        // and the contact's phone finds the resident too.
        let found = s
            .get_resident(ResidentId::from_u128(2))
            .await
            .unwrap()
            .unwrap();
        let mut changed = found.value.clone();
        changed.resident = person(2, "王娜", "13900000002", None)
            .resident
            .with_personal(
                PersonalInfo {
                    contact: Some(Contact {
                        name: PersonName::parse("王强").unwrap(),
                        phone: Phone::parse("13700000007").unwrap(),
                    }),
                    ..person(2, "王娜", "13900000002", None)
                        .resident
                        .personal()
                        .clone()
                },
                date!(2026 - 12 - 01),
            )
            .unwrap();
        let mut tx = s.begin().await.unwrap();
        tx.update_resident(&changed, found.version).await.unwrap();
        tx.commit().await.unwrap();
        assert!(
            ids(s, &phone("13800000002"), None, 10).await.is_empty(),
            "{}",
            b.name
        );
        assert!(ids(s, &name("李"), None, 10).await.is_empty(), "{}", b.name);
        assert_eq!(
            ids(s, &phone("13900000002"), None, 10).await,
            [2],
            "{}",
            b.name
        );
        assert_eq!(
            ids(s, &phone("13700000007"), None, 10).await,
            [2],
            "{}",
            b.name
        );
        assert_eq!(ids(s, &name("王"), None, 10).await, [2], "{}", b.name);
        // 张秀英: 3 name prefixes + 1 phone, and so on; 王娜: 2 + 2 phones.
        assert_eq!(
            rows_in(s, "resident_term").await,
            4 + 3 + 4 + 4,
            "{}",
            b.name
        );
    }
}

#[tokio::test]
async fn reseal_indexes_records_whose_terms_were_never_written_or_under_another_key() {
    use yigong_store::seal::{DataKeys, Suite};
    for b in backends::all().await {
        let old = DataKeys::generate("2025");
        let new = DataKeys::generate("2026");
        let store = b
            .store
            .clone()
            .with_keys(DataKeys::parse(Suite::Aes256Gcm, [old.as_str()]).unwrap());
        let mut tx = store.begin().await.unwrap();
        tx.insert_residents(&[
            person(1, "张秀英", "13800000001", None),
            person(2, "李娜", "13800000002", None),
        ])
        .await
        .unwrap();
        tx.commit().await.unwrap();
        // As before migration 000015: no terms, and every row marked for resealing.
        let db = store.connection();
        for sql in [
            "DELETE FROM resident_term",
            "UPDATE resident SET key_id = NULL",
        ] {
            db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap();
        }
        assert!(ids(&store, &name("张"), None, 10).await.is_empty());
        let rotated = b
            .store
            .clone()
            .with_keys(DataKeys::parse(Suite::Aes256Gcm, [new.as_str(), old.as_str()]).unwrap());
        assert_eq!(rotated.reseal().await.unwrap(), 2, "{}", b.name);
        assert_eq!(
            ids(&rotated, &name("张"), None, 10).await,
            [1],
            "{}",
            b.name
        );
        assert_eq!(
            ids(&rotated, &phone("13800000002"), None, 10).await,
            [2],
            "{}",
            b.name
        );
        // The terms are keyed: under the old key alone they find nothing.
        assert!(
            ids(&store, &name("张"), None, 10).await.is_empty(),
            "{}",
            b.name
        );
        assert_eq!(
            rows_in(&rotated, "resident_term").await,
            4 + 3,
            "{}",
            b.name
        );
    }
}
