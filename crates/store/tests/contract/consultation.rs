//! Remote consultation on every backend: a consultation kept whole through its states at the
//! version it was loaded at (a stale update lands nowhere, a taken id is a duplicate); each
//! party's list latest first, the open ones alone when asked, resumed after a cursor.

use time::{Duration, OffsetDateTime};
use yigong_domain::consultation::{Consultation, NewConsultation, Requester};
use yigong_domain::ids::{CommunityId, ConsultationId, ResidentId};
use yigong_domain::network::{Institution, InstitutionKind, Network};
use yigong_domain::referral::Department;
use yigong_ports::{
    Constraint, ConsultationParty, ConsultationQueries, StoreError, UnitOfWork, Versioned,
};

use crate::backends;
use crate::support::*;

fn network() -> Network {
    let mut n = Network::new();
    for (id, kind) in [
        (COUNTY, InstitutionKind::CountyGeneralHospital),
        (TOWNSHIP, InstitutionKind::TownshipHealthCenter),
    ] {
        n.add_institution(Institution {
            id,
            name: format!("{kind:?}"),
            kind,
        })
        .unwrap();
    }
    n.found_community(CommunityId::from_u128(500), "A", COUNTY)
        .unwrap();
    n.join(CommunityId::from_u128(500), TOWNSHIP).unwrap();
    n
}

fn asked(id: u128, at: OffsetDateTime) -> Consultation {
    let new = NewConsultation {
        id: ConsultationId::from_u128(id),
        patient: ResidentId::from_u128(900 + id),
        requester: Requester {
            institution: TOWNSHIP,
            clinician: "dr-wang".into(),
        },
        consultant: COUNTY,
        department: Department::new("department", "心内科").unwrap(),
        question: "胸闷待查".into(),
        attachments: Vec::new(),
        proposed_at: at + Duration::days(1),
    };
    Consultation::ask(new, &network(), at).unwrap().0
}

fn ids(page: &[Versioned<Consultation>]) -> Vec<ConsultationId> {
    page.iter().map(|c| c.value.id()).collect()
}

#[tokio::test]
async fn consultations_keep_their_states_and_each_party_its_list() {
    for b in backends::all().await {
        let t0 = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        let (first, second, third) = (
            asked(1, t0),
            asked(2, t0 + Duration::minutes(1)),
            asked(3, t0 + Duration::minutes(2)),
        );
        let mut tx = b.store.begin().await.unwrap();
        for c in [&first, &second, &third] {
            assert_eq!(tx.insert_consultation(c).await.unwrap(), 1);
        }
        tx.commit().await.unwrap();
        let mut tx = b.store.begin().await.unwrap();
        let taken = tx.insert_consultation(&first).await.unwrap_err();
        assert_eq!(
            taken,
            StoreError::Duplicate {
                constraint: Constraint::Id
            },
            "{}",
            b.name
        );
        tx.rollback().await.unwrap();

        let now = t0 + Duration::minutes(5);
        let (answered, _) = second
            .clone()
            .answer("dr-sun".into(), "建议上转".into(), now)
            .unwrap();
        let mut tx = b.store.begin().await.unwrap();
        let loaded = tx.load_consultation(second.id()).await.unwrap().unwrap();
        assert_eq!(loaded.value, second, "{}", b.name);
        assert_eq!(tx.update_consultation(&answered, 1).await.unwrap(), 2);
        tx.commit().await.unwrap();
        let mut tx = b.store.begin().await.unwrap();
        let stale = tx.update_consultation(&answered, 1).await.unwrap_err();
        assert!(matches!(stale, StoreError::Conflict { .. }), "{stale:?}");
        tx.rollback().await.unwrap();
        let got = b
            .store
            .get_consultation(second.id())
            .await
            .unwrap()
            .unwrap();
        assert_eq!((got.value, got.version), (answered, 2), "{}", b.name);

        let all = b
            .store
            .consultations(ConsultationParty::Requester(TOWNSHIP), false, None, 10)
            .await
            .unwrap();
        assert_eq!(
            ids(&all),
            [third.id(), second.id(), first.id()],
            "{}",
            b.name
        );
        let open = b
            .store
            .consultations(ConsultationParty::Consultant(COUNTY), true, None, 10)
            .await
            .unwrap();
        assert_eq!(ids(&open), [third.id(), first.id()], "{}", b.name);
        let after = (third.requested_at(), third.id());
        let rest = b
            .store
            .consultations(ConsultationParty::Consultant(COUNTY), false, Some(after), 1)
            .await
            .unwrap();
        assert_eq!(ids(&rest), [second.id()], "{}", b.name);
        let none = b
            .store
            .consultations(ConsultationParty::Consultant(TOWNSHIP), false, None, 10)
            .await
            .unwrap();
        assert!(none.is_empty(), "{}", b.name);
    }
}
