//! Reads: a request (its requester's clinicians who see the patient, or the centre's
//! readers), the readers' worklist of a centre and what of it changed (for a watch), the
//! requester's list, the community's centres. Every read is audited.

use time::OffsetDateTime;
use yigong_domain::diagnosis::{DiagnosisCentre, DiagnosisRequest, Modality};
use yigong_domain::ids::{DiagnosisCentreId, DiagnosisRequestId};
use yigong_ports::{Page, Versioned, WorklistCursor};

use super::DiagnosisService;
use crate::deps::{audit_entry, page_limit};
use crate::{Principal, Role, ServiceError};

const GET: &str = "diagnosis.get";
const WORKLIST: &str = "diagnosis.worklist";
const REQUESTED: &str = "diagnosis.requested";
const CENTRES: &str = "diagnosis.centres";

impl DiagnosisService {
    /// A request, for a clinician of the requesting institution who sees the patient or a
    /// reader of its centre; otherwise `NotFound`, audited.
    pub async fn get_request(
        &self,
        who: &Principal,
        id: DiagnosisRequestId,
    ) -> Result<Versioned<DiagnosisRequest>, ServiceError> {
        let resource = format!("diagnosis-requests/{id}");
        let unseen = || format!("diagnosis request {id}");
        let Some(found) = self.diagnosis.get_request(id).await? else {
            return Err(self.deps.unseen(who, GET, resource, None, unseen()).await);
        };
        let r = &found.value;
        let reads = match self.diagnosis.get_centre(r.centre()).await? {
            Some(c) => who.reader_at(&c.value).is_some(),
            None => false,
        };
        let sees = match self.deps.follow_ups.get_resident(r.patient()).await? {
            Some(record) => {
                self.deps
                    .access()
                    .sees_patient(who, r.patient(), &record.value.scope)
                    .await?
            }
            None => false,
        };
        if !(sees && (reads || who.requests_for(r))) {
            return Err(self
                .deps
                .unseen(who, GET, resource, r.patient(), unseen())
                .await);
        }
        let entry = audit_entry(who, GET, resource, r.patient(), self.deps.clock.now());
        self.deps.audit.record(&entry).await?;
        Ok(found)
    }

    /// A page of a centre's worklist, for its readers: emergency first, then the longest
    /// waiting; of one modality when given (AIP-158 paging). Audited as one read.
    pub async fn worklist(
        &self,
        who: &Principal,
        centre: DiagnosisCentreId,
        modality: Option<Modality>,
        page_size: u32,
        page_token: Option<&str>,
    ) -> Result<Page<Versioned<DiagnosisRequest>>, ServiceError> {
        let resource = format!("diagnosis-centres/{centre}/worklist");
        self.reader_of(who, centre, &resource).await?;
        let after = page_token.map(parse_worklist_token).transpose()?;
        let limit = page_limit(page_size);
        let mut lines = self
            .diagnosis
            .worklist(centre, modality, after, u64::from(limit) + 1)
            .await?;
        let more = lines.len() > limit as usize;
        lines.truncate(limit as usize);
        let next = more
            .then(|| lines.last().and_then(|l| worklist_token(&l.value)))
            .flatten();
        let entry = audit_entry(who, WORKLIST, resource, None, self.deps.clock.now());
        self.deps.audit.record(&entry).await?;
        Ok(Page { items: lines, next })
    }

    /// The centre's requests among `changed` (of `modality` when given) as they stand now,
    /// for a reader's watch: those on the worklist, and those verification just took off it
    /// (with their new status, so the watcher drops them); not a request before acquisition,
    /// nor one already off the list. Refused as the worklist is for a caller who is not (or no longer) the
    /// centre's reader; a batch that returns requests is audited as one worklist read.
    pub async fn worklist_changes(
        &self,
        who: &Principal,
        centre: DiagnosisCentreId,
        modality: Option<Modality>,
        changed: &[DiagnosisRequestId],
    ) -> Result<Vec<Versioned<DiagnosisRequest>>, ServiceError> {
        if changed.is_empty() {
            return Ok(Vec::new());
        }
        let resource = format!("diagnosis-centres/{centre}/worklist");
        self.reader_of(who, centre, &resource).await?;
        let mut lines = Vec::new();
        for id in changed {
            if let Some(r) = self.diagnosis.get_request(*id).await?
                && r.value.centre() == centre
                && r.value.status().watched_by_readers()
                && modality.is_none_or(|m| m == r.value.modality())
            {
                lines.push(r);
            }
        }
        if !lines.is_empty() {
            let entry = audit_entry(who, WORKLIST, resource, None, self.deps.clock.now());
            self.deps.audit.record(&entry).await?;
        }
        Ok(lines)
    }

    /// Refuses (`NotFound`, audited) a caller who is not a reader of `centre`.
    async fn reader_of(
        &self,
        who: &Principal,
        centre: DiagnosisCentreId,
        resource: &str,
    ) -> Result<(), ServiceError> {
        let found = self.diagnosis.get_centre(centre).await?;
        if found.is_none_or(|c| who.reader_at(&c.value).is_none()) {
            return Err(self
                .deps
                .unseen(
                    who,
                    WORKLIST,
                    resource.to_owned(),
                    None,
                    format!("diagnosis centre {centre}"),
                )
                .await);
        }
        Ok(())
    }

    /// A page of the caller's institution's requests, latest first, for its clinicians.
    pub async fn requested(
        &self,
        who: &Principal,
        page_size: u32,
        page_token: Option<&str>,
    ) -> Result<Page<Versioned<DiagnosisRequest>>, ServiceError> {
        let resource = format!("institutions/{}/diagnosis-requests", who.institution);
        self.deps
            .clinician_only(
                who,
                REQUESTED,
                resource.clone(),
                None,
                "follow their requests",
            )
            .await?;
        let after = page_token.map(parse_requested_token).transpose()?;
        let limit = page_limit(page_size);
        let mut lines = self
            .diagnosis
            .requested_by(who.institution, after, u64::from(limit) + 1)
            .await?;
        let more = lines.len() > limit as usize;
        lines.truncate(limit as usize);
        let next = more
            .then(|| {
                lines.last().map(|l| {
                    format!(
                        "{}.{}",
                        l.value.requested_at().unix_timestamp_nanos(),
                        l.value.id().as_uuid().simple()
                    )
                })
            })
            .flatten();
        let entry = audit_entry(who, REQUESTED, resource, None, self.deps.clock.now());
        self.deps.audit.record(&entry).await?;
        Ok(Page { items: lines, next })
    }

    /// The centres serving the caller's medical community.
    pub async fn centres(
        &self,
        who: &Principal,
    ) -> Result<Vec<Versioned<DiagnosisCentre>>, ServiceError> {
        let network = self.deps.network.current();
        let Some(community) = network.community_of(who.institution) else {
            return Ok(Vec::new());
        };
        let centres = self.diagnosis.centres_of(community.id()).await?;
        if who.role == Role::Operator || who.role == Role::Clinician {
            let entry = audit_entry(
                who,
                CENTRES,
                format!("communities/{}/diagnosis-centres", community.id()),
                None,
                self.deps.clock.now(),
            );
            self.deps.audit.record(&entry).await?;
        }
        Ok(centres)
    }
}

fn bad_token() -> ServiceError {
    ServiceError::invalid("page_token", "not a token this list issued")
}

/// The last line's (rank, acquisition time in nanoseconds, request), opaque to clients.
fn worklist_token(r: &DiagnosisRequest) -> Option<String> {
    let (_, at) = r.acquisition()?;
    Some(format!(
        "{}.{}.{}",
        r.priority().rank(),
        at.unix_timestamp_nanos(),
        r.id().as_uuid().simple()
    ))
}

fn parse_worklist_token(token: &str) -> Result<WorklistCursor, ServiceError> {
    let mut parts = token.split('.');
    let (Some(rank), Some(at), Some(id), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad_token());
    };
    let rank: u8 = rank.parse().map_err(|_| bad_token())?;
    if rank > 2 {
        return Err(bad_token());
    }
    Ok(WorklistCursor {
        rank,
        acquired_at: instant(at)?,
        request: DiagnosisRequestId::from_uuid(uuid::Uuid::try_parse(id).map_err(|_| bad_token())?),
    })
}

fn parse_requested_token(
    token: &str,
) -> Result<(OffsetDateTime, DiagnosisRequestId), ServiceError> {
    let (at, id) = token.split_once('.').ok_or_else(bad_token)?;
    let id = uuid::Uuid::try_parse(id).map_err(|_| bad_token())?;
    Ok((instant(at)?, DiagnosisRequestId::from_uuid(id)))
}

/// A token's instant: only one a list could have issued, a time every backend holds.
fn instant(nanos: &str) -> Result<OffsetDateTime, ServiceError> {
    let n: i128 = nanos.parse().map_err(|_| bad_token())?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(n).map_err(|_| bad_token())?;
    if !(1..=9999).contains(&at.year()) {
        return Err(bad_token());
    }
    Ok(at)
}
