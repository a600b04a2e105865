//! The demo county: a deterministic county medical network built through the use cases (so
//! every record obeys the rules and is audited like real work), with a year of history, so
//! worklists, inboxes and reports show content from the first minute.
//!
//! Shape at [`DemoScale::COUNTY`]: a county people's hospital and a county TCM hospital each
//! leading a medical community of seven township health centers; twenty village clinics per
//! township, one village area and one responsibility grid per clinic; two family doctor teams
//! per township health center sharing its grids; about 50,000 residents in households; basic
//! contracts for the key populations; managed hypertension and type 2 diabetes patients with
//! quarterly follow-ups over the past year (some now overdue); a screening campaign among the
//! 35+; and referrals in every state a routine profile reaches.
//!
//! Determinism: names, documents, ages, readings and choices come from a fixed-seed generator
//! and ids from a counter, so the same scale seeded on the same day gives the same county.
//! History is laid out relative to that day, with the clock moved to each event's date.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use time::{Date, Duration, OffsetDateTime, Time};
use uuid::Uuid;
use yigong_domain::contract::{Package, TeamMember, TeamRole};
use yigong_domain::followup::{
    AdverseReaction, Complication, Condition, ContactMode, DangerSigns, DiabetesVisit,
    HypertensionVisit, Visit,
};
use yigong_domain::grid::AreaKind;
use yigong_domain::identity::check_character;
use yigong_domain::ids::{GridId, InstitutionId, ResidentId, TeamId, WorkerId};
use yigong_domain::measure::{BloodPressure, Glucose};
use yigong_domain::network::{InstitutionKind, Network};
use yigong_domain::personal::{
    Disability, Ethnicity, PersonName, PersonalInfo, Phone, ResidenceType,
};
use yigong_domain::profile::RuleProfile;
use yigong_domain::screening::GlucoseKind;
use yigong_ports::{Clock, IdSource};
use yigong_service::{
    BodySize, CreateGrid, Deps, DocumentInput, FollowUpService, GridService, HouseholdRow,
    NetworkService, NewArea, NewCommunity, NewContract, NewEnrolment, NewInstitution, NewTeam,
    Principal, ResidentRow, ResidentService, Role, RowReading, ScreeningRow, ScreeningService,
    ServiceError, TeamService,
};
use yigong_store::Store;

mod consultation;
mod diagnosis;
mod elderly;
mod referrals;
mod sessions;
mod two_cancer;

/// The lead hospital of the first community: how a seeded database is recognised.
pub const COUNTY_HOSPITAL: &str = "Demo County People's Hospital";
const TCM_HOSPITAL: &str = "Demo County TCM Hospital";
/// The county's area node, above the townships.
const DEMO_COUNTY: &str = "Demo County";
/// The fictional county's administrative division code (first six digits of identity numbers).
const REGION: &str = "431023";
const TOWNSHIPS: [&str; 14] = [
    "Qiaotou", "Baishi", "Longtan", "Huangsha", "Xinshi", "Dongping", "Shuikou", "Gaoqiao",
    "Lianhua", "Taiping", "Hetang", "Shangbao", "Jinping", "Fenglin",
];

/// How big a demo county to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoScale {
    /// Township health centers, split evenly between the two communities (at most 14).
    pub townships: usize,
    /// Village clinics (and village grids) per township.
    pub villages_per_township: usize,
    /// Households per village; each holds one to five residents (three on average).
    pub households_per_village: usize,
}

impl DemoScale {
    /// The county of the README: 14 townships, 280 villages, about 50,000 residents.
    pub const COUNTY: DemoScale = DemoScale {
        townships: 14,
        villages_per_township: 20,
        households_per_village: 60,
    };
    /// A hamlet for tests: the same shape, a few hundred residents.
    pub const SMALL: DemoScale = DemoScale {
        townships: 2,
        villages_per_township: 2,
        households_per_village: 25,
    };

    /// The scale a name (`county` or `small`) stands for.
    pub fn from_name(name: &str) -> Option<DemoScale> {
        match name {
            "county" => Some(DemoScale::COUNTY),
            "small" => Some(DemoScale::SMALL),
            _ => None,
        }
    }
}

/// What was built, and whom to try it as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCounty {
    /// Institutions registered (hospitals, township centers, village clinics).
    pub institutions: usize,
    /// Responsibility grids.
    pub grids: usize,
    /// Households.
    pub households: usize,
    /// Residents with a health record.
    pub residents: usize,
    /// Contracts signed.
    pub contracts: usize,
    /// Open enrolments (hypertension, type 2 diabetes and severe mental disorder).
    pub enrolments: usize,
    /// Follow-up visits recorded.
    pub visits: usize,
    /// Screening results imported.
    pub screenings: usize,
    /// Referrals created.
    pub referrals: usize,
    /// Specialist sessions published (the county's clinics and its experts' township visits).
    pub sessions: usize,
    /// 65+ annual checks recorded.
    pub elderly_checks: usize,
    /// Of the enrolments, severe mental disorder patients.
    pub mental_disorder_patients: usize,
    /// Two-cancer exams recorded.
    pub two_cancer_exams: usize,
    /// Cases their abnormal results opened.
    pub cancer_cases: usize,
    /// Of the cases, closed.
    pub cancer_cases_closed: usize,
    /// Remote diagnosis centres opened (imaging, ECG and laboratory at each lead hospital).
    pub diagnosis_centres: usize,
    /// Remote diagnosis requests laid out over the last month.
    pub diagnosis_requests: usize,
    /// Of them, verified past their turnaround target (or still waiting past it).
    pub turnaround_breaches: usize,
    /// Critical-value escalations for want of an acknowledgment.
    pub critical_escalations: usize,
    /// Remote consultations asked of the lead hospitals over the last two weeks.
    pub consultations: usize,
    /// Of them, answered in writing.
    pub consultations_answered: usize,
}

/// Sample callers of a demo county, for tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPrincipals {
    /// `(shell variable, who, principal)`, e.g. `("TOKEN_TOWNSHIP", "township clinician", …)`.
    pub callers: Vec<(&'static str, &'static str, Principal)>,
}

/// Whether `network` already holds the demo county.
pub fn is_seeded(network: &Network) -> bool {
    network.institutions().any(|i| i.name == COUNTY_HOSPITAL)
}

/// The demo's sample callers, found in a seeded database: the county hospital's operator,
/// the TCM hospital's (the other community's lead), a reader of its ECG centre, the county's
/// referral desk and a clinician, and a clinician of the first township's first team.
pub async fn principals(store: &Store) -> Result<DemoPrincipals, ServiceError> {
    use yigong_ports::NetworkQueries;
    let network = store.network().await?;
    let by_name = |name: &str| {
        network
            .institutions()
            .find(|i| i.name == name)
            .map(|i| i.id)
            .ok_or_else(|| ServiceError::NotFound(format!("institution {name:?}")))
    };
    let county = by_name(COUNTY_HOSPITAL)?;
    let tcm = by_name(TCM_HOSPITAL)?;
    let township = by_name(&township_center(TOWNSHIPS[0]))?;
    let other = by_name(&township_center(TOWNSHIPS[1]))?;
    let first_team = |institution| async move {
        store
            .teams_of(institution)
            .await?
            .first()
            .map(|t| t.value.id())
            .ok_or_else(|| ServiceError::NotFound(format!("a team at {institution}")))
    };
    let (team, other_team) = (first_team(township).await?, first_team(other).await?);
    let at = |user: &str, role, institution, team| Principal {
        user: user.to_owned(),
        role,
        institution,
        community: network.community_of(institution).map(|c| c.id()),
        team,
    };
    Ok(DemoPrincipals {
        callers: vec![
            (
                "TOKEN_OPERATOR",
                "county operator",
                at("demo-operator", Role::Operator, county, None),
            ),
            (
                "TOKEN_TCM_OPERATOR",
                "operator of the TCM hospital, lead of the other community",
                at("demo-tcm-operator", Role::Operator, tcm, None),
            ),
            (
                "TOKEN_READER",
                "reader of the county hospital's ECG centre (attending)",
                at(diagnosis::READER, Role::Clinician, county, None),
            ),
            (
                "TOKEN_DESK",
                "county referral desk",
                at("demo-desk", Role::ReferralDesk, county, None),
            ),
            (
                "TOKEN_COUNTY",
                "county clinician",
                at("demo-county-doctor", Role::Clinician, county, None),
            ),
            (
                "TOKEN_TOWNSHIP",
                "township clinician of a family doctor team",
                at(
                    "demo-township-doctor",
                    Role::Clinician,
                    township,
                    Some(team),
                ),
            ),
            (
                "TOKEN_OTHER_TOWNSHIP",
                "clinician of another township's family doctor team",
                at(
                    "demo-other-doctor",
                    Role::Clinician,
                    other,
                    Some(other_team),
                ),
            ),
        ],
    })
}

fn township_center(township: &str) -> String {
    format!("{township} Township Health Center")
}

/// A clock the seeder moves to each event's date.
struct DemoClock(Mutex<OffsetDateTime>);

impl DemoClock {
    fn set(&self, at: OffsetDateTime) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = at;
    }
}

impl Clock for DemoClock {
    fn now(&self) -> OffsetDateTime {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Ids from a counter: the same seeding gives the same ids.
struct DemoIds(Mutex<u64>);

impl IdSource for DemoIds {
    fn new_id(&self) -> Uuid {
        let mut n = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        *n += 1;
        // Version 8 (custom) with the RFC 4122 variant: a well-formed UUID, plainly synthetic.
        Uuid::from_u128(0x5969_676f_6e67_8000_8000_0000_0000_0000 | u128::from(*n))
    }
}

/// SplitMix64: a tiny, fixed, well-mixed generator (the demo needs repeatability, not secrecy).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        let span = u64::from(hi - lo) + 1;
        lo + u32::try_from(self.next() % span).unwrap_or(0)
    }

    /// True with probability `percent`/100.
    fn chance(&mut self, percent: u32) -> bool {
        self.range(0, 99) < percent
    }
}

struct Village {
    grid: GridId,
    name: String,
}

struct Township {
    center: InstitutionId,
    teams: [TeamId; 2],
    clinician: [Principal; 2],
    villages: Vec<Village>,
}

struct Person {
    id: ResidentId,
    age: u32,
    team: usize,
    /// As the identity number's sequence says.
    female: bool,
}

/// Builds the demo county through the use cases on `store` (which must be migrated and hold
/// no network yet), with its history laid out over the year before `today`.
pub async fn seed(
    store: Arc<Store>,
    scale: DemoScale,
    today: Date,
    progress: &dyn Fn(&str),
) -> Result<DemoCounty, ServiceError> {
    let start = at(today - Duration::days(400), 9);
    let clock = Arc::new(DemoClock(Mutex::new(start)));
    let deps = Deps::on_store(
        // The store stamps its rows by the same clock, so stored timestamps follow the history.
        Arc::new(Store::clone(&store).with_clock(clock.clone())),
        Network::new(),
        clock.clone(),
        Arc::new(DemoIds(Mutex::new(0))),
        Arc::new(RuleProfile::bphs3()),
    );
    let mut rng = Rng(0x59_69_67_6f_6e_67);
    // The forms draw from their own stream, so the county's shape and history stay as they were.
    let mut forms = Rng(0x6e_61_6d_65_73);
    let mut built = DemoCounty {
        institutions: 0,
        grids: 0,
        households: 0,
        residents: 0,
        contracts: 0,
        enrolments: 0,
        visits: 0,
        screenings: 0,
        referrals: 0,
        sessions: 0,
        elderly_checks: 0,
        mental_disorder_patients: 0,
        two_cancer_exams: 0,
        cancer_cases: 0,
        cancer_cases_closed: 0,
        diagnosis_centres: 0,
        diagnosis_requests: 0,
        turnaround_breaches: 0,
        critical_escalations: 0,
        consultations: 0,
        consultations_answered: 0,
    };

    progress("network: hospitals, township health centers, village clinics");
    let network = NetworkService::new(deps.clone());
    let bootstrap = Principal::county_setup("demo-seed");
    let register = |name: String, kind| {
        let network = &network;
        let bootstrap = &bootstrap;
        async move {
            network
                .register_institution(
                    bootstrap,
                    NewInstitution {
                        request_id: format!("demo/institution/{name}"),
                        name,
                        kind,
                    },
                )
                .await
                .map(|i| i.id)
        }
    };
    let hospitals = [
        register(
            COUNTY_HOSPITAL.to_owned(),
            InstitutionKind::CountyGeneralHospital,
        )
        .await?,
        register(TCM_HOSPITAL.to_owned(), InstitutionKind::CountyTcmHospital).await?,
    ];
    let mut communities = Vec::new();
    for (n, lead) in hospitals.iter().enumerate() {
        let community = network
            .found_community(
                &bootstrap,
                NewCommunity {
                    request_id: format!("demo/community/{n}"),
                    name: format!("Demo County Medical Community {}", n + 1),
                    lead: *lead,
                },
            )
            .await?
            .id();
        communities.push(community);
    }
    built.institutions += 2;

    // The county's own area, above its townships: county-wide figures roll up from it.
    let county_operator = Principal {
        user: "demo-operator".to_owned(),
        role: Role::Operator,
        institution: hospitals[0],
        community: Some(communities[0]),
        team: None,
    };
    let county_area = GridService::new(deps.clone())
        .add_area_node(
            &county_operator,
            NewArea {
                request_id: "demo/area/county".to_owned(),
                name: DEMO_COUNTY.to_owned(),
                kind: AreaKind::County,
                parent: None,
                institution: None,
            },
        )
        .await?
        .id;

    let townships_total = scale.townships.min(TOWNSHIPS.len());
    let mut townships = Vec::new();
    for (t, name) in TOWNSHIPS.iter().take(townships_total).enumerate() {
        let c = usize::from(t >= townships_total.div_ceil(2));
        let (community, lead) = (communities[c], hospitals[c]);
        let op = Principal {
            user: "demo-operator".to_owned(),
            role: Role::Operator,
            institution: lead,
            community: Some(community),
            team: None,
        };
        let center = register(township_center(name), InstitutionKind::TownshipHealthCenter).await?;
        network
            .join_community(&bootstrap, community, center)
            .await?;
        built.institutions += 1;

        let grids = GridService::new(deps.clone());
        let area = grids
            .add_area_node(
                &op,
                NewArea {
                    request_id: format!("demo/area/{name}"),
                    name: (*name).to_owned(),
                    kind: AreaKind::Township,
                    parent: Some(county_area),
                    institution: Some(center),
                },
            )
            .await?
            .id;
        let mut villages = Vec::new();
        for v in 0..scale.villages_per_township {
            let village = format!("{name} Village {:02}", v + 1);
            let clinic =
                register(format!("{village} Clinic"), InstitutionKind::VillageClinic).await?;
            network
                .join_community(&bootstrap, community, clinic)
                .await?;
            built.institutions += 1;
            let node = grids
                .add_area_node(
                    &op,
                    NewArea {
                        request_id: format!("demo/area/{village}"),
                        name: village.clone(),
                        kind: AreaKind::Village,
                        parent: Some(area),
                        institution: None,
                    },
                )
                .await?
                .id;
            let grid = grids
                .create_grid(
                    &op,
                    CreateGrid {
                        request_id: format!("demo/grid/{village}"),
                        name: format!("{village} grid"),
                        area: node,
                    },
                )
                .await?
                .value
                .id();
            built.grids += 1;
            villages.push(Village {
                grid,
                name: village,
            });
        }

        let teams_service = TeamService::new(deps.clone());
        let mut teams = Vec::new();
        for k in 0..2u128 {
            let worker = |n: u128| {
                WorkerId::from_u128(0x5969_0000_0000_0000 | (t as u128) << 16 | k << 8 | n)
            };
            let member = |n, role| TeamMember {
                worker: worker(n),
                role,
            };
            let team = teams_service
                .form_team(
                    &op,
                    NewTeam {
                        request_id: format!("demo/team/{name}/{k}"),
                        name: format!("{name} Family Doctor Team {}", k + 1),
                        institution: center,
                        lead: worker(1),
                        members: vec![
                            member(1, TeamRole::GeneralPractitioner),
                            member(2, TeamRole::Nurse),
                            member(3, TeamRole::PublicHealthPhysician),
                            member(4, TeamRole::VillageDoctor),
                            member(5, TeamRole::CountySpecialist),
                        ],
                    },
                )
                .await?
                .value
                .id();
            teams.push(team);
        }
        let teams = [teams[0], teams[1]];
        // The first half of the villages to team 1, the rest to team 2.
        let half = villages.len().div_ceil(2);
        for (v, village) in villages.iter().enumerate() {
            let team = teams[usize::from(v >= half)];
            grids
                .assign_team(&op, village.grid, team, start.date(), None)
                .await?;
        }
        let clinician = |k: usize| Principal {
            user: format!("demo-doctor-{name}-{}", k + 1),
            role: Role::Clinician,
            institution: center,
            community: Some(community),
            team: Some(teams[k]),
        };
        townships.push(Township {
            center,
            teams,
            clinician: [clinician(0), clinician(1)],
            villages,
        });
    }

    progress("households and residents");
    let mut seen_documents = HashSet::new();
    let mut people: Vec<Vec<Person>> = Vec::new();
    for (t, township) in townships.iter().enumerate() {
        let op = Principal {
            user: "demo-operator".to_owned(),
            role: Role::Operator,
            institution: hospitals[usize::from(t >= townships_total.div_ceil(2))],
            community: township.clinician[0].community,
            team: None,
        };
        let rows: Vec<HouseholdRow> = township
            .villages
            .iter()
            .flat_map(|v| {
                (1..=scale.households_per_village).map(|h| HouseholdRow {
                    grid: v.grid,
                    address: format!("No. {h}, {}", v.name),
                })
            })
            .collect();
        let households = GridService::new(deps.clone())
            .import_households(&op, &format!("demo/households/{t}"), &rows)
            .await?;
        built.households += households.households.len();
        let half = township.villages.len().div_ceil(2);
        let mut rows = Vec::new();
        let mut owners = Vec::new();
        for household in &households.households {
            let village = township
                .villages
                .iter()
                .position(|v| v.grid == household.grid)
                .unwrap_or(0);
            let size = rng.range(1, 5);
            for member in 0..size {
                let age = if member < 2 {
                    rng.range(25, 88)
                } else {
                    rng.range(0, 40)
                };
                // Everyone is registered at the start of the history, so dates count back
                // from there.
                let registered = start.date();
                let birth = registered
                    - Duration::days(i64::from(age) * 365 + i64::from(rng.range(30, 360)));
                let document = citizen_id(birth, &mut rng, &mut seen_documents);
                // GB 11643: an even sequence number (character 17) is a woman.
                let female = document.as_bytes().get(16).is_some_and(|d| d % 2 == 0);
                let since = if age > 20 && rng.chance(90) {
                    birth
                } else {
                    registered - Duration::days(i64::from(rng.range(200, 3000)))
                };
                rows.push(ResidentRow {
                    document: DocumentInput::CitizenId(document),
                    household: Some(household.id),
                    grid: None,
                    resident_since: since.max(birth),
                    personal: person(&mut forms, age),
                });
                owners.push((age, usize::from(village >= half), female));
            }
        }
        clock.set(start);
        let imported = ResidentService::new(deps.clone())
            .import_residents(&township.clinician[0], &format!("demo/residents/{t}"), rows)
            .await?;
        if let Some(e) = imported.errors.first() {
            return Err(ServiceError::InvalidArgument {
                field: "demo resident",
                reason: format!("row {}: {}: {}", e.row, e.field, e.reason),
            });
        }
        built.residents += imported.residents.len();
        people.push(
            imported
                .residents
                .into_iter()
                .zip(owners)
                .map(|(id, (age, team, female))| Person {
                    id,
                    age,
                    team,
                    female,
                })
                .collect(),
        );
    }

    progress("contracts, enrolments and a year of follow-up visits");
    let county_hospital = hospitals[0];
    let follow_up = FollowUpService::new(deps.clone());
    let teams_service = TeamService::new(deps.clone());
    let mut chains = Vec::new();
    for (t, township) in townships.iter().enumerate() {
        for (p, person) in people[t].iter().enumerate() {
            let who = &township.clinician[person.team];
            let htn = person.age >= 35 && rng.chance(if person.age >= 60 { 28 } else { 12 });
            let dm = person.age >= 35 && rng.chance(6);
            let key = person.age >= 65 || htn || dm;
            if key && rng.chance(85) || rng.chance(25) {
                // Signed within the past year (a contract runs a year), so most are in force.
                clock.set(at(
                    today - Duration::days(i64::from(rng.range(20, 330))),
                    10,
                ));
                teams_service
                    .sign(
                        who,
                        NewContract {
                            request_id: format!("demo/contract/{t}/{p}"),
                            resident: person.id,
                            team: township.teams[person.team],
                            doctor: None,
                            package: Package::Basic,
                            start: clock.now().date(),
                            months: None,
                        },
                    )
                    .await?;
                built.contracts += 1;
            }
            for (condition, yes) in [
                (Condition::Hypertension, htn),
                (Condition::Type2Diabetes, dm),
            ] {
                if !yes {
                    continue;
                }
                let enrolled = today - Duration::days(i64::from(rng.range(330, 380)));
                clock.set(at(enrolled, 10));
                let (_, plan) = follow_up
                    .enrol(
                        who,
                        NewEnrolment {
                            patient: person.id,
                            condition,
                            confirmed_by: county_hospital,
                            confirmed_on: enrolled - Duration::days(7),
                            on: enrolled,
                        },
                    )
                    .await?;
                built.enrolments += 1;
                chains.push((t, p, person.id, condition, plan.value));
            }
        }
    }
    // Visits in date order per patient: each on its plan's due date (a few days early at
    // times), until the next one falls due after today; one patient in eight misses the last.
    let mut managed = Vec::new();
    let under_management: HashSet<ResidentId> = chains.iter().map(|c| c.2).collect();
    for (t, p, patient, condition, first) in chains {
        let who = &townships[t].clinician[people[t][p].team];
        let misses_last = rng.chance(12);
        let mut plan = first.id();
        let mut due = first.due();
        while due <= today {
            if misses_last && due > today - Duration::days(45) {
                break;
            }
            let on = (due - Duration::days(i64::from(rng.range(0, 3)))).max(start.date());
            clock.set(at(on, 11));
            let visit = match condition {
                Condition::Type2Diabetes => diabetes_visit(on, &mut rng),
                _ => hypertension_visit(on, &mut rng),
            };
            let recorded = follow_up.record_visit(who, plan, visit, None, None).await?;
            built.visits += 1;
            plan = recorded.next.value.id();
            due = recorded.next.value.due();
        }
        if condition == Condition::Hypertension {
            managed.push((t, patient));
        }
    }

    progress("65+ checks and severe mental disorder patients");
    let older = elderly::seed(
        &deps,
        store.clone(),
        &clock,
        &townships,
        &people,
        &under_management,
        county_hospital,
        start.date(),
        today,
    )
    .await?;
    built.elderly_checks = older.checks;
    built.enrolments += older.enrolments;
    built.mental_disorder_patients = older.enrolments;
    built.visits += older.visits;

    progress("two-cancer screening of women 35-64");
    let women = two_cancer::seed(&deps, store.clone(), &clock, &townships, &people, today).await?;
    built.two_cancer_exams = women.exams;
    built.cancer_cases = women.cases;
    built.cancer_cases_closed = women.closed;

    progress("screening campaign among residents 35+");
    clock.set(at(today - Duration::days(60), 9));
    let screening = ScreeningService::new(deps.clone());
    for (t, township) in townships.iter().enumerate() {
        let rows: Vec<ScreeningRow> = people[t]
            .iter()
            .filter(|p| p.age >= 35)
            .map(|p| ScreeningRow {
                resident: p.id,
                on: today - Duration::days(i64::from(rng.range(60, 90))),
                reading: if rng.chance(70) {
                    RowReading::BloodPressure {
                        sbp: u16::try_from(rng.range(105, 168)).unwrap_or(120),
                        dbp: u16::try_from(rng.range(62, 102)).unwrap_or(80),
                        // Measured at most screenings: a BMI of 24+ makes some high risk.
                        body: if rng.chance(80) {
                            BodySize {
                                height_tenths: u16::try_from(rng.range(1500, 1800)).ok(),
                                weight_tenths: u16::try_from(rng.range(480, 860)).ok(),
                                bmi_tenths: None,
                                waist_cm: u16::try_from(rng.range(68, 100)).ok(),
                            }
                        } else {
                            BodySize::default()
                        },
                        family_history: rng.chance(20),
                        high_salt_diet: rng.chance(30),
                        heavy_drinking: rng.chance(10),
                    }
                } else {
                    RowReading::Glucose {
                        // Laboratory values, two decimals.
                        hundredths: rng.range(450, 820),
                        kind: GlucoseKind::Fasting,
                        symptoms: false,
                    }
                },
            })
            .collect();
        for (n, chunk) in rows.chunks(yigong_service::MAX_BATCH_ROWS).enumerate() {
            let outcome = screening
                .import_batch(
                    &township.clinician[0],
                    &format!("demo/screening/{t}/{n}"),
                    chunk,
                )
                .await?;
            if let Some(e) = outcome.errors.first() {
                return Err(ServiceError::InvalidArgument {
                    field: "demo screening",
                    reason: format!("row {}: {}: {}", e.row, e.field, e.reason),
                });
            }
            built.screenings += outcome.imported;
        }
    }

    progress("referrals in every state");
    built.referrals =
        referrals::referrals(&deps, &clock, &townships, &hospitals, &managed, today).await?;

    progress("specialist sessions: the county's clinics and its experts at the townships");
    let network = deps.network.current();
    let visited: Vec<InstitutionId> = townships
        .iter()
        .map(|t| t.center)
        .filter(|c| network.community_of(*c).map(|m| m.id()) == Some(communities[0]))
        .collect();
    built.sessions = sessions::seed(
        &deps,
        store.clone(),
        &clock,
        &county_operator,
        &visited,
        today,
    )
    .await?;

    progress("remote diagnosis centres and a month of their requests");
    let dx = diagnosis::seed(
        &deps,
        store.clone(),
        &clock,
        &hospitals,
        &townships,
        &people,
        today,
    )
    .await?;
    built.diagnosis_centres = dx.centres;
    built.diagnosis_requests = dx.requests;
    built.turnaround_breaches = dx.breaches;
    built.critical_escalations = dx.escalations;

    progress("remote consultations of the last two weeks");
    let consulted = consultation::seed(
        &yigong_service::ConsultationService::new(deps.clone(), store.clone(), store.clone()),
        &deps.network.current(),
        &clock,
        &townships,
        &people,
        today,
    )
    .await?;
    built.consultations = consulted.consultations;
    built.consultations_answered = consulted.answered;
    clock.set(OffsetDateTime::now_utc());
    Ok(built)
}

/// A moment on `day` at `hour` UTC.
fn at(day: Date, hour: u8) -> OffsetDateTime {
    day.with_time(Time::from_hms(hour, 0, 0).unwrap_or(Time::MIDNIGHT))
        .assume_utc()
}

/// A valid, unique citizen identity number (GB 11643) born on `birth`.
/// A made-up personal information form: a common surname and given name, a mobile number for
/// adults, mostly registered Han residents, a disability for about 2%.
fn person(rng: &mut Rng, age: u32) -> PersonalInfo {
    const SURNAMES: [&str; 20] = [
        "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
        "郭", "何", "林", "罗", "高",
    ];
    const GIVEN: [&str; 24] = [
        "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
        "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建国",
    ];
    let pick = |rng: &mut Rng, n: usize| rng.range(0, u32::try_from(n - 1).unwrap_or(0)) as usize;
    let name = format!(
        "{}{}",
        SURNAMES[pick(rng, SURNAMES.len())],
        GIVEN[pick(rng, GIVEN.len())]
    );
    let phone = format!("1{}{:09}", rng.range(3, 9), rng.range(0, 999_999_999));
    let disability = rng
        .chance(2)
        .then(|| Disability::ALL[pick(rng, Disability::ALL.len())]);
    PersonalInfo {
        name: PersonName::parse(&name).ok(),
        phone: (age >= 16).then(|| Phone::parse(&phone).ok()).flatten(),
        residence: Some(if rng.chance(92) {
            ResidenceType::Registered
        } else {
            ResidenceType::NotRegistered
        }),
        ethnicity: Some(Ethnicity::HAN),
        disabilities: disability.into_iter().collect(),
        ..PersonalInfo::default()
    }
}

fn citizen_id(birth: Date, rng: &mut Rng, seen: &mut HashSet<String>) -> String {
    loop {
        let first17 = format!(
            "{REGION}{:04}{:02}{:02}{:03}",
            birth.year(),
            u8::from(birth.month()),
            birth.day(),
            rng.range(1, 999)
        );
        let mut digits = [0u8; 17];
        digits.copy_from_slice(first17.as_bytes());
        let full = format!("{first17}{}", check_character(&digits));
        if seen.insert(full.clone()) {
            return full;
        }
    }
}

fn hypertension_visit(on: Date, rng: &mut Rng) -> Visit {
    // Most visits controlled; some above target (a two-week recheck follows).
    let (sbp, dbp) = if rng.chance(78) {
        (rng.range(112, 138), rng.range(68, 88))
    } else {
        (rng.range(141, 168), rng.range(86, 99))
    };
    Visit::Hypertension(HypertensionVisit {
        date: on,
        mode: if rng.chance(80) {
            ContactMode::Clinic
        } else {
            ContactMode::Home
        },
        bp: bp(sbp, dbp),
        heart_rate: None,
        signs: DangerSigns::NONE,
        adverse_reaction: AdverseReaction::None,
        complication: Complication::Unchanged,
    })
}

fn diabetes_visit(on: Date, rng: &mut Rng) -> Visit {
    let tenths = if rng.chance(75) {
        rng.range(48, 69)
    } else {
        rng.range(72, 105)
    };
    Visit::Diabetes(DiabetesVisit {
        date: on,
        mode: ContactMode::Clinic,
        fasting_glucose: Glucose::from_tenths(u16::try_from(tenths).unwrap_or(60))
            .unwrap_or_else(|_| unreachable!("4.8-10.5 mmol/L is a valid reading")),
        random_glucose: None,
        bp: Some(bp(rng.range(112, 138), rng.range(68, 88))),
        heart_rate: None,
        temperature: None,
        signs: DangerSigns::NONE,
        adverse_reaction: AdverseReaction::None,
        complication: Complication::Unchanged,
    })
}

fn bp(sbp: u32, dbp: u32) -> BloodPressure {
    let mmhg = |v: u32| u16::try_from(v).unwrap_or(120);
    BloodPressure::new(mmhg(sbp), mmhg(dbp))
        .unwrap_or_else(|_| unreachable!("the demo draws readings within the valid ranges"))
}
