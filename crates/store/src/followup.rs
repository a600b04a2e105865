//! Residents, enrolments, follow-up plans and visits: the repositories inside a transaction and
//! the read-side queries.

use async_trait::async_trait;
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;
use yigong_domain::followup::{Enrolment, FollowUpPlan, PlanRecord, PlanState, WorklistPosition};
use yigong_domain::identity::{IdentityDocument, Resident};
use yigong_domain::ids::{
    CommunityId, EnrolmentId, GridId, InstitutionId, PlanId, ResidentId, TeamId, VisitId,
};
use yigong_ports::{
    FollowUpQueries, FollowUpRepository, PatientRecord, PatientScope, PlanInContext,
    ResidentLookup, ResidentRepository, StoreError, Version, Versioned, VisitRecord,
};

use crate::Store;
use crate::convert::{
    InsertRow, body_text, corrupt, db_err, from_json, from_text, to_json, update_versioned,
};
use crate::entity::{enrolment, follow_up_plan, follow_up_visit, resident};
use crate::seal::{DataKeys, RESIDENT_BODY, Sealed};
use crate::search::{find_residents, write_terms};
use crate::tx::SeaTransaction;

/// The blind index of an identity document (`resident.document_key`): one record per document,
/// found by equality, and the number itself never stored in clear.
pub(crate) fn document_index(
    keys: &DataKeys,
    document: &IdentityDocument,
) -> Result<String, StoreError> {
    let kind = match to_json("resident", &document.kind())? {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    };
    Ok(keys.blind_index(
        "resident.document",
        &format!("{kind}:{}", document.expose()),
    ))
}

/// The resident as stored: sealed whole, so every personal field of the record (identity
/// number, name, phone, contacts, history) is ciphertext at rest.
pub(crate) fn seal_resident(
    keys: &DataKeys,
    r: &Resident,
) -> Result<serde_json::Value, StoreError> {
    let plain = serde_json::to_vec(r).map_err(|e| corrupt("resident", e.to_string()))?;
    to_json("resident", &keys.seal(RESIDENT_BODY, &plain))
}

/// The resident from its stored body. A body written before sealing (plain JSON) still reads,
/// until [`Store::reseal`] rewrites it.
pub(crate) fn open_resident(
    keys: &DataKeys,
    body: serde_json::Value,
) -> Result<Resident, StoreError> {
    if body.get("ct").is_none() {
        return from_json("resident", body);
    }
    let sealed: Sealed = from_json("resident", body)?;
    let plain = keys
        .open(RESIDENT_BODY, &sealed)
        .map_err(|e| corrupt("resident", e.to_string()))?;
    serde_json::from_slice(&plain).map_err(|e| corrupt("resident", e.to_string()))
}

/// The stored state of a plan still waiting for its visit.
pub(crate) const WAITING: &str = PlanState::Due.code();

fn resident_scope(m: &resident::Model) -> PatientScope {
    PatientScope {
        community: m.community_id.map(CommunityId::from_uuid),
        institution: InstitutionId::from_uuid(m.institution_id),
        grid: m.grid_id.map(GridId::from_uuid),
    }
}

fn resident_row(
    keys: &DataKeys,
    record: &PatientRecord,
    now: OffsetDateTime,
) -> Result<resident::ActiveModel, StoreError> {
    let r = &record.resident;
    Ok(resident::ActiveModel {
        id: Set(r.id().as_uuid()),
        community_id: Set(record.scope.community.map(|c| c.as_uuid())),
        institution_id: Set(record.scope.institution.as_uuid()),
        household_id: Set(r.household().map(|h| h.as_uuid())),
        grid_id: Set(record.scope.grid.map(|g| g.as_uuid())),
        document_key: Set(document_index(keys, r.document())?),
        key_id: Set(Some(keys.current_id().to_owned())),
        body: Set(seal_resident(keys, r)?),
        version: Set(1),
        updated_at: Set(now),
    })
}

/// Inserts `records` at version 1 with their search terms, in multi-row statements.
pub(crate) async fn insert_resident_rows<C: ConnectionTrait>(
    db: &C,
    keys: &DataKeys,
    records: &[PatientRecord],
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    // Ten columns a row: 1,000 rows a statement stay under every driver's limit.
    for chunk in records.chunks(1000) {
        let rows = chunk
            .iter()
            .map(|r| resident_row(keys, r, now))
            .collect::<Result<Vec<_>, _>>()?;
        resident::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await
            .map_err(db_err)?;
    }
    write_terms(db, keys, records.iter().map(|r| &r.resident), false).await
}

pub(crate) fn record_from(
    keys: &DataKeys,
    m: resident::Model,
) -> Result<Versioned<PatientRecord>, StoreError> {
    let scope = resident_scope(&m);
    Ok(Versioned {
        value: PatientRecord {
            resident: open_resident(keys, m.body)?,
            scope,
        },
        version: m.version,
    })
}

fn enrolment_row(
    e: &Enrolment,
    version: Version,
    now: OffsetDateTime,
) -> Result<enrolment::ActiveModel, StoreError> {
    let condition = e.condition().code();
    Ok(enrolment::ActiveModel {
        id: Set(e.id().as_uuid()),
        patient_id: Set(e.patient().as_uuid()),
        condition: Set(condition.to_owned()),
        open_condition: Set(e.closed().is_none().then(|| condition.to_owned())),
        team_id: Set(e.team().as_uuid()),
        institution_id: Set(e.institution().as_uuid()),
        enrolled_on: Set(e.enrolled_on()),
        body: Set(to_json("enrolment", e)?),
        version: Set(version),
        updated_at: Set(now),
    })
}

fn plan_row(
    p: &FollowUpPlan,
    version: Version,
    now: OffsetDateTime,
) -> Result<follow_up_plan::ActiveModel, StoreError> {
    Ok(follow_up_plan::ActiveModel {
        id: Set(p.id().as_uuid()),
        enrolment_id: Set(p.enrolment().as_uuid()),
        patient_id: Set(p.patient().as_uuid()),
        team_id: Set(p.team().as_uuid()),
        state: Set(p.state().code().to_owned()),
        due: Set(p.due()),
        remind_on: Set(p.remind_on()),
        worklist_rank: Set(i16::from(p.worklist_position().rank)),
        body: Set(to_json("follow_up_plan", &p.to_record())?),
        version: Set(version),
        updated_at: Set(now),
    })
}

pub(crate) fn plan_from(m: follow_up_plan::Model) -> Result<Versioned<FollowUpPlan>, StoreError> {
    Ok(Versioned {
        value: FollowUpPlan::restore(from_json("follow_up_plan", m.body)?),
        version: m.version,
    })
}

fn enrolment_from(m: enrolment::Model) -> Result<Versioned<Enrolment>, StoreError> {
    Ok(Versioned {
        value: from_json("enrolment", m.body)?,
        version: m.version,
    })
}

fn visit_from(m: follow_up_visit::Model) -> Result<VisitRecord, StoreError> {
    Ok(VisitRecord {
        id: VisitId::from_uuid(m.id),
        plan: PlanId::from_uuid(m.plan_id),
        patient: ResidentId::from_uuid(m.patient_id),
        team: TeamId::from_uuid(m.team_id),
        visit: from_json("follow_up_visit", m.body)?,
        // Stored as the class's code, or as JSON text for a class carrying data.
        class: from_json(
            "follow_up_visit",
            serde_json::from_str(&m.class).unwrap_or(serde_json::Value::String(m.class)),
        )?,
    })
}

#[async_trait]
impl ResidentRepository for SeaTransaction {
    async fn load_resident(
        &mut self,
        id: ResidentId,
    ) -> Result<Option<Versioned<PatientRecord>>, StoreError> {
        resident::Entity::find_by_id(id.as_uuid())
            .one(&self.tx)
            .await
            .map_err(db_err)?
            .map(|m| record_from(&self.keys, m))
            .transpose()
    }

    async fn insert_resident(&mut self, record: &PatientRecord) -> Result<Version, StoreError> {
        resident_row(&self.keys, record, self.now())?
            .insert_into(&self.tx)
            .await?;
        write_terms(&self.tx, &self.keys, [&record.resident], false).await?;
        Ok(1)
    }

    async fn update_resident(
        &mut self,
        record: &PatientRecord,
        expected: Version,
    ) -> Result<Version, StoreError> {
        // Where the record is held never changes. The document does not either, but its index
        // is rewritten with the body: both are under the current key.
        let mut row = resident_row(&self.keys, record, self.now())?;
        row.id = sea_orm::NotSet;
        row.community_id = sea_orm::NotSet;
        row.institution_id = sea_orm::NotSet;
        row.version = Set(expected + 1);
        let version = update_versioned::<resident::Entity>(
            &self.tx,
            row,
            (resident::Column::Id, record.resident.id().as_uuid()),
            resident::Column::Version,
            expected,
            "resident",
        )
        .await?;
        write_terms(&self.tx, &self.keys, [&record.resident], true).await?;
        Ok(version)
    }

    async fn insert_residents(&mut self, records: &[PatientRecord]) -> Result<(), StoreError> {
        insert_resident_rows(&self.tx, &self.keys, records, self.now()).await
    }

    async fn registered_documents(
        &mut self,
        residents: &[Resident],
    ) -> Result<Vec<usize>, StoreError> {
        let keys = residents
            .iter()
            .map(|r| document_index(&self.keys, r.document()))
            .collect::<Result<Vec<_>, _>>()?;
        let mut taken = std::collections::HashSet::new();
        for chunk in keys.chunks(1000) {
            let rows = resident::Entity::find()
                .filter(resident::Column::DocumentKey.is_in(chunk.to_vec()))
                .all(&self.tx)
                .await
                .map_err(db_err)?;
            taken.extend(rows.into_iter().map(|r| r.document_key));
        }
        Ok(keys
            .iter()
            .enumerate()
            .filter(|(_, k)| taken.contains(*k))
            .map(|(i, _)| i)
            .collect())
    }

    async fn lock_resident(
        &mut self,
        id: ResidentId,
        expected: Version,
    ) -> Result<Version, StoreError> {
        let result = resident::Entity::update_many()
            .col_expr(resident::Column::Version, Expr::value(expected + 1))
            .col_expr(resident::Column::UpdatedAt, Expr::value(self.now()))
            .filter(resident::Column::Id.eq(id.as_uuid()))
            .filter(resident::Column::Version.eq(expected))
            .exec(&self.tx)
            .await
            .map_err(db_err)?;
        if result.rows_affected == 1 {
            Ok(expected + 1)
        } else {
            Err(StoreError::Conflict {
                entity: "resident",
                id: id.to_string(),
                expected,
            })
        }
    }
}

#[async_trait]
impl FollowUpRepository for SeaTransaction {
    async fn load_enrolment(
        &mut self,
        id: EnrolmentId,
    ) -> Result<Option<Versioned<Enrolment>>, StoreError> {
        enrolment::Entity::find_by_id(id.as_uuid())
            .one(&self.tx)
            .await
            .map_err(db_err)?
            .map(enrolment_from)
            .transpose()
    }

    async fn open_enrolments(
        &mut self,
        patient: ResidentId,
    ) -> Result<Vec<Versioned<Enrolment>>, StoreError> {
        enrolment::Entity::find()
            .filter(enrolment::Column::PatientId.eq(patient.as_uuid()))
            .filter(enrolment::Column::OpenCondition.is_not_null())
            .order_by_asc(enrolment::Column::EnrolledOn)
            .all(&self.tx)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(enrolment_from)
            .collect()
    }

    async fn insert_enrolment(&mut self, e: &Enrolment) -> Result<Version, StoreError> {
        enrolment_row(e, 1, self.now())?
            .insert_into(&self.tx)
            .await?;
        Ok(1)
    }

    async fn update_enrolment(
        &mut self,
        e: &Enrolment,
        expected: Version,
    ) -> Result<Version, StoreError> {
        let mut row = enrolment_row(e, expected + 1, self.now())?;
        row.id = sea_orm::NotSet;
        update_versioned::<enrolment::Entity>(
            &self.tx,
            row,
            (enrolment::Column::Id, e.id().as_uuid()),
            enrolment::Column::Version,
            expected,
            "enrolment",
        )
        .await
    }

    async fn waiting_plans_of(
        &mut self,
        id: EnrolmentId,
    ) -> Result<Vec<Versioned<FollowUpPlan>>, StoreError> {
        follow_up_plan::Entity::find()
            .filter(follow_up_plan::Column::EnrolmentId.eq(id.as_uuid()))
            .filter(follow_up_plan::Column::State.eq(WAITING))
            .all(&self.tx)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(plan_from)
            .collect()
    }

    async fn load_plan(&mut self, id: PlanId) -> Result<Option<PlanInContext>, StoreError> {
        use enrolment::Column as E;
        use follow_up_plan::Column as P;
        use resident::Column as R;
        let (p, e, r) = (follow_up_plan::Entity, enrolment::Entity, resident::Entity);
        let query = Query::select()
            .expr_as(body_text((p, P::Body)), "plan_body")
            .expr_as(Expr::col((p, P::Version)), "plan_version")
            .expr_as(body_text((e, E::Body)), "enrolment_body")
            .expr_as(Expr::col((e, E::Version)), "enrolment_version")
            .expr_as(body_text((r, R::Body)), "resident_body")
            .expr_as(Expr::col((r, R::Version)), "resident_version")
            .expr_as(Expr::col((r, R::CommunityId)), "community_id")
            .expr_as(Expr::col((r, R::InstitutionId)), "institution_id")
            .expr_as(Expr::col((r, R::GridId)), "grid_id")
            .from(p)
            .inner_join(e, Expr::col((e, E::Id)).equals((p, P::EnrolmentId)))
            .inner_join(r, Expr::col((r, R::Id)).equals((p, P::PatientId)))
            .and_where(Expr::col((p, P::Id)).eq(id.as_uuid()))
            .to_owned();
        let Some(row) = self.tx.query_one(&query).await.map_err(db_err)? else {
            return Ok(None);
        };
        let get = |e: sea_orm::DbErr| corrupt("follow_up_plan", e.to_string());
        let text = |column: &str| row.try_get::<String>("", column).map_err(get);
        let plan: PlanRecord = from_text("follow_up_plan", &text("plan_body")?)?;
        Ok(Some(PlanInContext {
            plan: Versioned {
                value: FollowUpPlan::restore(plan),
                version: row.try_get("", "plan_version").map_err(get)?,
            },
            enrolment: Versioned {
                value: from_text("enrolment", &text("enrolment_body")?)?,
                version: row.try_get("", "enrolment_version").map_err(get)?,
            },
            patient: Versioned {
                value: PatientRecord {
                    resident: open_resident(
                        &self.keys,
                        from_text("resident", &text("resident_body")?)?,
                    )?,
                    scope: PatientScope {
                        community: row
                            .try_get::<Option<Uuid>>("", "community_id")
                            .map_err(get)?
                            .map(CommunityId::from_uuid),
                        institution: InstitutionId::from_uuid(
                            row.try_get("", "institution_id").map_err(get)?,
                        ),
                        grid: row
                            .try_get::<Option<Uuid>>("", "grid_id")
                            .map_err(get)?
                            .map(GridId::from_uuid),
                    },
                },
                version: row.try_get("", "resident_version").map_err(get)?,
            },
        }))
    }

    async fn insert_plan(&mut self, p: &FollowUpPlan) -> Result<Version, StoreError> {
        plan_row(p, 1, self.now())?.insert_into(&self.tx).await?;
        Ok(1)
    }

    async fn update_plan(
        &mut self,
        p: &FollowUpPlan,
        expected: Version,
    ) -> Result<Version, StoreError> {
        let mut row = plan_row(p, expected + 1, self.now())?;
        row.id = sea_orm::NotSet;
        update_versioned::<follow_up_plan::Entity>(
            &self.tx,
            row,
            (follow_up_plan::Column::Id, p.id().as_uuid()),
            follow_up_plan::Column::Version,
            expected,
            "follow_up_plan",
        )
        .await
    }

    async fn insert_visit(&mut self, v: &VisitRecord) -> Result<(), StoreError> {
        let class = match to_json("follow_up_visit", &v.class)? {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        follow_up_visit::ActiveModel {
            id: Set(v.id.as_uuid()),
            plan_id: Set(v.plan.as_uuid()),
            patient_id: Set(v.patient.as_uuid()),
            team_id: Set(v.team.as_uuid()),
            visited_on: Set(v.visit.date()),
            face_to_face: Set(v.visit.mode().is_face_to_face()),
            class: Set(class),
            body: Set(to_json("follow_up_visit", &v.visit)?),
        }
        .insert_into(&self.tx)
        .await?;
        Ok(())
    }
}

#[async_trait]
impl FollowUpQueries for Store {
    async fn get_resident(
        &self,
        id: ResidentId,
    ) -> Result<Option<Versioned<PatientRecord>>, StoreError> {
        resident::Entity::find_by_id(id.as_uuid())
            .one(self.connection())
            .await
            .map_err(db_err)?
            .map(|m| record_from(self.keys(), m))
            .transpose()
    }

    async fn find_by_document(
        &self,
        document: &IdentityDocument,
    ) -> Result<Option<Versioned<PatientRecord>>, StoreError> {
        resident::Entity::find()
            .filter(resident::Column::DocumentKey.eq(document_index(self.keys(), document)?))
            .one(self.connection())
            .await
            .map_err(db_err)?
            .map(|m| record_from(self.keys(), m))
            .transpose()
    }

    async fn get_residents(
        &self,
        ids: &[ResidentId],
    ) -> Result<Vec<Versioned<PatientRecord>>, StoreError> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(1000) {
            let rows = resident::Entity::find()
                .filter(resident::Column::Id.is_in(chunk.iter().map(|id| id.as_uuid())))
                .all(self.connection())
                .await
                .map_err(db_err)?;
            for m in rows {
                found.push(record_from(self.keys(), m)?);
            }
        }
        Ok(found)
    }

    async fn find_residents(
        &self,
        lookup: &ResidentLookup,
        after: Option<ResidentId>,
        limit: u32,
    ) -> Result<Vec<Versioned<PatientRecord>>, StoreError> {
        find_residents(self.connection(), self.keys(), lookup, after, limit).await
    }

    async fn get_plan(&self, id: PlanId) -> Result<Option<Versioned<FollowUpPlan>>, StoreError> {
        follow_up_plan::Entity::find_by_id(id.as_uuid())
            .one(self.connection())
            .await
            .map_err(db_err)?
            .map(plan_from)
            .transpose()
    }

    async fn get_enrolment(
        &self,
        id: EnrolmentId,
    ) -> Result<Option<Versioned<Enrolment>>, StoreError> {
        enrolment::Entity::find_by_id(id.as_uuid())
            .one(self.connection())
            .await
            .map_err(db_err)?
            .map(enrolment_from)
            .transpose()
    }

    async fn enrolments_of(
        &self,
        patient: ResidentId,
    ) -> Result<Vec<Versioned<Enrolment>>, StoreError> {
        enrolment::Entity::find()
            .filter(enrolment::Column::PatientId.eq(patient.as_uuid()))
            .order_by_desc(enrolment::Column::EnrolledOn)
            .order_by_asc(enrolment::Column::Id)
            .all(self.connection())
            .await
            .map_err(db_err)?
            .into_iter()
            .map(enrolment_from)
            .collect()
    }

    async fn plans_of(
        &self,
        patient: ResidentId,
    ) -> Result<Vec<Versioned<FollowUpPlan>>, StoreError> {
        follow_up_plan::Entity::find()
            .filter(follow_up_plan::Column::PatientId.eq(patient.as_uuid()))
            .order_by_desc(follow_up_plan::Column::Due)
            .order_by_asc(follow_up_plan::Column::Id)
            .all(self.connection())
            .await
            .map_err(db_err)?
            .into_iter()
            .map(plan_from)
            .collect()
    }

    async fn visits_of(&self, patient: ResidentId) -> Result<Vec<VisitRecord>, StoreError> {
        follow_up_visit::Entity::find()
            .filter(follow_up_visit::Column::PatientId.eq(patient.as_uuid()))
            .order_by_desc(follow_up_visit::Column::VisitedOn)
            .order_by_asc(follow_up_visit::Column::Id)
            .all(self.connection())
            .await
            .map_err(db_err)?
            .into_iter()
            .map(visit_from)
            .collect()
    }

    async fn worklist_page(
        &self,
        team: TeamId,
        due_before: Date,
        on: Date,
        after: Option<WorklistPosition>,
        limit: u32,
    ) -> Result<Vec<FollowUpPlan>, StoreError> {
        use follow_up_plan::Column as P;
        let mut query = follow_up_plan::Entity::find()
            .filter(P::TeamId.eq(team.as_uuid()))
            .filter(P::State.eq(WAITING))
            .filter(P::Due.lt(due_before))
            .filter(
                Condition::any()
                    .add(P::RemindOn.is_null())
                    .add(P::RemindOn.lte(on)),
            );
        if let Some(after) = after {
            // A row-value comparison, which both engines answer from the index range.
            query = query.filter(
                Expr::tuple([
                    Expr::col(P::WorklistRank),
                    Expr::col(P::Due),
                    Expr::col(P::Id),
                ])
                .gt(Expr::tuple([
                    Expr::value(i16::from(after.rank)),
                    Expr::value(after.due),
                    Expr::value(after.plan.as_uuid()),
                ])),
            );
        }
        // Only the bodies, as text: the other columns are the index's, and a page is read often.
        query
            .select_only()
            .expr_as(body_text(P::Body), "body")
            .order_by_asc(P::WorklistRank)
            .order_by_asc(P::Due)
            .order_by_asc(P::Id)
            .limit(u64::from(limit))
            .into_tuple::<String>()
            .all(self.connection())
            .await
            .map_err(db_err)?
            .iter()
            .map(|body| from_text("follow_up_plan", body).map(FollowUpPlan::restore))
            .collect()
    }
}
