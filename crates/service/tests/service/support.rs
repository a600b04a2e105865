//! Mocks of every port and the fixtures the use-case tests share: a three-level network, a
//! fixed clock and counting ids.

use std::sync::Arc;

use async_trait::async_trait;
use mockall::mock;
use time::macros::datetime;
use time::{Date, OffsetDateTime};
use uuid::Uuid;
use yigong_domain::contract::{Contract, Team};
use yigong_domain::followup::{Enrolment, FollowUpPlan, WorklistPosition};
use yigong_domain::grid::{AreaNode, Grid};
use yigong_domain::identity::Resident;
use yigong_domain::ids::{AdviceId, SessionId};
use yigong_domain::ids::{
    AreaNodeId, CommunityId, ContractId, EnrolmentId, GridId, HouseholdId, InstitutionId, PlanId,
    ReferralId, ResidentId, TeamId,
};
use yigong_domain::network::{Institution, InstitutionKind, MedicalCommunity, Network};
use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::{Referral, ReferralAdvice};
use yigong_domain::schedule::SpecialistSession;
use yigong_domain::screening::BpReading;
use yigong_ports::{AdviceRepository, SessionRepository};
use yigong_ports::{
    AuditEntry, AuditLog, AuditWriter, Clock, DeadlineClaims, DeadlineKind, FollowUpQueries,
    FollowUpRepository, GridFacts, GridRepository, HouseholdRecord, IdSource, IdempotencyKeys,
    IndicatorQueries, IndicatorSnapshots, NetworkQueries, NetworkRepository, NewEvent,
    OutboxWriter, Page, PatientRecord, PeriodSnapshot, PlanInContext, ReferralFilter,
    ReferralQueries, ReferralRepository, RequestKey, RequestLog, ResidentBatch, ResidentImports,
    ResidentRepository, ScreeningBatch, ScreeningRecord, ScreeningStore, StoreError,
    TeamRepository, Transaction, UnitOfWork, Version, Versioned, VisitRecord,
};
use yigong_service::{Deps, NetworkView, Principal, Role};

mock! {
    pub Tx {}
    #[async_trait]
    impl ReferralRepository for Tx {
        async fn load_referral(&mut self, id: ReferralId) -> Result<Option<Versioned<Referral>>, StoreError>;
        async fn insert_referral(&mut self, referral: &Referral) -> Result<Version, StoreError>;
        async fn update_referral(&mut self, referral: &Referral, expected: Version) -> Result<Version, StoreError>;
    }
    #[async_trait]
    impl yigong_ports::ElderlyCheckRepository for Tx {
        async fn insert_elderly_check(&mut self, record: &yigong_ports::ElderlyCheckRecord) -> Result<(), StoreError>;
    }
    #[async_trait]
    impl yigong_ports::CancerRepository for Tx {
        async fn insert_cancer_exam(&mut self, exam: &yigong_ports::CancerExamRecord) -> Result<(), StoreError>;
        async fn insert_cancer_case(&mut self, case: &yigong_ports::CancerCaseRecord) -> Result<Version, StoreError>;
        async fn load_cancer_case(&mut self, id: yigong_domain::ids::CancerCaseId) -> Result<Option<Versioned<yigong_ports::CancerCaseRecord>>, StoreError>;
        async fn update_cancer_case(&mut self, case: &yigong_ports::CancerCaseRecord, expected: Version) -> Result<Version, StoreError>;
    }
    #[async_trait]
    impl yigong_ports::ConsultationRepository for Tx {
        async fn insert_consultation(&mut self, consultation: &yigong_domain::consultation::Consultation) -> Result<Version, StoreError>;
        async fn load_consultation(&mut self, id: yigong_domain::ids::ConsultationId) -> Result<Option<Versioned<yigong_domain::consultation::Consultation>>, StoreError>;
        async fn update_consultation(&mut self, consultation: &yigong_domain::consultation::Consultation, expected: Version) -> Result<Version, StoreError>;
    }
    #[async_trait]
    impl yigong_ports::DiagnosisRepository for Tx {
        async fn insert_centre(&mut self, centre: &yigong_domain::diagnosis::DiagnosisCentre) -> Result<Version, StoreError>;
        async fn load_centre(&mut self, id: yigong_domain::ids::DiagnosisCentreId) -> Result<Option<Versioned<yigong_domain::diagnosis::DiagnosisCentre>>, StoreError>;
        async fn update_centre(&mut self, centre: &yigong_domain::diagnosis::DiagnosisCentre, expected: Version) -> Result<Version, StoreError>;
        async fn insert_request(&mut self, request: &yigong_domain::diagnosis::DiagnosisRequest) -> Result<Version, StoreError>;
        async fn load_request(&mut self, id: yigong_domain::ids::DiagnosisRequestId) -> Result<Option<Versioned<yigong_domain::diagnosis::DiagnosisRequest>>, StoreError>;
        async fn update_request(&mut self, request: &yigong_domain::diagnosis::DiagnosisRequest, expected: Version, next_deadline: Option<OffsetDateTime>) -> Result<Version, StoreError>;
    }
    #[async_trait]
    impl SessionRepository for Tx {
        async fn load_session(&mut self, id: SessionId) -> Result<Option<Versioned<SpecialistSession>>, StoreError>;
        async fn insert_session(&mut self, session: &SpecialistSession) -> Result<Version, StoreError>;
        async fn update_session(&mut self, session: &SpecialistSession, expected: Version) -> Result<Version, StoreError>;
    }
    #[async_trait]
    impl ResidentRepository for Tx {
        async fn load_resident(&mut self, id: ResidentId) -> Result<Option<Versioned<PatientRecord>>, StoreError>;
        async fn insert_resident(&mut self, record: &PatientRecord) -> Result<Version, StoreError>;
        async fn update_resident(&mut self, record: &PatientRecord, expected: Version) -> Result<Version, StoreError>;
        async fn lock_resident(&mut self, id: ResidentId, expected: Version) -> Result<Version, StoreError>;
        async fn insert_residents(&mut self, records: &[PatientRecord]) -> Result<(), StoreError>;
        async fn registered_documents(&mut self, residents: &[Resident]) -> Result<Vec<usize>, StoreError>;
    }
    #[async_trait]
    impl FollowUpRepository for Tx {
        async fn load_enrolment(&mut self, id: EnrolmentId) -> Result<Option<Versioned<Enrolment>>, StoreError>;
        async fn open_enrolments(&mut self, patient: ResidentId) -> Result<Vec<Versioned<Enrolment>>, StoreError>;
        async fn insert_enrolment(&mut self, enrolment: &Enrolment) -> Result<Version, StoreError>;
        async fn update_enrolment(&mut self, enrolment: &Enrolment, expected: Version) -> Result<Version, StoreError>;
        async fn waiting_plans_of(&mut self, enrolment: EnrolmentId) -> Result<Vec<Versioned<FollowUpPlan>>, StoreError>;
        async fn load_plan(&mut self, id: PlanId) -> Result<Option<PlanInContext>, StoreError>;
        async fn insert_plan(&mut self, plan: &FollowUpPlan) -> Result<Version, StoreError>;
        async fn update_plan(&mut self, plan: &FollowUpPlan, expected: Version) -> Result<Version, StoreError>;
        async fn insert_visit(&mut self, visit: &VisitRecord) -> Result<(), StoreError>;
    }
    #[async_trait]
    impl NetworkRepository for Tx {
        async fn load_network(&mut self) -> Result<Network, StoreError>;
        async fn insert_institution(&mut self, institution: &Institution) -> Result<(), StoreError>;
        async fn insert_community(&mut self, community: &MedicalCommunity) -> Result<(), StoreError>;
        async fn join_community(&mut self, institution: InstitutionId, community: CommunityId) -> Result<(), StoreError>;
        async fn rename_institution(&mut self, institution: InstitutionId, name: &str) -> Result<(), StoreError>;
        async fn close_institution(&mut self, institution: InstitutionId, on: time::Date) -> Result<(), StoreError>;
        async fn leave_community(&mut self, institution: InstitutionId, community: CommunityId) -> Result<(), StoreError>;
    }
    #[async_trait]
    impl GridRepository for Tx {
        async fn area_path(&mut self, node: AreaNodeId) -> Result<Vec<AreaNode>, StoreError>;
        async fn insert_area_node(&mut self, node: &AreaNode, ancestors: &[AreaNodeId]) -> Result<(), StoreError>;
        async fn load_grids(&mut self, ids: &[GridId]) -> Result<Vec<Versioned<Grid>>, StoreError>;
        async fn load_households(&mut self, households: &[HouseholdId]) -> Result<Vec<HouseholdRecord>, StoreError>;
        async fn households_of(&mut self, grid: GridId) -> Result<Vec<HouseholdId>, StoreError>;
        async fn insert_grid(&mut self, grid: &Grid) -> Result<Version, StoreError>;
        async fn update_grid(&mut self, grid: &Grid, expected: Version) -> Result<Version, StoreError>;
        async fn insert_households(&mut self, households: &[HouseholdRecord]) -> Result<(), StoreError>;
        async fn move_households(&mut self, households: &[HouseholdId], to: GridId) -> Result<(), StoreError>;
    }
    #[async_trait]
    impl TeamRepository for Tx {
        async fn load_team(&mut self, id: TeamId) -> Result<Option<Versioned<Team>>, StoreError>;
        async fn insert_team(&mut self, team: &Team) -> Result<Version, StoreError>;
        async fn load_contract(&mut self, id: ContractId) -> Result<Option<Versioned<Contract>>, StoreError>;
        async fn latest_contract(&mut self, resident: ResidentId) -> Result<Option<Versioned<Contract>>, StoreError>;
        async fn insert_contract(&mut self, contract: &Contract) -> Result<Version, StoreError>;
        async fn update_contract(&mut self, contract: &Contract, expected: Version) -> Result<Version, StoreError>;
    }
    #[async_trait]
    impl AdviceRepository for Tx {
        async fn load_advice(&mut self, id: AdviceId) -> Result<Option<Versioned<ReferralAdvice>>, StoreError>;
        async fn open_advice_of(&mut self, patient: ResidentId) -> Result<Vec<Versioned<ReferralAdvice>>, StoreError>;
        async fn insert_advice(&mut self, advice: &ReferralAdvice) -> Result<Version, StoreError>;
        async fn update_advice(&mut self, advice: &ReferralAdvice, expected: Version) -> Result<Version, StoreError>;
    }
    #[async_trait]
    impl OutboxWriter for Tx {
        async fn append_events(&mut self, events: &[NewEvent]) -> Result<(), StoreError>;
    }
    #[async_trait]
    impl AuditWriter for Tx {
        async fn append_audit(&mut self, entry: &AuditEntry) -> Result<(), StoreError>;
        async fn append_audits(&mut self, entries: &[AuditEntry]) -> Result<(), StoreError>;
    }
    #[async_trait]
    impl IdempotencyKeys for Tx {
        async fn claim_request(&mut self, key: &RequestKey) -> Result<(), StoreError>;
    }
    #[async_trait]
    impl DeadlineClaims for Tx {
        async fn claim_deadline(&mut self, kind: DeadlineKind, subject: Uuid, at: OffsetDateTime) -> Result<bool, StoreError>;
    }
    #[async_trait]
    impl Transaction for Tx {
        async fn commit(self: Box<Self>) -> Result<(), StoreError>;
        async fn rollback(self: Box<Self>) -> Result<(), StoreError>;
    }
}

mock! {
    pub Uow {}
    #[async_trait]
    impl UnitOfWork for Uow {
        async fn begin(&self) -> Result<Box<dyn Transaction>, StoreError>;
    }
}

mock! {
    pub Queries {}
    #[async_trait]
    impl ReferralQueries for Queries {
        async fn get_referral(&self, id: ReferralId) -> Result<Option<Versioned<Referral>>, StoreError>;
        async fn list_referrals(&self, filter: &ReferralFilter, limit: u32, after: Option<String>)
            -> Result<Page<Versioned<Referral>>, StoreError>;
        async fn referred_to(&self, patient: ResidentId, institution: InstitutionId) -> Result<bool, StoreError>;
        async fn open_referrals_of(&self, patient: ResidentId) -> Result<Vec<Versioned<Referral>>, StoreError>;
    }
}

mock! {
    pub Requests {}
    #[async_trait]
    impl RequestLog for Requests {
        fn fingerprint(&self, digest: &[u8]) -> String;
        async fn request_outcome(&self, caller: &str, command: &str, request_id: &str) -> Result<Option<RequestKey>, StoreError>;
    }
}

mock! {
    pub FollowUps {}
    #[async_trait]
    impl FollowUpQueries for FollowUps {
        async fn get_resident(&self, id: ResidentId) -> Result<Option<Versioned<PatientRecord>>, StoreError>;
        async fn get_plan(&self, id: PlanId) -> Result<Option<Versioned<FollowUpPlan>>, StoreError>;
        async fn find_by_document(&self, document: &yigong_domain::identity::IdentityDocument) -> Result<Option<Versioned<PatientRecord>>, StoreError>;
        async fn get_residents(&self, ids: &[ResidentId]) -> Result<Vec<Versioned<PatientRecord>>, StoreError>;
        async fn find_residents(&self, lookup: &yigong_ports::ResidentLookup, after: Option<ResidentId>, limit: u32) -> Result<Vec<Versioned<PatientRecord>>, StoreError>;
        async fn get_enrolment(&self, id: EnrolmentId) -> Result<Option<Versioned<Enrolment>>, StoreError>;
        async fn enrolments_of(&self, patient: ResidentId) -> Result<Vec<Versioned<Enrolment>>, StoreError>;
        async fn plans_of(&self, patient: ResidentId) -> Result<Vec<Versioned<FollowUpPlan>>, StoreError>;
        async fn visits_of(&self, patient: ResidentId) -> Result<Vec<VisitRecord>, StoreError>;
        async fn worklist_page(&self, team: TeamId, due_before: Date, on: Date, after: Option<WorklistPosition>, limit: u32) -> Result<Vec<FollowUpPlan>, StoreError>;
    }
}

mock! {
    pub Screenings {}
    #[async_trait]
    impl ScreeningStore for Screenings {
        async fn residents(&self, ids: &[ResidentId]) -> Result<Vec<PatientRecord>, StoreError>;
        async fn bp_history(&self, residents: &[ResidentId]) -> Result<Vec<(ResidentId, BpReading)>, StoreError>;
        async fn import_screenings(&self, batch: &ScreeningBatch) -> Result<(), StoreError>;
        async fn batch_records(&self, batch: Uuid) -> Result<Vec<ScreeningRecord>, StoreError>;
        async fn screenings_of(&self, resident: ResidentId) -> Result<Vec<ScreeningRecord>, StoreError>;
    }
}

mock! {
    pub Registry {}
    #[async_trait]
    impl ResidentImports for Registry {
        async fn import_residents(&self, batch: &ResidentBatch) -> Result<(), StoreError>;
    }
}

mock! {
    pub Directory {}
    #[async_trait]
    impl NetworkQueries for Directory {
        async fn network(&self) -> Result<Network, StoreError>;
        async fn grids_within(&self, area: AreaNodeId) -> Result<Vec<Versioned<Grid>>, StoreError>;
        async fn get_household(&self, id: HouseholdId) -> Result<Option<HouseholdRecord>, StoreError>;
        async fn households_in(&self, grid: GridId) -> Result<Vec<HouseholdRecord>, StoreError>;
        async fn get_area(&self, id: AreaNodeId) -> Result<Option<AreaNode>, StoreError>;
        async fn areas_under(&self, parent: Option<AreaNodeId>) -> Result<Vec<AreaNode>, StoreError>;
        async fn grids_of_team(&self, team: TeamId) -> Result<Vec<Versioned<Grid>>, StoreError>;
        async fn get_grid(&self, id: GridId) -> Result<Option<Versioned<Grid>>, StoreError>;
        async fn get_team(&self, id: TeamId) -> Result<Option<Versioned<Team>>, StoreError>;
        async fn teams_of(&self, institution: InstitutionId) -> Result<Vec<Versioned<Team>>, StoreError>;
        async fn contracts_of(&self, resident: ResidentId) -> Result<Vec<Versioned<Contract>>, StoreError>;
    }
}

mock! {
    pub Indicators {}
    #[async_trait]
    impl IndicatorQueries for Indicators {
        async fn grid_facts(&self, grid: GridId, on: Date, since: Date) -> Result<GridFacts, StoreError>;
        async fn grids_touched(&self, touched: &[yigong_domain::indicator::Touched]) -> Result<std::collections::BTreeSet<GridId>, StoreError>;
    }
}

mock! {
    pub Snapshots {}
    #[async_trait]
    impl IndicatorSnapshots for Snapshots {
        async fn snapshots(&self, period: &yigong_domain::indicator::Period, grids: &[GridId]) -> Result<Vec<PeriodSnapshot>, StoreError>;
        async fn keep_snapshots(&self, period: &yigong_domain::indicator::Period, snapshots: &[PeriodSnapshot], replace: bool) -> Result<(), StoreError>;
    }
}

mock! {
    pub Audit {}
    #[async_trait]
    impl AuditLog for Audit {
        async fn record(&self, entry: &AuditEntry) -> Result<(), StoreError>;
        async fn record_all(&self, entries: &[AuditEntry]) -> Result<(), StoreError>;
        async fn entries(&self, filter: &yigong_ports::AuditFilter, after: Option<i64>, limit: u32) -> Result<Vec<yigong_ports::LoggedEntry>, StoreError>;
    }
}

pub(crate) const NOW: OffsetDateTime = datetime!(2026 - 03 - 02 9:00 UTC);
pub(crate) const COUNTY: InstitutionId = InstitutionId::from_u128(1);
pub(crate) const TOWNSHIP: InstitutionId = InstitutionId::from_u128(10);
pub(crate) const VILLAGE: InstitutionId = InstitutionId::from_u128(100);
pub(crate) const PATIENT: ResidentId = ResidentId::from_u128(42);

pub(crate) struct FixedClock;
impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        NOW
    }
}

pub(crate) struct CountingIds(pub std::sync::atomic::AtomicU64);
impl IdSource for CountingIds {
    fn new_id(&self) -> Uuid {
        Uuid::from_u128(u128::from(self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst)) + 1)
    }
}

pub(crate) fn network() -> Network {
    let mut n = Network::new();
    for (id, kind) in [
        (COUNTY, InstitutionKind::CountyGeneralHospital),
        (TOWNSHIP, InstitutionKind::TownshipHealthCenter),
        (VILLAGE, InstitutionKind::VillageClinic),
    ] {
        n.add_institution(Institution {
            id,
            name: String::new(),
            kind,
        })
        .unwrap();
    }
    n.found_community(CommunityId::from_u128(500), "A", COUNTY)
        .unwrap();
    n.join(CommunityId::from_u128(500), TOWNSHIP).unwrap();
    n.join(CommunityId::from_u128(500), VILLAGE).unwrap();
    n
}

pub(crate) fn clinician(institution: InstitutionId) -> Principal {
    Principal {
        user: "u".into(),
        role: Role::Clinician,
        institution,
        community: Some(CommunityId::from_u128(500)),
        team: None,
    }
}

/// The ports over mocks, with the real network and the bphs3 profile.
pub(crate) fn deps(
    uow: MockUow,
    referrals: MockQueries,
    follow_ups: MockFollowUps,
    audit: MockAudit,
) -> Deps {
    Deps {
        uow: Arc::new(uow),
        referrals: Arc::new(referrals),
        follow_ups: Arc::new(follow_ups),
        screenings: Arc::new(MockScreenings::new()),
        registry: Arc::new(MockRegistry::new()),
        audit: Arc::new(audit),
        clock: Arc::new(FixedClock),
        ids: Arc::new(CountingIds(0.into())),
        network: Arc::new(NetworkView::new(network())),
        directory: Arc::new(MockDirectory::new()),
        indicators: Arc::new(MockIndicators::new()),
        snapshots: Arc::new(MockSnapshots::new()),
        requests: Arc::new(keyed(MockRequests::new())),
        profile: Arc::new(RuleProfile::bphs3()),
    }
}

pub(crate) fn uow_with(tx: MockTx) -> MockUow {
    let mut uow = MockUow::new();
    let mut slot = Some(tx);
    uow.expect_begin().times(1).returning(move || {
        Ok(Box::new(slot.take().expect("one transaction")) as Box<dyn Transaction>)
    });
    uow
}

/// The record of `id`, held by `institution` in the test community, in no grid.
pub(crate) fn patient_record(id: ResidentId, institution: InstitutionId) -> PatientRecord {
    yigong_test_support::fixtures::patient(id, institution, CommunityId::from_u128(500))
}

/// The key a command claimed, remembered so that a mock request log can answer with it: as
/// the first request's own (a retry), or with its fingerprint changed (another body).
#[derive(Clone, Default)]
pub(crate) struct Claimed(Arc<std::sync::Mutex<Option<RequestKey>>>);

impl Claimed {
    pub(crate) fn remember(&self, key: &RequestKey) {
        *self.0.lock().unwrap() = Some(key.clone());
    }

    /// A request log whose first request under the claimed key was `first` (and asked what
    /// this one asks when `same_body`); before the claim, one that knows no request.
    pub(crate) fn log(&self, first: Uuid, same_body: bool) -> MockRequests {
        let claimed = self.clone();
        let mut requests = keyed(MockRequests::new());
        requests
            .expect_request_outcome()
            .returning(move |caller, command, id| {
                // Before any claim the log knows no such request.
                let Some(key) = claimed.0.lock().unwrap().clone() else {
                    return Ok(None);
                };
                assert_eq!(
                    (caller, command, id),
                    (
                        key.caller.as_str(),
                        key.command.as_str(),
                        key.request_id.as_str()
                    )
                );
                Ok(Some(RequestKey {
                    resource_id: first,
                    fingerprint: if same_body {
                        key.fingerprint
                    } else {
                        "another".into()
                    },
                    ..key
                }))
            });
        requests
    }
}

/// An audit log that expects exactly one entry: `action` refused.
pub(crate) fn denied_once(action: &'static str) -> MockAudit {
    let mut audit = MockAudit::new();
    audit
        .expect_record()
        .withf(move |a| a.action == action && a.outcome == yigong_ports::AuditOutcome::Denied)
        .times(1)
        .returning(|_| Ok(()));
    audit
}

/// As [`patient_record`], identified by the citizen id `number`.
pub(crate) fn citizen_record(
    id: ResidentId,
    number: &str,
    institution: InstitutionId,
) -> PatientRecord {
    yigong_test_support::fixtures::citizen(id, number, institution, CommunityId::from_u128(500))
}

/// A transaction whose resident loads know [`PATIENT`], held by the township (what a command
/// naming the patient reads first, in its transaction).
pub(crate) fn tx_knowing_the_patient() -> MockTx {
    let mut tx = tx_reading_the_patient();
    // Not under management anywhere: an upward referral brings no plan forward.
    tx.expect_open_enrolments().returning(|_| Ok(vec![]));
    // No visit or screening left an advice the referral would close.
    tx.expect_open_advice_of().returning(|_| Ok(vec![]));
    tx
}

/// A transaction that reads [`PATIENT`]'s record and nothing else yet.
pub(crate) fn tx_reading_the_patient() -> MockTx {
    let mut tx = MockTx::new();
    tx.expect_load_resident().returning(|id| {
        Ok((id == PATIENT).then(|| Versioned {
            value: patient_record(PATIENT, TOWNSHIP),
            version: 1,
        }))
    });
    tx
}

/// Resident reads that know [`PATIENT`], held by the township (what a command naming the
/// patient checks first).
pub(crate) fn knowing_the_patient() -> MockFollowUps {
    let mut f = MockFollowUps::new();
    f.expect_get_resident().returning(|id| {
        Ok((id == PATIENT).then(|| Versioned {
            value: patient_record(PATIENT, TOWNSHIP),
            version: 1,
        }))
    });
    f
}

/// A request log that keys fingerprints as the store does, by a hash of the digest.
pub(crate) fn keyed(mut requests: MockRequests) -> MockRequests {
    requests
        .expect_fingerprint()
        .returning(|digest| digest.iter().map(|b| format!("{b:02x}")).collect());
    requests
}

/// A change feed held in memory: the events a test appends, in order, from sequence 1.
#[derive(Default)]
pub(crate) struct Feed(std::sync::Mutex<Vec<yigong_ports::StoredEvent>>);

impl Feed {
    pub(crate) fn push(&self, event: &yigong_domain::event::DomainEvent) {
        let mut events = self.0.lock().unwrap();
        let sequence = i64::try_from(events.len()).unwrap() + 1;
        events.push(yigong_ports::StoredEvent {
            sequence,
            aggregate_sequence: 1,
            event: NewEvent::new(Uuid::from_u128(sequence as u128), None, event, NOW).unwrap(),
        });
    }
}

#[async_trait]
impl yigong_ports::ChangeFeed for Feed {
    async fn changes_since(
        &self,
        cursor: i64,
        limit: u32,
    ) -> Result<Vec<yigong_ports::StoredEvent>, StoreError> {
        let events = self.0.lock().unwrap();
        Ok(events
            .iter()
            .filter(|e| e.sequence > cursor)
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn latest_sequence(&self) -> Result<i64, StoreError> {
        Ok(self.0.lock().unwrap().last().map_or(0, |e| e.sequence))
    }
}
