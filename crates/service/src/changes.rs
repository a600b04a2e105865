//! The change feed: the outbox read in sequence order, for systems that sync incrementally
//! (a cursor, no timestamps). Events carry ids, never names or identity numbers.

use std::sync::Arc;

use yigong_domain::diagnosis::{DiagnosisRequest, Modality};
use yigong_domain::event::AggregateKind;
use yigong_domain::ids::{DiagnosisCentreId, DiagnosisRequestId, ReferralId};
use yigong_domain::referral::Referral;
use yigong_ports::{AuditEntry, AuditOutcome, ChangeFeed, StoredEvent, Versioned};

use crate::deps::page_limit;
use crate::{Deps, DiagnosisService, Principal, ReferralView, Role, ServiceError};

/// A page of changes and the cursor to continue from.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangePage {
    /// The caller's community's events (and network-wide ones), in sequence order.
    pub events: Vec<StoredEvent>,
    /// The last sequence read: the next call's `after` (it moves even when every event read
    /// belonged to another community, so a client never re-reads them).
    pub next: i64,
}

/// Referrals of a watched list that changed, and the cursor to continue from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralChanges {
    /// Each changed referral as it stands now (once per batch, in order of its last change).
    pub referrals: Vec<Versioned<Referral>>,
    /// The last sequence read.
    pub next: i64,
}

/// Requests of a watched worklist that changed, and the cursor to continue from.
#[derive(Debug, Clone, PartialEq)]
pub struct WorklistChanges {
    /// Each changed request of the centre as it stands now (once per batch, in order of its
    /// last change).
    pub requests: Vec<Versioned<DiagnosisRequest>>,
    /// The last sequence read.
    pub next: i64,
}

/// Change feed use cases.
pub struct ChangeService {
    deps: Deps,
    feed: Arc<dyn ChangeFeed>,
}

impl ChangeService {
    /// Builds the service over its ports and the outbox's change feed.
    pub fn new(deps: Deps, feed: Arc<dyn ChangeFeed>) -> Self {
        Self { deps, feed }
    }

    /// The judge of attached results, for showing a referral.
    pub fn recognitions(&self) -> crate::Recognitions {
        crate::Recognitions::of(&self.deps)
    }

    /// The events after `after` that concern the caller's community (or no community). For
    /// integrating systems: operators and referral desks only, since events name patients by
    /// id. Each page is audited as one read.
    #[tracing::instrument(skip_all, fields(user = %who.user, after))]
    pub async fn changes(
        &self,
        who: &Principal,
        after: i64,
        page_size: u32,
    ) -> Result<ChangePage, ServiceError> {
        let page = self.read(who, after, page_size, "page_token").await?;
        self.audit_read(who, "change_feed.list").await?;
        Ok(page)
    }

    /// The next events after `after` for a live watch (`WatchEvents`): the same rules as
    /// [`ChangeService::changes`], but only a read that returned events is audited, so an
    /// idle watch polling for news does not flood the audit log.
    #[tracing::instrument(skip_all, fields(user = %who.user, after))]
    pub async fn watch(
        &self,
        who: &Principal,
        after: i64,
        limit: u32,
    ) -> Result<ChangePage, ServiceError> {
        let page = self.read(who, after, limit, "after_sequence").await?;
        if !page.events.is_empty() {
            self.audit_read(who, "change_feed.watch").await?;
        }
        Ok(page)
    }

    /// Operators and referral desks read their community's events (and network-wide ones).
    async fn read(
        &self,
        who: &Principal,
        after: i64,
        limit: u32,
        cursor_field: &'static str,
    ) -> Result<ChangePage, ServiceError> {
        if !matches!(who.role, Role::Operator | Role::ReferralDesk) {
            return Err(ServiceError::PermissionDenied(
                "the change feed is for operators and referral desks".to_owned(),
            ));
        }
        let Some(community) = who.community else {
            return Err(ServiceError::PermissionDenied(
                "the change feed is read per community".to_owned(),
            ));
        };
        if after < 0 {
            return Err(ServiceError::InvalidArgument {
                field: cursor_field,
                reason: "a cursor is never negative".to_owned(),
            });
        }
        let read = self.feed.changes_since(after, page_limit(limit)).await?;
        let next = read.last().map_or(after, |e| e.sequence);
        let events = read
            .into_iter()
            .filter(|e| e.event.community.is_none_or(|c| c == community))
            .collect();
        Ok(ChangePage { events, next })
    }

    async fn audit_read(&self, who: &Principal, action: &str) -> Result<(), ServiceError> {
        let community = who.community.map(|c| c.to_string()).unwrap_or_default();
        self.deps
            .audit
            .record(&AuditEntry {
                actor: who.actor(),
                action: action.to_owned(),
                resource: format!("communities/{community}/changes"),
                patient: None,
                at: self.deps.clock.now(),
                outcome: AuditOutcome::Success,
                break_glass: None,
            })
            .await?;
        Ok(())
    }

    /// Where a watch that wants only future changes starts.
    pub async fn latest(&self) -> Result<i64, ServiceError> {
        Ok(self.feed.latest_sequence().await?)
    }

    /// The referrals of the caller's `view` (addressed to its institution, sent by it, or its
    /// community's, as [`Principal::referral_party`] decides) that changed after `after`: what
    /// a watch shows. Referral events are read from the feed, each changed referral loaded as
    /// it stands now and kept if it is the party's; a non-empty batch is audited as one read.
    /// A view that is not the caller's is refused before anything is read.
    #[tracing::instrument(skip_all, fields(user = %who.user, after))]
    pub async fn referral_changes(
        &self,
        who: &Principal,
        view: ReferralView,
        after: i64,
        limit: u32,
    ) -> Result<ReferralChanges, ServiceError> {
        let Some(party) = who.referral_party(view) else {
            return Err(ServiceError::PermissionDenied(
                "only a referral desk watches its community's referrals".to_owned(),
            ));
        };
        let read = self.feed.changes_since(after, page_limit(limit)).await?;
        let next = read.last().map_or(after, |e| e.sequence);
        let mut changed: Vec<ReferralId> = Vec::new();
        for e in read.iter().filter(|e| e.event.aggregate_kind == "referral") {
            last_change(&mut changed, ReferralId::from_uuid(e.event.aggregate_id));
        }
        let mut referrals = Vec::new();
        for id in changed {
            if let Some(r) = self.deps.referrals.get_referral(id).await?
                && party.includes(&r.value)
                && who.can_see_referral(&r.value)
            {
                referrals.push(r);
            }
        }
        if !referrals.is_empty() {
            self.deps
                .audit
                .record(&AuditEntry {
                    actor: who.actor(),
                    action: format!("{}_watch", view.action()),
                    resource: format!("institutions/{}/referrals", who.institution),
                    patient: None,
                    at: self.deps.clock.now(),
                    outcome: AuditOutcome::Success,
                    break_glass: None,
                })
                .await?;
        }
        Ok(ReferralChanges { referrals, next })
    }

    /// The requests of `centre`'s worklist (of `modality` when given) that changed after
    /// `after`, as they stand now: what a reader's watch shows. The feed gives which
    /// remote-diagnosis aggregates changed; [`DiagnosisService::worklist_changes`] decides
    /// what the caller sees of them (and refuses one who is not the centre's reader).
    #[tracing::instrument(skip_all, fields(user = %who.user, after))]
    pub async fn worklist_changes(
        &self,
        who: &Principal,
        worklist: &DiagnosisService,
        centre: DiagnosisCentreId,
        modality: Option<Modality>,
        after: i64,
        limit: u32,
    ) -> Result<WorklistChanges, ServiceError> {
        let read = self.feed.changes_since(after, page_limit(limit)).await?;
        let next = read.last().map_or(after, |e| e.sequence);
        let mut changed: Vec<DiagnosisRequestId> = Vec::new();
        let diagnosis = AggregateKind::Diagnosis.as_str();
        for e in read.iter().filter(|e| e.event.aggregate_kind == diagnosis) {
            last_change(
                &mut changed,
                DiagnosisRequestId::from_uuid(e.event.aggregate_id),
            );
        }
        let requests = worklist
            .worklist_changes(who, centre, modality, &changed)
            .await?;
        Ok(WorklistChanges { requests, next })
    }
}

/// Moves `id` to the end of `changed` (adding it once): a batch lists each aggregate once, in
/// order of its last change.
fn last_change<T: PartialEq>(changed: &mut Vec<T>, id: T) {
    changed.retain(|c| *c != id);
    changed.push(id);
}
