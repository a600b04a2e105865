//! Finding a patient: by identity document, exactly, within the caller's scope.
//!
//! A search answers only with records the caller may see; a registered document of a patient
//! outside the caller's scope answers like an unknown one (an empty result), so a search never
//! tells who is registered where. Every search is audited: with the patient when one is found,
//! as a refusal when the one found is out of scope.

use yigong_domain::identity::{CitizenId, DocumentKind, IdentityDocument, OtherDocument};
use yigong_ports::{AuditEntry, AuditOutcome, PatientRecord, Versioned};

use crate::deps::audit_entry;
use crate::{Principal, ResidentService, ServiceError};

const SEARCH: &str = "resident.search";

impl ResidentService {
    /// The record held under the document `kind` `number` (checked as registration checks it),
    /// if the caller may see it: an empty list otherwise.
    #[tracing::instrument(skip_all, fields(user = %who.user))]
    pub async fn search_by_document(
        &self,
        who: &Principal,
        kind: DocumentKind,
        number: &str,
    ) -> Result<Vec<Versioned<PatientRecord>>, ServiceError> {
        let invalid = |e: yigong_domain::identity::IdentityError| ServiceError::InvalidArgument {
            field: "document_number",
            reason: e.to_string(),
        };
        let today = self.deps.clock.now().date();
        let document = match kind {
            DocumentKind::CitizenId => {
                IdentityDocument::CitizenId(CitizenId::parse(number, today).map_err(invalid)?)
            }
            other => IdentityDocument::Other(OtherDocument::new(other, number).map_err(invalid)?),
        };
        let now = self.deps.clock.now();
        let found = self.deps.follow_ups.find_by_document(&document).await?;
        let Some(record) = found else {
            let entry = audit_entry(who, SEARCH, "residents".to_owned(), None, now);
            self.deps.audit.record(&entry).await?;
            return Ok(Vec::new());
        };
        let id = record.value.resident.id();
        let resource = format!("residents/{id}");
        if !self
            .deps
            .access()
            .sees_patient(who, id, &record.value.scope)
            .await?
        {
            self.deps
                .audit_refusal(&AuditEntry {
                    outcome: AuditOutcome::Denied,
                    ..audit_entry(who, SEARCH, resource, id, now)
                })
                .await;
            return Ok(Vec::new());
        }
        self.deps
            .audit
            .record(&audit_entry(who, SEARCH, resource, id, now))
            .await?;
        Ok(vec![record])
    }
}
