//! Reads: a consultation, for its parties; a party's list, latest first. Every read is
//! audited.

use std::collections::HashSet;

use time::OffsetDateTime;
use yigong_domain::consultation::{Attachment, Consultation};
use yigong_domain::diagnosis::DiagnosisRequest;
use yigong_domain::ids::{ConsultationId, ResidentId};
use yigong_ports::{ConsultationParty, Page, Versioned};

use super::ConsultationService;
use crate::deps::{audit_entry, page_limit};
use crate::{Principal, ServiceError};

const GET: &str = "consultation.get";
const LIST: &str = "consultation.list";

/// A consultation as its parties read it: with the reports it attaches as they stand now
/// (the specialist reads what the requester shared, whatever centre read it).
#[derive(Debug, Clone, PartialEq)]
pub struct ConsultationRead {
    /// The consultation.
    pub consultation: Versioned<Consultation>,
    /// The attached remote-diagnosis requests, in attachment order.
    pub reports: Vec<DiagnosisRequest>,
}

/// Which of the caller's institution's consultations a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsultationView {
    /// Those it was asked: the county specialists' inbox.
    Received,
    /// Those it asked.
    Sent,
}

impl ConsultationService {
    /// A consultation with its attached reports, for the institution asked or for a clinician
    /// of the requesting institution who sees the patient; otherwise `NotFound`, audited (the
    /// reports are read as part of it, under its audit entry).
    pub async fn get(
        &self,
        who: &Principal,
        id: ConsultationId,
    ) -> Result<ConsultationRead, ServiceError> {
        let resource = format!("consultations/{id}");
        let unseen = || format!("consultation {id}");
        let Some(found) = self.consultations.get_consultation(id).await? else {
            return Err(self.deps.unseen(who, GET, resource, None, unseen()).await);
        };
        let c = &found.value;
        let party = who.consulted_on(c) || (who.asks_consultation(c) && self.sees(who, c).await?);
        if !party {
            return Err(self
                .deps
                .unseen(who, GET, resource, c.patient(), unseen())
                .await);
        }
        let mut reports = Vec::new();
        for a in c.attachments() {
            if let Attachment::DiagnosticReport { request } = a
                && let Some(r) = self.diagnosis.get_request(*request).await?
                && r.value.patient() == c.patient()
            {
                reports.push(r.value);
            }
        }
        let entry = audit_entry(who, GET, resource, c.patient(), self.deps.clock.now());
        self.deps.audit.record(&entry).await?;
        Ok(ConsultationRead {
            consultation: found,
            reports,
        })
    }

    /// Those of `patients` whose records `who` sees.
    async fn visible_patients(
        &self,
        who: &Principal,
        patients: &[ResidentId],
    ) -> Result<HashSet<ResidentId>, ServiceError> {
        let mut ids = patients.to_vec();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        let records = self.deps.follow_ups.get_residents(&ids).await?;
        let seen = self
            .deps
            .access()
            .visible(who, records.into_iter().map(|r| r.value).collect())
            .await?;
        Ok(seen.into_keys().collect())
    }

    async fn sees(&self, who: &Principal, c: &Consultation) -> Result<bool, ServiceError> {
        let Some(record) = self.deps.follow_ups.get_resident(c.patient()).await? else {
            return Ok(false);
        };
        self.deps
            .access()
            .sees_patient(who, c.patient(), &record.value.scope)
            .await
    }

    /// A page of the caller's institution's consultations in `view`, latest first; only the
    /// open ones when `open_only`. For its clinicians: those it was asked, all; those it asked,
    /// of the patients the caller sees. Audited as one read.
    pub async fn list(
        &self,
        who: &Principal,
        view: ConsultationView,
        open_only: bool,
        page_size: u32,
        page_token: Option<&str>,
    ) -> Result<Page<Versioned<Consultation>>, ServiceError> {
        let (party, resource) = match view {
            ConsultationView::Received => (
                ConsultationParty::Consultant(who.institution),
                format!("institutions/{}/consultations-received", who.institution),
            ),
            ConsultationView::Sent => (
                ConsultationParty::Requester(who.institution),
                format!("institutions/{}/consultations-sent", who.institution),
            ),
        };
        self.deps
            .clinician_only(who, LIST, resource.clone(), None, "follow consultations")
            .await?;
        let after = page_token.map(parse_token).transpose()?;
        let limit = page_limit(page_size);
        let mut items = self
            .consultations
            .consultations(party, open_only, after, u64::from(limit) + 1)
            .await?;
        let more = items.len() > limit as usize;
        items.truncate(limit as usize);
        let next = more
            .then(|| {
                items.last().map(|c| {
                    format!(
                        "{}.{}",
                        c.value.requested_at().unix_timestamp_nanos(),
                        c.value.id().as_uuid().simple()
                    )
                })
            })
            .flatten();
        if view == ConsultationView::Sent {
            // The asking side reads a consultation while it sees the patient, as `get` does; a
            // page may come out shorter than asked, and the token still moves past it.
            let patients: Vec<_> = items.iter().map(|c| c.value.patient()).collect();
            let seen = self.visible_patients(who, &patients).await?;
            items.retain(|c| seen.contains(&c.value.patient()));
        }
        let entry = audit_entry(who, LIST, resource, None, self.deps.clock.now());
        self.deps.audit.record(&entry).await?;
        Ok(Page { items, next })
    }
}

fn parse_token(token: &str) -> Result<(OffsetDateTime, ConsultationId), ServiceError> {
    let bad = || ServiceError::invalid("page_token", "not a token this list issued");
    let (at, id) = token.split_once('.').ok_or_else(bad)?;
    let nanos: i128 = at.parse().map_err(|_| bad())?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| bad())?;
    // Only a time this list could have issued: one every backend holds.
    if !(1..=9999).contains(&at.year()) {
        return Err(bad());
    }
    let id = uuid::Uuid::try_parse(id).map_err(|_| bad())?;
    Ok((at, ConsultationId::from_uuid(id)))
}
