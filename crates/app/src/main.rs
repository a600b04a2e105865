//! `yigong`: serve the API, apply migrations, mint tokens.

use std::net::SocketAddr;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;
use yigong_domain::ids::{InstitutionId, TeamId};
use yigong_grpc::TokenKey;
use yigong_service::{Principal, Role};

/// Yigong (医共): the software core of a county medical community.
#[derive(Parser)]
#[command(version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serves the gRPC API.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:50051", env = "YIGONG_LISTEN")]
        listen: SocketAddr,
        #[command(flatten)]
        database: Database,
        #[command(flatten)]
        key: Key,
    },
    /// Applies pending migrations and exits.
    Migrate {
        #[command(flatten)]
        database: Database,
    },
    /// Mints bearer tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
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
        /// The user's institution (UUID).
        #[arg(long)]
        institution: Uuid,
        /// The user's family doctor team (UUID).
        #[arg(long)]
        team: Option<Uuid>,
        /// Hours the token stays valid.
        #[arg(long, default_value_t = 8)]
        hours: i64,
        #[command(flatten)]
        key: Key,
    },
}

#[derive(clap::Args)]
struct Database {
    /// `sqlite://yigong.db?mode=rwc` (the default, in the working directory) or `postgres://…`.
    #[arg(
        long,
        default_value = "sqlite://yigong.db?mode=rwc",
        env = "YIGONG_DATABASE_URL"
    )]
    database_url: String,
}

#[derive(clap::Args)]
struct Key {
    /// The token signing secret (at least 32 bytes); prefer the environment to the command line.
    #[arg(long, env = "YIGONG_TOKEN_KEY", hide_env_values = true)]
    token_key: String,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::from_name(s)
        .ok_or_else(|| format!("unknown role {s:?}: clinician, referral_desk or operator"))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
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
    match cli.command {
        Command::Serve {
            listen,
            database,
            key,
        } => {
            let listener = tokio::net::TcpListener::bind(listen).await?;
            let shutdown = async {
                // Ctrl-C or SIGTERM: stop accepting, finish what is in flight.
                let _ = tokio::signal::ctrl_c().await;
                tracing::info!("shutting down");
            };
            yigong_app::serve(
                yigong_app::ServeConfig {
                    database_url: database.database_url,
                    token_secret: key.token_key.into_bytes(),
                },
                listener,
                shutdown,
            )
            .await?;
        }
        Command::Migrate { database } => {
            let store = yigong_store::Store::connect(&database.database_url).await?;
            store.migrate().await?;
            println!(
                "migrations: {}",
                store.applied_migrations().await?.join(", ")
            );
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
                },
        } => {
            let key = TokenKey::from_secret(key.token_key.as_bytes())?;
            let who = Principal {
                user,
                role,
                institution: InstitutionId::from_uuid(institution),
                community: None,
                team: team.map(TeamId::from_uuid),
            };
            println!(
                "{}",
                key.issue(&who, OffsetDateTime::now_utc(), Duration::hours(hours))?
            );
        }
    }
    Ok(())
}
