//! grpc.write and grpc.read (`../shared/benchmarks.md`): the real `yigong` server
//! (`yigong_app::serve_store`, token authentication included) on loopback over a fresh
//! PostgreSQL schema, driven by tonic clients on four connections, next to the raw-SQL
//! transaction of the same operation (store.write's baselines) and to an empty RPC (the health
//! check, which authenticates nothing and touches no database) in the same run.
//!
//! - CreateReferral (a full slip, two attached results) at 1, 8 and 64 streams vs the raw
//!   create transaction, and vs the empty RPC.
//! - AcceptReferral on a reserved slot of a specialist session at 1, 8 and 64 streams vs the
//!   raw accept of [`super::reserved`] (the referrals and sessions made before timing).
//! - RecordFollowUpVisit at 1, 8 and 64 streams vs the raw record-visit transaction.
//! - GetReferral and the first worklist page (50, a 100k-resident county) at 64 streams vs the
//!   raw select (plus its audit row).
//! - diagnosis.worklist: the ECG centre's first page (100k open requests in the county) at 64
//!   streams, and 16 readers racing to claim, each race over the wire with one winner, vs
//!   [`super::diagnosis`]'s raw page and raw claims.
//!
//! Before anything is timed: the network with the teams the tokens name (a token's team must
//! be one of its institution's, as the server loads them at start), and the patients the
//! creates refer (each create its own registered patient; see [`super::Patients`]).

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::net::TcpListener;
use tonic::transport::Channel;
use tonic::{Code, Request};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;
use uuid::Uuid;
use yigong_domain::contract::{Team, TeamMember, TeamRole};
use yigong_domain::ids::{
    DiagnosisRequestId, PlanId, ReferralId, ResidentId, SessionId, TeamId, WorkerId,
};
use yigong_domain::profile::RuleProfile;
use yigong_domain::referral::Appointment;
use yigong_grpc::TokenKey;
use yigong_grpc::wire::{date, timestamp};
use yigong_ports::UnitOfWork;
use yigong_proto::v1 as pb;
use yigong_proto::v1::diagnosis_service_client::DiagnosisServiceClient;
use yigong_proto::v1::follow_up_service_client::FollowUpServiceClient;
use yigong_proto::v1::referral_service_client::ReferralServiceClient;
use yigong_service::Principal;

use super::diagnosis::{self, County, Races};
use super::reserved::{Pending, Sessions};
use super::worklist::{MEASURED, team};
use super::{
    Bench, COMMUNITY, COUNTY, Chain, PG_CREATES_PER_S, Patients, Schema, TEAM, TOWNSHIP, clinician,
    err, network, pool_size, seed_pools,
};
use crate::report::{Report, compare, time_busy};

const SECRET: &[u8] = b"a-benchmark-token-key-of-at-least-32-bytes";
const STREAMS: [usize; 3] = [1, 8, 64];
const CONNECTIONS: usize = 4;

/// Clients of the running server: a channel per connection and a token per caller.
struct Clients {
    channels: Vec<Channel>,
    township: String,
    county: String,
    team: String,
    measured_team: String,
    /// The county's diagnosis readers, by [`diagnosis::reader`] number.
    readers: Vec<String>,
}

impl Clients {
    fn channel(&self, task: usize) -> Channel {
        self.channels[task % self.channels.len()].clone()
    }

    fn request<T>(token: &str, message: T) -> Result<Request<T>, String> {
        let mut request = Request::new(message);
        request.metadata_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().map_err(err)?,
        );
        Ok(request)
    }
}

pub(crate) async fn run(args: &[String]) -> Result<(), String> {
    let usage = || "usage: yigong-bench grpc [--seconds N]".to_owned();
    let mut seconds = 3u64;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        match (flag.as_str(), it.next()) {
            ("--seconds", Some(n)) => seconds = n.parse().map_err(|_| usage())?,
            _ => return Err(usage()),
        }
    }
    let schema = Schema::create().await?;
    let result = run_in(&schema, Duration::from_secs(seconds)).await;
    schema.drop().await;
    let report = result?;
    let path = report.write().map_err(err)?;
    println!("wrote {}", path.display());
    Ok(())
}

async fn run_in(schema: &Schema, seconds: Duration) -> Result<Report, String> {
    let (bench, store) = Bench::open(schema).await?;
    // The server loads the network from the store: store the bench's.
    let mut tx = store.begin().await.map_err(err)?;
    let n = network()?;
    for institution in n.institutions() {
        tx.insert_institution(institution).await.map_err(err)?;
    }
    tx.insert_community(n.community(COMMUNITY).map_err(err)?)
        .await
        .map_err(err)?;
    tx.join_community(TOWNSHIP, COMMUNITY).await.map_err(err)?;
    // The teams the tokens name, at TOWNSHIP: the server checks a token's team against them.
    for (id, name) in [(TEAM, "bench"), (team(MEASURED), "bench measured")] {
        tx.insert_team(&bench_team(id, name, &bench.profile)?)
            .await
            .map_err(err)?;
    }
    tx.commit().await.map_err(err)?;
    let rounds = 3;
    // Our side creates in two comparisons a stream count (vs raw, vs the empty RPC), the raw
    // baseline in one.
    let creates = u32::try_from(STREAMS.len()).map_err(err)? * rounds;
    let (our_patients, raw_patients) = seed_pools(
        &*bench.deps.uow,
        "grpc",
        pool_size(PG_CREATES_PER_S, time_busy(2 * creates, seconds)),
        pool_size(PG_CREATES_PER_S, time_busy(creates, seconds)),
    )
    .await?;

    let listener = TcpListener::bind("127.0.0.1:0").await.map_err(err)?;
    let address = listener.local_addr().map_err(err)?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(yigong_app::serve_store(
        store,
        SECRET,
        None,
        yigong_app::events::EventsConfig::default(),
        listener,
        None,
        async move {
            let _ = stopped.await;
        },
    ));
    let mut channels = Vec::new();
    for _ in 0..CONNECTIONS {
        let channel = loop {
            match Channel::from_shared(format!("http://{address}"))
                .map_err(err)?
                .connect()
                .await
            {
                Ok(c) => break c,
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        };
        channels.push(channel);
    }
    let key = TokenKey::from_secret(SECRET).map_err(err)?;
    let token = |who: Principal| {
        key.issue(&who, OffsetDateTime::now_utc(), time::Duration::hours(2))
            .map_err(err)
    };
    let clients = Arc::new(Clients {
        channels,
        township: token(clinician(TOWNSHIP, None))?,
        county: token(clinician(COUNTY, None))?,
        team: token(clinician(TOWNSHIP, Some(TEAM)))?,
        measured_team: token(clinician(TOWNSHIP, Some(team(MEASURED))))?,
        readers: (0..diagnosis::READERS)
            .map(|k| token(diagnosis::reader(k)))
            .collect::<Result<_, _>>()?,
    });
    let mut report = Report::new("grpc");

    // The higher of the two create rates at each stream count: what the accepts' pending
    // referrals are sized by (an accept, like a create, is one commit).
    let mut create_rates = Vec::new();
    for streams in STREAMS {
        let (b, raw) = (bench.clone(), raw_patients.clone());
        let (c, patients) = (clients.clone(), our_patients.clone());
        let (ours, baseline) = compare(
            streams,
            rounds,
            seconds,
            move |_, _| {
                let (b, patient) = (b.clone(), raw.take());
                async move { b.raw_create(patient?).await.map(drop) }
            },
            move |task, _| create(c.clone(), task, patients.take()),
        )
        .await;
        create_rates.push((streams, ours.rate.max(baseline.rate)));
        report.case(
            &format!("write.create_referral streams={streams} vs=raw_sql"),
            "/s",
            ours,
            baseline,
        );
        let (e, c) = (clients.clone(), clients.clone());
        let patients = our_patients.clone();
        let (ours, baseline) = compare(
            streams,
            rounds,
            seconds,
            move |task, _| empty(e.clone(), task),
            move |task, _| create(c.clone(), task, patients.take()),
        )
        .await;
        report.case(
            &format!("write.create_referral streams={streams} vs=empty_rpc"),
            "/s",
            ours,
            baseline,
        );
    }

    let mut first = raw_patients.end();
    for (streams, rate) in create_rates {
        // Twice the creates' rate, so the pending referrals outlast the run.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let n = pool_size(2 * rate.ceil() as u64, time_busy(rounds, seconds));
        let started = std::time::Instant::now();
        let (ours_pending, ours_sessions) = pending(&bench, "our", first, n).await?;
        let (raw_pending, raw_sessions) = pending(&bench, "raw", first + n, n).await?;
        first += 2 * n;
        println!(
            "grpc accept fixture: {n} requested referrals and their sessions a side in {:.1}s \
             (before timing)",
            started.elapsed().as_secs_f64()
        );
        let b = bench.clone();
        let c = clients.clone();
        let (ours, baseline) = compare(
            streams,
            rounds,
            seconds,
            move |_, _| {
                let (b, id, (session, at)) = (b.clone(), raw_pending.take(), raw_sessions.take());
                async move { b.raw_accept_reserved(id?, session, at).await }
            },
            move |task, _| {
                let (c, id, slot) = (c.clone(), ours_pending.take(), ours_sessions.take());
                async move { accept(&c, task, id?, slot).await }
            },
        )
        .await;
        report.case(
            &format!("write.accept_referral slot=reserved streams={streams} vs=raw_sql"),
            "/s",
            ours,
            baseline,
        );
    }

    let max = STREAMS.iter().copied().max().unwrap_or(1);
    let ours_chains = Arc::new(bench.enrol_chains(max, 10_000).await?);
    let raw_chains = Arc::new(bench.enrol_chains(max, 20_000).await?);
    for streams in STREAMS {
        let (b, raw) = (bench.clone(), raw_chains.clone());
        let (c, chains) = (clients.clone(), ours_chains.clone());
        let (ours, baseline) = compare(
            streams,
            rounds,
            seconds,
            move |task, _| {
                let (b, raw) = (b.clone(), raw.clone());
                async move { b.raw_record_visit(&raw[task]).await }
            },
            move |task, _| {
                let (c, chains) = (c.clone(), chains.clone());
                async move { record_visit(&c, task, &chains[task]).await }
            },
        )
        .await;
        report.case(
            &format!("write.record_follow_up streams={streams} vs=raw_sql"),
            "/s",
            ours,
            baseline,
        );
    }

    let ids = Arc::new(bench.some_referrals(1000).await?);
    {
        let (b, raw_ids) = (bench.clone(), ids.clone());
        let (c, our_ids) = (clients.clone(), ids.clone());
        let (ours, baseline) = compare(
            max,
            rounds,
            seconds,
            move |task, i| {
                let (b, ids) = (b.clone(), raw_ids.clone());
                async move { b.raw_get(super::pick(&ids, task, i)).await }
            },
            move |task, i| {
                let (c, ids) = (c.clone(), our_ids.clone());
                async move { get(&c, task, super::pick(&ids, task, i)).await }
            },
        )
        .await;
        report.case(
            &format!("read.get_referral streams={max} vs=raw_sql"),
            "/s",
            ours,
            baseline,
        );
    }

    let today = OffsetDateTime::now_utc().date();
    bench.seed_county(0, 100_000, today).await?;
    {
        let b = bench.clone();
        let c = clients.clone();
        let (ours, baseline) = compare(
            max,
            rounds,
            seconds,
            move |_, _| {
                let b = b.clone();
                async move { b.raw_worklist_page(today).await }
            },
            move |task, _| worklist_page(c.clone(), task, today),
        )
        .await;
        report.case(
            &format!("read.worklist_page residents=100k streams={max} vs=raw_sql"),
            "/s",
            ours,
            baseline,
        );
    }

    // diagnosis.worklist over the wire: the ECG centre's first page with 100k open requests
    // in the county, and 16 readers racing to claim, each with their own token.
    let county = County::open(&bench).await?;
    county.seed(&bench, 0, 100_000).await?;
    {
        let (b, c) = (bench.clone(), clients.clone());
        let (ours, baseline) = compare(
            max,
            rounds,
            seconds,
            move |_, _| {
                let b = b.clone();
                async move { b.raw_diagnosis_page().await }
            },
            move |task, _| reader_page(c.clone(), task),
        )
        .await;
        report.case(
            &format!("diagnosis.worklist_page open=100k streams={max} vs=raw_sql"),
            "/s",
            ours,
            baseline,
        );
    }
    let len = Races::size(time_busy(rounds, seconds));
    let our_races = county.claim_pool(&bench, "our", 8_000_000, len).await?;
    let raw_races = county
        .claim_pool(&bench, "raw", 8_000_000 + len, len)
        .await?;
    {
        let (b, c) = (bench.clone(), clients.clone());
        let (ours, baseline) = compare(
            1,
            rounds,
            seconds,
            move |_, _| {
                let (b, raw) = (b.clone(), raw_races.clone());
                async move { b.raw_race(raw.take()?).await }
            },
            move |_, _| {
                let (c, races) = (c.clone(), our_races.clone());
                async move { race(c, races.take()?).await }
            },
        )
        .await;
        report.case(
            &format!(
                "diagnosis.claim_race readers={} vs=raw_sql",
                diagnosis::READERS
            ),
            "races/s",
            ours,
            baseline,
        );
    }

    let _ = stop.send(());
    server.await.map_err(err)?.map_err(err)?;
    // service.memory: the server ran in this process beside its clients, so this is an upper
    // bound of the service's resident memory after the run (goal < 200 MB).
    if let Some((rss, peak)) = memory_mb() {
        println!(
            "grpc service.memory rss={rss}MB peak={peak}MB (server and clients in one process: an upper bound)"
        );
    }
    Ok(report)
}

/// Resident and peak resident memory of this process in MB (Linux `/proc/self/status`).
fn memory_mb() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))?
            .split_whitespace()
            .nth(1)?
            .parse::<u64>()
            .ok()
            .map(|kb| kb / 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

async fn empty(c: Arc<Clients>, task: usize) -> Result<(), String> {
    HealthClient::new(c.channel(task))
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .map_err(err)?;
    Ok(())
}

/// A family doctor team of TOWNSHIP with the composition the profile requires.
fn bench_team(id: TeamId, name: &str, profile: &RuleProfile) -> Result<Team, String> {
    let member = |n: u128, role| TeamMember {
        worker: WorkerId::from_u128(n),
        role,
    };
    let (team, _) = Team::form(
        id,
        name,
        TOWNSHIP,
        WorkerId::from_u128(1),
        vec![
            member(1, TeamRole::GeneralPractitioner),
            member(2, TeamRole::Nurse),
            member(3, TeamRole::VillageDoctor),
            member(4, TeamRole::CountySpecialist),
        ],
        profile,
    )
    .map_err(err)?;
    Ok(team)
}

async fn create(
    c: Arc<Clients>,
    task: usize,
    patient: Result<ResidentId, String>,
) -> Result<(), String> {
    let request = Clients::request(
        &c.township,
        pb::CreateReferralRequest {
            request_id: Uuid::new_v4().simple().to_string(),
            patient: format!("residents/{}", patient?),
            to_institution: format!("institutions/{}", COUNTY.as_uuid()),
            direction: pb::Direction::Upward as i32,
            urgency: pb::Urgency::Routine as i32,
            reasons: vec!["htn.target_not_reached".to_owned()],
            slip: Some(super::slip::wire_slip()),
            results: super::slip::wire_results(OffsetDateTime::now_utc().date(), TOWNSHIP),
        },
    )?;
    ReferralServiceClient::new(c.channel(task))
        .create_referral(request)
        .await
        .map_err(err)?;
    Ok(())
}

/// `n` requested referrals of new patients (resident numbers from `first`) and sessions with
/// reserved slots for them all.
async fn pending(
    bench: &Bench,
    side: &'static str,
    first: usize,
    n: usize,
) -> Result<(Arc<Pending>, Arc<Sessions>), String> {
    let uow = &*bench.deps.uow;
    let patients = Patients::seed(uow, side, first, n).await?;
    let pending = bench.seed_pending(side, &patients).await?;
    Ok((pending, bench.publish_sessions(uow, n).await?))
}

/// The county hospital accepts `id` on a reserved slot of `session`.
async fn accept(
    c: &Clients,
    task: usize,
    id: ReferralId,
    (session, appointment): (SessionId, Appointment),
) -> Result<(), String> {
    let request = Clients::request(
        &c.county,
        pb::AcceptReferralRequest {
            name: format!("referrals/{id}"),
            appointment: Some(pb::Appointment {
                time: Some(timestamp(appointment.at)),
                slot: pb::SlotKind::Reserved as i32,
            }),
            etag: String::new(),
            receiver: Some(pb::Receiver {
                department: super::slip::DEPARTMENT.to_owned(),
                doctor: super::slip::DOCTOR.to_owned(),
            }),
            session: format!("sessions/{session}"),
        },
    )?;
    ReferralServiceClient::new(c.channel(task))
        .accept_referral(request)
        .await
        .map_err(err)?;
    Ok(())
}

async fn get(c: &Clients, task: usize, id: ReferralId) -> Result<(), String> {
    let request = Clients::request(
        &c.county,
        pb::GetReferralRequest {
            name: format!("referrals/{id}"),
        },
    )?;
    ReferralServiceClient::new(c.channel(task))
        .get_referral(request)
        .await
        .map_err(err)?;
    Ok(())
}

async fn record_visit(c: &Clients, task: usize, chain: &Chain) -> Result<(), String> {
    let today = OffsetDateTime::now_utc().date();
    let request = Clients::request(
        &c.team,
        pb::RecordFollowUpVisitRequest {
            plan: format!("plans/{}", Bench::current(chain)),
            visit: Some(pb::FollowUpVisit {
                visit_date: Some(date(today)),
                mode: pb::ContactMode::Clinic as i32,
                kind: Some(pb::follow_up_visit::Kind::Hypertension(
                    pb::HypertensionVisit {
                        systolic: 128,
                        diastolic: 78,
                        ..Default::default()
                    },
                )),
            }),
            etag: String::new(),
            emergency_referral: None,
        },
    )?;
    let recorded = FollowUpServiceClient::new(c.channel(task))
        .record_follow_up_visit(request)
        .await
        .map_err(err)?
        .into_inner();
    let next = recorded
        .next
        .and_then(|p| p.name.strip_prefix("plans/").map(str::to_owned))
        .and_then(|id| Uuid::try_parse(&id).ok())
        .ok_or_else(|| "the response names no next plan".to_owned())?;
    Bench::advance(chain, PlanId::from_uuid(next));
    Ok(())
}

async fn worklist_page(c: Arc<Clients>, task: usize, today: time::Date) -> Result<(), String> {
    let request = Clients::request(
        &c.measured_team,
        pb::ListOverdueWorklistRequest {
            date: Some(date(today)),
            page_size: 50,
            page_token: String::new(),
        },
    )?;
    let page = FollowUpServiceClient::new(c.channel(task))
        .list_overdue_worklist(request)
        .await
        .map_err(err)?
        .into_inner();
    if page.entries.is_empty() {
        return Err("the measured team's worklist is empty".to_owned());
    }
    Ok(())
}

/// The ECG centre's first page, read by reader `task`.
async fn reader_page(c: Arc<Clients>, task: usize) -> Result<(), String> {
    let request = Clients::request(
        &c.readers[task % c.readers.len()],
        pb::ListReaderWorklistRequest {
            centre: format!("diagnosis-centres/{}", diagnosis::ecg_centre()),
            modality: String::new(),
            page_size: 50,
            page_token: String::new(),
        },
    )?;
    let page = DiagnosisServiceClient::new(c.channel(task))
        .list_reader_worklist(request)
        .await
        .map_err(err)?
        .into_inner();
    if page.requests.len() != 50 {
        return Err(format!("a full page expected, got {}", page.requests.len()));
    }
    Ok(())
}

/// Every reader claims `id` at once over the wire; exactly one wins, the others are ABORTED
/// (a version conflict) or FAILED_PRECONDITION (claimed).
async fn race(c: Arc<Clients>, id: DiagnosisRequestId) -> Result<(), String> {
    let attempts = (0..c.readers.len()).map(|k| {
        let c = c.clone();
        tokio::spawn(async move {
            let request = Clients::request(
                &c.readers[k],
                pb::ClaimDiagnosisRequestRequest {
                    name: format!("diagnosis-requests/{id}"),
                    etag: String::new(),
                },
            )?;
            match DiagnosisServiceClient::new(c.channel(k))
                .claim_diagnosis_request(request)
                .await
            {
                Ok(_) => Ok(true),
                Err(s) if matches!(s.code(), Code::Aborted | Code::FailedPrecondition) => Ok(false),
                Err(s) => Err(s.to_string()),
            }
        })
    });
    let mut won = 0;
    for a in attempts.collect::<Vec<_>>() {
        won += usize::from(a.await.map_err(err)??);
    }
    diagnosis::one_winner(won, id)
}
