//! Referral advice (转诊建议): left by the visit or screening that calls for a referral it did
//! not send, closed by the patient's next upward referral or declined with a reason; the
//! team's, the institution's and the desk's open lists.

use std::sync::Arc;

use time::OffsetDateTime;
use yigong_domain::ids::AdviceId;
use yigong_domain::referral::{DeclineReason, Direction, NewAdvice, Referral, ReferralAdvice};
use yigong_ports::{AdviceQueries, Page, Transaction, Versioned};

use crate::access::AdviceList;
use crate::deps::{audit_entry, page_limit};
use crate::{Deps, Principal, ServiceError};

const GET: &str = "advice.get";
const DECLINE: &str = "advice.decline";

/// Records an advice in the transaction of the visit or screening that gives it; its event
/// lands with it.
pub(crate) async fn advise_in(
    deps: &Deps,
    tx: &mut Box<dyn Transaction>,
    new: NewAdvice,
) -> Result<Versioned<ReferralAdvice>, ServiceError> {
    let (advice, events) = ReferralAdvice::advise(new, &deps.profile);
    let version = tx.insert_advice(&advice).await?;
    tx.append_events(&deps.outbox(advice.community(), events, new.at)?)
        .await?;
    Ok(Versioned {
        value: advice,
        version,
    })
}

/// An upward referral closes every open advice of its patient, in the creating transaction:
/// the referral the visit or screening called for has been sent, whoever sent it.
pub(crate) async fn close_by_referral(
    deps: &Deps,
    tx: &mut Box<dyn Transaction>,
    referral: &Referral,
    now: OffsetDateTime,
) -> Result<(), ServiceError> {
    if referral.direction() != Direction::Upward {
        return Ok(());
    }
    for open in tx.open_advice_of(referral.patient()).await? {
        let (closed, events) = open.value.referred(referral.id(), now)?;
        tx.update_advice(&closed, open.version).await?;
        tx.append_events(&deps.outbox(closed.community(), events, now)?)
            .await?;
    }
    Ok(())
}

/// The advice use cases a caller reaches.
pub struct AdviceService {
    deps: Deps,
    advice: Arc<dyn AdviceQueries>,
}

impl AdviceService {
    /// Builds the service over its ports and the advice's queries.
    pub fn new(deps: Deps, advice: Arc<dyn AdviceQueries>) -> Self {
        Self { deps, advice }
    }

    /// One advice, for a caller who sees it ([`Principal::sees_advice`]); otherwise
    /// `NotFound`, the refusal audited.
    #[tracing::instrument(skip_all, fields(user = %who.user, advice = %id))]
    pub async fn get(
        &self,
        who: &Principal,
        id: AdviceId,
    ) -> Result<Versioned<ReferralAdvice>, ServiceError> {
        let resource = format!("advice/{id}");
        match self.advice.get_advice(id).await? {
            Some(a) if who.sees_advice(&a.value) => {
                let entry =
                    audit_entry(who, GET, resource, a.value.patient(), self.deps.clock.now());
                self.deps.audit.record(&entry).await?;
                Ok(a)
            }
            found => {
                let patient = found.map(|a| a.value.patient());
                Err(self
                    .deps
                    .unseen(who, GET, resource, patient, format!("advice {id}"))
                    .await)
            }
        }
    }

    /// A page of the open advice of `list`, oldest first; the read is audited as one entry. A
    /// caller the list is not for is refused (`PermissionDenied`, audited).
    #[tracing::instrument(skip_all, fields(user = %who.user, list = ?list))]
    pub async fn list(
        &self,
        who: &Principal,
        list: AdviceList,
        page_size: u32,
        page_token: Option<String>,
    ) -> Result<Page<Versioned<ReferralAdvice>>, ServiceError> {
        let resource = format!("institutions/{}/advice", who.institution);
        let Some(view) = who.advice_view(list) else {
            let reason = match list {
                AdviceList::Team => "only a family doctor team lists its advice",
                AdviceList::Institution => "only a clinician lists the institution's advice",
                AdviceList::Desk => "only a referral desk lists its community's emergencies",
            };
            return Err(self
                .deps
                .forbidden(None, who, list.action(), resource, None, reason)
                .await);
        };
        let page = self
            .advice
            .list_open_advice(view, page_limit(page_size), page_token)
            .await?;
        let entry = audit_entry(who, list.action(), resource, None, self.deps.clock.now());
        self.deps.audit.record(&entry).await?;
        Ok(page)
    }

    /// The cards of a list's patients the caller may see ([`crate::card`]).
    pub async fn patient_cards(
        &self,
        who: &Principal,
        patients: &[yigong_domain::ids::ResidentId],
    ) -> Result<
        std::collections::HashMap<yigong_domain::ids::ResidentId, crate::PatientCard>,
        ServiceError,
    > {
        self.deps.patient_cards(who, patients).await
    }

    /// Declines an open advice with a reason, by a caller who sees it (the team, the advising
    /// institution's clinicians, the desk for an emergency): an emergency is never declined as
    /// managed locally. `expected_version` is the client's etag.
    #[tracing::instrument(skip_all, fields(user = %who.user, advice = %id))]
    pub async fn decline(
        &self,
        who: &Principal,
        id: AdviceId,
        reason: DeclineReason,
        expected_version: Option<i64>,
    ) -> Result<Versioned<ReferralAdvice>, ServiceError> {
        let now = self.deps.clock.now();
        let mut tx = self.deps.uow.begin().await?;
        let resource = format!("advice/{id}");
        let loaded = match tx.load_advice(id).await? {
            Some(a) if who.sees_advice(&a.value) => a,
            found => {
                let patient = found.map(|a| a.value.patient());
                let what = format!("advice {id}");
                return Err(self
                    .deps
                    .unseen_in(tx, who, DECLINE, resource, patient, what)
                    .await);
            }
        };
        if expected_version.is_some_and(|v| v != loaded.version) {
            return Err(ServiceError::Conflict(format!(
                "advice {id} changed since version {}",
                loaded.version
            )));
        }
        let (declined, events) = loaded.value.decline(reason, now)?;
        let version = tx.update_advice(&declined, loaded.version).await?;
        let patient = declined.patient();
        self.deps
            .commit(
                tx,
                declined.community(),
                events,
                audit_entry(who, DECLINE, resource, patient, now),
            )
            .await?;
        Ok(Versioned {
            value: declined,
            version,
        })
    }
}
