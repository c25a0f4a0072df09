//! Layered configuration: defaults < optional TOML file (`PODIUM_CONFIG`) < `PODIUM_*`
//! environment (`__` nests) < command-line flags. Secrets may also come from `*_FILE` paths and
//! never print themselves.

use std::{
    fmt,
    net::SocketAddr,
    path::{Path, PathBuf},
};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

/// A value that must never appear in logs, errors or `podium config show`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The secret itself; call only where it is used, never to print it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"********\"")
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("********")
    }
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// JSON lines, or human-readable text when stdout is a terminal.
    #[default]
    Auto,
    Json,
    Text,
}

/// Everything `podium` reads from its configuration layers.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
pub struct Config {
    /// Public HTTP listener (`PODIUM_HTTP_ADDR`).
    pub http_addr: SocketAddr,
    /// Prometheus listener, kept apart so metrics are never exposed by accident.
    pub metrics_addr: SocketAddr,
    /// Holds the embedded PostgreSQL cluster when no `DATABASE_URL` is set.
    pub data_dir: PathBuf,
    /// External PostgreSQL (production). Without it Podium runs its own cluster.
    pub database_url: Option<Secret>,
    pub database_url_file: Option<PathBuf>,
    /// Bearer token required for writes when set.
    pub api_token: Option<Secret>,
    pub api_token_file: Option<PathBuf>,
    pub log_format: LogFormat,
    /// A tracing filter, e.g. `info` or `podium=debug,tower_http=info`.
    pub log_level: String,
    /// PostgreSQL binaries for the embedded cluster (found automatically when unset).
    pub pg_bin: Option<PathBuf>,
    /// Install PostgreSQL with apt-get when the embedded cluster needs it and it is missing.
    pub pg_install: bool,
    pub db_max_connections: u32,
    /// Apply migrations when `serve` starts (development); production runs `podium migrate`.
    pub migrate_on_start: bool,
    /// Most score submissions committed in one transaction.
    pub batch_max: usize,
    /// Longest time a request waits before its batch is committed.
    pub request_timeout_secs: u64,
    /// Largest accepted request body.
    pub body_limit_bytes: usize,
    /// After SIGTERM, how long `readyz` reports draining before the listener closes, so a load
    /// balancer notices first.
    pub drain_delay_ms: u64,
    /// How long in-flight requests may take to finish after SIGTERM.
    pub shutdown_timeout_secs: u64,
    /// Past periods kept in memory per process after they were read.
    pub past_period_cache: usize,
    /// Change-log rows older than this are pruned.
    pub change_log_retention_secs: u64,
    /// Each league that changed is snapshotted this often (and at shutdown), so a start-up
    /// rates only the matches after its snapshot; 0 takes none.
    pub league_snapshot_secs: u64,
    /// Origins allowed by CORS (empty: same origin only).
    pub cors_origins: Vec<String>,
    /// Changes (POST, PUT, PATCH, DELETE) one API key may make per second, per process, on
    /// average; 0 turns the limit off. Beyond it: 429 with `Retry-After`.
    pub key_write_rate: u32,
    /// Changes one API key may make at once before the rate applies.
    pub key_write_burst: u32,
    /// Serve the web UI from this folder instead of the copy built into the binary.
    pub web_dir: Option<PathBuf>,
    /// Sessions end after this long without a request.
    pub session_idle_secs: u64,
    /// Sessions end this long after sign-in whatever happens.
    pub session_absolute_secs: u64,
    /// Mark the session cookie `Secure` (turn off only for plain-http development).
    pub cookie_secure: bool,
    /// Proxies whose `X-Forwarded-For` is believed (Nginx on the same host by default).
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            http_addr: "127.0.0.1:8080".parse().expect("valid address"),
            metrics_addr: "127.0.0.1:9464".parse().expect("valid address"),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            database_url_file: None,
            api_token: None,
            api_token_file: None,
            log_format: LogFormat::Auto,
            log_level: "info".to_owned(),
            pg_bin: None,
            pg_install: true,
            db_max_connections: 16,
            migrate_on_start: true,
            batch_max: 2000,
            request_timeout_secs: 30,
            body_limit_bytes: 8 * 1024 * 1024,
            drain_delay_ms: 0,
            shutdown_timeout_secs: 30,
            past_period_cache: 32,
            change_log_retention_secs: 24 * 3600,
            league_snapshot_secs: 300,
            cors_origins: Vec::new(),
            key_write_rate: 1000,
            key_write_burst: 2000,
            web_dir: None,
            session_idle_secs: 12 * 3600,
            session_absolute_secs: 7 * 24 * 3600,
            cookie_secure: true,
            trusted_proxies: vec![
                std::net::IpAddr::from([127, 0, 0, 1]),
                std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
            ],
        }
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Invalid(#[from] Box<figment::Error>),
    #[error("configuration file {path}: {source}")]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{field}: the secret file {path} could not be read: {source}")]
    SecretFile {
        field: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

impl Config {
    /// Loads the layers; `overrides` are the command-line flags (only the ones given).
    pub fn load(
        config_file: Option<&Path>,
        overrides: &impl Serialize,
    ) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        let file = config_file
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("PODIUM_CONFIG").map(PathBuf::from));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError::File {
                    path,
                    source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
                });
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        figment = figment
            .merge(Env::raw().only(&["DATABASE_URL", "DATABASE_URL_FILE"]))
            .merge(
                Env::prefixed("PODIUM_")
                    .ignore(&["CONFIG", "PG_TEST_DIR"])
                    .split("__"),
            )
            .merge(Serialized::defaults(overrides));
        let mut config: Config = figment.extract().map_err(Box::new)?;
        config.read_secret_files()?;
        config.validate()?;
        Ok(config)
    }

    fn read_secret_files(&mut self) -> Result<(), ConfigError> {
        fn read(field: &'static str, path: &Path) -> Result<Secret, ConfigError> {
            std::fs::read_to_string(path)
                .map(|s| Secret::new(s.trim_end_matches(['\r', '\n'])))
                .map_err(|source| ConfigError::SecretFile {
                    field,
                    path: path.to_owned(),
                    source,
                })
        }
        if let Some(path) = &self.database_url_file {
            self.database_url = Some(read("database_url_file", path)?);
        }
        if let Some(path) = &self.api_token_file {
            self.api_token = Some(read("api_token_file", path)?);
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.batch_max == 0 {
            return Err(ConfigError::Other("batch_max must be at least 1".into()));
        }
        if self.db_max_connections < 2 {
            return Err(ConfigError::Other(
                "db_max_connections must be at least 2 (one is held by the change listener)".into(),
            ));
        }
        if let Some(bad) = self.cors_origins.iter().find(|o| !is_origin(o)) {
            return Err(ConfigError::Other(format!(
                "cors_origins: '{bad}' is not an origin (scheme://host[:port], no path, no wildcard)"
            )));
        }
        if let Some(token) = &self.api_token
            && token.expose().len() < 16
        {
            return Err(ConfigError::Other(
                "api_token must be at least 16 characters".into(),
            ));
        }
        Ok(())
    }

    /// The effective configuration as TOML, secrets masked: what `podium config show` prints.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# could not render: {e}\n"))
    }
}

/// `scheme://host[:port]` with nothing after it, as a browser sends in `Origin`.
fn is_origin(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else {
        return false;
    };
    matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '*', '?', '#', ' ', '@'])
        && s.bytes().all(|b| b.is_ascii_graphic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print_themselves() {
        let config = Config {
            api_token: Some(Secret::new("sup3r-secret-token-value")),
            database_url: Some(Secret::new("postgres://u:pw@db/podium")),
            ..Config::default()
        };
        let shown = format!("{config:?}\n{}", config.to_toml());
        assert!(!shown.contains("sup3r"), "{shown}");
        assert!(!shown.contains("pw@db"), "{shown}");
        assert!(shown.contains("********"));
    }

    #[test]
    fn cors_origins_must_be_origins() {
        for good in [
            "https://game.example",
            "http://127.0.0.1:5173",
            "https://a.b.example:8443",
        ] {
            assert!(is_origin(good), "{good}");
        }
        for bad in [
            "*",
            "https://*.example",
            "game.example",
            "https://game.example/",
            "https://x/path",
            "ftp://x",
            "https://",
            "https://a b",
        ] {
            assert!(!is_origin(bad), "{bad}");
        }
        let config = Config {
            cors_origins: vec!["https://ok.example".into(), "*".into()],
            ..Config::default()
        };
        let e = config.validate().unwrap_err().to_string();
        assert!(e.contains("cors_origins: '*' is not an origin"), "{e}");
    }
}
