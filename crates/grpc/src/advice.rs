//! `yigong.v1.ReferralAdviceService` (the advice lists and their decline) over
//! `AdviceService` (the use cases): translation only.

use tonic::{Request, Response, Status};
use yigong_domain::ids::AdviceId;
use yigong_domain::referral::{
    AdviceOutcome, AdviceSource, DeclineReason, ReferralAdvice, Urgency,
};
use yigong_ports::Versioned;
use yigong_proto::v1 as pb;
use yigong_proto::v1::referral_advice_service_server::ReferralAdviceService as Api;
use yigong_service::{AdviceList, AdviceService, ServiceError};

use crate::personal::card_to_wire;
use crate::status::to_status;
use crate::wire::{etag, invalid, name, page_size, parse_etag, parse_name, principal, timestamp};

fn status(e: ServiceError) -> Status {
    to_status(e, str::to_owned)
}

/// The advice RPCs.
pub struct AdviceApi {
    advice: AdviceService,
}

impl AdviceApi {
    /// Serves the use cases.
    pub fn new(advice: AdviceService) -> Self {
        Self { advice }
    }
}

fn advice_id(raw: &str) -> Result<AdviceId, Status> {
    parse_name("name", "advice", raw).map(AdviceId::from_uuid)
}

fn view(v: i32) -> Result<AdviceList, Status> {
    match pb::AdviceView::try_from(v) {
        Ok(pb::AdviceView::Team) => Ok(AdviceList::Team),
        Ok(pb::AdviceView::Institution) => Ok(AdviceList::Institution),
        Ok(pb::AdviceView::Desk) => Ok(AdviceList::Desk),
        _ => Err(invalid("view", "TEAM, INSTITUTION or DESK")),
    }
}

fn decline_reason(raw: &str) -> Result<DeclineReason, Status> {
    DeclineReason::from_code(raw).ok_or_else(|| {
        let codes: Vec<&str> = DeclineReason::ALL.iter().map(|r| r.code()).collect();
        invalid("reason", format!("one of {}", codes.join(", ")))
    })
}

/// The wire form of an advice; the patient's card is the list's to add.
fn to_wire(v: Versioned<ReferralAdvice>) -> pb::ReferralAdvice {
    let a = &v.value;
    let (state, referral, decline_reason, close_time) = match a.outcome() {
        None => (pb::AdviceState::Open, String::new(), String::new(), None),
        Some(AdviceOutcome::Referred { referral, at }) => (
            pb::AdviceState::Referred,
            name("referrals", referral),
            String::new(),
            Some(timestamp(at)),
        ),
        Some(AdviceOutcome::Declined { reason, at }) => (
            pb::AdviceState::Declined,
            String::new(),
            reason.code().to_owned(),
            Some(timestamp(at)),
        ),
    };
    pb::ReferralAdvice {
        name: name("advice", a.id()),
        patient: name("residents", a.patient()),
        patient_card: None,
        institution: name("institutions", a.institution()),
        team: a.team().map(|t| name("teams", t)).unwrap_or_default(),
        community: a
            .community()
            .map(|c| name("communities", c))
            .unwrap_or_default(),
        urgency: match a.urgency() {
            Urgency::Routine => pb::Urgency::Routine,
            Urgency::Emergency => pb::Urgency::Emergency,
        } as i32,
        reason: a.reason().code().to_owned(),
        source: Some(match a.source() {
            AdviceSource::Visit(v) => pb::referral_advice::Source::Visit(name("visits", v)),
            AdviceSource::Screening(s) => {
                pb::referral_advice::Source::Screening(name("screenings", s))
            }
            AdviceSource::ElderlyCheck(c) => {
                pb::referral_advice::Source::ElderlyCheck(name("elderly-checks", c))
            }
        }),
        advise_time: Some(timestamp(a.advised_at())),
        escalate_time: a.escalate_at().map(timestamp),
        escalated: a.escalated(),
        state: state as i32,
        referral,
        decline_reason,
        close_time,
        etag: etag(v.version),
    }
}

#[tonic::async_trait]
impl Api for AdviceApi {
    async fn get_referral_advice(
        &self,
        request: Request<pb::GetReferralAdviceRequest>,
    ) -> Result<Response<pb::ReferralAdvice>, Status> {
        let who = principal(&request)?;
        let id = advice_id(&request.get_ref().name)?;
        let found = self.advice.get(&who, id).await.map_err(status)?;
        Ok(Response::new(to_wire(found)))
    }

    async fn list_referral_advice(
        &self,
        request: Request<pb::ListReferralAdviceRequest>,
    ) -> Result<Response<pb::ListReferralAdviceResponse>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let list = view(r.view)?;
        let size = page_size(r.page_size)?;
        let token = (!r.page_token.is_empty()).then_some(r.page_token);
        let page = self
            .advice
            .list(&who, list, size, token)
            .await
            .map_err(|e| match e {
                // The store does not know the token it was handed: the client's mistake.
                ServiceError::NotFound(_) => invalid("page_token", "not a token this list issued"),
                other => status(other),
            })?;
        let patients: Vec<_> = page.items.iter().map(|a| a.value.patient()).collect();
        let cards = self
            .advice
            .patient_cards(&who, &patients)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListReferralAdviceResponse {
            advice: page
                .items
                .into_iter()
                .map(|a| {
                    let card = cards.get(&a.value.patient()).map(card_to_wire);
                    pb::ReferralAdvice {
                        patient_card: card,
                        ..to_wire(a)
                    }
                })
                .collect(),
            next_page_token: page.next.unwrap_or_default(),
        }))
    }

    async fn decline_referral_advice(
        &self,
        request: Request<pb::DeclineReferralAdviceRequest>,
    ) -> Result<Response<pb::ReferralAdvice>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let id = advice_id(&r.name)?;
        let reason = decline_reason(&r.reason)?;
        let expected = parse_etag(&r.etag)?;
        let declined = self
            .advice
            .decline(&who, id, reason, expected)
            .await
            .map_err(status)?;
        Ok(Response::new(to_wire(declined)))
    }
}
