//! Who may see and do what: the one place that decides. Every use case asks here, for reads
//! and commands alike; nothing else in the crate compares roles, institutions or communities.
//!
//! - A patient's record: [`Access::sees_patient`] (holding institution, the community's lead,
//!   the family doctor team serving the record's grid, an institution the patient is referred
//!   to while in its care), and [`Access::visible`] for a batch; the break-glass read
//!   ([`Principal::may_break_glass`]).
//! - A referral: its sender, receiver and community desk see it; [`Guard`]s say who runs each
//!   transition; [`Principal::referral_party`] whose referrals a list or watch reads.
//! - Referral advice: [`Principal::sees_advice`] (who sees and declines one) and
//!   [`Principal::advice_view`] (whose open advice a list reads).
//! - Administration: [`operator_only`], [`Principal::administers`] (an institution and, at a
//!   community's lead, its members), [`Principal::administers_area`] (grids and households, by
//!   the institution in charge of their area), [`Principal::may_shape_network`] (county-wide).
//!
//! The network the decisions read is held in memory ([`NetworkView`]) and replaced after each
//! change the service commits.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use time::Date;
use yigong_domain::consultation::Consultation;
use yigong_domain::diagnosis::{DiagnosisCentre, DiagnosisRequest, Reader};
use yigong_domain::ids::{GridId, InstitutionId, ResidentId, TeamId};
use yigong_domain::network::{Level, Network};
use yigong_domain::referral::{Referral, ReferralAdvice, StateName, Urgency};
use yigong_ports::{
    AdviceView, NetworkQueries, PatientRecord, PatientScope, ReferralParty, ReferralQueries,
};

use crate::{Principal, Role, ServiceError};

/// The network as last loaded: cheap to read from every request, replaced whole on change.
#[derive(Debug, Default)]
pub struct NetworkView {
    current: RwLock<Arc<Network>>,
    /// Each family doctor team's institution: what a token's team is checked against.
    teams: RwLock<Arc<HashMap<TeamId, InstitutionId>>>,
}

impl NetworkView {
    /// A view of `network` (loaded from storage at start-up).
    pub fn new(network: Network) -> Self {
        Self {
            current: RwLock::new(Arc::new(network)),
            teams: RwLock::default(),
        }
    }

    /// The network now. Holds no lock after it returns.
    pub fn current(&self) -> Arc<Network> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Replaces the network (a plain swap: no invariant can break half-way, so a poisoned
    /// lock is safe to reuse).
    pub fn replace(&self, network: Network) {
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(network);
    }

    /// The institution of `team`, if the network has such a team.
    pub fn team_institution(&self, team: TeamId) -> Option<InstitutionId> {
        self.teams
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&team)
            .copied()
    }

    /// Replaces the team index (loaded from storage with the network).
    pub fn replace_teams(&self, teams: HashMap<TeamId, InstitutionId>) {
        *self.teams.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(teams);
    }

    /// Adds a team formed after the index was loaded.
    pub fn add_team(&self, team: TeamId, institution: InstitutionId) {
        let mut teams = self.teams.write().unwrap_or_else(PoisonError::into_inner);
        Arc::make_mut(&mut teams).insert(team, institution);
    }
}

/// Which list: whose referrals it reads is decided by the caller's institution and role
/// ([`Principal::referral_party`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferralView {
    /// Addressed to the caller's institution (its inbox).
    Inbox,
    /// Sent by the caller's institution.
    Sent,
    /// Every referral of the caller's community: its referral desk's view.
    Community,
}

impl ReferralView {
    /// The states listed when the caller names none: what awaits the receiver in an inbox
    /// (approval, answer, arrival), every open referral in the other views.
    pub fn default_states(self) -> Vec<StateName> {
        match self {
            ReferralView::Inbox => StateName::matching(StateName::awaits_receiver),
            ReferralView::Sent | ReferralView::Community => StateName::matching(StateName::is_open),
        }
    }

    /// The audited action of a read of this list.
    pub fn action(self) -> &'static str {
        match self {
            ReferralView::Inbox => "referral.inbox",
            ReferralView::Sent => "referral.sent",
            ReferralView::Community => "referral.community",
        }
    }
}

/// Which list of open referral advice: whose it reads is decided by the caller's team,
/// institution and role ([`Principal::advice_view`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdviceList {
    /// The caller's family doctor team's: its worklist of referrals to send.
    Team,
    /// The caller's institution's.
    Institution,
    /// The caller's community referral desk's: emergencies without a referral.
    Desk,
}

impl AdviceList {
    /// The audited action of a read of this list.
    pub fn action(self) -> &'static str {
        match self {
            AdviceList::Team => "advice.team",
            AdviceList::Institution => "advice.institution",
            AdviceList::Desk => "advice.desk",
        }
    }
}

impl Principal {
    /// Whose open advice the caller may list: a team member their team's, a clinician their
    /// institution's, a referral desk its community's emergencies; `None` otherwise. Every
    /// advice of the view is one the caller sees ([`Principal::sees_advice`]).
    pub fn advice_view(&self, list: AdviceList) -> Option<AdviceView> {
        match list {
            AdviceList::Team => self.team.map(AdviceView::Team),
            AdviceList::Institution => {
                (self.role == Role::Clinician).then_some(AdviceView::Institution(self.institution))
            }
            AdviceList::Desk => match (self.role, self.community) {
                (Role::ReferralDesk, Some(c)) => Some(AdviceView::Desk(c)),
                _ => None,
            },
        }
    }

    /// An advice is seen by its team, the clinicians of the advising institution and, for an
    /// emergency, the patient's community referral desk (escalations go there).
    pub fn sees_advice(&self, a: &ReferralAdvice) -> bool {
        let clinician_there = self.role == Role::Clinician && self.institution == a.institution();
        let team = self.team.is_some() && self.team == a.team();
        let desk = self.role == Role::ReferralDesk
            && self.community.is_some()
            && self.community == a.community()
            && a.urgency() == Urgency::Emergency;
        clinician_there || team || desk
    }

    /// Whose audit entries this caller may review: an operator reviews what the people of
    /// their medical community did (every member, the lead included), or of their own
    /// institution outside any community; no one else reads the log (`None`).
    pub fn audit_scope(&self, network: &Network) -> Option<Vec<InstitutionId>> {
        if self.role != Role::Operator {
            return None;
        }
        Some(match network.community_of(self.institution) {
            Some(community) => community.members().iter().copied().collect(),
            None => vec![self.institution],
        })
    }

    /// A patient is visible to clinicians of the institution holding the record, and to the
    /// clinicians of the community's lead hospital; never across communities, never to
    /// operators or the referral desk (they handle referrals, not records).
    pub fn can_see_patient(&self, scope: &PatientScope, network: &Network) -> bool {
        if self.role != Role::Clinician {
            return false;
        }
        if self.institution == scope.institution {
            return true;
        }
        match (scope.community, self.community) {
            (Some(theirs), Some(ours)) if theirs == ours => network
                .community(ours)
                .is_ok_and(|c| c.lead() == self.institution),
            _ => false,
        }
    }

    /// The family doctor team path: a clinician whose team serves the patient's grid (a village
    /// doctor on the township's team, say) sees the records of that grid's residents, within
    /// the same community. `grid_team` is the team serving the record's grid today.
    pub fn serves_grid_of(&self, scope: &PatientScope, grid_team: Option<TeamId>) -> bool {
        self.role == Role::Clinician
            && self.team.is_some()
            && grid_team == self.team
            && scope.community.is_some()
            && scope.community == self.community
    }

    /// A clinician of a diagnosis centre's institution on its roster reads for it: claims,
    /// reports, verifies and amends (DX-CLAIM, DX-VERIFY), with the grade the roster gives.
    pub fn reader_at(&self, centre: &DiagnosisCentre) -> Option<Reader> {
        (self.role == Role::Clinician && self.institution == centre.institution())
            .then(|| centre.reader(&self.user))
            .flatten()
    }

    /// A clinician of the institution that asked for a remote diagnosis acts for it:
    /// acquires, cancels, acknowledges the report and its critical values.
    pub fn requests_for(&self, r: &DiagnosisRequest) -> bool {
        self.role == Role::Clinician && self.institution == r.requester().institution
    }

    /// A clinician of the institution that asked for a remote consultation acts for it:
    /// cancels it, and reads it while they see the patient.
    pub fn asks_consultation(&self, c: &Consultation) -> bool {
        self.role == Role::Clinician && self.institution == c.requester().institution
    }

    /// A clinician of the county institution a consultation asks reads it (what the requester
    /// chose to share, not the patient's record) and schedules, answers or declines it.
    pub fn consulted_on(&self, c: &Consultation) -> bool {
        self.role == Role::Clinician && self.institution == c.consultant()
    }

    /// The referral path: clinicians of an institution a patient is referred to (requested,
    /// accepted or arrived) may read the record while the patient is in their care; the store
    /// answers whether such a referral exists.
    pub fn may_receive_referred(&self) -> bool {
        self.role == Role::Clinician
    }

    /// Operators administer their own institution and, at a community's lead hospital, every
    /// member of that community.
    pub fn administers(&self, institution: InstitutionId, network: &Network) -> bool {
        if self.role != Role::Operator {
            return false;
        }
        self.institution == institution
            || network
                .community_of(institution)
                .is_some_and(|c| c.lead() == self.institution)
    }

    /// A county operator: an operator of a county-level institution of the network (a county
    /// hospital). County-wide acts are theirs: the network, and areas no institution is in
    /// charge of.
    pub fn is_county_operator(&self, network: &Network) -> bool {
        self.role == Role::Operator
            && network
                .institution(self.institution)
                .is_ok_and(|i| i.kind.level() == Level::County)
    }

    /// The county's in-process set-up (the demo seed, the CLI's network and area imports):
    /// an operator whose principal names no institution of the network. No token can be it:
    /// authentication refuses a token whose institution is not in the network.
    pub fn is_county_setup(&self, network: &Network) -> bool {
        self.role == Role::Operator && network.institution(self.institution).is_err()
    }

    /// Registering institutions and founding and joining communities is county-wide: county
    /// operators and the county's set-up ([`Principal::is_county_setup`]).
    pub fn may_shape_network(&self, network: &Network) -> bool {
        self.is_county_operator(network) || self.is_county_setup(network)
    }

    /// Grids, households and team assignments of an area are administered as the institution
    /// in charge of the area is ([`Principal::administers`]: its own operators and its
    /// community lead's); an area no institution is in charge of is the county's. The
    /// county's set-up administers every area.
    pub fn administers_area(&self, in_charge: Option<InstitutionId>, network: &Network) -> bool {
        self.is_county_setup(network)
            || match in_charge {
                Some(institution) => self.administers(institution, network),
                None => self.is_county_operator(network),
            }
    }

    /// A grid's households (their addresses) are seen by the operators who administer its
    /// area ([`Principal::administers_area`]), and by the clinicians of the institution in
    /// charge of the area, of its community's lead and of the team serving the grid (a county
    /// area's, by county-level clinicians).
    pub fn sees_households(
        &self,
        in_charge: Option<InstitutionId>,
        grid_team: Option<TeamId>,
        network: &Network,
    ) -> bool {
        match self.role {
            Role::Operator => self.administers_area(in_charge, network),
            Role::Clinician => {
                (self.team.is_some() && grid_team == self.team)
                    || match in_charge {
                        Some(i) => {
                            self.institution == i
                                || network
                                    .community_of(i)
                                    .is_some_and(|c| c.lead() == self.institution)
                        }
                        None => network
                            .institution(self.institution)
                            .is_ok_and(|x| x.kind.level() == Level::County),
                    }
            }
            Role::ReferralDesk => false,
        }
    }

    /// A referral is visible to its sender, its receiver and its community's referral desk.
    pub fn can_see_referral(&self, r: &Referral) -> bool {
        self.institution == r.from() || self.institution == r.to() || self.is_desk_of(r)
    }

    /// Whose referrals the caller may list in `view`: their institution's received or sent
    /// ones, or, for a referral desk, its community's; `None` when the view is not theirs
    /// (the community view for anyone but a desk). Every referral of the party is one the
    /// caller sees ([`Principal::can_see_referral`]).
    pub fn referral_party(&self, view: ReferralView) -> Option<ReferralParty> {
        match view {
            ReferralView::Inbox => Some(ReferralParty::ReceivedBy(self.institution)),
            ReferralView::Sent => Some(ReferralParty::SentBy(self.institution)),
            ReferralView::Community => match (self.role, self.community) {
                (Role::ReferralDesk, Some(c)) => Some(ReferralParty::Community(c)),
                _ => None,
            },
        }
    }

    /// Only clinicians of the sending institution create and cancel.
    pub fn is_sender_of(&self, r: &Referral) -> bool {
        self.role == Role::Clinician && self.institution == r.from()
    }

    /// The referral desk of the referral's community approves and handles escalations.
    pub fn is_desk_of(&self, r: &Referral) -> bool {
        self.role == Role::ReferralDesk
            && self.community.is_some()
            && self.community == r.community()
    }

    /// Only clinicians of the receiving institution accept, record arrival and complete.
    pub fn is_receiver_of(&self, r: &Referral) -> bool {
        self.role == Role::Clinician && self.institution == r.to()
    }

    /// Whether a user of `institution` may act as a member of a team of `team_institution`:
    /// the team's own institution, or a village clinic of the same community (a village doctor
    /// serves on the township's family doctor team, "3+1+N"). Another township, another
    /// community, a hospital naming a township's team: never — a token that claims it is
    /// refused, however well signed.
    pub fn may_serve_on_team_of(
        institution: InstitutionId,
        team_institution: InstitutionId,
        network: &Network,
    ) -> bool {
        if institution == team_institution {
            return true;
        }
        let village = network
            .institution(institution)
            .is_ok_and(|i| i.kind.level() == Level::Village);
        let same_community = match (
            network.community_of(institution),
            network.community_of(team_institution),
        ) {
            (Some(a), Some(b)) => a.id() == b.id(),
            _ => false,
        };
        village && same_community
    }

    /// The break-glass read: a clinician of the record's own community may read a record
    /// outside its usual scope, once, with a stated reason; another community never.
    pub fn may_break_glass(&self, scope: &PatientScope, network: &Network) -> bool {
        self.role == Role::Clinician
            && (self.can_see_patient(scope, network)
                || (self.community.is_some() && scope.community == self.community))
    }
}

/// The reads access decisions need beyond the caller and the record, as of `today`.
pub(crate) struct Access<'a> {
    pub(crate) network: &'a NetworkView,
    pub(crate) grids: &'a dyn NetworkQueries,
    pub(crate) referrals: &'a dyn ReferralQueries,
    pub(crate) today: Date,
}

impl Access<'_> {
    /// Whether `who` may see `patient`'s record held under `scope`: by institution or as the
    /// community's lead ([`Principal::can_see_patient`]), as a clinician of the team serving
    /// the record's grid today ([`Access::team_serves`]), or as a clinician of an institution
    /// the patient is referred to and in the care of ([`Principal::may_receive_referred`],
    /// [`ReferralQueries::referred_to`]). The reads happen only when the cheaper tests fail.
    pub(crate) async fn sees_patient(
        &self,
        who: &Principal,
        patient: ResidentId,
        scope: &PatientScope,
    ) -> Result<bool, ServiceError> {
        if who.can_see_patient(scope, &self.network.current())
            || self.team_serves(who, scope).await?
        {
            return Ok(true);
        }
        self.referred_to(who, patient).await
    }

    /// The records of `records` that `who` sees, by the same rules as
    /// [`Access::sees_patient`], with each grid looked up once for the whole batch.
    pub(crate) async fn visible(
        &self,
        who: &Principal,
        records: Vec<PatientRecord>,
    ) -> Result<HashMap<ResidentId, PatientRecord>, ServiceError> {
        let network = self.network.current();
        let mut grid_served: HashMap<GridId, bool> = HashMap::new();
        let mut visible = HashMap::with_capacity(records.len());
        for r in records {
            let seen = if who.can_see_patient(&r.scope, &network) {
                true
            } else {
                let by_team = match r.scope.grid {
                    Some(grid) if who.team.is_some() => match grid_served.get(&grid) {
                        Some(v) => *v,
                        None => {
                            let v = self.team_serves(who, &r.scope).await?;
                            grid_served.insert(grid, v);
                            v
                        }
                    },
                    _ => false,
                };
                by_team || self.referred_to(who, r.resident.id()).await?
            };
            if seen {
                visible.insert(r.resident.id(), r);
            }
        }
        Ok(visible)
    }

    /// The referral path of [`Access::sees_patient`]: the caller's institution has the patient
    /// in its care through a referral ([`StateName::grants_receiver_access`]).
    async fn referred_to(
        &self,
        who: &Principal,
        patient: ResidentId,
    ) -> Result<bool, ServiceError> {
        if !who.may_receive_referred() {
            return Ok(false);
        }
        Ok(self.referrals.referred_to(patient, who.institution).await?)
    }

    /// Whether `who` may see the phone on a list line about a patient held under `scope`: the
    /// people who call the patient — a clinician of the holding institution or of the team
    /// serving the patient's grid today — not everyone who may read the record.
    pub(crate) async fn may_call(
        &self,
        who: &Principal,
        scope: &PatientScope,
    ) -> Result<bool, ServiceError> {
        if who.role != Role::Clinician {
            return Ok(false);
        }
        Ok(who.institution == scope.institution || self.team_serves(who, scope).await?)
    }

    /// The family doctor team path of [`Access::sees_patient`] ([`Principal::serves_grid_of`]):
    /// one indexed grid read, only for a caller with a team in the record's community.
    pub(crate) async fn team_serves(
        &self,
        who: &Principal,
        scope: &PatientScope,
    ) -> Result<bool, ServiceError> {
        let (Some(_), Some(grid)) = (who.team, scope.grid) else {
            return Ok(false);
        };
        if scope.community.is_none() || scope.community != who.community {
            return Ok(false);
        }
        let team = self
            .grids
            .get_grid(grid)
            .await?
            .and_then(|g| g.value.team_on(self.today));
        Ok(who.serves_grid_of(scope, team))
    }
}

/// Who may run a transition, and how the audit log names it.
pub(crate) struct Guard {
    pub(crate) action: &'static str,
    pub(crate) allowed: fn(&Principal, &Referral) -> bool,
    pub(crate) denied: &'static str,
}

pub(crate) const ACCEPT: Guard = Guard {
    action: "referral.accept",
    allowed: Principal::is_receiver_of,
    denied: "only the receiving institution accepts",
};

pub(crate) const CANCEL: Guard = Guard {
    action: "referral.cancel",
    allowed: Principal::is_sender_of,
    denied: "only the sending institution cancels",
};

pub(crate) const APPROVE: Guard = Guard {
    action: "referral.approve",
    allowed: Principal::is_desk_of,
    denied: "only the community's referral desk approves",
};

pub(crate) const REJECT: Guard = Guard {
    action: "referral.reject",
    allowed: |who, r| {
        who.is_receiver_of(r)
            || (who.is_desk_of(r) && r.state().name() == StateName::AwaitingApproval)
    },
    denied: "only the receiver, or the referral desk before approval, rejects",
};

pub(crate) const ARRIVE: Guard = Guard {
    action: "referral.arrive",
    allowed: Principal::is_receiver_of,
    denied: "only the receiving institution records the arrival",
};

pub(crate) const ATTACH: Guard = Guard {
    action: "referral.attach_result",
    allowed: Principal::is_sender_of,
    denied: "only the sending institution attaches results",
};

pub(crate) const CLOSE: Guard = Guard {
    action: "referral.close",
    allowed: |who, r| {
        (who.role == Role::Clinician && (who.institution == r.from() || who.institution == r.to()))
            || who.is_desk_of(r)
    },
    denied: "only the sender, the receiver or the community's referral desk closes a referral",
};

pub(crate) const COMPLETE: Guard = Guard {
    action: "referral.complete",
    allowed: Principal::is_receiver_of,
    denied: "only the receiving institution completes",
};

/// Refuses anyone but a county operator: administrative changes (`what`) are theirs.
pub(crate) fn operator_only(who: &Principal, what: &str) -> Result<(), ServiceError> {
    if who.role == Role::Operator {
        Ok(())
    } else {
        Err(ServiceError::PermissionDenied(format!(
            "only county operators change {what}"
        )))
    }
}
