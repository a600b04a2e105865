//! # yigong-app
//!
//! The `yigong` service: connects the store (SQLite by default, PostgreSQL by URL), applies
//! migrations, loads the county network, and serves the gRPC API with bearer-token
//! authentication, the standard health service and server reflection (v1 and v1alpha, so
//! grpcurl and Python's grpcio-reflection both work without the protos).
//!
//! ## Layout
//! - this file: `serve` and `serve_store` (the server, its health and reflection services, the
//!   relay and deadline jobs beside it, graceful shutdown), and the console set-up shared by
//!   the CLI commands.
//! - `main.rs`: the `yigong` CLI (clap): serve, seed, migrate, import, report, token, events.
//! - [`config`]: settings from flags, environment and a TOML file, validated once.
//! - [`demo`]: the demo county, built through the use cases with a simulated clock.
//! - [`events`]: the outbox relay and the deadline jobs as `serve` runs them; dead letters.
//! - [`health`], [`http`], [`metrics`]: the gRPC health service, and for operators `/healthz`,
//!   `/readyz` and Prometheus `/metrics` on `--http-listen`.
//! - [`import`]: CSV imports (households, residents, screening) through the batch use cases.
//! - [`report`]: indicator tables and CSV.

pub mod audit_log;
pub mod config;
pub mod dashboard;
pub mod demo;
pub mod events;
pub mod health;
pub mod http;
pub mod import;
pub mod metrics;
pub mod report;

use std::future::Future;
use std::sync::Arc;

use time::OffsetDateTime;
use tokio::net::TcpListener;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Identity, Server, ServerTlsConfig};
use yigong_domain::ids::InstitutionId;
use yigong_domain::profile::RuleProfile;
use yigong_grpc::{
    AdviceApi, AuditApi, Authenticator, ChangeFeedApi, FollowUpApi, GridApi, HistoryApi,
    IndicatorApi, NetworkApi, ReferralApi, ResidentApi, ScheduleApi, ScreeningApi, TeamApi,
    TokenKey,
};
use yigong_ports::{NetworkQueries, RandomIds, SystemClock};
use yigong_proto::v1::audit_service_server::AuditServiceServer;
use yigong_proto::v1::change_feed_service_server::ChangeFeedServiceServer;
use yigong_proto::v1::follow_up_service_server::FollowUpServiceServer;
use yigong_proto::v1::grid_service_server::GridServiceServer;
use yigong_proto::v1::history_service_server::HistoryServiceServer;
use yigong_proto::v1::indicator_service_server::IndicatorServiceServer;
use yigong_proto::v1::network_service_server::NetworkServiceServer;
use yigong_proto::v1::referral_advice_service_server::ReferralAdviceServiceServer;
use yigong_proto::v1::referral_service_server::ReferralServiceServer;
use yigong_proto::v1::resident_service_server::ResidentServiceServer;
use yigong_proto::v1::schedule_service_server::ScheduleServiceServer;
use yigong_proto::v1::screening_service_server::ScreeningServiceServer;
use yigong_proto::v1::team_service_server::TeamServiceServer;
use yigong_service::{
    AdviceService, AuditService, ChangeService, DeadlineJobs, Deps, FollowUpService, GridService,
    HistoryService, IndicatorService, NetworkService, Principal, ReferralService, ResidentService,
    Role, ScheduleService, ScreeningService, TeamService,
};
use yigong_store::Store;

/// Why the service could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The database could not be reached or migrated.
    #[error("database: {0}")]
    Store(#[from] yigong_ports::StoreError),
    /// The token key is unusable.
    #[error("token key: {0}")]
    Key(#[from] yigong_grpc::auth::AuthError),
    /// The configuration is unusable.
    #[error("configuration: {0}")]
    Config(String),
    /// The demo county could not be seeded.
    #[error("demo county: {0}")]
    Demo(String),
    /// The server failed.
    #[error("server: {0}")]
    Serve(String),
}

/// What `serve` needs.
pub struct ServeConfig {
    /// The database and its data keys.
    pub database: config::DatabaseSettings,
    /// The token key's secret.
    pub token_secret: Vec<u8>,
    /// Serve over TLS with this identity; plaintext when `None`.
    pub tls: Option<config::TlsIdentity>,
    /// Where the relay sends events.
    pub events: events::EventsConfig,
}

/// Connects to the database (waiting at most `acquire_timeout` for a pooled connection) and
/// applies pending migrations.
pub async fn open(
    database: &config::DatabaseSettings,
    acquire_timeout: std::time::Duration,
) -> Result<Arc<Store>, AppError> {
    let keys = database.keys()?;
    let store = Store::connect_with(&database.url, acquire_timeout)
        .await?
        .with_keys(keys);
    store.migrate().await?;
    let resealed = store.reseal().await?;
    if resealed > 0 {
        tracing::info!(resealed, "residents sealed under the current data key");
    }
    Ok(Arc::new(store))
}

/// Seeds the demo county at `scale` unless the database already holds it; says which.
pub async fn ensure_demo(store: &Arc<Store>, scale: demo::DemoScale) -> Result<bool, AppError> {
    if demo::is_seeded(&store.network().await?) {
        return Ok(false);
    }
    let started = std::time::Instant::now();
    let built = demo::seed(
        store.clone(),
        scale,
        OffsetDateTime::now_utc().date(),
        &|step| tracing::info!(step, "seeding the demo county"),
    )
    .await
    .map_err(|e| AppError::Demo(e.to_string()))?;
    tracing::info!(
        ?built,
        seconds = started.elapsed().as_secs_f32(),
        "demo county seeded"
    );
    Ok(true)
}

/// The use cases' ports over `store`, with the system clock, random ids and the national
/// profile: what the service and the operator's console commands run on.
pub fn deps_on(store: Arc<Store>, network: yigong_domain::network::Network) -> Deps {
    Deps::on_store(
        store,
        network,
        Arc::new(SystemClock),
        Arc::new(RandomIds),
        Arc::new(RuleProfile::bphs3()),
    )
}

/// An operator's console command (`import`, `report`): the migrated store's use cases, and the
/// principal the command acts as — `user` with `role` at `institution` (by default the first
/// community's lead hospital), its community read from the network. Its writes and reads are
/// audited under that name.
pub async fn console(
    database: &config::DatabaseSettings,
    user: &str,
    role: Role,
    institution: Option<InstitutionId>,
) -> Result<(Deps, Principal), AppError> {
    let store = open(database, yigong_store::DEFAULT_ACQUIRE_TIMEOUT).await?;
    let network = store.network().await?;
    console_on(store, network, user, role, institution)
}

/// The remote-diagnosis use cases for a console command, acting as [`console`] does, with
/// the network they read names from.
pub async fn diagnosis_console(
    database: &config::DatabaseSettings,
    user: &str,
    institution: Option<InstitutionId>,
) -> Result<
    (
        yigong_service::DiagnosisService,
        Principal,
        yigong_domain::network::Network,
    ),
    AppError,
> {
    let store = open(database, yigong_store::DEFAULT_ACQUIRE_TIMEOUT).await?;
    let network = store.network().await?;
    let (deps, who) = console_on(
        store.clone(),
        network.clone(),
        user,
        Role::Operator,
        institution,
    )?;
    Ok((
        yigong_service::DiagnosisService::new(deps, store),
        who,
        network,
    ))
}

/// The indicator use cases for a console command (`yigong report`), acting as an operator as
/// [`console`] does.
pub async fn indicator_console(
    database: &config::DatabaseSettings,
    user: &str,
    institution: Option<InstitutionId>,
) -> Result<(IndicatorService, Principal), AppError> {
    let store = open(database, yigong_store::DEFAULT_ACQUIRE_TIMEOUT).await?;
    let network = store.network().await?;
    let (deps, who) = console_on(store.clone(), network, user, Role::Operator, institution)?;
    Ok((IndicatorService::new(deps, store), who))
}

/// As [`console`], acting at the institution `institution` names ([`institution_named`]).
pub async fn console_at(
    database: &config::DatabaseSettings,
    user: &str,
    role: Role,
    institution: &str,
) -> Result<(Deps, Principal), AppError> {
    let store = open(database, yigong_store::DEFAULT_ACQUIRE_TIMEOUT).await?;
    let network = store.network().await?;
    let id = institution_named(&network, institution)?;
    console_on(store, network, user, role, Some(id))
}

/// The institution `text` names: its UUID, or its exact name, held by one institution only
/// (a county's operators know their institutions by name; a fresh database's ids are new).
pub fn institution_named(
    network: &yigong_domain::network::Network,
    text: &str,
) -> Result<InstitutionId, AppError> {
    if let Ok(id) = uuid::Uuid::try_parse(text) {
        return Ok(InstitutionId::from_uuid(id));
    }
    let mut found = network.institutions().filter(|i| i.name == text.trim());
    match (found.next(), found.next()) {
        (Some(i), None) => Ok(i.id),
        (None, _) => Err(AppError::Config(format!(
            "no institution is named {:?}",
            yigong_domain::text::excerpt(text)
        ))),
        (Some(_), Some(_)) => Err(AppError::Config(format!(
            "two institutions are named {:?}: give the UUID",
            yigong_domain::text::excerpt(text)
        ))),
    }
}

fn console_on(
    store: Arc<Store>,
    network: yigong_domain::network::Network,
    user: &str,
    role: Role,
    institution: Option<InstitutionId>,
) -> Result<(Deps, Principal), AppError> {
    let acting = institution
        .or_else(|| network.communities().next().map(|c| c.lead()))
        .ok_or_else(|| AppError::Config("the database holds no network".to_owned()))?;
    network
        .institution(acting)
        .map_err(|e| AppError::Config(e.to_string()))?;
    let who = Principal {
        user: user.to_owned(),
        role,
        institution: acting,
        community: network.community_of(acting).map(|c| c.id()),
        team: None,
    };
    Ok((deps_on(store, network), who))
}

/// The use cases over `database` for the county's set-up (the network and area imports),
/// acting as [`Principal::county_setup`]: an empty database is where a county starts.
pub async fn setup_console(
    database: &config::DatabaseSettings,
    user: &str,
) -> Result<(Deps, Principal), AppError> {
    let store = open(database, yigong_store::DEFAULT_ACQUIRE_TIMEOUT).await?;
    let network = store.network().await?;
    Ok((deps_on(store, network), Principal::county_setup(user)))
}

/// Connects and migrates the store, then serves on `listener` until `shutdown` completes;
/// requests in flight finish first (graceful shutdown).
pub async fn serve(
    config: ServeConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), AppError> {
    let store = open(&config.database, yigong_store::DEFAULT_ACQUIRE_TIMEOUT).await?;
    serve_store(
        store,
        &config.token_secret,
        config.tls,
        config.events,
        listener,
        None,
        shutdown,
    )
    .await
}

/// How often the grid tallies are brought up to date in the background (besides each
/// midnight): a report then finds at most a minute's changes to recount. Idle, a pass reads
/// the feed's position and nothing else.
const FIGURES_REWARM: std::time::Duration = std::time::Duration::from_secs(60);

/// Serves the gRPC API over an opened store (see [`serve`]), with the outbox relay running
/// beside it, and on `http` (when given) the operators' `/healthz`, `/readyz` and `/metrics`;
/// on shutdown the server drains, then the relay stops and gives up its lease.
pub async fn serve_store(
    store: Arc<Store>,
    token_secret: &[u8],
    tls: Option<config::TlsIdentity>,
    events: events::EventsConfig,
    listener: TcpListener,
    http: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), AppError> {
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let ready = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let bus = yigong_bus::InProcess::new(1024);
    // One set of use-case dependencies for the API and the deadline jobs, so both see the
    // network view the API keeps current (a team formed after start routes to its community).
    let deps = deps_on(store.clone(), store.network().await?);
    // The network's teams, which every token's team is checked against.
    NetworkService::new(deps.clone())
        .refresh()
        .await
        .map_err(|e| AppError::Serve(e.to_string()))?;
    let key = Arc::new(TokenKey::from_secret(token_secret)?);
    let auth = Authenticator::new(key, deps.network.clone());
    // One cache of grid tallies for every reader of the figures (the API and the dashboard),
    // kept warm beside them.
    let indicators = IndicatorService::new(deps.clone(), store.clone());
    let http = http.map(|listener| {
        let state = http::HttpState {
            store: store.clone(),
            ready: ready.clone(),
            metrics: metrics::recorder(),
            dashboard: Some(Arc::new(dashboard::Dashboard::new(
                indicators.clone(),
                ReferralService::new(deps.clone()),
                auth.clone(),
                store.clone(),
            ))),
        };
        let mut stopped = stopped.clone();
        tokio::spawn(http::serve(listener, state, async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }))
    });
    let jobs = DeadlineJobs::new(deps.clone(), store.clone());
    let deadlines = tokio::spawn(events::run_deadlines(jobs, events.deadline_interval, {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }
    }));
    let warm = tokio::spawn(indicators.clone().keep_warm(FIGURES_REWARM, {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        }
    }));
    let relay = tokio::spawn(events::run_relay(store.clone(), events, bus, stopped));
    let served = serve_api(
        store, deps, indicators, auth, tls, listener, ready, shutdown,
    )
    .await;
    let _ = stop.send(true);
    if let Some(handle) = http {
        match handle.await {
            Ok(Err(error)) => tracing::error!(%error, "the http side failed"),
            Err(error) => tracing::error!(%error, "the http side failed"),
            Ok(Ok(())) => {}
        }
    }
    for (task, handle) in [
        ("the outbox relay", relay),
        ("the deadline jobs", deadlines),
        ("the indicator tallies", warm),
    ] {
        if let Err(error) = handle.await {
            tracing::error!(%error, "{task} failed");
        }
    }
    served
}

#[allow(clippy::too_many_arguments)] // the parts `serve_store` wires, each once
async fn serve_api(
    store: Arc<Store>,
    deps: Deps,
    indicators: IndicatorService,
    auth: Authenticator,
    tls: Option<config::TlsIdentity>,
    listener: TcpListener,
    ready: Arc<std::sync::atomic::AtomicBool>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), AppError> {
    let (health, health_service) = tonic_health::server::health_reporter();
    health::report(&health, tonic_health::ServingStatus::Serving).await;
    let (stop_watch, watch_stopped) = tokio::sync::oneshot::channel::<()>();
    let storage_watch = tokio::spawn(health::watch_storage(store.clone(), health, ready, async {
        let _ = watch_stopped.await;
    }));
    fn reflection() -> tonic_reflection::server::Builder<'static> {
        tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(yigong_proto::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
    }
    let reflection_v1 = reflection()
        .build_v1()
        .map_err(|e| AppError::Serve(e.to_string()))?;
    let reflection_v1alpha = reflection()
        .build_v1alpha()
        .map_err(|e| AppError::Serve(e.to_string()))?;

    let referrals =
        ReferralServiceServer::new(ReferralApi::new(ReferralService::new(deps.clone())));
    let follow_ups =
        FollowUpServiceServer::new(FollowUpApi::new(FollowUpService::new(deps.clone())));
    let residents =
        ResidentServiceServer::new(ResidentApi::new(ResidentService::new(deps.clone())));
    let indicators = IndicatorServiceServer::new(IndicatorApi::new(indicators));
    let network =
        NetworkServiceServer::new(NetworkApi::new(Arc::new(NetworkService::new(deps.clone()))));
    let teams = TeamServiceServer::new(TeamApi::new(TeamService::new(deps.clone())));
    let grids = GridServiceServer::new(GridApi::new(GridService::new(deps.clone())));
    let advice = ReferralAdviceServiceServer::new(AdviceApi::new(AdviceService::new(
        deps.clone(),
        store.clone(),
    )));
    let elderly = yigong_proto::v1::elderly_check_service_server::ElderlyCheckServiceServer::new(
        yigong_grpc::ElderlyCheckApi::new(yigong_service::ElderlyCheckService::new(
            deps.clone(),
            store.clone(),
        )),
    );
    let diagnosis = yigong_proto::v1::diagnosis_service_server::DiagnosisServiceServer::new(
        yigong_grpc::DiagnosisApi::new(
            yigong_service::DiagnosisService::new(deps.clone(), store.clone()),
            ChangeService::new(deps.clone(), store.clone()),
        ),
    );
    let consultation =
        yigong_proto::v1::consultation_service_server::ConsultationServiceServer::new(
            yigong_grpc::ConsultationApi::new(yigong_service::ConsultationService::new(
                deps.clone(),
                store.clone(),
                store.clone(),
            )),
        );
    let two_cancer = yigong_proto::v1::two_cancer_service_server::TwoCancerServiceServer::new(
        yigong_grpc::TwoCancerApi::new(yigong_service::TwoCancerService::new(
            deps.clone(),
            store.clone(),
        )),
    );
    let schedule = ScheduleServiceServer::new(ScheduleApi::new(ScheduleService::new(
        deps.clone(),
        store.clone(),
    )));
    let store_due = store.clone();
    let changes = ChangeFeedServiceServer::new(ChangeFeedApi::new(
        ChangeService::new(deps.clone(), store),
        ReferralService::new(deps.clone()),
    ));
    let audit = AuditServiceServer::new(AuditApi::new(AuditService::new(deps.clone())));
    let history =
        HistoryServiceServer::new(HistoryApi::new(Arc::new(HistoryService::new(deps.clone()))));
    let screenings = ScreeningServiceServer::new(ScreeningApi::new(
        ScreeningService::new(deps.clone()),
        yigong_service::ScreeningDueService::new(deps, store_due),
    ));
    tracing::info!(address = ?listener.local_addr().ok(), "serving");
    // A message over the size limit is RESOURCE_EXHAUSTED, as gRPC's status table says.
    // Outermost, the metrics see the status a client gets.
    let mut server = Server::builder().layer(metrics::GrpcMetricsLayer).layer(
        tower::util::MapResponseLayer::new(yigong_grpc::limits::oversize_is_resource_exhausted),
    );
    if let Some(tls) = tls {
        server = server
            .tls_config(
                ServerTlsConfig::new().identity(Identity::from_pem(tls.cert_pem, tls.key_pem)),
            )
            .map_err(|e| AppError::Config(format!("tls: {e}")))?;
    }
    let served = server
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha)
        .add_service(InterceptedService::new(referrals, auth.clone()))
        .add_service(InterceptedService::new(follow_ups, auth.clone()))
        .add_service(InterceptedService::new(residents, auth.clone()))
        .add_service(InterceptedService::new(indicators, auth.clone()))
        .add_service(InterceptedService::new(network, auth.clone()))
        .add_service(InterceptedService::new(teams, auth.clone()))
        .add_service(InterceptedService::new(history, auth.clone()))
        .add_service(InterceptedService::new(grids, auth.clone()))
        .add_service(InterceptedService::new(changes, auth.clone()))
        .add_service(InterceptedService::new(schedule, auth.clone()))
        .add_service(InterceptedService::new(elderly, auth.clone()))
        .add_service(InterceptedService::new(two_cancer, auth.clone()))
        .add_service(InterceptedService::new(diagnosis, auth.clone()))
        .add_service(InterceptedService::new(consultation, auth.clone()))
        .add_service(InterceptedService::new(advice, auth.clone()))
        .add_service(InterceptedService::new(audit, auth.clone()))
        .add_service(InterceptedService::new(screenings, auth))
        .serve_with_incoming_shutdown(
            // Small RPCs must not wait on Nagle and delayed ACKs (40 ms a round trip otherwise).
            TcpIncoming::from(listener).with_nodelay(Some(true)),
            shutdown,
        )
        .await
        .map_err(|e| AppError::Serve(e.to_string()));
    let _ = stop_watch.send(());
    if let Err(error) = storage_watch.await {
        tracing::error!(%error, "the storage health check failed");
    }
    served
}

/// Checks that a token for `who` claims nothing the network denies: its institution exists,
/// and its team (if any) is one the institution serves on — what the server checks on every
/// request, so the CLI refuses to mint what the server would refuse.
pub async fn check_token_claims(store: Arc<Store>, who: &Principal) -> Result<(), AppError> {
    let deps = deps_on(store.clone(), store.network().await?);
    let network = NetworkService::new(deps.clone())
        .refresh()
        .await
        .map_err(|e| AppError::Config(e.to_string()))?;
    if network.institution(who.institution).is_err() {
        return Err(AppError::Config(format!(
            "institution {} is not in the network",
            who.institution
        )));
    }
    if let Some(team) = who.team {
        let serves = deps
            .network
            .team_institution(team)
            .is_some_and(|of| Principal::may_serve_on_team_of(who.institution, of, &network));
        if !serves {
            return Err(AppError::Config(format!(
                "team {team} is not a team institution {} serves on",
                who.institution
            )));
        }
    }
    Ok(())
}
