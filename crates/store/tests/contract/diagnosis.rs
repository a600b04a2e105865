//! Remote diagnosis on every backend: a centre kept with its roster; requests kept whole
//! through their states at the version they were loaded at (of two readers claiming at once,
//! one lands); the readers' worklist in the domain's order (emergency first, then the longest
//! waiting), of one modality, resumed after a cursor, finished requests left out; the
//! requester's list latest first; the deadlines due.

use time::{Duration, OffsetDateTime};
use yigong_domain::diagnosis::{
    AcquisitionForm, DiagnosisCentre, DiagnosisRequest, Grade, Modality, NewRequest, Priority,
    ReportForm, Requester,
};
use yigong_domain::ids::{CommunityId, DiagnosisCentreId, DiagnosisRequestId, ResidentId};
use yigong_domain::network::{Institution, InstitutionKind, Network};
use yigong_domain::profile::RuleProfile;
use yigong_ports::{DiagnosisQueries, StoreError, UnitOfWork, Versioned, WorklistCursor};

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

fn request(
    centre: &DiagnosisCentre,
    id: u128,
    modality: Modality,
    priority: Priority,
    at: OffsetDateTime,
) -> DiagnosisRequest {
    let new = NewRequest {
        id: DiagnosisRequestId::from_u128(id),
        patient: ResidentId::from_u128(900 + id),
        requester: Requester {
            institution: TOWNSHIP,
            clinician: "dr-wang".into(),
        },
        modality,
        exam_item: "检查".into(),
        clinical_info: "胸闷".into(),
        priority,
    };
    DiagnosisRequest::create(new, centre, &network(), at)
        .unwrap()
        .0
}

fn acquired(r: DiagnosisRequest, at: OffsetDateTime) -> DiagnosisRequest {
    let form = match r.modality() {
        Modality::Ecg => AcquisitionForm {
            ecg_file_id: format!("ECG-{}", r.id()),
            ..AcquisitionForm::default()
        },
        _ => AcquisitionForm {
            study_instance_uid: format!("1.2.156.{}", r.id().as_uuid().as_u128() % 1_000_000),
            accession_number: "A1".into(),
            ..AcquisitionForm::default()
        },
    };
    let acquisition = form.validate(r.modality()).unwrap();
    r.acquire(acquisition, at).unwrap().0
}

async fn save(
    b: &backends::Backend,
    r: &DiagnosisRequest,
    expected: Option<i64>,
) -> Result<i64, StoreError> {
    let mut tx = b.store.begin().await.unwrap();
    let version = match expected {
        None => tx.insert_request(r).await?,
        Some(v) => {
            let next = r.next_deadline(&RuleProfile::bphs3());
            tx.update_request(r, v, next).await?
        }
    };
    tx.commit().await.unwrap();
    Ok(version)
}

fn ids(page: &[Versioned<DiagnosisRequest>]) -> Vec<DiagnosisRequestId> {
    page.iter().map(|r| r.value.id()).collect()
}

#[tokio::test]
async fn requests_keep_their_states_and_the_worklist_its_order() {
    for b in backends::all().await {
        let n = network();
        let (centre, _) = DiagnosisCentre::new(
            DiagnosisCentreId::from_u128(1),
            COUNTY,
            "医学影像中心",
            [Modality::Dr, Modality::Ecg],
            &n,
        )
        .unwrap()
        .appoint("reader-a", Grade::Resident)
        .unwrap();
        let mut tx = b.store.begin().await.unwrap();
        assert_eq!(tx.insert_centre(&centre).await.unwrap(), 1);
        tx.commit().await.unwrap();
        let (regraded, _) = centre.clone().appoint("reader-b", Grade::Chief).unwrap();
        let mut tx = b.store.begin().await.unwrap();
        assert_eq!(tx.update_centre(&regraded, 1).await.unwrap(), 2);
        tx.commit().await.unwrap();
        let kept = b.store.get_centre(centre.id()).await.unwrap().unwrap();
        assert_eq!(
            (kept.value.clone(), kept.version),
            (regraded.clone(), 2),
            "{}",
            b.name
        );
        let listed = b
            .store
            .centres_of(CommunityId::from_u128(500))
            .await
            .unwrap();
        assert_eq!(listed.len(), 1, "{}", b.name);

        // Five requests: three acquired, one never acquired, one done.
        let t = NOW - Duration::hours(3);
        let routine_old = acquired(request(&regraded, 1, Modality::Dr, Priority::Routine, t), t);
        let routine_new = acquired(
            request(&regraded, 2, Modality::Dr, Priority::Routine, t),
            t + Duration::minutes(20),
        );
        let emergency = acquired(
            request(&regraded, 3, Modality::Ecg, Priority::Emergency, t),
            t + Duration::minutes(40),
        );
        let waiting = request(&regraded, 4, Modality::Dr, Priority::Urgent, t);
        let done = acquired(request(&regraded, 5, Modality::Ecg, Priority::Urgent, t), t);
        for r in [&routine_old, &routine_new, &emergency, &waiting, &done] {
            save(&b, r, None).await.unwrap();
        }
        // The acquisitions were written at creation here; give each its deadline column.
        for r in [&routine_old, &routine_new, &emergency, &done] {
            save(&b, r, Some(1)).await.unwrap();
        }
        let reader = |user: &str| regraded.reader(user).unwrap();
        let p = RuleProfile::bphs3();
        let (done_now, _) = done.clone().claim(reader("reader-a"), t).unwrap();
        let form = ReportForm {
            findings: "正常心电图".into(),
            impression: "正常".into(),
            positive: false,
            critical: None,
        };
        let (done_now, _) = done_now.report(&reader("reader-a"), form, t).unwrap();
        let (done_now, _) = done_now.verify(reader("reader-b"), t, &p).unwrap();
        save(&b, &done_now, Some(2)).await.unwrap();

        let all = b
            .store
            .worklist(regraded.id(), None, None, 10)
            .await
            .unwrap();
        assert_eq!(
            ids(&all),
            [emergency.id(), routine_old.id(), routine_new.id()],
            "{}",
            b.name
        );
        let dr = b
            .store
            .worklist(regraded.id(), Some(Modality::Dr), None, 10)
            .await
            .unwrap();
        assert_eq!(ids(&dr), [routine_old.id(), routine_new.id()], "{}", b.name);
        let first = &all[0].value;
        let cursor = WorklistCursor {
            rank: first.priority().rank(),
            acquired_at: first.acquisition().unwrap().1,
            request: first.id(),
        };
        let rest = b
            .store
            .worklist(regraded.id(), None, Some(cursor), 10)
            .await
            .unwrap();
        assert_eq!(ids(&rest), ids(&all[1..]), "{}", b.name);

        // Two readers claim at once: the second write finds the version moved.
        let stored = b.store.get_request(emergency.id()).await.unwrap().unwrap();
        let (mine, _) = stored.value.clone().claim(reader("reader-a"), NOW).unwrap();
        let (theirs, _) = stored.value.clone().claim(reader("reader-b"), NOW).unwrap();
        assert_eq!(
            save(&b, &mine, Some(stored.version)).await.unwrap(),
            stored.version + 1
        );
        let lost = save(&b, &theirs, Some(stored.version)).await;
        assert!(
            matches!(lost, Err(StoreError::Conflict { .. })),
            "{}: {lost:?}",
            b.name
        );
        let now_held = b.store.get_request(emergency.id()).await.unwrap().unwrap();
        assert_eq!(
            now_held.value.claim_holder().map(|(r, _)| r.user.as_str()),
            Some("reader-a"),
            "{}",
            b.name
        );

        // The requester's list, latest first; the deadlines due by now.
        let mine = b.store.requested_by(TOWNSHIP, None, 2).await.unwrap();
        assert_eq!(mine.len(), 2, "{}", b.name);
        let last = &mine[1].value;
        let more = b
            .store
            .requested_by(TOWNSHIP, Some((last.requested_at(), last.id())), 10)
            .await
            .unwrap();
        assert_eq!(mine.len() + more.len(), 5, "{}", b.name);
        assert!(ids(&more).iter().all(|id| !ids(&mine).contains(id)));
        let due = b.store.deadlines_due(NOW, 10).await.unwrap();
        // The emergency (due 30 minutes after its acquisition) is past; the routine ones are not.
        assert_eq!(due, [emergency.id()], "{}", b.name);

        // A centre's period for its figures: from included, until excluded.
        let period = |from, until| b.store.requests_of_centre(centre.id(), from, until);
        let second = Duration::seconds(1);
        assert_eq!(period(t, t + second).await.unwrap().len(), 5, "{}", b.name);
        assert!(period(t - Duration::hours(1), t).await.unwrap().is_empty());
        assert!(period(t + second, NOW).await.unwrap().is_empty());
        let other = b
            .store
            .requests_of_centre(DiagnosisCentreId::from_u128(2), t, NOW)
            .await
            .unwrap();
        assert!(other.is_empty(), "{}", b.name);
    }
}
