//! The append-only audit log: written by every read and refusal (and, in their transactions,
//! by commands), read back by its reviewers oldest first, filtered on indexed columns.

use async_trait::async_trait;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use yigong_domain::ids::{InstitutionId, ResidentId};
use yigong_ports::{
    Actor, AuditEntry, AuditFilter, AuditLog, AuditOutcome, LoggedEntry, StoreError,
};

use crate::Store;
use crate::convert::{InsertRow, corrupt, db_err};
use crate::entity::audit_entry;

pub(crate) fn audit_row(e: &AuditEntry) -> audit_entry::ActiveModel {
    audit_entry::ActiveModel {
        id: sea_orm::NotSet,
        actor_user: Set(e.actor.user.clone()),
        actor_role: Set(e.actor.role.clone()),
        actor_institution: Set(e.actor.institution.as_uuid()),
        action: Set(e.action.clone()),
        resource: Set(e.resource.clone()),
        patient_id: Set(e.patient.map(|p| p.as_uuid())),
        at: Set(e.at),
        outcome: Set(e.outcome.as_str().to_owned()),
        break_glass: Set(e.break_glass.clone()),
    }
}

async fn insert_entries<C: ConnectionTrait>(
    db: &C,
    entries: &[AuditEntry],
) -> Result<(), StoreError> {
    audit_entry::Entity::insert_many(entries.iter().map(audit_row))
        .exec_without_returning(db)
        .await
        .map_err(db_err)?;
    Ok(())
}

#[async_trait]
impl AuditLog for Store {
    async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        audit_row(entry).insert_into(self.connection()).await?;
        Ok(())
    }

    async fn record_all(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        // Ten columns a row: 1,000 rows a statement stay under every driver's limit; more
        // than one statement share a transaction, so the entries land together.
        match entries.len() {
            0 => Ok(()),
            1..=1000 => insert_entries(self.connection(), entries).await,
            _ => {
                let tx = self.begin_write().await?;
                for chunk in entries.chunks(1000) {
                    insert_entries(&tx, chunk).await?;
                }
                tx.commit().await.map_err(db_err)
            }
        }
    }

    async fn entries(
        &self,
        filter: &AuditFilter,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<LoggedEntry>, StoreError> {
        use audit_entry::Column;
        let mut query = audit_entry::Entity::find();
        if let Some(after) = after {
            query = query.filter(Column::Id.gt(after));
        }
        if let Some(user) = &filter.user {
            query = query.filter(Column::ActorUser.eq(user.as_str()));
        }
        if let Some(patient) = filter.patient {
            query = query.filter(Column::PatientId.eq(patient.as_uuid()));
        }
        if let Some(outcome) = filter.outcome {
            query = query.filter(Column::Outcome.eq(outcome.as_str()));
        }
        if let Some(since) = filter.since {
            query = query.filter(Column::At.gte(since));
        }
        if let Some(until) = filter.until {
            query = query.filter(Column::At.lt(until));
        }
        if let Some(institutions) = &filter.institutions {
            query = query
                .filter(Column::ActorInstitution.is_in(institutions.iter().map(|i| i.as_uuid())));
        }
        let rows = query
            .order_by_asc(Column::Id)
            .limit(u64::from(limit))
            .all(self.connection())
            .await
            .map_err(db_err)?;
        rows.into_iter().map(logged).collect()
    }
}

fn logged(m: audit_entry::Model) -> Result<LoggedEntry, StoreError> {
    let outcome = AuditOutcome::from_name(&m.outcome)
        .ok_or_else(|| corrupt("audit_entry", format!("outcome {:?}", m.outcome)))?;
    Ok(LoggedEntry {
        sequence: m.id,
        entry: AuditEntry {
            actor: Actor {
                user: m.actor_user,
                role: m.actor_role,
                institution: InstitutionId::from_uuid(m.actor_institution),
            },
            action: m.action,
            resource: m.resource,
            patient: m.patient_id.map(ResidentId::from_uuid),
            at: m.at,
            outcome,
            break_glass: m.break_glass,
        },
    })
}
