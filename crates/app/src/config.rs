//! Settings: a TOML file (`--config`, `YIGONG_CONFIG`) under the environment and the command
//! line, which win. Every key is optional; an unknown key is an error (a typo must not silently
//! fall back to a default).
//!
//! ```toml
//! listen = "0.0.0.0:50051"
//! database_url = "postgres://yigong@db.county.local/yigong"
//! token_key = "…at least 32 bytes…"   # better in YIGONG_TOKEN_KEY
//! nats_url = "nats://127.0.0.1:4222"   # relay events to JetStream (in-process without it)
//! database_acquire_timeout_ms = 1000   # a request waits this long for a database connection
//!
//! [tls]
//! cert = "/etc/yigong/server.pem"
//! key = "/etc/yigong/server.key"
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use tonic::transport::{Identity, Server, ServerTlsConfig};

use crate::AppError;

/// The default listen address: loopback only, until an operator opens it.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:50051";
/// The default database: a SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://yigong.db?mode=rwc";

/// What a configuration file may set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// Address to listen on.
    pub listen: Option<SocketAddr>,
    /// `sqlite://…` or `postgres://…`.
    pub database_url: Option<String>,
    /// The token signing secret.
    pub token_key: Option<String>,
    /// Serve over TLS with this certificate chain and key (PEM files).
    pub tls: Option<TlsFiles>,
    /// Relay domain events to NATS JetStream at this URL.
    pub nats_url: Option<String>,
    /// How long a request waits for a pooled database connection, in milliseconds (100 to
    /// 60,000; default 1,000): with the database down, requests fail within it.
    pub database_acquire_timeout_ms: Option<u64>,
}

/// The server's certificate chain and private key, as PEM files.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFiles {
    /// The certificate chain.
    pub cert: PathBuf,
    /// The private key.
    pub key: PathBuf,
}

/// A server identity read from its files.
#[derive(Clone)]
pub struct TlsIdentity {
    /// PEM certificate chain.
    pub cert_pem: Vec<u8>,
    /// PEM private key.
    pub key_pem: Vec<u8>,
}

impl TlsFiles {
    /// Reads both files and checks that they make a server identity, before anything is
    /// served: an error names the file and what is wrong with it.
    pub fn read(&self) -> Result<TlsIdentity, AppError> {
        let read = |p: &Path, block: &str, what: &str| {
            let pem =
                std::fs::read(p).map_err(|e| AppError::Config(format!("{}: {e}", p.display())))?;
            if pem.windows(block.len()).any(|w| w == block.as_bytes()) {
                Ok(pem)
            } else {
                Err(AppError::Config(format!(
                    "{}: not a PEM {what} (no `{block}` block)",
                    p.display()
                )))
            }
        };
        let identity = TlsIdentity {
            cert_pem: read(
                &self.cert,
                "-----BEGIN CERTIFICATE-----",
                "certificate chain",
            )?,
            key_pem: read(&self.key, "PRIVATE KEY-----", "private key")?,
        };
        identity.server_config().map_err(|e| {
            AppError::Config(format!(
                "{} with {}: {e}",
                self.cert.display(),
                self.key.display()
            ))
        })?;
        Ok(identity)
    }
}

impl TlsIdentity {
    /// The server's TLS configuration; fails if the key does not fit the chain or cannot be
    /// parsed.
    pub fn server_config(&self) -> Result<Server, tonic::transport::Error> {
        Server::builder().tls_config(
            ServerTlsConfig::new().identity(Identity::from_pem(&self.cert_pem, &self.key_pem)),
        )
    }
}

impl FileConfig {
    /// The pool's acquire timeout: the configured one, checked, or the store's default.
    pub fn acquire_timeout(&self) -> Result<std::time::Duration, AppError> {
        match self.database_acquire_timeout_ms {
            None => Ok(yigong_store::DEFAULT_ACQUIRE_TIMEOUT),
            Some(ms @ 100..=60_000) => Ok(std::time::Duration::from_millis(ms)),
            Some(ms) => Err(AppError::Config(format!(
                "database_acquire_timeout_ms must be 100 to 60000, not {ms}"
            ))),
        }
    }

    /// Reads and parses a configuration file; errors name the file and, for TOML, the line.
    pub fn load(path: &Path) -> Result<FileConfig, AppError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| AppError::Config(format!("{}: {e}", path.display())))?;
        toml::from_str(&text).map_err(|e| AppError::Config(format!("{}: {e}", path.display())))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_key_is_optional_and_unknown_keys_are_refused() {
        let empty: FileConfig = toml::from_str("").unwrap();
        assert_eq!(empty, FileConfig::default());
        let full: FileConfig = toml::from_str(
            "listen = \"0.0.0.0:6000\"\ndatabase_url = \"postgres://x/y\"\n\
             [tls]\ncert = \"c.pem\"\nkey = \"k.pem\"\n",
        )
        .unwrap();
        assert_eq!(full.listen, Some("0.0.0.0:6000".parse().unwrap()));
        assert_eq!(full.tls.unwrap().key, PathBuf::from("k.pem"));
        let typo = toml::from_str::<FileConfig>("databse_url = \"x\"").unwrap_err();
        assert!(typo.to_string().contains("databse_url"), "{typo}");
    }
}
