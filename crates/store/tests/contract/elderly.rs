//! 65+ checks on every backend: written whole, a taken id refused, a resident's read latest
//! first; and the grid's facts the assessed rates are counted from (the year's checks with
//! their guidance, the residents the blood-pressure programme screened, opportunistic readings
//! left out).

use time::Date;
use time::macros::date;
use uuid::Uuid;
use yigong_domain::elderly::{
    CheckForm, Drinking, Exercise, Guidance, Hearing, MotorFunction, SelfRatedHealth, Smoking,
    assess_check,
};
use yigong_domain::identity::Sex;
use yigong_domain::ids::{CommunityId, ElderlyCheckId, GridId, ResidentId, ScreeningId};
use yigong_domain::measure::{BloodPressure, Glucose};
use yigong_domain::profile::RuleProfile;
use yigong_domain::screening::{
    BpReading, GlucoseKind, RiskFactors, assess_blood_pressure, assess_glucose,
};
use yigong_ports::{
    Actor, AuditEntry, AuditOutcome, Constraint, ElderlyCheckQueries, ElderlyCheckRecord,
    IndicatorQueries, ScreeningBatch, ScreeningDueQueries, ScreeningFinding, ScreeningRecord,
    ScreeningStore, StoreError, UnitOfWork,
};

use crate::backends;
use crate::support::*;

const GRID: GridId = GridId::from_u128(900);

fn check(id: u128, resident: ResidentId, on: Date, guided: bool) -> ElderlyCheckRecord {
    let form = CheckForm {
        on,
        self_care: [0, 0, 0, 0, 0],
        self_rated_health: SelfRatedHealth::Satisfied,
        cognition_positive: false,
        emotion_positive: false,
        smoking: Smoking::Never,
        drinking: Drinking::Never,
        exercise: Exercise::Daily,
        temperature_tenths: None,
        pulse: None,
        respiration: None,
        sbp: 132,
        dbp: 80,
        height_tenths: None,
        weight_tenths: None,
        waist_cm: None,
        abnormal_sites: vec![],
        vision_tenths: None,
        hearing: Hearing::Hears,
        motor_function: MotorFunction::Completes,
        tests: vec![],
        guidance: if guided {
            vec![Guidance::FallPrevention]
        } else {
            vec![]
        },
        fed_back_on: guided.then_some(on),
    };
    let check = form.validate(date!(1950 - 05 - 01), NOW.date()).unwrap();
    ElderlyCheckRecord {
        id: ElderlyCheckId::from_u128(id),
        resident,
        institution: TOWNSHIP,
        assessment: assess_check(&check, &[], &RuleProfile::bphs3()),
        check,
        recorded_at: NOW,
        advice: None,
    }
}

async fn insert(b: &backends::Backend, r: &ElderlyCheckRecord) -> Result<(), StoreError> {
    let mut tx = b.store.begin().await.unwrap();
    tx.insert_elderly_check(r).await?;
    tx.commit().await.unwrap();
    Ok(())
}

/// Screenings of `who` on `on`, the `opportunistic` one kept out of the programme.
fn screenings(first: u128, who: ResidentId, on: Date, opportunistic: bool) -> ScreeningBatch {
    let bp = BloodPressure::new(126, 78).unwrap();
    let decision = assess_blood_pressure(
        &[BpReading { date: on, bp }],
        70,
        Sex::Female,
        &RiskFactors::default(),
        &RuleProfile::bphs3(),
    )
    .unwrap();
    let batch = Uuid::from_u128(first);
    ScreeningBatch {
        records: vec![ScreeningRecord {
            id: ScreeningId::from_u128(first),
            batch,
            resident: who,
            institution: TOWNSHIP,
            on,
            opportunistic,
            finding: ScreeningFinding::BloodPressure {
                bp,
                risk: RiskFactors::default(),
                decision,
            },
        }],
        advice: Vec::new(),
        events: Vec::new(),
        audit: AuditEntry {
            actor: Actor {
                user: "importer".into(),
                role: "clinician".into(),
                institution: TOWNSHIP,
            },
            action: "screening.import".to_owned(),
            resource: format!("batches/{batch}"),
            patient: None,
            at: NOW,
            outcome: AuditOutcome::Success,
            break_glass: None,
        },
        request: Some(request_key(
            "screening.import",
            &format!("req-{first}"),
            batch,
        )),
    }
}

#[tokio::test]
async fn checks_are_kept_whole_read_latest_first_and_counted_in_their_grid_and_year() {
    for b in backends::all().await {
        let mut held = patient(
            ResidentId::from_u128(61),
            TOWNSHIP,
            CommunityId::from_u128(500),
        );
        held.scope.grid = Some(GRID);
        let mut other = patient(
            ResidentId::from_u128(62),
            TOWNSHIP,
            CommunityId::from_u128(500),
        );
        other.scope.grid = Some(GridId::from_u128(901));
        let mut tx = b.store.begin().await.unwrap();
        tx.insert_resident(&held).await.unwrap();
        tx.insert_resident(&other).await.unwrap();
        tx.commit().await.unwrap();
        let who = held.resident.id();

        let last_year = check(1, who, date!(2025 - 11 - 20), false);
        let this_year = check(2, who, date!(2026 - 02 - 10), true);
        insert(&b, &last_year).await.unwrap();
        insert(&b, &this_year).await.unwrap();
        insert(
            &b,
            &check(3, other.resident.id(), date!(2026 - 02 - 11), true),
        )
        .await
        .unwrap();
        let taken = insert(&b, &check(2, who, date!(2026 - 02 - 12), false)).await;
        assert!(
            matches!(
                taken,
                Err(StoreError::Duplicate {
                    constraint: Constraint::Id
                })
            ),
            "{}: {taken:?}",
            b.name
        );
        assert_eq!(
            b.store.get_elderly_check(this_year.id).await.unwrap(),
            Some(this_year.clone()),
            "{}",
            b.name
        );
        let listed = b.store.elderly_checks_of(who).await.unwrap();
        assert_eq!(listed, vec![this_year.clone(), last_year], "{}", b.name);

        // The programme's reading counts once; the opportunistic one and last year's do not.
        for (first, on, opportunistic) in [
            (70_000, date!(2026 - 01 - 05), false),
            (70_001, date!(2026 - 02 - 05), false),
            (70_002, date!(2026 - 02 - 06), true),
            (70_003, date!(2025 - 06 - 01), false),
        ] {
            let batch = screenings(first, who, on, opportunistic);
            b.store.import_screenings(&batch).await.unwrap();
        }
        let opportunistic_only = other.resident.id();
        b.store
            .import_screenings(&screenings(
                70_010,
                opportunistic_only,
                date!(2026 - 02 - 06),
                true,
            ))
            .await
            .unwrap();

        let facts = b
            .store
            .grid_facts(GRID, NOW.date(), date!(2025 - 03 - 02))
            .await
            .unwrap();
        assert_eq!(facts.residents.len(), 1, "{}", b.name);
        assert_eq!(facts.checks.len(), 1, "{}: this year's only", b.name);
        assert_eq!(facts.checks[0].0, who);
        assert_eq!(
            (facts.checks[0].1.on, facts.checks[0].1.guided_on),
            (date!(2026 - 02 - 10), Some(date!(2026 - 02 - 10)))
        );
        assert_eq!(facts.bp_screened, vec![who], "{}", b.name);
        let elsewhere = b
            .store
            .grid_facts(GridId::from_u128(901), NOW.date(), date!(2025 - 03 - 02))
            .await
            .unwrap();
        assert!(elsewhere.bp_screened.is_empty(), "{}", b.name);
        assert_eq!(elsewhere.checks.len(), 1, "{}", b.name);
        // Counted to a day before the check: not yet.
        let earlier = b
            .store
            .grid_facts(GRID, date!(2026 - 02 - 09), date!(2025 - 02 - 09))
            .await
            .unwrap();
        assert!(earlier.checks.is_empty(), "{}", b.name);

        // The due lists' histories: the latest programme reading and check on or before the day.
        let histories = b
            .store
            .screening_histories(&[who, opportunistic_only], NOW.date())
            .await
            .unwrap();
        let mine = &histories[&who];
        assert_eq!(
            mine.last_bp.map(|(on, _)| on),
            Some(date!(2026 - 02 - 05)),
            "{}: the opportunistic reading of the 6th is not the programme's",
            b.name
        );
        assert_eq!(mine.last_check, Some(date!(2026 - 02 - 10)));
        assert!(mine.last_glucose.is_none() && !mine.hypertension_managed);
        let theirs = &histories[&opportunistic_only];
        assert!(theirs.last_bp.is_none(), "{}", b.name);
        assert_eq!(theirs.last_check, Some(date!(2026 - 02 - 11)));
        let before = b
            .store
            .screening_histories(&[who], date!(2026 - 01 - 31))
            .await
            .unwrap();
        assert_eq!(
            before[&who].last_bp.map(|(on, _)| on),
            Some(date!(2026 - 01 - 05))
        );
        assert_eq!(before[&who].last_check, Some(date!(2025 - 11 - 20)));
    }
}

/// A glucose reading of `who` on `on`.
fn glucose(first: u128, who: ResidentId, on: Date, kind: GlucoseKind) -> ScreeningBatch {
    let mut batch = screenings(first, who, on, false);
    let reading = Glucose::from_hundredths(640).unwrap();
    batch.records[0].finding = ScreeningFinding::Glucose {
        glucose: reading,
        kind,
        symptoms: false,
        decision: assess_glucose(reading, kind, false, &RuleProfile::bphs3()),
        rescreen_on: None,
    };
    batch
}

#[tokio::test]
async fn the_due_lists_read_fasting_glucose_and_the_enrolments_of_the_day_and_old_rows_are_filled()
{
    use sea_orm_migration::MigratorTrait;
    use yigong_domain::followup::CloseReason;
    for b in backends::all().await {
        let mut held = patient(
            ResidentId::from_u128(71),
            TOWNSHIP,
            CommunityId::from_u128(500),
        );
        held.scope.grid = Some(GRID);
        let who = held.resident.id();
        let (enrolled, _) = crate::followup::enrolment(7, 71, date!(2025 - 03 - 01));
        let (closed, _) = enrolled
            .clone()
            .close(date!(2026 - 02 - 01), CloseReason::MovedOut)
            .unwrap();
        let mut tx = b.store.begin().await.unwrap();
        tx.insert_resident(&held).await.unwrap();
        let v = tx.insert_enrolment(&enrolled).await.unwrap();
        tx.update_enrolment(&closed, v).await.unwrap();
        tx.commit().await.unwrap();
        // A fasting reading, then a newer random one: the programme's is the fasting one.
        for batch in [
            glucose(80_000, who, date!(2026 - 01 - 10), GlucoseKind::Fasting),
            glucose(80_001, who, date!(2026 - 02 - 20), GlucoseKind::Random),
        ] {
            b.store.import_screenings(&batch).await.unwrap();
        }
        let fed_late = {
            let mut c = check(4, who, date!(2026 - 02 - 10), true);
            c.check.fed_back_on = Some(date!(2026 - 02 - 14));
            c
        };
        insert(&b, &fed_late).await.unwrap();

        let read = |on: Date| {
            let store = &b.store;
            async move {
                store
                    .screening_histories(&[who], on)
                    .await
                    .unwrap()
                    .remove(&who)
                    .unwrap()
            }
        };
        let today = read(NOW.date()).await;
        assert_eq!(
            today.last_glucose.map(|(on, _)| on),
            Some(date!(2026 - 01 - 10)),
            "{}",
            b.name
        );
        assert!(
            !today.hypertension_managed,
            "{}: closed in February",
            b.name
        );
        assert!(
            read(date!(2026 - 01 - 31)).await.hypertension_managed,
            "{}: managed then",
            b.name
        );
        assert!(
            b.store
                .screening_histories(&[], NOW.date())
                .await
                .unwrap()
                .is_empty(),
            "{}",
            b.name
        );
        let facts = b
            .store
            .grid_facts(GRID, date!(2026 - 01 - 31), date!(2025 - 02 - 01))
            .await
            .unwrap();
        assert_eq!(
            facts.enrolments,
            vec![closed.clone()],
            "{}: the closed one, judged by the domain",
            b.name
        );
        let checks = |f: &yigong_ports::GridFacts| {
            f.checks
                .iter()
                .map(|(_, c)| c.guided_on)
                .collect::<Vec<_>>()
        };
        let facts = b
            .store
            .grid_facts(GRID, NOW.date(), date!(2025 - 03 - 02))
            .await
            .unwrap();
        assert_eq!(
            checks(&facts),
            vec![Some(date!(2026 - 02 - 14))],
            "{}",
            b.name
        );

        // Rows written before migration 000024 get their columns from their bodies: back to
        // before it, whatever came after, and up again, on one connection (in one transaction),
        // so no pooled SQLite connection runs the up against the schema from before the down.
        let after_23 = yigong_store::Migrator::migrations().len() - 23;
        let tx = sea_orm::TransactionTrait::begin(b.store.connection())
            .await
            .unwrap();
        yigong_store::Migrator::down(&tx, Some(u32::try_from(after_23).unwrap()))
            .await
            .unwrap_or_else(|e| panic!("{}: down: {e}", b.name));
        yigong_store::Migrator::up(&tx, None)
            .await
            .unwrap_or_else(|e| panic!("{}: up: {e}", b.name));
        tx.commit().await.unwrap();
        let facts = b
            .store
            .grid_facts(GRID, NOW.date(), date!(2025 - 03 - 02))
            .await
            .unwrap();
        assert_eq!(
            checks(&facts),
            vec![Some(date!(2026 - 02 - 14))],
            "{}: refilled",
            b.name
        );
        assert_eq!(
            read(NOW.date()).await.last_glucose.map(|(on, _)| on),
            Some(date!(2026 - 01 - 10)),
            "{}: refilled",
            b.name
        );
    }
}
