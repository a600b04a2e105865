//! Specialist sessions (§13): an operator of the expert's institution (or of its community's
//! lead) publishes them, at the institution or at a clinic of its community an expert visits;
//! anyone of the network reads a schedule (no patient is in it); a referral's receiver finds
//! the slots free for that referral; the patients a held session saw are recorded.

use std::sync::Arc;

use time::Date;
use yigong_domain::ids::{InstitutionId, ReferralId, SessionId};
use yigong_domain::network::Network;
use yigong_domain::schedule::{
    ExpertActivity, NewSession, ScheduleError, SessionKind, SpecialistSession, Vacancies,
    expert_activity,
};
use yigong_ports::{Page, SessionPlace, SessionQueries, Versioned};

use crate::deps::{audit_entry, page_limit};
use crate::{Deps, Principal, ServiceError};

const PUBLISH: &str = "session.publish";
const RECORD_SEEN: &str = "session.record_seen";

/// A session to publish, as an operator asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInput {
    /// The expert's institution.
    pub institution: InstitutionId,
    /// Where it is held (the institution, or a clinic of its community).
    pub held_at: InstitutionId,
    /// The department.
    pub department: String,
    /// The specialist.
    pub doctor: String,
    /// What it is.
    pub kind: SessionKind,
    /// Its day.
    pub date: Date,
    /// Patients it takes.
    pub capacity: u32,
}

/// A session and what it has free for the referral that asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenSession {
    /// The session.
    pub session: Versioned<SpecialistSession>,
    /// Its free slots for the referral.
    pub free: Vacancies,
}

/// A domain refusal as the use cases report it.
pub(crate) fn schedule_error(e: ScheduleError) -> ServiceError {
    match e {
        ScheduleError::Invalid { field, reason } => ServiceError::InvalidArgument { field, reason },
        other => ServiceError::Rule {
            rule: yigong_domain::rule::RuleId::ReferralReservedSlots,
            message: other.to_string(),
        },
    }
}

/// Whether a referral of `community` books in `session` as one of the hospital's own.
pub(crate) fn of_community(
    network: &Network,
    session: &SpecialistSession,
    community: Option<yigong_domain::ids::CommunityId>,
) -> bool {
    community.is_some() && network.community_of(session.institution()).map(|c| c.id()) == community
}

/// A span of days: `to` not before `from`.
fn span(from: Date, to: Date) -> Result<(), ServiceError> {
    if to < from {
        return Err(ServiceError::InvalidArgument {
            field: "to_date",
            reason: format!("{to} is before from_date {from}"),
        });
    }
    Ok(())
}

/// The schedule use cases.
pub struct ScheduleService {
    deps: Deps,
    sessions: Arc<dyn SessionQueries>,
}

impl ScheduleService {
    /// Builds the service over its ports and the sessions' reads.
    pub fn new(deps: Deps, sessions: Arc<dyn SessionQueries>) -> Self {
        Self { deps, sessions }
    }

    /// Publishes a session. Only an operator administering the expert's institution does; a
    /// session away from it is held at a clinic of the same community (专家下沉). A community
    /// lead's own outpatient sessions reserve the profile's share for referrals.
    #[tracing::instrument(skip_all, fields(user = %who.user))]
    pub async fn publish(
        &self,
        who: &Principal,
        input: SessionInput,
    ) -> Result<Versioned<SpecialistSession>, ServiceError> {
        let network = self.deps.network.current();
        let resource = format!("institutions/{}/sessions", input.institution);
        if !who.administers(input.institution, &network) {
            return Err(self
                .deps
                .forbidden(
                    None,
                    who,
                    PUBLISH,
                    resource,
                    None,
                    "only an operator of the institution publishes its sessions",
                )
                .await);
        }
        let community = network.community_of(input.institution);
        if input.held_at != input.institution
            && community.is_none_or(|c| !c.members().contains(&input.held_at))
        {
            return Err(ServiceError::InvalidArgument {
                field: "held_at",
                reason: "an expert holds sessions at the institution or a clinic of its community"
                    .to_owned(),
            });
        }
        let reserves = community.is_some_and(|c| c.lead() == input.institution);
        let now = self.deps.clock.now();
        let (session, events) = SpecialistSession::publish(
            NewSession {
                id: SessionId::from_uuid(self.deps.ids.new_id()),
                institution: input.institution,
                held_at: input.held_at,
                department: input.department,
                doctor: input.doctor,
                kind: input.kind,
                date: input.date,
                capacity: input.capacity,
            },
            reserves,
            now.date(),
            &self.deps.profile,
        )
        .map_err(schedule_error)?;
        let mut tx = self.deps.uow.begin().await?;
        let version = tx.insert_session(&session).await?;
        self.deps
            .commit(
                tx,
                community.map(|c| c.id()),
                events,
                audit_entry(
                    who,
                    PUBLISH,
                    format!("sessions/{}", session.id()),
                    None,
                    now,
                ),
            )
            .await?;
        Ok(Versioned {
            value: session,
            version,
        })
    }

    /// A session.
    pub async fn get(&self, id: SessionId) -> Result<Versioned<SpecialistSession>, ServiceError> {
        self.sessions
            .get_session(id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("session {id}")))
    }

    /// The sessions of `place` (held at an institution, or of its experts) from `from` to
    /// `to`, by day.
    pub async fn list(
        &self,
        place: SessionPlace,
        from: Date,
        to: Date,
        page_size: u32,
        page_token: Option<String>,
    ) -> Result<Page<Versioned<SpecialistSession>>, ServiceError> {
        span(from, to)?;
        Ok(self
            .sessions
            .list_sessions(place, from, to, page_limit(page_size), page_token)
            .await?)
    }

    /// The institution's experts' held sessions from `from` to `to`, counted per expert,
    /// department and place (专家下沉: sessions and patients seen per township). Operators
    /// administering the institution read it.
    pub async fn expert_activity(
        &self,
        who: &Principal,
        institution: InstitutionId,
        from: Date,
        to: Date,
    ) -> Result<Vec<ExpertActivity>, ServiceError> {
        span(from, to)?;
        if !who.administers(institution, &self.deps.network.current()) {
            return Err(self
                .deps
                .forbidden(
                    None,
                    who,
                    "session.expert_activity",
                    format!("institutions/{institution}/sessions"),
                    None,
                    "only an operator of the institution reads its experts' activity",
                )
                .await);
        }
        let mut held = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .sessions
                .list_sessions(SessionPlace::Of(institution), from, to, 1000, token)
                .await?;
            held.extend(page.items.into_iter().map(|v| v.value));
            match page.next {
                Some(next) => token = Some(next),
                None => return Ok(expert_activity(&held)),
            }
        }
    }

    /// The receiver's outpatient sessions from today to `to` with a slot free for the
    /// referral: reserved ones for a referral of the hospital's community while they are held.
    /// The receiver's clinicians and the community's desk ask.
    pub async fn available_for(
        &self,
        who: &Principal,
        referral: ReferralId,
        to: Date,
    ) -> Result<Vec<OpenSession>, ServiceError> {
        let found = self.deps.referrals.get_referral(referral).await?;
        let Some(r) = found.filter(|r| who.is_receiver_of(&r.value) || who.is_desk_of(&r.value))
        else {
            return Err(ServiceError::NotFound(format!("referral {referral}")));
        };
        let today = self.deps.clock.now().date();
        let network = self.deps.network.current();
        let mut open = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .sessions
                .list_sessions(
                    SessionPlace::HeldAt(r.value.to()),
                    today,
                    to.max(today),
                    500,
                    token,
                )
                .await?;
            for s in page.items {
                if s.value.kind() != SessionKind::Outpatient {
                    continue;
                }
                let mut free = s.value.vacancies(today, &self.deps.profile);
                if !of_community(&network, &s.value, r.value.community()) {
                    free.reserved = 0;
                }
                if free.reserved + free.general > 0 {
                    open.push(OpenSession { session: s, free });
                }
            }
            match page.next {
                Some(next) => token = Some(next),
                None => return Ok(open),
            }
        }
    }

    /// Records the patients a held session saw: an operator administering the institution it
    /// was held at, or the expert's.
    pub async fn record_seen(
        &self,
        who: &Principal,
        id: SessionId,
        seen: u32,
        expected_version: Option<i64>,
    ) -> Result<Versioned<SpecialistSession>, ServiceError> {
        let now = self.deps.clock.now();
        let network = self.deps.network.current();
        let mut tx = self.deps.uow.begin().await?;
        let Some(loaded) = tx.load_session(id).await? else {
            return Err(ServiceError::NotFound(format!("session {id}")));
        };
        if !(who.administers(loaded.value.held_at(), &network)
            || who.administers(loaded.value.institution(), &network))
        {
            return Err(self
                .deps
                .forbidden(
                    Some(tx),
                    who,
                    RECORD_SEEN,
                    format!("sessions/{id}"),
                    None,
                    "only an operator of the session's institutions records it",
                )
                .await);
        }
        if let Some(expected) = expected_version
            && expected != loaded.version
        {
            return Err(ServiceError::Conflict(format!(
                "session {id} is at version {}, not {expected}",
                loaded.version
            )));
        }
        let community = network
            .community_of(loaded.value.institution())
            .map(|c| c.id());
        let (held, events) = loaded
            .value
            .record_seen(seen, now.date())
            .map_err(schedule_error)?;
        let version = tx.update_session(&held, loaded.version).await?;
        self.deps
            .commit(
                tx,
                community,
                events,
                audit_entry(who, RECORD_SEEN, format!("sessions/{id}"), None, now),
            )
            .await?;
        Ok(Versioned {
            value: held,
            version,
        })
    }
}
