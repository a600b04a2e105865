//! Settings: a TOML file (`--config`, `YIGONG_CONFIG`) under the environment and the command
//! line, which win. Every key is optional; an unknown key is an error (a typo must not silently
//! fall back to a default).
//!
//! ```toml
//! listen = "0.0.0.0:50051"
//! database_url = "postgres://yigong@db.county.local/yigong"
//! token_key = "…at least 32 bytes…"   # better in YIGONG_TOKEN_KEY
//! data_keys = ["2026:…base64 of 32 random bytes…"]   # better in YIGONG_DATA_KEYS; first seals
//! data_cipher = "sm4-gcm"              # or "aes-256-gcm" (the default)
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

use yigong_store::seal::{DataKeys, Suite};

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
    /// Address of the operators' HTTP side (`/healthz`, `/readyz`, `/metrics`); off when unset.
    pub http_listen: Option<SocketAddr>,
    /// `sqlite://…` or `postgres://…`.
    pub database_url: Option<String>,
    /// The token signing secret.
    pub token_key: Option<String>,
    /// The keys personal information is sealed with, `id:base64` each, the current one first.
    pub data_keys: Option<Vec<String>>,
    /// `aes-256-gcm` (the default) or `sm4-gcm`.
    pub data_cipher: Option<String>,
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

/// A database and the keys its personal information is sealed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseSettings {
    /// `sqlite://…`, `sqlite::memory:` or `postgres://…`.
    pub url: String,
    /// `id:base64` keys, the current one first; see [`DatabaseSettings::keys`] when none.
    pub data_keys: Vec<String>,
    /// `aes-256-gcm` (when `None`) or `sm4-gcm`.
    pub data_cipher: Option<String>,
}

impl DatabaseSettings {
    /// `url` with no keys given: only a SQLite database can be opened so (see
    /// [`DatabaseSettings::keys`]).
    pub fn url(url: impl Into<String>) -> DatabaseSettings {
        DatabaseSettings {
            url: url.into(),
            data_keys: Vec::new(),
            data_cipher: None,
        }
    }

    /// The data keys: those given; else, for a SQLite file, the key file beside it (created
    /// with a fresh key the first time, readable by its owner only: back it up with the
    /// database); else, for an in-memory database, a key of this process. A PostgreSQL
    /// database needs its keys given: they must not sit beside the data.
    pub fn keys(&self) -> Result<DataKeys, AppError> {
        let suite = Suite::from_code(self.data_cipher.as_deref().unwrap_or("aes-256-gcm"))
            .map_err(|e| AppError::Config(e.to_string()))?;
        let parse = |keys: &[String]| {
            DataKeys::parse(suite, keys.iter().map(String::as_str))
                .map_err(|e| AppError::Config(e.to_string()))
        };
        if !self.data_keys.is_empty() {
            return parse(&self.data_keys);
        }
        if self.url.starts_with("sqlite::memory:") || self.url.contains("mode=memory") {
            return Ok(DataKeys::ephemeral());
        }
        let Some(file) = sqlite_file(&self.url) else {
            return Err(AppError::Config(
                "a PostgreSQL database needs its data keys: --data-keys or YIGONG_DATA_KEYS \
                 (`id:base64` of 32 random bytes; `yigong data-key` makes one)"
                    .to_owned(),
            ));
        };
        let path = PathBuf::from(format!("{}.keys", file.display()));
        if !path.exists() {
            write_private(&path, &format!("{}\n", DataKeys::generate("k1")))?;
            tracing::warn!(path = %path.display(), "a new data key for this database: back it up with it");
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| AppError::Config(format!("{}: {e}", path.display())))?;
        let keys: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_owned)
            .collect();
        parse(&keys)
    }
}

/// The file of a `sqlite://path?…` URL.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty()).then(|| PathBuf::from(path))
}

/// Writes a new file only its owner may read.
fn write_private(path: &Path, text: &str) -> Result<(), AppError> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| AppError::Config(format!("{}: {e}", path.display())))
}
