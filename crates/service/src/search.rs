//! Finding a patient within the caller's scope: by identity document or phone, exactly; by the
//! beginning of a name; or as the roster of a grid or a household.
//!
//! A search answers only with records the caller may see; a patient outside the caller's scope
//! answers like an unknown one, so a search never tells who is registered where. Every search
//! is audited: each patient it returns as a read of that patient, and an exact lookup (document,
//! phone) that finds only someone out of scope as a refusal. The candidates a name's beginning
//! finds out of scope are not attempts on those patients and are not logged as such.
//!
//! Lookups other than by document are paged (AIP-158) by resident id: the store reads
//! candidates from an index in id order, the domain ([`ResidentQuery::matches`]) and the access
//! rules ([`crate::access::Access::visible`]) keep what answers, and the token is the last id
//! read. A page may hold fewer than `page_size` records (at most [`SCAN_PAGES`] store pages are
//! read for one): only an empty token ends the results.

use uuid::Uuid;
use yigong_domain::identity::{CitizenId, DocumentKind, IdentityDocument, OtherDocument};
use yigong_domain::ids::{GridId, HouseholdId, ResidentId};
use yigong_domain::personal::ResidentQuery;
use yigong_ports::{AuditEntry, AuditOutcome, Page, PatientRecord, ResidentLookup, Versioned};

use crate::deps::{audit_entry, page_limit};
use crate::{Principal, ResidentService, ServiceError};

const SEARCH: &str = "resident.search";
const ROSTER: &str = "resident.roster";

/// Store pages read at most for one page of results: a search of a common surname by a
/// village doctor ends in bounded time, and the token carries on.
pub const SCAN_PAGES: usize = 10;

/// Whose roster: a grid's residents or a household's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Roster {
    /// The residents whose household is in the grid.
    Grid(GridId),
    /// The residents of the household.
    Household(HouseholdId),
}

/// What a scan found: the page, and the candidates that answered but were out of sight.
struct Scanned {
    page: Page<Versioned<PatientRecord>>,
    unseen: Vec<ResidentId>,
}

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
        let found = self.deps.follow_ups.find_by_document(&document).await?;
        let (seen, unseen) = match found {
            None => (Vec::new(), Vec::new()),
            Some(record) => {
                let id = record.value.resident.id();
                if self
                    .deps
                    .access()
                    .sees_patient(who, id, &record.value.scope)
                    .await?
                {
                    (vec![record], Vec::new())
                } else {
                    (Vec::new(), vec![id])
                }
            }
        };
        self.audit_found(who, SEARCH, &seen, &unseen).await?;
        Ok(seen)
    }

    /// A page of the residents answering `query` that the caller may see, in id order.
    #[tracing::instrument(skip_all, fields(user = %who.user))]
    pub async fn search(
        &self,
        who: &Principal,
        query: &ResidentQuery,
        page_size: u32,
        page_token: Option<&str>,
    ) -> Result<Page<Versioned<PatientRecord>>, ServiceError> {
        let lookup = ResidentLookup::Term(query.term());
        let found = self
            .scan(
                who,
                &lookup,
                |r| query.matches(r.resident.personal()),
                page_size,
                page_token,
            )
            .await?;
        // A phone is an identifier: finding only someone out of sight is a refused read of
        // them. A name's beginning names nobody in particular.
        let unseen = match query {
            ResidentQuery::Phone(_) => found.unseen,
            ResidentQuery::NamePrefix(_) => Vec::new(),
        };
        self.audit_found(who, SEARCH, &found.page.items, &unseen)
            .await?;
        Ok(found.page)
    }

    /// A page of the residents of a grid or a household that the caller may see, in id
    /// order; `NotFound` for a grid or household that does not exist.
    #[tracing::instrument(skip_all, fields(user = %who.user))]
    pub async fn roster(
        &self,
        who: &Principal,
        of: Roster,
        page_size: u32,
        page_token: Option<&str>,
    ) -> Result<Page<Versioned<PatientRecord>>, ServiceError> {
        let (exists, lookup, resource) = match of {
            Roster::Grid(id) => (
                self.deps.directory.get_grid(id).await?.is_some(),
                ResidentLookup::Grid(id),
                format!("grids/{id}"),
            ),
            Roster::Household(id) => (
                self.deps.directory.get_household(id).await?.is_some(),
                ResidentLookup::Household(id),
                format!("households/{id}"),
            ),
        };
        if !exists {
            let what = resource.clone();
            return Err(self.deps.unseen(who, ROSTER, resource, None, what).await);
        }
        let found = self
            .scan(who, &lookup, |_| true, page_size, page_token)
            .await?;
        self.audit_found(who, ROSTER, &found.page.items, &[])
            .await?;
        Ok(found.page)
    }

    /// Reads `lookup` after the token's id, keeping the records `keep` accepts and the caller
    /// sees, until a page is full, the lookup is exhausted or [`SCAN_PAGES`] store pages
    /// were read.
    async fn scan(
        &self,
        who: &Principal,
        lookup: &ResidentLookup,
        keep: impl Fn(&PatientRecord) -> bool,
        page_size: u32,
        page_token: Option<&str>,
    ) -> Result<Scanned, ServiceError> {
        let limit = page_limit(page_size);
        let mut after = page_token.map(parse_token).transpose()?;
        let mut items = Vec::new();
        let mut unseen = Vec::new();
        for _ in 0..SCAN_PAGES {
            let batch = self
                .deps
                .follow_ups
                .find_residents(lookup, after, limit)
                .await?;
            let exhausted = batch.len() < limit as usize;
            let candidates: Vec<_> = batch.iter().filter(|r| keep(&r.value)).collect();
            let seen = self
                .deps
                .access()
                .visible(who, candidates.iter().map(|r| r.value.clone()).collect())
                .await?;
            for (i, r) in batch.iter().enumerate() {
                let id = r.value.resident.id();
                after = Some(id);
                if !keep(&r.value) {
                    continue;
                }
                if !seen.contains_key(&id) {
                    unseen.push(id);
                    continue;
                }
                items.push(r.clone());
                if items.len() == limit as usize {
                    let last = exhausted && i + 1 == batch.len();
                    let next = (!last).then(|| token(id));
                    return Ok(Scanned {
                        page: Page { items, next },
                        unseen,
                    });
                }
            }
            if exhausted {
                return Ok(Scanned {
                    page: Page { items, next: None },
                    unseen,
                });
            }
        }
        let next = after.map(token);
        Ok(Scanned {
            page: Page { items, next },
            unseen,
        })
    }

    /// Audits a lookup: each record returned as a read of its patient (one entry for the
    /// lookup when none was), each of `unseen` as a refusal.
    async fn audit_found(
        &self,
        who: &Principal,
        action: &str,
        seen: &[Versioned<PatientRecord>],
        unseen: &[ResidentId],
    ) -> Result<(), ServiceError> {
        let now = self.deps.clock.now();
        let mut entries: Vec<AuditEntry> = seen
            .iter()
            .map(|r| {
                let id = r.value.resident.id();
                audit_entry(who, action, format!("residents/{id}"), id, now)
            })
            .collect();
        if entries.is_empty() {
            entries.push(audit_entry(who, action, "residents".to_owned(), None, now));
        }
        self.deps.audit.record_all(&entries).await?;
        for &id in unseen {
            self.deps
                .audit_refusal(&AuditEntry {
                    outcome: AuditOutcome::Denied,
                    ..audit_entry(who, action, format!("residents/{id}"), id, now)
                })
                .await;
        }
        Ok(())
    }
}

/// A page token: the last resident id read. Opaque to clients; parsed strictly.
pub(crate) fn token(id: ResidentId) -> String {
    id.as_uuid().simple().to_string()
}

pub(crate) fn parse_token(token: &str) -> Result<ResidentId, ServiceError> {
    Uuid::try_parse(token)
        .ok()
        .filter(|_| token.len() == 32)
        .map(ResidentId::from_uuid)
        .ok_or_else(|| ServiceError::InvalidArgument {
            field: "page_token",
            reason: "not a token this service issued".to_owned(),
        })
}
