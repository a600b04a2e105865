//! What every use case needs: the ports, the network and the rule profile, and the steps they
//! all share (idempotency claims, outbox rows, audited refusals).

use std::fmt::Write as _;
use std::sync::Arc;

use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;
use yigong_domain::event::DomainEvent;
use yigong_domain::ids::{CommunityId, ResidentId};
use yigong_domain::network::Network;
use yigong_domain::profile::RuleProfile;
use yigong_ports::{
    AuditEntry, AuditLog, AuditOutcome, Clock, Constraint, FollowUpQueries, IdSource,
    IndicatorQueries, IndicatorSnapshots, NetworkQueries, NewEvent, PatientRecord, ReferralQueries,
    RequestKey, RequestLog, ResidentImports, ScreeningStore, StoreError, Transaction, UnitOfWork,
    Versioned,
};

use crate::access::{Access, NetworkView};
use crate::{Principal, Role, ServiceError};

/// The ports and rules the use cases run on. Cheap to clone (every field is shared).
#[derive(Clone)]
pub struct Deps {
    /// Transactions.
    pub uow: Arc<dyn UnitOfWork>,
    /// Referral reads (and the first result of an idempotent create).
    pub referrals: Arc<dyn ReferralQueries>,
    /// Resident and follow-up reads.
    pub follow_ups: Arc<dyn FollowUpQueries>,
    /// Screening results (bulk reads and batch writes).
    pub screenings: Arc<dyn ScreeningStore>,
    /// Residents registered in bulk.
    pub registry: Arc<dyn ResidentImports>,
    /// Audit of reads and refusals.
    pub audit: Arc<dyn AuditLog>,
    /// Now.
    pub clock: Arc<dyn Clock>,
    /// New ids.
    pub ids: Arc<dyn IdSource>,
    /// The county network, as last loaded (authorization reads it on every request).
    pub network: Arc<NetworkView>,
    /// Network, grid and team reads.
    pub directory: Arc<dyn NetworkQueries>,
    /// Indicator facts per grid.
    pub indicators: Arc<dyn IndicatorQueries>,
    /// Tallies kept of closed periods.
    pub snapshots: Arc<dyn IndicatorSnapshots>,
    /// What idempotent creates made the first time.
    pub requests: Arc<dyn RequestLog>,
    /// The rule profile in force.
    pub profile: Arc<RuleProfile>,
}

impl Deps {
    /// The access decisions' reads, as of now.
    pub(crate) fn access(&self) -> Access<'_> {
        Access {
            network: &self.network,
            grids: &*self.directory,
            referrals: &*self.referrals,
            today: self.clock.now().date(),
        }
    }

    /// Every port served by one store (the sea-orm adapter implements them all), with the
    /// network it holds, the clock, the id source and the rule profile.
    pub fn on_store<S>(
        store: Arc<S>,
        network: Network,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
        profile: Arc<RuleProfile>,
    ) -> Self
    where
        S: UnitOfWork
            + ReferralQueries
            + FollowUpQueries
            + ScreeningStore
            + ResidentImports
            + AuditLog
            + NetworkQueries
            + IndicatorQueries
            + IndicatorSnapshots
            + RequestLog
            + 'static,
    {
        Deps {
            uow: store.clone(),
            referrals: store.clone(),
            follow_ups: store.clone(),
            screenings: store.clone(),
            registry: store.clone(),
            audit: store.clone(),
            directory: store.clone(),
            indicators: store.clone(),
            snapshots: store.clone(),
            requests: store,
            clock,
            ids,
            network: Arc::new(NetworkView::new(network)),
            profile,
        }
    }
}

/// Whether a create is new or a retry of an earlier request.
pub(crate) enum Claim {
    /// First time: go on and create.
    Fresh,
    /// A retry: return what the first request created.
    Retry,
}

impl Deps {
    /// Domain events as outbox rows, each with a fresh event id.
    pub(crate) fn outbox<E: Into<DomainEvent>>(
        &self,
        community: Option<CommunityId>,
        events: impl IntoIterator<Item = E>,
        at: OffsetDateTime,
    ) -> Result<Vec<NewEvent>, ServiceError> {
        events
            .into_iter()
            .map(|e| NewEvent::new(self.ids.new_id(), community, &e.into(), at).map_err(Into::into))
            .collect()
    }

    /// The end of every command: its events to the outbox, its audit entry, commit — in the
    /// command's transaction, so all three land or none does.
    pub(crate) async fn commit<E: Into<DomainEvent>>(
        &self,
        mut tx: Box<dyn Transaction>,
        community: Option<CommunityId>,
        events: impl IntoIterator<Item = E>,
        entry: AuditEntry,
    ) -> Result<(), ServiceError> {
        tx.append_events(&self.outbox(community, events, entry.at)?)
            .await?;
        tx.append_audit(&entry).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The record of `patient`, if `who` may see it ([`Access::sees_patient`]); otherwise
    /// `NotFound` (unseen and missing look alike), with the refused `action` audited. Every
    /// command that names a patient passes this check before anything else, as a read does:
    /// no one acts on, or refers, a patient they cannot see.
    pub(crate) async fn visible_patient(
        &self,
        who: &Principal,
        patient: ResidentId,
        action: &str,
    ) -> Result<Versioned<PatientRecord>, ServiceError> {
        if let Some(found) = self.follow_ups.get_resident(patient).await?
            && self
                .access()
                .sees_patient(who, patient, &found.value.scope)
                .await?
        {
            return Ok(found);
        }
        Err(self
            .unseen(
                who,
                action,
                format!("residents/{patient}"),
                patient,
                format!("resident {patient}"),
            )
            .await)
    }

    /// The answer to a caller who asked for what it may not see (or what does not exist):
    /// `NotFound` naming `what`, and the refused `action` on `resource` audited as denied
    /// (outside any transaction, so the entry stays whatever the command did).
    pub(crate) async fn unseen(
        &self,
        who: &Principal,
        action: &str,
        resource: String,
        patient: impl Into<Option<ResidentId>>,
        what: String,
    ) -> ServiceError {
        self.audit_refusal(&AuditEntry {
            outcome: AuditOutcome::Denied,
            ..audit_entry(who, action, resource, patient, self.clock.now())
        })
        .await;
        ServiceError::NotFound(what)
    }

    /// The record of `patient` for a command, loaded in the command's transaction (so that
    /// what the command decides holds until it commits), if `who` may see it. Otherwise as
    /// [`Deps::unseen_in`]: the transaction is given up and the refused `action` audited.
    pub(crate) async fn patient_in(
        &self,
        mut tx: Box<dyn Transaction>,
        who: &Principal,
        patient: ResidentId,
        action: &str,
    ) -> Result<(Box<dyn Transaction>, Versioned<PatientRecord>), ServiceError> {
        match tx.load_resident(patient).await? {
            Some(found)
                if self
                    .access()
                    .sees_patient(who, patient, &found.value.scope)
                    .await? =>
            {
                Ok((tx, found))
            }
            _ => Err(self
                .unseen_in(
                    tx,
                    who,
                    action,
                    format!("residents/{patient}"),
                    patient,
                    format!("resident {patient}"),
                )
                .await),
        }
    }

    /// [`Deps::unseen`] for a refusal found inside a command's transaction: the transaction
    /// is rolled back first (its locks released: on SQLite the entry could not be
    /// written while it holds the write lock), so the refusal is audited and nothing the
    /// command began survives.
    pub(crate) async fn unseen_in(
        &self,
        tx: Box<dyn Transaction>,
        who: &Principal,
        action: &str,
        resource: String,
        patient: impl Into<Option<ResidentId>>,
        what: String,
    ) -> ServiceError {
        abandon(tx).await;
        self.unseen(who, action, resource, patient, what).await
    }

    /// `PermissionDenied` with `reason` for `action` on `resource`, audited as denied. A
    /// command's transaction, if it has one, is rolled back first, as in [`Deps::unseen_in`].
    pub(crate) async fn forbidden(
        &self,
        tx: Option<Box<dyn Transaction>>,
        who: &Principal,
        action: &str,
        resource: String,
        patient: impl Into<Option<ResidentId>>,
        reason: &str,
    ) -> ServiceError {
        if let Some(tx) = tx {
            abandon(tx).await;
        }
        self.audit_refusal(&AuditEntry {
            outcome: AuditOutcome::Denied,
            ..audit_entry(who, action, resource, patient, self.clock.now())
        })
        .await;
        ServiceError::PermissionDenied(reason.to_owned())
    }

    /// Lets a command go on in `tx` when `allowed`; otherwise refuses it as
    /// [`Deps::forbidden`] does (`PermissionDenied` with `reason`, audited, `tx` rolled back).
    pub(crate) async fn permitted(
        &self,
        tx: Box<dyn Transaction>,
        allowed: bool,
        who: &Principal,
        action: &str,
        resource: String,
        reason: &str,
    ) -> Result<Box<dyn Transaction>, ServiceError> {
        if allowed {
            return Ok(tx);
        }
        Err(self
            .forbidden(Some(tx), who, action, resource, None, reason)
            .await)
    }

    /// Refuses anyone but a clinician, audited: keeping health records, referring and
    /// recording results are clinical acts (`what`, as in "only clinicians {what}").
    pub(crate) async fn clinician_only(
        &self,
        who: &Principal,
        action: &str,
        resource: String,
        patient: impl Into<Option<ResidentId>>,
        what: &str,
    ) -> Result<(), ServiceError> {
        if who.role == Role::Clinician {
            return Ok(());
        }
        let reason = format!("only clinicians {what}");
        Err(self
            .forbidden(None, who, action, resource, patient, &reason)
            .await)
    }

    /// Records a refused attempt. A failure to audit a refusal must not turn it into success,
    /// so it is logged and the refusal stands.
    pub(crate) async fn audit_refusal(&self, entry: &AuditEntry) {
        if let Err(e) = self.audit.record(entry).await {
            tracing::warn!(error = %e, action = %entry.action, "could not audit a denied attempt");
        }
    }

    /// What the first request with this key created, for a retried create; a key reused with
    /// another body is `InvalidArgument` naming `request_id` (AIP-155, as Stripe's
    /// idempotency keys): returning the first result would answer a request never made.
    pub(crate) async fn first_result(&self, request: &Request) -> Result<Uuid, ServiceError> {
        self.earlier_result(request).await?.ok_or_else(|| {
            ServiceError::Unavailable("request id claimed but its result is missing".to_owned())
        })
    }

    /// What an earlier request with this id created, if one did; a reused id with another
    /// body is `InvalidArgument` on `request_id`.
    pub(crate) async fn earlier_result(
        &self,
        request: &Request,
    ) -> Result<Option<Uuid>, ServiceError> {
        let Some(first) = self
            .requests
            .request_outcome(&request.caller, &request.command, &request.id)
            .await?
        else {
            return Ok(None);
        };
        if first.fingerprint != request.fingerprint {
            return Err(ServiceError::InvalidArgument {
                field: "request_id",
                reason: "was already used by this caller for a different request".to_owned(),
            });
        }
        Ok(Some(first.resource_id))
    }
}

/// A client's idempotent create as the service sees it: the request id, scoped to the caller
/// (user and institution: one tenant's ids neither block nor reveal another's) and to the
/// command, and a fingerprint of what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    caller: String,
    command: String,
    id: String,
    fingerprint: String,
}

impl Request {
    /// Checks the client's `raw` id (1 to 128 characters after trimming) and fingerprints
    /// `body`, the command's input as received: the SHA-256 of its `Debug` form, which names
    /// every field and value, so any difference in what was asked differs here; `log` keys it
    /// ([`RequestLog::fingerprint`]) before it is stored.
    pub(crate) fn new(
        log: &dyn RequestLog,
        who: &Principal,
        raw: &str,
        command: &str,
        body: &impl std::fmt::Debug,
    ) -> Result<Self, ServiceError> {
        let id = request_id(raw)?;
        let mut digest = Digest(Sha256::new());
        // Writing into a hasher cannot fail; a batch's Debug form is hashed as it is written.
        let _ = write!(digest, "{body:?}");
        Ok(Self {
            caller: format!("{}/{}", who.institution, who.user),
            command: command.to_owned(),
            id: id.to_owned(),
            fingerprint: log.fingerprint(&digest.0.finalize()),
        })
    }

    /// The key the store claims: this request, and what it creates.
    pub(crate) fn key(&self, resource: Uuid) -> RequestKey {
        RequestKey {
            caller: self.caller.clone(),
            command: self.command.clone(),
            request_id: self.id.clone(),
            fingerprint: self.fingerprint.clone(),
            resource_id: resource,
        }
    }
}

/// A hasher that `Debug` output is written into, so a large batch is never one string.
struct Digest(Sha256);

impl std::fmt::Write for Digest {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        sha2::Digest::update(&mut self.0, s.as_bytes());
        Ok(())
    }
}

/// Checks a client's request id: 1 to 128 characters after trimming.
fn request_id(raw: &str) -> Result<&str, ServiceError> {
    let id = raw.trim();
    if id.is_empty() || id.len() > 128 {
        return Err(ServiceError::InvalidArgument {
            field: "request_id",
            reason: "must have 1 to 128 characters".to_owned(),
        });
    }
    Ok(id)
}

/// Claims the request's key, naming what it creates, in the command's transaction (a unique
/// key, so two concurrent retries cannot both create).
pub(crate) async fn claim(
    tx: &mut Box<dyn Transaction>,
    request: &Request,
    resource: Uuid,
) -> Result<Claim, ServiceError> {
    match tx.claim_request(&request.key(resource)).await {
        Ok(()) => Ok(Claim::Fresh),
        Err(StoreError::Duplicate {
            constraint: Constraint::RequestId,
        }) => Ok(Claim::Retry),
        Err(e) => Err(e.into()),
    }
}

/// A successful audit entry for `who` doing `action` on `resource` (of `patient`, when the
/// resource is patient data): the one builder every use case uses.
pub(crate) fn audit_entry(
    who: &Principal,
    action: &str,
    resource: String,
    patient: impl Into<Option<ResidentId>>,
    at: OffsetDateTime,
) -> AuditEntry {
    AuditEntry {
        actor: who.actor(),
        action: action.to_owned(),
        resource,
        patient: patient.into(),
        at,
        outcome: AuditOutcome::Success,
        break_glass: None,
    }
}

/// A name or address as the client sends it: trimmed, at least one visible character and at
/// most `max` characters ([`yigong_domain::text::required`]).
pub(crate) fn text(field: &'static str, raw: &str, max: usize) -> Result<String, ServiceError> {
    required_text(field, raw, 1, max)
}

/// Free text a rule requires, counted in visible characters (`min`) and stored characters
/// (`max`): ten zero-width spaces are not a reason.
pub(crate) fn required_text(
    field: &'static str,
    raw: &str,
    min: usize,
    max: usize,
) -> Result<String, ServiceError> {
    yigong_domain::text::required(raw, min, max).map_err(|e| ServiceError::InvalidArgument {
        field,
        reason: e.to_string(),
    })
}

/// `n` ids derived from `base` (UUID v5 of it and the index): the ids a batch or split creates,
/// found again by a retry that only knows the claimed `base`.
pub(crate) fn derived_ids(base: Uuid, n: usize) -> Vec<Uuid> {
    (0..n)
        .map(|i| Uuid::new_v5(&base, &i.to_be_bytes()))
        .collect()
}

/// Page size when the client asks for none (AIP-158), and the most it may ask for.
const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;

/// The page size to serve for a requested `page_size`: the default for 0, at most the maximum.
pub(crate) fn page_limit(page_size: u32) -> u32 {
    match page_size {
        0 => DEFAULT_PAGE,
        n => n.min(MAX_PAGE),
    }
}

/// Checks a batch's size: 1 to `max` rows.
pub(crate) fn batch_size(rows: usize, max: usize) -> Result<(), ServiceError> {
    if rows == 0 || rows > max {
        return Err(ServiceError::InvalidArgument {
            field: "rows",
            reason: format!("a batch has 1 to {max} rows"),
        });
    }
    Ok(())
}

/// Rolls back a transaction a command abandons, and waits for it, so that its connection is
/// clean before the command writes anything else (a refusal's audit entry). A failed rollback is
/// logged and the command's own outcome stands: the database rolls back what a broken
/// connection held when it closes.
pub(crate) async fn abandon(tx: Box<dyn Transaction>) {
    if let Err(e) = tx.rollback().await {
        tracing::warn!(error = %e, "could not roll back an abandoned transaction");
    }
}
