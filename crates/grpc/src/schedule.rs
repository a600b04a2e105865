//! `yigong.v1.ScheduleService` (specialist sessions) over `ScheduleService` (the use cases):
//! translation only.

use tonic::{Request, Response, Status};
use yigong_domain::ids::{InstitutionId, ReferralId, SessionId};
use yigong_domain::schedule::{SessionKind, SpecialistSession};
use yigong_ports::{SessionPlace, Versioned};
use yigong_proto::v1 as pb;
use yigong_proto::v1::schedule_service_server::ScheduleService as Api;
use yigong_service::{ScheduleService, ServiceError, SessionInput};

use crate::status::to_status;
use crate::wire::{
    date, etag, invalid, name, page_size, parse_date, parse_etag, parse_name, parse_optional_name,
    principal,
};

fn status(e: ServiceError) -> Status {
    to_status(e, str::to_owned)
}

/// The schedule RPCs.
pub struct ScheduleApi {
    sessions: ScheduleService,
}

impl ScheduleApi {
    /// Serves the use cases.
    pub fn new(sessions: ScheduleService) -> Self {
        Self { sessions }
    }
}

fn kind(k: i32) -> Result<SessionKind, Status> {
    match pb::SessionKind::try_from(k) {
        Ok(pb::SessionKind::Outpatient) => Ok(SessionKind::Outpatient),
        Ok(pb::SessionKind::WardRound) => Ok(SessionKind::WardRound),
        Ok(pb::SessionKind::Teaching) => Ok(SessionKind::Teaching),
        _ => Err(invalid("kind", "OUTPATIENT, WARD_ROUND or TEACHING")),
    }
}

fn wire_kind(k: SessionKind) -> pb::SessionKind {
    match k {
        SessionKind::Outpatient => pb::SessionKind::Outpatient,
        SessionKind::WardRound => pb::SessionKind::WardRound,
        SessionKind::Teaching => pb::SessionKind::Teaching,
    }
}

fn session_id(field: &str, raw: &str) -> Result<SessionId, Status> {
    parse_name(field, "sessions", raw).map(SessionId::from_uuid)
}

fn to_wire(v: Versioned<SpecialistSession>) -> pb::Session {
    let s = &v.value;
    let count = |reserved_only: bool| {
        let n = s
            .bookings()
            .iter()
            .filter(|b| !reserved_only || b.reserved)
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    };
    pb::Session {
        name: name("sessions", s.id()),
        institution: name("institutions", s.institution()),
        held_at: name("institutions", s.held_at()),
        department: s.department().as_str().to_owned(),
        doctor: s.doctor().to_owned(),
        kind: wire_kind(s.kind()) as i32,
        date: Some(date(s.date())),
        capacity: s.capacity(),
        reserved: s.reserved(),
        booked: count(false),
        booked_reserved: count(true),
        rotation: s.is_rotation(),
        patients_seen: s.patients_seen(),
        etag: etag(v.version),
    }
}

#[tonic::async_trait]
impl Api for ScheduleApi {
    async fn create_session(
        &self,
        request: Request<pb::CreateSessionRequest>,
    ) -> Result<Response<pb::Session>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let institution =
            InstitutionId::from_uuid(parse_name("institution", "institutions", &r.institution)?);
        let held_at = parse_optional_name("held_at", "institutions", &r.held_at)?
            .map_or(institution, InstitutionId::from_uuid);
        let input = SessionInput {
            institution,
            held_at,
            department: r.department,
            doctor: r.doctor,
            kind: kind(r.kind)?,
            date: parse_date("date", r.date)?,
            capacity: r.capacity,
        };
        let created = self.sessions.publish(&who, input).await.map_err(status)?;
        Ok(Response::new(to_wire(created)))
    }

    async fn get_session(
        &self,
        request: Request<pb::GetSessionRequest>,
    ) -> Result<Response<pb::Session>, Status> {
        principal(&request)?;
        let id = session_id("name", &request.get_ref().name)?;
        let found = self.sessions.get(id).await.map_err(status)?;
        Ok(Response::new(to_wire(found)))
    }

    async fn list_sessions(
        &self,
        request: Request<pb::ListSessionsRequest>,
    ) -> Result<Response<pb::ListSessionsResponse>, Status> {
        principal(&request)?;
        let r = request.into_inner();
        let place = match (
            parse_optional_name("held_at", "institutions", &r.held_at)?,
            parse_optional_name("institution", "institutions", &r.institution)?,
        ) {
            (Some(at), None) => SessionPlace::HeldAt(InstitutionId::from_uuid(at)),
            (None, Some(of)) => SessionPlace::Of(InstitutionId::from_uuid(of)),
            _ => return Err(invalid("held_at", "exactly one of held_at and institution")),
        };
        let from = parse_date("from_date", r.from_date)?;
        let to = parse_date("to_date", r.to_date)?;
        let size = page_size(r.page_size)?;
        let token = (!r.page_token.is_empty()).then_some(r.page_token);
        let page = self
            .sessions
            .list(place, from, to, size, token)
            .await
            .map_err(|e| match e {
                ServiceError::NotFound(_) => invalid("page_token", "not a token this list issued"),
                other => status(other),
            })?;
        Ok(Response::new(pb::ListSessionsResponse {
            sessions: page.items.into_iter().map(to_wire).collect(),
            next_page_token: page.next.unwrap_or_default(),
        }))
    }

    async fn list_available_slots(
        &self,
        request: Request<pb::ListAvailableSlotsRequest>,
    ) -> Result<Response<pb::ListAvailableSlotsResponse>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let referral = ReferralId::from_uuid(parse_name("referral", "referrals", &r.referral)?);
        let to = parse_date("to_date", r.to_date)?;
        let open = self
            .sessions
            .available_for(&who, referral, to)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListAvailableSlotsResponse {
            slots: open
                .into_iter()
                .map(|o| pb::AvailableSlots {
                    session: Some(to_wire(o.session)),
                    reserved: o.free.reserved,
                    general: o.free.general,
                })
                .collect(),
        }))
    }

    async fn list_expert_activity(
        &self,
        request: Request<pb::ListExpertActivityRequest>,
    ) -> Result<Response<pb::ListExpertActivityResponse>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let institution =
            InstitutionId::from_uuid(parse_name("institution", "institutions", &r.institution)?);
        let from = parse_date("from_date", r.from_date)?;
        let to = parse_date("to_date", r.to_date)?;
        let lines = self
            .sessions
            .expert_activity(&who, institution, from, to)
            .await
            .map_err(status)?;
        Ok(Response::new(pb::ListExpertActivityResponse {
            lines: lines
                .into_iter()
                .map(|l| pb::ExpertActivity {
                    doctor: l.doctor,
                    department: l.department.as_str().to_owned(),
                    held_at: name("institutions", l.held_at),
                    sessions: l.sessions,
                    patients_seen: l.patients_seen,
                })
                .collect(),
        }))
    }

    async fn record_patients_seen(
        &self,
        request: Request<pb::RecordPatientsSeenRequest>,
    ) -> Result<Response<pb::Session>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let id = session_id("name", &r.name)?;
        let expected = parse_etag(&r.etag)?;
        let held = self
            .sessions
            .record_seen(&who, id, r.patients_seen, expected)
            .await
            .map_err(|e| match e {
                ServiceError::InvalidArgument {
                    field: "seen",
                    reason,
                } => invalid("patients_seen", reason),
                other => status(other),
            })?;
        Ok(Response::new(to_wire(held)))
    }
}
