//! `yigong`: serve the API, apply migrations, mint tokens.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;
use yigong_app::config::{self, FileConfig};
use yigong_app::demo::DemoScale;
use yigong_app::import::{
    ImportKind, ImportTarget, import, import_areas, import_contracts, import_institutions,
    import_teams,
};
use yigong_domain::ids::{InstitutionId, TeamId};
use yigong_grpc::TokenKey;
use yigong_ports::ReferralParty;
use yigong_service::{Principal, Role};

/// Yigong (医共): the software core of a county medical community.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// A TOML settings file (see `yigong_app::config`); the environment and flags override it.
    #[arg(long, global = true, env = "YIGONG_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serves the gRPC API.
    Serve {
        /// Address to listen on [default: 127.0.0.1:50051].
        #[arg(long, env = "YIGONG_LISTEN")]
        listen: Option<SocketAddr>,
        /// Also serve HTTP here: the county dashboard (`/dashboard`), `/healthz`, `/readyz`
        /// (ready while storage answers) and Prometheus `/metrics`. Off unless given, except
        /// with `--demo` [demo default: 127.0.0.1:8080].
        #[arg(long, env = "YIGONG_HTTP_LISTEN")]
        http_listen: Option<SocketAddr>,
        /// Seeds the demo county first (unless the database holds it) and prints tokens for
        /// its sample users; without a token key, a random one is made for this run.
        #[arg(long)]
        demo: bool,
        /// `county` (about 50,000 residents) or `small` (a few hundred, for tests).
        #[arg(long, default_value = "county", value_parser = parse_scale)]
        demo_scale: DemoScale,
        #[command(flatten)]
        database: Database,
        /// The token signing secret (at least 32 bytes); prefer the environment to the
        /// command line. Required unless `--demo`.
        #[arg(long, env = "YIGONG_TOKEN_KEY", hide_env_values = true)]
        token_key: Option<String>,
        /// Serve over TLS with this PEM certificate chain (with `--tls-key`).
        #[arg(long, env = "YIGONG_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key of `--tls-cert`.
        #[arg(long, env = "YIGONG_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Relay domain events to NATS JetStream at this URL (`nats://host:4222`); without it
        /// they go to the in-process bus.
        #[arg(long, env = "YIGONG_NATS_URL")]
        nats_url: Option<String>,
    },
    /// Builds the demo county in the database (migrating it first) and exits.
    Seed {
        /// The demo county (the only seed there is; required so the intent is explicit).
        #[arg(long, required = true)]
        demo: bool,
        /// `county` (about 50,000 residents) or `small` (a few hundred, for tests).
        #[arg(long, default_value = "county", value_parser = parse_scale)]
        demo_scale: DemoScale,
        #[command(flatten)]
        database: Database,
    },
    /// Imports a CSV file (see `yigong_app::import` for the columns), reporting every refused
    /// line: the county's institutions and communities, its area tree and grids (line by
    /// line, matched by name), or households, residents or screening results (batch by batch).
    Import {
        /// `institutions`, `areas`, `teams`, `households`, `residents`, `contracts` or
        /// `screening`.
        #[arg(value_parser = parse_import_kind)]
        kind: ImportTarget,
        /// The CSV file (with a header row).
        file: PathBuf,
        /// For teams, households, residents, contracts and screening: the institution the
        /// records belong to (UUID): its clinicians keep residents, contracts and screening
        /// results; its operators (or its lead hospital's) form teams and keep households.
        /// Institutions and areas are the county's set-up. A UUID or the institution's name.
        #[arg(long)]
        institution: Option<String>,
        /// Rows per batch (each batch is all or nothing).
        #[arg(long, default_value_t = 5000, value_parser = clap::value_parser!(u16).range(1..=10000))]
        batch: u16,
        /// Also write the refused lines to this CSV file (line,field,reason).
        #[arg(long)]
        errors: Option<PathBuf>,
        #[command(flatten)]
        database: Database,
    },
    /// Prints indicators per grid, with their total, as a table or CSV; with `--referrals`,
    /// the referral figures of an institution (sent, received) or a community instead.
    Report {
        /// The institution whose teams' grids (or referrals) to report (UUID).
        #[arg(
            long,
            conflicts_with_all = ["area", "community"],
            required_unless_present_any = ["area", "community"]
        )]
        institution: Option<Uuid>,
        /// The area whose subtree's grids to report (UUID).
        #[arg(long, conflicts_with_all = ["community", "referrals"])]
        area: Option<Uuid>,
        /// The medical community whose grids (or, with `--referrals`, referrals) to report
        /// (UUID): the grids served by its member institutions' teams.
        #[arg(long)]
        community: Option<Uuid>,
        /// The referral figures of the referrals requested from `--from` to `--date`.
        #[arg(long)]
        referrals: bool,
        /// The figures of the remote-diagnosis centres of `--institution` (a county hospital)
        /// for requests made from `--from` to `--date`: the total, per modality, per
        /// requesting institution and per month.
        #[arg(long, conflicts_with_all = ["referrals", "area", "community", "rates"])]
        diagnosis: bool,
        /// With `--referrals` or `--diagnosis`: the first request day (YYYY-MM-DD) [default:
        /// the first of the month of `--date`].
        #[arg(long, value_parser = parse_date)]
        from: Option<time::Date>,
        /// The day the figures are for (YYYY-MM-DD) [default: today].
        #[arg(long, value_parser = parse_date)]
        date: Option<time::Date>,
        /// Report at the close of the `month`, `quarter` or `year` containing `--date` (today
        /// while it runs); rates defined on the year count the year to that day.
        #[arg(long, value_parser = parse_period, conflicts_with_all = ["referrals", "diagnosis"])]
        period: Option<yigong_domain::indicator::PeriodKind>,
        /// The assessed rates (standardized management, control, elderly management,
        /// screening coverage, renewal) of every grid and the total, one row per rate.
        #[arg(long, conflicts_with = "referrals")]
        rates: bool,
        /// CSV instead of a table.
        #[arg(long)]
        csv: bool,
        #[command(flatten)]
        database: Database,
    },
    /// Reviews the audit log (who read or changed whose data, every refusal) as an operator
    /// of `--institution`, within its medical community; the review is itself audited.
    Audit {
        /// The reviewing operator's institution (UUID).
        #[arg(long)]
        institution: Uuid,
        /// Only this user's entries.
        #[arg(long)]
        user: Option<String>,
        /// Only entries about this patient (UUID).
        #[arg(long)]
        patient: Option<Uuid>,
        /// Only this outcome: success, denied or failed.
        #[arg(long, value_parser = parse_outcome)]
        outcome: Option<yigong_ports::AuditOutcome>,
        /// At or after this time (RFC 3339, e.g. 2026-12-01T00:00:00+08:00).
        #[arg(long, value_parser = parse_time)]
        since: Option<OffsetDateTime>,
        /// Before this time (RFC 3339).
        #[arg(long, value_parser = parse_time)]
        until: Option<OffsetDateTime>,
        /// At most this many entries, oldest first.
        #[arg(long, default_value_t = 1000)]
        limit: usize,
        /// CSV instead of a table.
        #[arg(long)]
        csv: bool,
        #[command(flatten)]
        database: Database,
    },
    /// Applies pending migrations and exits.
    Migrate {
        #[command(flatten)]
        database: Database,
    },
    /// Generates a data key (`id:base64` of 32 random bytes) for `--data-keys`.
    DataKey {
        /// The key's id (letters, digits, `-`, `_`): rotate by putting a new id first.
        #[arg(long, default_value = "k1")]
        id: String,
    },
    /// Mints bearer tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Domain events the relay gave up on: list and replay them.
    Events {
        #[command(subcommand)]
        command: EventsCommand,
    },
}

#[derive(Subcommand)]
enum EventsCommand {
    /// Lists dead-lettered events, oldest first, tab-separated with a header.
    Dead {
        /// Only those after this outbox sequence (to page on).
        #[arg(long, default_value_t = 0)]
        after: i64,
        /// At most this many.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=10000))]
        limit: u32,
        #[command(flatten)]
        database: Database,
    },
    /// Returns dead-lettered events to the relay (fresh attempts, original order): the
    /// sequences given, or every one with `--all`.
    Replay {
        /// Outbox sequences, as `events dead` lists them.
        #[arg(required_unless_present = "all", conflicts_with = "all")]
        sequences: Vec<i64>,
        /// Every dead letter.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        database: Database,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Prints a token for a principal.
    Issue {
        /// User id.
        #[arg(long)]
        user: String,
        /// `clinician`, `referral_desk` or `operator`.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The user's institution: its UUID or its name.
        #[arg(long)]
        institution: String,
        /// The user's family doctor team (UUID).
        #[arg(long)]
        team: Option<Uuid>,
        /// Hours the token stays valid.
        #[arg(long, default_value_t = 8)]
        hours: i64,
        #[command(flatten)]
        key: Key,
        /// The database whose network the institution and team are checked against.
        #[command(flatten)]
        database: Database,
    },
}

#[derive(clap::Args)]
struct Database {
    /// `sqlite://yigong.db?mode=rwc` (the default, in the working directory) or `postgres://…`.
    #[arg(long, env = "YIGONG_DATABASE_URL")]
    database_url: Option<String>,
    /// The keys personal information is sealed with, `id:base64` each, comma-separated, the
    /// current one first. Required for PostgreSQL; a SQLite file keeps its own beside it.
    #[arg(
        long,
        env = "YIGONG_DATA_KEYS",
        hide_env_values = true,
        value_delimiter = ','
    )]
    data_keys: Vec<String>,
    /// `aes-256-gcm` (the default) or `sm4-gcm` (SM4-GCM with HMAC-SM3).
    #[arg(long, env = "YIGONG_DATA_CIPHER")]
    data_cipher: Option<String>,
}

impl Database {
    /// The flags or environment, else the file's, else the defaults.
    fn settings(self, file: &FileConfig) -> config::DatabaseSettings {
        config::DatabaseSettings {
            url: self
                .database_url
                .or_else(|| file.database_url.clone())
                .unwrap_or_else(|| config::DEFAULT_DATABASE_URL.to_owned()),
            data_keys: if self.data_keys.is_empty() {
                file.data_keys.clone().unwrap_or_default()
            } else {
                self.data_keys
            },
            data_cipher: self.data_cipher.or_else(|| file.data_cipher.clone()),
        }
    }
}

#[derive(clap::Args)]
struct Key {
    /// The token signing secret (at least 32 bytes); prefer the environment to the command line.
    #[arg(long, env = "YIGONG_TOKEN_KEY", hide_env_values = true)]
    token_key: Option<String>,
}

/// Prints a ready-to-use token and a sample call for each demo user.
async fn print_demo_tokens(
    store: &yigong_store::Store,
    key: &TokenKey,
    listen: SocketAddr,
) -> Result<(), Box<dyn std::error::Error>> {
    let demo = yigong_app::demo::principals(store).await?;
    println!("Demo county ready. Tokens (valid 8 hours) for its sample users:");
    for (var, what, who) in &demo.callers {
        let token = key.issue(who, OffsetDateTime::now_utc(), Duration::hours(8))?;
        println!(
            "\n# {what}: {} at institutions/{}",
            who.user, who.institution
        );
        println!("export {var}={token}");
    }
    println!(
        "\nThen, for example:\n  grpcurl -plaintext -H \"authorization: Bearer $TOKEN_TOWNSHIP\" \\\n    -d '{{\"page_size\": 5}}' {listen} yigong.v1.FollowUpService/ListOverdueWorklist\n  grpcurl -plaintext -H \"authorization: Bearer $TOKEN_COUNTY\" \\\n    -d '{{\"page_size\": 5}}' {listen} yigong.v1.ReferralService/ListReferrals"
    );
    Ok(())
}

fn parse_import_kind(s: &str) -> Result<ImportTarget, String> {
    match s {
        "households" => Ok(ImportTarget::Records(ImportKind::Households)),
        "residents" => Ok(ImportTarget::Records(ImportKind::Residents)),
        "screening" => Ok(ImportTarget::Records(ImportKind::Screening)),
        "institutions" => Ok(ImportTarget::Institutions),
        "areas" => Ok(ImportTarget::Areas),
        "teams" => Ok(ImportTarget::Teams),
        "contracts" => Ok(ImportTarget::Contracts),
        _ => Err(format!(
            "{s:?}: institutions, areas, teams, households, residents, contracts or screening"
        )),
    }
}

fn parse_date(s: &str) -> Result<time::Date, String> {
    time::Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|e| format!("{s:?} is not a YYYY-MM-DD date: {e}"))
}

fn parse_period(s: &str) -> Result<yigong_domain::indicator::PeriodKind, String> {
    yigong_domain::indicator::PeriodKind::from_code(s)
        .ok_or_else(|| format!("unknown period {s:?}: month, quarter or year"))
}

fn parse_outcome(s: &str) -> Result<yigong_ports::AuditOutcome, String> {
    yigong_ports::AuditOutcome::from_name(s)
        .ok_or_else(|| format!("unknown outcome {s:?}: success, denied or failed"))
}

fn parse_time(s: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map_err(|e| format!("{s:?} is not an RFC 3339 time: {e}"))
}

fn parse_scale(s: &str) -> Result<DemoScale, String> {
    DemoScale::from_name(s).ok_or_else(|| format!("unknown demo scale {s:?}: county or small"))
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::from_name(s)
        .ok_or_else(|| format!("unknown role {s:?}: clinician, referral_desk or operator"))
}

#[tokio::main]
async fn main() -> ExitCode {
    // Logs go to stderr: stdout carries what a command prints (tokens, reports, CSV).
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("yigong: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    let file = match &cli.config {
        Some(path) => FileConfig::load(path)?,
        None => FileConfig::default(),
    };
    match cli.command {
        Command::Serve {
            listen,
            http_listen,
            demo,
            demo_scale,
            database,
            token_key,
            tls_cert,
            tls_key,
            nats_url,
        } => {
            let listen = match listen.or(file.listen) {
                Some(listen) => listen,
                None => config::DEFAULT_LISTEN.parse()?,
            };
            let tls = match (tls_cert, tls_key) {
                (Some(cert), Some(key)) => Some(config::TlsFiles { cert, key }),
                _ => file.tls.clone(),
            }
            .map(|files| files.read())
            .transpose()?;
            let secret = match (token_key.or_else(|| file.token_key.clone()), demo) {
                (Some(key), _) => key,
                (None, true) => {
                    tracing::warn!("no YIGONG_TOKEN_KEY: a random key for this run (demo only)");
                    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
                }
                (None, false) => {
                    return Err("serve needs a token key: --token-key or YIGONG_TOKEN_KEY".into());
                }
            };
            // Every setting is checked before the database or the port is touched.
            TokenKey::from_secret(secret.as_bytes())?;
            let acquire_timeout = file.acquire_timeout()?;
            let listener = tokio::net::TcpListener::bind(listen).await?;
            // The bound address (`--listen 127.0.0.1:0` picks a free port).
            let listen = listener.local_addr()?;
            let demo_http = demo.then(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
            let http = match http_listen.or(file.http_listen).or(demo_http) {
                Some(at) => Some(tokio::net::TcpListener::bind(at).await?),
                None => None,
            };
            let store = yigong_app::open(&database.settings(&file), acquire_timeout).await?;
            if demo {
                yigong_app::ensure_demo(&store, demo_scale).await?;
                print_demo_tokens(&store, &TokenKey::from_secret(secret.as_bytes())?, listen)
                    .await?;
            }
            let shutdown = async {
                // Ctrl-C or SIGTERM: stop accepting, finish what is in flight.
                let _ = tokio::signal::ctrl_c().await;
                tracing::info!("shutting down");
            };
            if let Some(http) = &http {
                let at = http.local_addr()?;
                println!("yigong http on {at}");
                println!("dashboard: http://{at}/dashboard (sign in with a token)");
            }
            println!(
                "yigong listening on {listen}{}",
                if tls.is_some() { " (TLS)" } else { "" }
            );
            let events = yigong_app::events::EventsConfig {
                nats_url: nats_url.or_else(|| file.nats_url.clone()),
                ..Default::default()
            };
            yigong_app::serve_store(
                store,
                secret.as_bytes(),
                tls,
                events,
                listener,
                http,
                shutdown,
            )
            .await?;
        }
        Command::Seed {
            demo: _,
            demo_scale,
            database,
        } => {
            let store =
                yigong_app::open(&database.settings(&file), file.acquire_timeout()?).await?;
            if yigong_app::ensure_demo(&store, demo_scale).await? {
                println!("demo county seeded");
            } else {
                println!("the database already holds the demo county");
            }
        }
        Command::Import {
            kind,
            file: path,
            institution,
            batch,
            errors,
            database,
        } => {
            let (deps, who) = match kind {
                ImportTarget::Records(_) | ImportTarget::Teams | ImportTarget::Contracts => {
                    let institution = institution.ok_or(
                        "--institution is required to import teams, households, residents, \
                         contracts or screening",
                    )?;
                    let role = match kind {
                        ImportTarget::Teams | ImportTarget::Records(ImportKind::Households) => {
                            Role::Operator
                        }
                        _ => Role::Clinician,
                    };
                    yigong_app::console_at(
                        &database.settings(&file),
                        "cli-import",
                        role,
                        &institution,
                    )
                    .await?
                }
                ImportTarget::Institutions | ImportTarget::Areas => {
                    yigong_app::setup_console(&database.settings(&file), "cli-import").await?
                }
            };
            // Lines to read, for the progress bar (one quick pass; memory stays flat).
            let total = {
                use std::io::BufRead;
                let lines = std::io::BufReader::new(std::fs::File::open(&path)?)
                    .lines()
                    .count();
                u64::try_from(lines.saturating_sub(1)).unwrap_or(0)
            };
            let bar = indicatif::ProgressBar::new(total).with_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} lines  {per_sec}  eta {eta}",
                )?,
            );
            let input = std::io::BufReader::new(std::fs::File::open(&path)?);
            let progress = |lines| bar.set_position(lines);
            let summary = match kind {
                ImportTarget::Records(records) => {
                    import(&deps, &who, records, input, usize::from(batch), &progress).await?
                }
                ImportTarget::Institutions => {
                    import_institutions(&deps, &who, input, &progress).await?
                }
                ImportTarget::Areas => import_areas(&deps, &who, input, &progress).await?,
                ImportTarget::Teams => {
                    import_teams(&deps, &who, who.institution, input, &progress).await?
                }
                ImportTarget::Contracts => {
                    import_contracts(&deps, &who, who.institution, input, &progress).await?
                }
            };
            bar.finish_and_clear();
            for e in &summary.errors {
                eprintln!("line {}: {}: {}", e.line, e.field, e.reason);
            }
            if let Some(errors) = errors {
                let mut out = csv::Writer::from_path(&errors)?;
                out.write_record(["line", "field", "reason"])?;
                for e in &summary.errors {
                    out.write_record([e.line.to_string(), e.field.clone(), e.reason.clone()])?;
                }
                out.flush()?;
            }
            println!(
                "{} lines read, {} written, {} refused ({} batches held back)",
                summary.lines,
                summary.written,
                summary.errors.len(),
                summary.batches_refused
            );
            if !summary.errors.is_empty() {
                return Err(
                    "some lines were refused; fix them and run the same command again \
                            (batches already written are not written twice)"
                        .into(),
                );
            }
        }
        Command::Report {
            institution,
            area,
            community,
            referrals,
            diagnosis,
            from,
            date,
            period,
            rates,
            csv,
            database,
        } => {
            let on = date.unwrap_or_else(|| OffsetDateTime::now_utc().date());
            if from.is_some() && !(referrals || diagnosis) {
                return Err("--from goes with --referrals or --diagnosis".into());
            }
            if diagnosis {
                let from = from.unwrap_or_else(|| on.replace_day(1).unwrap_or(on));
                let institution = institution.map(InstitutionId::from_uuid);
                let (service, who, network) = yigong_app::diagnosis_console(
                    &database.settings(&file),
                    "cli-report",
                    institution,
                )
                .await?;
                let centres = service.centres(&who).await?;
                let ours: Vec<_> = centres
                    .iter()
                    .filter(|c| c.value.institution() == who.institution)
                    .collect();
                if ours.is_empty() {
                    return Err(format!(
                        "institutions/{} has no remote-diagnosis centre",
                        who.institution
                    )
                    .into());
                }
                let mut all = Vec::new();
                for centre in ours {
                    let figures = service
                        .figures(
                            &who,
                            centre.value.id(),
                            from,
                            on,
                            yigong_service::Interval::Month,
                        )
                        .await
                        .map_err(|e| match e {
                            yigong_service::ServiceError::InvalidArgument { .. } => {
                                format!("--from and --date: {e}")
                            }
                            other => other.to_string(),
                        })?;
                    all.push(figures);
                }
                if csv {
                    print!("{}", yigong_app::report::diagnosis_csv(&all, &network));
                } else {
                    for figures in &all {
                        println!("{}", yigong_app::report::diagnosis_table(figures, &network));
                    }
                }
                return Ok(());
            }
            if referrals {
                let from = from.unwrap_or_else(|| on.replace_day(1).unwrap_or(on));
                let institution = institution.map(InstitutionId::from_uuid);
                let (deps, who) = yigong_app::console(
                    &database.settings(&file),
                    "cli-report",
                    Role::Operator,
                    institution,
                )
                .await?;
                let service = yigong_service::ReferralService::new(deps);
                let (title, lines) = match (institution, community) {
                    (Some(i), _) => {
                        let sent = service
                            .figures(&who, ReferralParty::SentBy(i), from, on)
                            .await?;
                        let received = service
                            .figures(&who, ReferralParty::ReceivedBy(i), from, on)
                            .await?;
                        (
                            format!("institutions/{i} referrals {from} to {on}"),
                            vec![("sent", sent), ("received", received)],
                        )
                    }
                    (None, Some(c)) => {
                        let c = yigong_domain::ids::CommunityId::from_uuid(c);
                        let all = service
                            .figures(&who, ReferralParty::Community(c), from, on)
                            .await?;
                        (
                            format!("communities/{c} referrals {from} to {on}"),
                            vec![("all", all)],
                        )
                    }
                    (None, None) => {
                        return Err("--institution or --community is required".into());
                    }
                };
                let lines: Vec<(&str, &yigong_domain::indicator::ReferralFigures)> =
                    lines.iter().map(|(n, f)| (*n, f)).collect();
                if csv {
                    print!("{}", yigong_app::report::referral_csv(&lines));
                } else {
                    print!("{}", yigong_app::report::referral_table(&title, &lines));
                }
                return Ok(());
            }
            // The console acts as an operator of the institution reported on (or of the first
            // lead hospital for an area); the read is audited under that name.
            let institution = institution.map(InstitutionId::from_uuid);
            let (service, who) =
                yigong_app::indicator_console(&database.settings(&file), "cli-report", institution)
                    .await?;
            let report = match (institution, area) {
                (Some(i), _) => service.institution_report(&who, i, on, period).await?,
                (None, Some(a)) => {
                    let area = yigong_domain::ids::AreaNodeId::from_uuid(a);
                    service.area_report(&who, area, on, period).await?
                }
                (None, None) => match community {
                    Some(c) => {
                        let c = yigong_domain::ids::CommunityId::from_uuid(c);
                        service.community_report(&who, c, on, period).await?
                    }
                    None => return Err("--institution, --area or --community is required".into()),
                },
            };
            let profile = service.profile();
            let out = match (rates, csv) {
                (true, true) => yigong_app::report::rates_csv(&report, profile),
                (true, false) => yigong_app::report::rates_table(&report, profile),
                (false, true) => yigong_app::report::csv(&report),
                (false, false) => yigong_app::report::table(&report, profile),
            };
            print!("{out}");
        }
        Command::Audit {
            institution,
            user,
            patient,
            outcome,
            since,
            until,
            limit,
            csv,
            database,
        } => {
            let institution = InstitutionId::from_uuid(institution);
            let (deps, who) = yigong_app::console(
                &database.settings(&file),
                "cli-audit",
                Role::Operator,
                Some(institution),
            )
            .await?;
            let service = yigong_service::AuditService::new(deps);
            let mut entries = Vec::new();
            let mut after = None;
            while entries.len() < limit {
                let page = service
                    .list(
                        &who,
                        yigong_service::AuditQuery {
                            user: user.clone(),
                            patient: patient.map(yigong_domain::ids::ResidentId::from_uuid),
                            outcome,
                            since,
                            until,
                            page_size: u32::try_from(limit - entries.len()).unwrap_or(u32::MAX),
                            after,
                        },
                    )
                    .await?;
                entries.extend(page.entries);
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            entries.truncate(limit);
            if csv {
                print!("{}", yigong_app::audit_log::csv(&entries)?);
            } else {
                print!("{}", yigong_app::audit_log::table(&entries));
            }
        }
        Command::Events {
            command:
                EventsCommand::Dead {
                    after,
                    limit,
                    database,
                },
        } => {
            let store =
                yigong_app::open(&database.settings(&file), file.acquire_timeout()?).await?;
            print!(
                "{}",
                yigong_app::events::list_dead(store.as_ref(), after, limit).await?
            );
        }
        Command::Events {
            command:
                EventsCommand::Replay {
                    sequences,
                    all: _,
                    database,
                },
        } => {
            let store =
                yigong_app::open(&database.settings(&file), file.acquire_timeout()?).await?;
            // No sequences means `--all` (clap requires one or the other).
            let now = time::OffsetDateTime::now_utc();
            let replayed =
                yigong_ports::RelayOutbox::replay(store.as_ref(), &sequences, now).await?;
            println!("{replayed} event(s) returned to the relay");
        }
        Command::Migrate { database } => {
            let store = yigong_store::Store::connect_with(
                &database.settings(&file).url,
                file.acquire_timeout()?,
            )
            .await?;
            store.migrate().await?;
            println!(
                "migrations: {}",
                store.applied_migrations().await?.join(", ")
            );
        }
        Command::DataKey { id } => {
            let key = yigong_store::seal::DataKeys::generate(&id);
            // Checked as configuration would read it (the id's characters).
            yigong_store::seal::DataKeys::parse(
                yigong_store::seal::Suite::Aes256Gcm,
                [key.as_str()],
            )?;
            println!("{key}");
        }
        Command::Token {
            command:
                TokenCommand::Issue {
                    user,
                    role,
                    institution,
                    team,
                    hours,
                    key,
                    database,
                },
        } => {
            let secret = key
                .token_key
                .or_else(|| file.token_key.clone())
                .ok_or("token issue needs a token key: --token-key or YIGONG_TOKEN_KEY")?;
            let key = TokenKey::from_secret(secret.as_bytes())?;
            let store =
                yigong_app::open(&database.settings(&file), file.acquire_timeout()?).await?;
            let network = yigong_ports::NetworkQueries::network(&*store).await?;
            let who = Principal {
                user,
                role,
                institution: yigong_app::institution_named(&network, &institution)?,
                community: None,
                team: team.map(TeamId::from_uuid),
            };
            yigong_app::check_token_claims(store, &who).await?;
            println!(
                "{}",
                key.issue(&who, OffsetDateTime::now_utc(), Duration::hours(hours))?
            );
        }
    }
    Ok(())
}
