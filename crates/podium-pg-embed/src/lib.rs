//! Embedded PostgreSQL: with no `DATABASE_URL`, Podium runs a private cluster in its data
//! folder, created with the system's initdb and reachable only through a Unix socket there.
//! [`EmbeddedPostgres::start`] brings it up (creating it the first time); `stop` shuts it down.

mod binaries;
mod process;

use std::fs::File;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use tracing::{debug, info, warn};

pub use binaries::{BIN_ENV, MIN_MAJOR, find_binaries};

use process::{Exit, Postmaster, state};

/// How long PostgreSQL may take to accept connections after it was started.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Port used when `settings` does not name one; with `listen_addresses=''` it only names the
/// socket file (`.s.PGSQL.5432`), so it cannot clash with a system PostgreSQL.
pub const DEFAULT_PORT: u16 = 5432;

/// Settings of the embedded cluster, each overridable through [`EmbeddedOptions::settings`].
/// The socket is private to the cluster's OS user (0700), since authentication is `trust`.
pub const DEFAULT_SETTINGS: &[(&str, &str)] = &[
    ("listen_addresses", ""),
    ("port", "5432"),
    ("unix_socket_permissions", "0700"),
    ("shared_buffers", "128MB"),
    ("max_connections", "100"),
    ("fsync", "on"),
    ("synchronous_commit", "on"),
    ("wal_level", "replica"),
    ("logging_collector", "off"),
    ("log_min_messages", "warning"),
];

/// How to run the embedded cluster.
#[derive(Debug, Clone)]
pub struct EmbeddedOptions {
    /// The cluster folder, e.g. `./data/postgres`; created if missing. It holds the cluster
    /// (`pgdata/`), the socket, `postgres.log` and `podium.lock`.
    pub dir: PathBuf,
    /// Explicit PostgreSQL bin dir; discovered when `None` (see [`find_binaries`]).
    pub bin_dir: Option<PathBuf>,
    /// Install PostgreSQL with apt-get when no usable binaries are found (needs root or
    /// passwordless sudo).
    pub install_missing: bool,
    /// Extra postgresql.conf settings, passed as `-c name=value`; they override
    /// [`DEFAULT_SETTINGS`]. `unix_socket_directories` is managed here and cannot be set.
    pub settings: Vec<(String, String)>,
}

impl EmbeddedOptions {
    /// Options for a cluster in `dir`, with discovered binaries, no installing, no extras.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            bin_dir: None,
            install_missing: false,
            settings: Vec::new(),
        }
    }
}

/// Why the embedded PostgreSQL could not be found, started or stopped. Each message says what
/// the operator can do about it.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    /// No PostgreSQL 15+ installation was found.
    #[error(
        "PostgreSQL {MIN_MAJOR} or newer is needed for the embedded database, but none was found ({detail}). \
         Install it with: sudo apt-get install -y postgresql-15 (or set DATABASE_URL to use an existing PostgreSQL server)"
    )]
    PostgresNotFound {
        /// Where we looked and what was wrong there.
        detail: String,
    },
    /// An explicitly named bin dir cannot be used.
    #[error(
        "the PostgreSQL bin dir {dir} ({origin}) cannot be used: {reason}. \
         Point it at the bin dir of PostgreSQL {MIN_MAJOR} or newer, e.g. /usr/lib/postgresql/15/bin, or unset it to search the usual places"
    )]
    BadBinDir {
        /// The directory named.
        dir: PathBuf,
        /// Where it was named, e.g. `set by PODIUM_PG_BIN`.
        origin: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The automatic installation failed.
    #[error(
        "installing PostgreSQL failed: `{command}` {outcome} (see the log lines above). \
         Install it by hand with: sudo apt-get install -y postgresql-15 (or set DATABASE_URL)"
    )]
    InstallFailed {
        /// The command that failed.
        command: String,
        /// How it failed.
        outcome: String,
    },
    /// We are root and there is no `postgres` user to drop to.
    #[error(
        "Podium runs as root, but there is no `postgres` OS user to run the embedded PostgreSQL as \
         (PostgreSQL refuses to run as root). Install PostgreSQL with: sudo apt-get install -y postgresql-15 \
         (it creates that user), or run Podium as an unprivileged user"
    )]
    NoPostgresUser,
    /// The `postgres` user cannot traverse a parent of the cluster folder.
    #[error(
        "the `postgres` OS user cannot reach {dir}: {blocker} is not searchable by it. \
         Put the data folder elsewhere (PODIUM_DATA_DIR), or allow it with: chmod o+x {blocker}"
    )]
    DirNotReachable {
        /// The cluster folder.
        dir: PathBuf,
        /// The ancestor lacking search permission.
        blocker: PathBuf,
    },
    /// The cluster folder belongs to another user than the one PostgreSQL would run as.
    #[error(
        "{path} belongs to uid {owner}, but Podium runs as uid {uid} and PostgreSQL only runs on a cluster it owns. \
         Run Podium as that user (or as root, which runs PostgreSQL as `postgres`), or take the folder over with: chown -R {uid} {path}"
    )]
    WrongOwner {
        /// The offending path.
        path: PathBuf,
        /// Its owner.
        owner: u32,
        /// Our effective uid.
        uid: u32,
    },
    /// `pgdata` exists but is not a PostgreSQL cluster.
    #[error(
        "{path} exists but holds no PostgreSQL cluster (no PG_VERSION file). \
         Move it away or delete it if it holds nothing of value, then start again"
    )]
    NotACluster {
        /// The `pgdata` folder.
        path: PathBuf,
    },
    /// The cluster was created by another major version than the binaries found.
    #[error(
        "the cluster in {data_dir} was created by PostgreSQL {cluster}, but the binaries in {bin_dir} are PostgreSQL {binaries}. \
         Set PODIUM_PG_BIN to a PostgreSQL {cluster} bin dir (e.g. /usr/lib/postgresql/{cluster}/bin), or upgrade the cluster with pg_upgrade"
    )]
    VersionMismatch {
        /// The `pgdata` folder.
        data_dir: PathBuf,
        /// Major version of the cluster.
        cluster: u32,
        /// Major version of the binaries.
        binaries: u32,
        /// Where the binaries are.
        bin_dir: PathBuf,
    },
    /// Another live Podium supervises this cluster.
    #[error(
        "another running Podium (pid {holder}) already runs the embedded PostgreSQL in {dir}. \
         Stop it first, give this one another data folder, or share one server through DATABASE_URL"
    )]
    InUse {
        /// The cluster folder.
        dir: PathBuf,
        /// Pid recorded by the holder of the lock.
        holder: String,
    },
    /// A setting cannot be used.
    #[error("invalid embedded PostgreSQL setting {name}={value:?}: {reason}")]
    InvalidSetting {
        /// Setting name.
        name: String,
        /// Setting value.
        value: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A filesystem operation failed.
    #[error("could not {action} {path}: {source}")]
    Io {
        /// What we tried, phrased to precede the path.
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A program could not be started.
    #[error("could not run {program}: {source}")]
    Spawn {
        /// The program.
        program: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// initdb failed.
    #[error(
        "initdb could not create the cluster in {data_dir} ({status}); fix the cause below and start again:\n{output}"
    )]
    InitdbFailed {
        /// The `pgdata` folder.
        data_dir: PathBuf,
        /// initdb's exit status.
        status: ExitStatus,
        /// The end of its output.
        output: String,
    },
    /// PostgreSQL did not come up.
    #[error("the embedded PostgreSQL did not start: {reason}. Last lines of {log}:\n{tail}")]
    StartFailed {
        /// What went wrong.
        reason: String,
        /// The log file.
        log: PathBuf,
        /// Its last lines.
        tail: String,
    },
    /// An orphaned postmaster on our data folder would not stop.
    #[error(
        "a PostgreSQL left by an earlier Podium (pid {pid}) still runs on {data_dir} and did not stop on SIGINT nor SIGQUIT. \
         Stop it by hand (kill -QUIT {pid}, or kill -KILL {pid} and its children) and start again"
    )]
    OrphanStuck {
        /// Its pid.
        pid: i32,
        /// The `pgdata` folder.
        data_dir: PathBuf,
    },
    /// Signalling a process failed.
    #[error(
        "could not send {signal} to PostgreSQL (pid {pid}): {source}. \
         If it runs as another user, start Podium as that user or as root"
    )]
    Signal {
        /// The target pid.
        pid: i32,
        /// The signal.
        signal: Signal,
        /// The OS error.
        source: nix::Error,
    },
    /// Our postmaster would not stop and was killed.
    #[error(
        "the embedded PostgreSQL (pid {pid}) ignored SIGINT and SIGQUIT and was killed with SIGKILL. \
         Check {log}, and that no postgres process is left (ps -C postgres), before starting again"
    )]
    StopTimedOut {
        /// Its pid.
        pid: u32,
        /// The log file.
        log: PathBuf,
    },
}

/// A running embedded PostgreSQL, started by [`EmbeddedPostgres::start`].
///
/// Call [`stop`](Self::stop) to shut it down and wait for it. Dropping the handle instead asks
/// PostgreSQL to shut down (SIGINT) without waiting. If Podium dies without either, the next
/// start on the same folder finds the orphaned server and stops it first.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    dir: PathBuf,
    data_dir: PathBuf,
    socket_dir: PathBuf,
    /// Set when the socket lives in a private folder under /tmp, which `stop` removes.
    temp_socket_dir: bool,
    log_path: PathBuf,
    port: u16,
    version: String,
    postmaster: Postmaster,
    /// Held for our lifetime: tells a competing start that this cluster is supervised.
    lock: Option<File>,
    /// `stop` or `abandon` ran: Drop has nothing to do.
    done: bool,
}

/// Shuts a half-started server down so the next attempt starts clean, removes a private socket
/// folder, and says why the start failed with the log's tail (what the operator needs, not this
/// shutdown's outcome).
async fn abort_start(
    postmaster: process::Postmaster,
    reason: String,
    log_path: PathBuf,
    temp_socket_dir: Option<&Path>,
) -> EmbeddedError {
    postmaster.state.store(state::STOPPING, Ordering::SeqCst);
    let _ = postmaster.shutdown(&log_path).await;
    if let Some(dir) = temp_socket_dir {
        let _ = std::fs::remove_dir_all(dir);
    }
    EmbeddedError::StartFailed {
        reason,
        tail: process::log_tail(&log_path, 20),
        log: log_path,
    }
}

/// Where the socket goes: the data folder, unless its path would be too long for a Unix socket
/// (then a private folder under /tmp, to be removed at stop; true when so).
fn socket_dir_for(
    dir: &Path,
    port: u16,
    run_as: Option<&process::RunAs>,
) -> Result<(PathBuf, bool), EmbeddedError> {
    if socket_file(dir, port).as_os_str().len() <= process::MAX_SOCKET_PATH {
        Ok((dir.to_path_buf(), false))
    } else {
        let short = process::short_socket_dir(run_as)?;
        debug!(
            dir = %dir.display(),
            socket_dir = %short.display(),
            "the socket path in the data folder would exceed {} bytes; using a private folder under /tmp",
            process::MAX_SOCKET_PATH
        );
        Ok((short, true))
    }
}

impl EmbeddedPostgres {
    /// Starts the embedded cluster in `opts.dir`, creating it on first use, and returns once it
    /// accepts connections (at most [`START_TIMEOUT`]).
    ///
    /// As root, PostgreSQL runs as the `postgres` OS user, which then owns the folder. A
    /// PostgreSQL left running on this folder by a Podium that died is stopped first.
    pub async fn start(opts: EmbeddedOptions) -> Result<EmbeddedPostgres, EmbeddedError> {
        let started = Instant::now();
        // Settings first: a typo in the configuration should fail before anything is touched.
        let mut settings = merge_settings(&opts.settings)?;
        let port = port_of(&settings)?;
        let (dir, run_as) = Self::folder(&opts.dir)?;
        process::check_owner(&dir, run_as.as_ref())?;
        let lock = process::lock_dir(&dir)?;
        process::prepare_dir(&dir, run_as.as_ref())?;

        let data_dir = dir.join("pgdata");
        let (bins, cluster_major) = Self::binaries_for(&opts, &data_dir).await?;
        debug!(bin_dir = %bins.bin_dir.display(), version = %bins.version, user = run_as.as_ref().map(|r| r.name.as_str()), "using PostgreSQL");

        process::stop_orphan(&data_dir).await?;

        let log_path = dir.join("postgres.log");
        let mut log = process::open_log(&log_path, run_as.as_ref())?;
        if cluster_major.is_none() {
            process::initdb(&bins, &dir, &data_dir, &mut log, run_as.as_ref()).await?;
        }

        let (socket_dir, temp_socket_dir) = socket_dir_for(&dir, port, run_as.as_ref())?;
        settings.push((
            "unix_socket_directories".to_owned(),
            quote_directory(&socket_dir),
        ));
        debug!(?settings, "starting postgres");

        process::log_marker(&mut log, &format!("starting PostgreSQL {}", bins.version));
        let postmaster = process::spawn_postmaster(
            &bins,
            &dir,
            &data_dir,
            &settings,
            &log,
            &log_path,
            run_as.as_ref(),
        );
        let postmaster = match postmaster {
            Ok(pm) => pm,
            Err(e) => {
                if temp_socket_dir {
                    let _ = std::fs::remove_dir(&socket_dir);
                }
                return Err(e);
            }
        };
        let socket = socket_file(&socket_dir, port);
        if let Err(reason) = postmaster
            .wait_ready(&data_dir, &socket, START_TIMEOUT)
            .await
        {
            let temp = temp_socket_dir.then_some(socket_dir.as_path());
            return Err(abort_start(postmaster, reason, log_path, temp).await);
        }
        postmaster.state.store(state::RUNNING, Ordering::SeqCst);
        info!(
            version = %bins.version,
            pid = postmaster.pid,
            socket_dir = %socket_dir.display(),
            data_dir = %data_dir.display(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "embedded PostgreSQL is ready"
        );
        Ok(EmbeddedPostgres {
            dir,
            data_dir,
            socket_dir,
            temp_socket_dir,
            log_path,
            port,
            version: bins.version,
            postmaster,
            lock: Some(lock),
            done: false,
        })
    }

    /// The data folder as an absolute, canonical path (created if missing), and the OS user
    /// PostgreSQL runs as (`postgres` when we are root); the folder is moved somewhere that
    /// user can reach when it cannot reach this one.
    fn folder(dir: &Path) -> Result<(PathBuf, Option<process::RunAs>), EmbeddedError> {
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        std::fs::create_dir_all(&dir).map_err(|source| EmbeddedError::Io {
            action: "create the embedded PostgreSQL folder",
            path: dir.clone(),
            source,
        })?;
        let dir = std::fs::canonicalize(&dir).map_err(|source| EmbeddedError::Io {
            action: "resolve",
            path: dir.clone(),
            source,
        })?;
        let run_as = process::run_as()?;
        let dir = match run_as.as_ref() {
            Some(ra) => process::reachable_dir(&dir, ra)?,
            None => dir,
        };
        Ok((dir, run_as))
    }

    /// The PostgreSQL binaries for this cluster (found, or installed when allowed), and the
    /// cluster's major version if it exists; refuses a folder that holds something else, and a
    /// cluster of another major version than the binaries.
    async fn binaries_for(
        opts: &EmbeddedOptions,
        data_dir: &Path,
    ) -> Result<(binaries::Binaries, Option<u32>), EmbeddedError> {
        let cluster_major = binaries::cluster_major(data_dir);
        if cluster_major.is_none()
            && std::fs::read_dir(data_dir).is_ok_and(|mut entries| entries.next().is_some())
        {
            return Err(EmbeddedError::NotACluster {
                path: data_dir.to_path_buf(),
            });
        }

        let bins = locate_or_install(opts, cluster_major).await?;
        if let Some(cluster) = cluster_major
            && cluster != bins.major
        {
            return Err(EmbeddedError::VersionMismatch {
                data_dir: data_dir.to_path_buf(),
                cluster,
                binaries: bins.major,
                bin_dir: bins.bin_dir,
            });
        }
        Ok((bins, cluster_major))
    }

    /// The URL of a cluster another live Podium runs in `dir` (so `podium admin …` and other
    /// commands can work beside a running server), if its socket is there.
    pub fn attach_url(dir: &Path, database: &str) -> Option<String> {
        let dir = std::fs::canonicalize(dir).ok()?;
        let socket = dir.join(format!(".s.PGSQL.{DEFAULT_PORT}"));
        socket.exists().then(|| {
            format!(
                "postgres://postgres@localhost/{}?host={}",
                percent_encode(database.as_bytes(), false),
                percent_encode(dir.as_os_str().as_bytes(), true)
            )
        })
    }

    /// A connection URL for `database` as the `postgres` superuser over the Unix socket, e.g.
    /// `postgres://postgres@localhost/podium?host=/srv/data/postgres` (other characters of the
    /// path percent-encoded), accepted by sqlx's `PgConnectOptions` and by libpq (psql).
    pub fn url(&self, database: &str) -> String {
        let mut url = format!(
            "postgres://postgres@localhost/{}?host={}",
            percent_encode(database.as_bytes(), false),
            percent_encode(self.socket_dir.as_os_str().as_bytes(), true)
        );
        if self.port != DEFAULT_PORT {
            url.push_str(&format!("&port={}", self.port));
        }
        url
    }

    /// Absolute folder holding the Unix socket (`.s.PGSQL.<port>`).
    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    /// The cluster folder given in the options (absolute).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The PostgreSQL data directory (`DIR/pgdata`).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// PostgreSQL's log file (`DIR/postgres.log`).
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// The port, which with the socket dir names the socket file.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Server version, e.g. `15.14`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Pid of the postmaster.
    pub fn pid(&self) -> u32 {
        self.postmaster.pid
    }

    /// The postmaster's exit status once it has exited, whether by `stop` or not.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        match self.postmaster.exit_state() {
            Exit::Exited(status) => Some(status),
            _ => None,
        }
    }

    /// Resolves when the postmaster exits, so a server can shut down when its database died.
    pub async fn exited(&self) {
        let mut rx = self.postmaster.exit.clone();
        let _ = rx.wait_for(|e| *e != Exit::Running).await;
    }

    /// Fast shutdown (SIGINT: sessions are cut, a checkpoint is written), waiting for the
    /// server to exit; escalates to SIGQUIT after 30 s and SIGKILL 15 s later (then an error).
    /// A server that already exited is fine.
    pub async fn stop(mut self) -> Result<(), EmbeddedError> {
        self.done = true;
        let started = Instant::now();
        self.postmaster
            .state
            .store(state::STOPPING, Ordering::SeqCst);
        let result = match self.postmaster.exit_state() {
            Exit::Running => self.postmaster.shutdown(&self.log_path).await,
            Exit::Exited(status) => {
                warn!(pid = self.postmaster.pid, %status, "the embedded PostgreSQL had already exited");
                Ok(())
            }
            Exit::Lost => Ok(()),
        };
        if self.temp_socket_dir {
            // postgres removes its socket and lock files on exit; remove_dir_all covers a crash.
            let _ = std::fs::remove_dir_all(&self.socket_dir);
        }
        if result.is_ok() {
            info!(
                pid = self.postmaster.pid,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "embedded PostgreSQL stopped"
            );
        }
        result
    }

    /// Lets go of the server without stopping it, as if Podium had been killed: releases the
    /// supervisor lock and returns the postmaster's pid. For crash-recovery tests.
    #[doc(hidden)]
    pub fn abandon(mut self) -> u32 {
        self.done = true;
        self.postmaster
            .state
            .store(state::ABANDONED, Ordering::SeqCst);
        self.lock = None;
        self.postmaster.pid
    }
}

impl Drop for EmbeddedPostgres {
    fn drop(&mut self) {
        if self.done || self.postmaster.exit_state() != Exit::Running {
            return;
        }
        // Cannot wait here; PostgreSQL completes its fast shutdown on its own.
        warn!(
            pid = self.postmaster.pid,
            "embedded PostgreSQL handle dropped without stop(); asking PostgreSQL to shut down"
        );
        self.postmaster
            .state
            .store(state::STOPPING, Ordering::SeqCst);
        self.postmaster.signal_now(Signal::SIGINT);
    }
}

/// Finds the binaries, installing PostgreSQL first when allowed and none is usable.
async fn locate_or_install(
    opts: &EmbeddedOptions,
    cluster_major: Option<u32>,
) -> Result<binaries::Binaries, EmbeddedError> {
    let explicit = opts.bin_dir.clone();
    let find = move || binaries::locate(explicit.as_deref(), cluster_major);
    // locate() runs `postgres --version`: keep it off the async workers.
    let found = blocking(find.clone()).await;
    match found {
        Err(err @ EmbeddedError::PostgresNotFound { .. }) if opts.install_missing => {
            if binaries::install_postgres().await? {
                blocking(find).await
            } else {
                Err(err)
            }
        }
        other => other,
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f)
        .await
        .expect("binary discovery does not panic")
}

/// Our defaults overridden by the operator's settings (names are case-insensitive, as in
/// PostgreSQL); `unix_socket_directories` is ours to set.
fn merge_settings(extra: &[(String, String)]) -> Result<Vec<(String, String)>, EmbeddedError> {
    let mut settings: Vec<(String, String)> = DEFAULT_SETTINGS
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    for (name, value) in extra {
        let key = name.trim().to_ascii_lowercase();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        {
            return Err(EmbeddedError::InvalidSetting {
                name: name.clone(),
                value: value.clone(),
                reason: "a setting name has only letters, digits, '_' and '.'",
            });
        }
        if key == "unix_socket_directories" {
            warn!(
                "ignoring the setting unix_socket_directories: the embedded PostgreSQL manages its socket folder"
            );
            continue;
        }
        match settings.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value.clone(),
            None => settings.push((key, value.clone())),
        }
    }
    Ok(settings)
}

fn port_of(settings: &[(String, String)]) -> Result<u16, EmbeddedError> {
    let value = settings
        .iter()
        .find(|(k, _)| k == "port")
        .map_or("5432", |(_, v)| v.as_str());
    match value.trim().parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(EmbeddedError::InvalidSetting {
            name: "port".to_owned(),
            value: value.to_owned(),
            reason: "the port must be a number from 1 to 65535",
        }),
    }
}

fn socket_file(dir: &Path, port: u16) -> PathBuf {
    dir.join(format!(".s.PGSQL.{port}"))
}

/// unix_socket_directories is a comma-separated list: double quotes keep commas and blanks in
/// a path literal (a quote inside is doubled).
fn quote_directory(dir: &Path) -> String {
    format!("\"{}\"", dir.to_string_lossy().replace('"', "\"\""))
}

/// Percent-encodes all but RFC 3986 unreserved characters (and '/' when `keep_slash`). '+' is
/// encoded too, since URL query parsers decode it as a space.
fn percent_encode(bytes: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server holds the handle across tasks and awaits these futures in spawned tasks.
    #[test]
    fn handle_and_futures_are_send() {
        fn assert_send<T: Send>(_: &T) {}
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<EmbeddedPostgres>();
        assert_send(&EmbeddedPostgres::start(EmbeddedOptions::new(
            "/nonexistent",
        )));
        let _ = |pg: EmbeddedPostgres| assert_send(&pg.stop());
        let _ = |pg: &EmbeddedPostgres| assert_send(&pg.exited());
    }

    #[test]
    fn encodes_url_parts() {
        assert_eq!(percent_encode(b"/tmp/a b+c%d", true), "/tmp/a%20b%2Bc%25d");
        assert_eq!(percent_encode(b"my/db", false), "my%2Fdb");
        assert_eq!(percent_encode("é".as_bytes(), true), "%C3%A9");
    }

    #[test]
    fn settings_override_defaults_case_insensitively() {
        let s = merge_settings(&[
            ("Shared_Buffers".into(), "64MB".into()),
            ("work_mem".into(), "8MB".into()),
            ("unix_socket_directories".into(), "/elsewhere".into()),
        ])
        .unwrap();
        let get = |k: &str| s.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("shared_buffers"), Some("64MB"));
        assert_eq!(get("work_mem"), Some("8MB"));
        assert_eq!(get("fsync"), Some("on"));
        assert_eq!(get("unix_socket_directories"), None);
        assert_eq!(s.iter().filter(|(n, _)| n == "shared_buffers").count(), 1);
        assert_eq!(port_of(&s).unwrap(), 5432);
    }

    #[test]
    fn rejects_bad_settings() {
        assert!(merge_settings(&[("a=b".into(), "c".into())]).is_err());
        let s = merge_settings(&[("port".into(), "70000".into())]).unwrap();
        assert!(port_of(&s).is_err());
    }

    #[test]
    fn quotes_socket_directories() {
        assert_eq!(
            quote_directory(Path::new("/a,b \"c\"")),
            "\"/a,b \"\"c\"\"\""
        );
    }
}
