//! The follow-up side of store.write: chains of enrolled patients, each visit recorded through
//! the use case or as the same statements in raw SQL.

use std::sync::Mutex;

use sea_orm::sqlx::{self, Row};
use time::OffsetDateTime;
use uuid::Uuid;
use yigong_domain::followup::{Condition, ContactMode, FollowUpPlan, HypertensionVisit, Visit};
use yigong_domain::identity::{DocumentKind, Resident, Sex};
use yigong_domain::ids::{PlanId, VisitId};
use yigong_domain::measure::BloodPressure;
use yigong_ports::NewEvent;
use yigong_service::{DocumentInput, FollowUpService, NewEnrolment, NewResident, ResidentService};
use yigong_store::seal::{RESIDENT_BODY, Sealed};

use super::{
    Bench, COMMUNITY, COUNTY, Chain, Sequence, TEAM, TOWNSHIP, clinician, err, raw_audit,
    raw_events,
};

impl Bench {
    /// One registered, enrolled patient per chain, ids offset so both sides get their own.
    pub(super) async fn enrol_chains(&self, n: usize, offset: usize) -> Result<Vec<Chain>, String> {
        let doctor = clinician(TOWNSHIP, Some(TEAM));
        let residents = ResidentService::new(self.deps.clone());
        let follow_up = FollowUpService::new(self.deps.clone());
        let today = OffsetDateTime::now_utc().date();
        let mut chains = Vec::with_capacity(n);
        for k in offset..offset + n {
            let registered = residents
                .register(
                    &doctor,
                    NewResident {
                        request_id: format!("bench-resident-{k}"),
                        document: DocumentInput::Other {
                            kind: DocumentKind::Passport,
                            number: format!("PB{k:08}"),
                            birth_date: time::macros::date!(1955 - 06 - 01),
                            sex: Sex::Female,
                        },
                        household: None,
                        grid: None,
                        resident_since: time::macros::date!(2000 - 01 - 01),
                        personal: Default::default(),
                    },
                )
                .await
                .map_err(err)?;
            let (_, plan) = follow_up
                .enrol(
                    &doctor,
                    NewEnrolment {
                        patient: registered.value.resident.id(),
                        condition: Condition::Hypertension,
                        confirmed_by: COUNTY,
                        confirmed_on: today,
                        on: today,
                    },
                )
                .await
                .map_err(err)?;
            chains.push(Mutex::new(plan.value.id()));
        }
        Ok(chains)
    }

    pub(super) fn visit() -> Visit {
        Visit::Hypertension(HypertensionVisit {
            date: OffsetDateTime::now_utc().date(),
            mode: ContactMode::Clinic,
            bp: BloodPressure::new(128, 78).unwrap_or_else(|_| unreachable!("a valid reading")),
            heart_rate: None,
            signs: Default::default(),
            adverse_reaction: Default::default(),
            complication: Default::default(),
        })
    }

    pub(super) fn current(chain: &Chain) -> PlanId {
        *chain
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn advance(chain: &Chain, next: PlanId) {
        *chain
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = next;
    }

    pub(super) async fn record_visit(&self, chain: &Chain) -> Result<(), String> {
        let recorded = FollowUpService::new(self.deps.clone())
            .record_visit(
                &clinician(TOWNSHIP, Some(TEAM)),
                Self::current(chain),
                Self::visit(),
                None,
                None,
            )
            .await
            .map_err(err)?;
        Self::advance(chain, recorded.next.value.id());
        Ok(())
    }

    pub(super) async fn raw_record_visit(&self, chain: &Chain) -> Result<(), String> {
        let plan_id = Self::current(chain);
        let mut tx = self.raw.begin().await.map_err(err)?;
        let row = sqlx::query(
            "SELECT p.body, p.version, r.body, e.institution_id FROM follow_up_plan p \
             JOIN enrolment e ON e.id = p.enrolment_id JOIN resident r ON r.id = p.patient_id \
             WHERE p.id = $1",
        )
        .bind(plan_id.as_uuid())
        .fetch_one(&mut *tx)
        .await
        .map_err(err)?;
        let plan: FollowUpPlan = FollowUpPlan::restore(
            serde_json::from_value(row.try_get::<serde_json::Value, _>(0).map_err(err)?)
                .map_err(err)?,
        );
        let version: i64 = row.try_get(1).map_err(err)?;
        let sealed: Sealed =
            serde_json::from_value(row.try_get::<serde_json::Value, _>(2).map_err(err)?)
                .map_err(err)?;
        let opened = self.keys.open(RESIDENT_BODY, &sealed).map_err(err)?;
        let resident: Resident = serde_json::from_slice(&opened).map_err(err)?;
        let institution: Uuid = row.try_get(3).map_err(err)?;
        if institution != TOWNSHIP.as_uuid() {
            return Err("raw follow-up: not this institution's patient".to_owned());
        }
        let visit = Self::visit();
        let now = OffsetDateTime::now_utc();
        let visit_id = VisitId::from_uuid(Uuid::new_v4());
        let recorded = plan
            .record_visit(
                visit_id,
                &visit,
                resident.age_on(visit.date()),
                PlanId::from_uuid(Uuid::new_v4()),
                &self.profile,
            )
            .map_err(err)?;
        let updated = sqlx::query(
            "UPDATE follow_up_plan SET state = 'done', body = $1, version = version + 1, \
             updated_at = $2 WHERE id = $3 AND version = $4",
        )
        .bind(serde_json::to_value(recorded.done.to_record()).map_err(err)?)
        .bind(now)
        .bind(plan_id.as_uuid())
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        if updated.rows_affected() != 1 {
            return Err("raw follow-up lost a race".to_owned());
        }
        let next = &recorded.next;
        sqlx::query(
            "INSERT INTO follow_up_plan (id, enrolment_id, patient_id, team_id, state, due, \
             remind_on, body, version, updated_at) VALUES ($1, $2, $3, $4, 'due', $5, NULL, $6, 1, $7)",
        )
        .bind(next.id().as_uuid())
        .bind(next.enrolment().as_uuid())
        .bind(next.patient().as_uuid())
        .bind(next.team().as_uuid())
        .bind(next.due())
        .bind(serde_json::to_value(next.to_record()).map_err(err)?)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        sqlx::query(
            "INSERT INTO follow_up_visit (id, plan_id, patient_id, team_id, visited_on, \
             face_to_face, class, body) VALUES ($1, $2, $3, $4, $5, true, 'controlled', $6)",
        )
        .bind(visit_id.as_uuid())
        .bind(plan_id.as_uuid())
        .bind(next.patient().as_uuid())
        .bind(TEAM.as_uuid())
        .bind(visit.date())
        .bind(serde_json::to_value(visit).map_err(err)?)
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        let events: Vec<NewEvent> = recorded
            .events
            .into_iter()
            .map(|e| NewEvent::new(Uuid::new_v4(), Some(COMMUNITY), &e.into(), now).map_err(err))
            .collect::<Result<_, _>>()?;
        raw_events(&mut tx, &events, Sequence::StoredMaximum).await?;
        raw_audit(
            &mut tx,
            "follow_up.record_visit",
            next.patient().as_uuid(),
            now,
        )
        .await?;
        tx.commit().await.map_err(err)?;
        Self::advance(chain, next.id());
        Ok(())
    }
}
