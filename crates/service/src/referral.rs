//! Referral use cases: create, accept, cancel, get.

use std::sync::Arc;

use time::OffsetDateTime;
use yigong_domain::event::DomainEvent;
use yigong_domain::ids::{InstitutionId, ReferralId, ResidentId};
use yigong_domain::network::Network;
use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::{
    Appointment, AttachedResult, CreateReferral, Direction, ReasonCode, Referral, ReferralError,
    ReferralEvent, Route, Urgency,
};
use yigong_ports::{
    AuditEntry, AuditLog, AuditOutcome, Clock, IdSource, NewEvent, ReferralQueries, RequestKey,
    StoreError, Transaction, UnitOfWork, Versioned,
};

use crate::{Principal, Role, ServiceError};

const CREATE: &str = "referral.create";

/// Who may run a transition, and how the audit log names it.
struct Guard {
    action: &'static str,
    allowed: fn(&Principal, &Referral) -> bool,
    denied: &'static str,
}

const ACCEPT: Guard = Guard {
    action: "referral.accept",
    allowed: Principal::is_receiver_of,
    denied: "only the receiving institution accepts",
};

const CANCEL: Guard = Guard {
    action: "referral.cancel",
    allowed: Principal::is_sender_of,
    denied: "only the sending institution cancels",
};

/// The ports and rules the referral use cases need.
#[derive(Clone)]
pub struct Deps {
    /// Transactions.
    pub uow: Arc<dyn UnitOfWork>,
    /// Reads.
    pub queries: Arc<dyn ReferralQueries>,
    /// Audit of reads and refusals.
    pub audit: Arc<dyn AuditLog>,
    /// Now.
    pub clock: Arc<dyn Clock>,
    /// New ids.
    pub ids: Arc<dyn IdSource>,
    /// The county network.
    pub network: Arc<Network>,
    /// The rule profile in force.
    pub profile: Arc<RuleProfile>,
}

/// What a new referral asks for; the sender is the caller's institution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReferral {
    /// The client's request id: a retry with the same id returns the first result.
    pub request_id: String,
    /// The patient.
    pub patient: ResidentId,
    /// The receiving institution.
    pub to: InstitutionId,
    /// Declared direction (checked against levels).
    pub direction: Direction,
    /// Urgency.
    pub urgency: Urgency,
    /// Coded reasons.
    pub reasons: Vec<ReasonCode>,
    /// Attached results.
    pub attachments: Vec<AttachedResult>,
}

/// The referral use cases.
pub struct ReferralService {
    deps: Deps,
}

impl ReferralService {
    /// Builds the service over its ports.
    pub fn new(deps: Deps) -> Self {
        Self { deps }
    }

    fn audit(
        &self,
        who: &Principal,
        action: &str,
        r: &Referral,
        at: OffsetDateTime,
        outcome: AuditOutcome,
    ) -> AuditEntry {
        AuditEntry {
            actor: who.actor(),
            action: action.to_owned(),
            resource: format!("referrals/{}", r.id()),
            patient: Some(r.patient()),
            at,
            outcome,
            break_glass: None,
        }
    }

    fn events(
        &self,
        r: &Referral,
        events: Vec<ReferralEvent>,
        at: OffsetDateTime,
    ) -> Result<Vec<NewEvent>, ServiceError> {
        events
            .into_iter()
            .map(|e| {
                NewEvent::new(
                    self.deps.ids.new_id(),
                    r.community(),
                    &DomainEvent::from(e),
                    at,
                )
                .map_err(ServiceError::from)
            })
            .collect()
    }

    /// Saves state, events and audit in the transaction and commits; any failure drops the
    /// transaction, so nothing is written.
    async fn finish(
        &self,
        mut tx: Box<dyn Transaction>,
        who: &Principal,
        action: &str,
        change: (&Referral, Option<i64>, Vec<ReferralEvent>),
        now: OffsetDateTime,
    ) -> Result<i64, ServiceError> {
        let (referral, expected, events) = change;
        let version = match expected {
            None => tx.insert_referral(referral).await?,
            Some(v) => tx.update_referral(referral, v).await?,
        };
        tx.append_events(&self.events(referral, events, now)?)
            .await?;
        tx.append_audit(&self.audit(who, action, referral, now, AuditOutcome::Success))
            .await?;
        tx.commit().await?;
        Ok(version)
    }

    /// Creates a referral from the caller's institution. Idempotent on `request_id`.
    #[tracing::instrument(skip_all, fields(user = %who.user, institution = %who.institution))]
    pub async fn create(
        &self,
        who: &Principal,
        cmd: NewReferral,
    ) -> Result<Versioned<Referral>, ServiceError> {
        if who.role != Role::Clinician {
            return Err(ServiceError::PermissionDenied(
                "only clinicians refer patients".to_owned(),
            ));
        }
        let request_id = cmd.request_id.trim();
        if request_id.is_empty() || request_id.len() > 128 {
            return Err(ServiceError::InvalidArgument {
                field: "request_id",
                reason: "must have 1 to 128 characters".to_owned(),
            });
        }
        let route =
            Route::in_network(&self.deps.network, who.institution, cmd.to).map_err(|e| {
                ServiceError::InvalidArgument {
                    field: "to",
                    reason: e.to_string(),
                }
            })?;
        let now = self.deps.clock.now();
        let id = ReferralId::from_uuid(self.deps.ids.new_id());
        let mut tx = self.deps.uow.begin().await?;
        match tx
            .claim_request(&RequestKey {
                request_id: request_id.to_owned(),
                command: CREATE.to_owned(),
                resource_id: id.as_uuid(),
            })
            .await
        {
            Ok(()) => {}
            Err(StoreError::Duplicate {
                constraint: "request_id",
            }) => {
                drop(tx);
                return self.first_result(who, request_id).await;
            }
            Err(e) => return Err(e.into()),
        }
        let open = tx.open_referral_directions(cmd.patient).await?;
        let (referral, events) = Referral::create(
            CreateReferral {
                id,
                patient: cmd.patient,
                direction: cmd.direction,
                urgency: cmd.urgency,
                reasons: cmd.reasons,
                attachments: cmd.attachments,
            },
            &route,
            &open,
            now,
            &self.deps.profile,
        )?;
        let version = self
            .finish(tx, who, CREATE, (&referral, None, events), now)
            .await?;
        Ok(Versioned {
            value: referral,
            version,
        })
    }

    async fn first_result(
        &self,
        who: &Principal,
        request_id: &str,
    ) -> Result<Versioned<Referral>, ServiceError> {
        let first = self
            .deps
            .queries
            .request_outcome(request_id, CREATE)
            .await?
            .ok_or_else(|| {
                ServiceError::Unavailable("request id claimed but its result is missing".to_owned())
            })?;
        let found = self
            .deps
            .queries
            .get_referral(ReferralId::from_uuid(first))
            .await?;
        match found {
            Some(v) if who.can_see_referral(&v.value) => Ok(v),
            _ => Err(ServiceError::NotFound(format!(
                "referral for request {request_id}"
            ))),
        }
    }

    /// Loads a referral for a command, refusing callers who may not see it as not found.
    async fn load(
        &self,
        tx: &mut Box<dyn Transaction>,
        who: &Principal,
        id: ReferralId,
    ) -> Result<Versioned<Referral>, ServiceError> {
        match tx.load_referral(id).await? {
            Some(v) if who.can_see_referral(&v.value) => Ok(v),
            _ => Err(ServiceError::NotFound(format!("referral {id}"))),
        }
    }

    /// Runs one transition on a stored referral: load, check who may do it (a refusal is
    /// audited), check the client's etag, apply the domain transition, and `finish`.
    async fn transition(
        &self,
        who: &Principal,
        id: ReferralId,
        guard: Guard,
        expected_version: Option<i64>,
        apply: impl FnOnce(
            Referral,
            OffsetDateTime,
        ) -> Result<(Referral, Vec<ReferralEvent>), ReferralError>
        + Send,
    ) -> Result<Versioned<Referral>, ServiceError> {
        let now = self.deps.clock.now();
        let mut tx = self.deps.uow.begin().await?;
        let loaded = self.load(&mut tx, who, id).await?;
        if !(guard.allowed)(who, &loaded.value) {
            drop(tx);
            self.deny(who, guard.action, &loaded.value, now).await;
            return Err(ServiceError::PermissionDenied(guard.denied.to_owned()));
        }
        if expected_version.is_some_and(|v| v != loaded.version) {
            return Err(ServiceError::Conflict(format!(
                "referral {id} changed since version {}",
                loaded.version
            )));
        }
        let (referral, events) = apply(loaded.value, now)?;
        let version = self
            .finish(
                tx,
                who,
                guard.action,
                (&referral, Some(loaded.version), events),
                now,
            )
            .await?;
        Ok(Versioned {
            value: referral,
            version,
        })
    }

    /// The receiver accepts with an appointment; `expected_version` is the client's etag, if any.
    #[tracing::instrument(skip_all, fields(user = %who.user, referral = %id))]
    pub async fn accept(
        &self,
        who: &Principal,
        id: ReferralId,
        appointment: Appointment,
        expected_version: Option<i64>,
    ) -> Result<Versioned<Referral>, ServiceError> {
        let profile = Arc::clone(&self.deps.profile);
        self.transition(who, id, ACCEPT, expected_version, move |r, now| {
            r.accept(appointment, None, now, &profile)
        })
        .await
    }

    /// The sender cancels a request not yet accepted.
    #[tracing::instrument(skip_all, fields(user = %who.user, referral = %id))]
    pub async fn cancel(
        &self,
        who: &Principal,
        id: ReferralId,
        reason: &str,
    ) -> Result<Versioned<Referral>, ServiceError> {
        self.transition(who, id, CANCEL, None, |r, _| r.cancel(reason))
            .await
    }

    /// Reads a referral; the read is audited.
    #[tracing::instrument(skip_all, fields(user = %who.user, referral = %id))]
    pub async fn get(
        &self,
        who: &Principal,
        id: ReferralId,
    ) -> Result<Versioned<Referral>, ServiceError> {
        let found = self.deps.queries.get_referral(id).await?;
        let Some(v) = found.filter(|v| who.can_see_referral(&v.value)) else {
            return Err(ServiceError::NotFound(format!("referral {id}")));
        };
        let entry = self.audit(
            who,
            "referral.get",
            &v.value,
            self.deps.clock.now(),
            AuditOutcome::Success,
        );
        self.deps.audit.record(&entry).await?;
        Ok(v)
    }

    /// Records a refused attempt. A failure to audit a refusal must not turn it into success,
    /// so it is logged and the refusal stands.
    async fn deny(&self, who: &Principal, action: &str, r: &Referral, now: OffsetDateTime) {
        let entry = self.audit(who, action, r, now, AuditOutcome::Denied);
        if let Err(e) = self.deps.audit.record(&entry).await {
            tracing::warn!(error = %e, action, "could not audit a denied attempt");
        }
    }
}
