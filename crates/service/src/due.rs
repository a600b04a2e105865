//! Who is due for screening, per grid: blood pressure, fasting glucose and the 65+ check
//! (`screening::due_on`), for the family doctor team serving the grid and the institutions
//! keeping its records.
//!
//! The list reads the grid's roster a store page at a time in record order (as
//! `ResidentService::roster` does), keeps the residents the caller may see, reads their
//! screening histories for that page in one call, and lets the domain say who is due. The
//! token is the last resident read; a page may hold fewer than `page_size` entries (at most
//! [`SCAN_PAGES`] store pages are read for one), and only an empty token ends the list. Each
//! resident listed is audited as a read.

use std::sync::Arc;

use time::Date;
use yigong_domain::ids::{GridId, ResidentId};
use yigong_domain::screening::{Due, Programme, due_on};
use yigong_ports::{AuditEntry, Page, ResidentLookup, ScreeningDueQueries};

use crate::deps::{audit_entry, page_limit};
use crate::search::{SCAN_PAGES, parse_token, token};
use crate::{Deps, PatientCard, Principal, ServiceError};

const DUE: &str = "screening.due";

/// One resident due, with the card to find and call them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueEntry {
    /// The resident.
    pub resident: ResidentId,
    /// What is due, since when, and why.
    pub due: Due,
    /// Display name, phone for those who call, grid and area.
    pub card: Option<PatientCard>,
}

/// The due-list use cases.
pub struct ScreeningDueService {
    deps: Deps,
    histories: Arc<dyn ScreeningDueQueries>,
}

impl ScreeningDueService {
    /// Builds the service over its ports.
    pub fn new(deps: Deps, histories: Arc<dyn ScreeningDueQueries>) -> Self {
        Self { deps, histories }
    }

    /// Today by the service's clock: the list's day when a client names none.
    pub fn today(&self) -> Date {
        self.deps.clock.now().date()
    }

    /// A page of the residents of `grid` due for `programme` on `on` whom the caller may see,
    /// in record order. `NotFound` for a grid that does not exist (audited);
    /// `InvalidArgument` naming `programme` for two-cancer screening, which its cases track.
    #[tracing::instrument(skip_all, fields(user = %who.user, %grid))]
    pub async fn due(
        &self,
        who: &Principal,
        grid: GridId,
        programme: Programme,
        on: Date,
        page_size: u32,
        page_token: Option<&str>,
    ) -> Result<Page<DueEntry>, ServiceError> {
        if programme == Programme::TwoCancer {
            return Err(ServiceError::InvalidArgument {
                field: "programme",
                reason: "two-cancer screening is followed by its cases".to_owned(),
            });
        }
        if self.deps.directory.get_grid(grid).await?.is_none() {
            let resource = format!("grids/{grid}");
            let what = resource.clone();
            return Err(self.deps.unseen(who, DUE, resource, None, what).await);
        }
        let limit = page_limit(page_size);
        let lookup = ResidentLookup::Grid(grid);
        let mut after = page_token.map(parse_token).transpose()?;
        let mut found: Vec<(ResidentId, Due)> = Vec::new();
        let mut next = None;
        'pages: for round in 0..SCAN_PAGES {
            let batch = self
                .deps
                .follow_ups
                .find_residents(&lookup, after, limit)
                .await?;
            let exhausted = batch.len() < limit as usize;
            let seen = self
                .deps
                .access()
                .visible(who, batch.iter().map(|r| r.value.clone()).collect())
                .await?;
            let ids: Vec<ResidentId> = seen.keys().copied().collect();
            let histories = self.histories.screening_histories(&ids, on).await?;
            for (i, r) in batch.iter().enumerate() {
                let id = r.value.resident.id();
                after = Some(id);
                let Some(record) = seen.get(&id) else {
                    continue;
                };
                let history = histories.get(&id).cloned().unwrap_or_default();
                let Some(due) = due_on(
                    programme,
                    &record.resident,
                    &history,
                    on,
                    &self.deps.profile,
                ) else {
                    continue;
                };
                found.push((id, due));
                if found.len() == limit as usize {
                    let last = exhausted && i + 1 == batch.len();
                    next = (!last).then(|| token(id));
                    break 'pages;
                }
            }
            if exhausted {
                break;
            }
            if round + 1 == SCAN_PAGES {
                next = after.map(token);
            }
        }
        let patients: Vec<ResidentId> = found.iter().map(|(id, _)| *id).collect();
        let mut cards = self.deps.patient_cards(who, &patients).await?;
        self.audit(who, &patients).await?;
        Ok(Page {
            items: found
                .into_iter()
                .map(|(resident, due)| DueEntry {
                    resident,
                    due,
                    card: cards.remove(&resident),
                })
                .collect(),
            next,
        })
    }

    /// Each resident listed as a read of them; one entry for the list when none was.
    async fn audit(&self, who: &Principal, listed: &[ResidentId]) -> Result<(), ServiceError> {
        let now = self.deps.clock.now();
        let mut entries: Vec<AuditEntry> = listed
            .iter()
            .map(|&id| audit_entry(who, DUE, format!("residents/{id}"), id, now))
            .collect();
        if entries.is_empty() {
            entries.push(audit_entry(who, DUE, "residents".to_owned(), None, now));
        }
        self.deps.audit.record_all(&entries).await?;
        Ok(())
    }
}
