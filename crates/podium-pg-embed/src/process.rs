//! Process plumbing for the embedded PostgreSQL: the OS user it runs as, ownership of its
//! folders, initdb, the postmaster child and the task supervising it, readiness, and the
//! recovery of a postmaster orphaned by an earlier Podium.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{Signal, kill};
use nix::unistd::{Gid, Pid, Uid, User};
use tokio::sync::{mpsc, watch};
use tracing::{debug, error, info, warn};

use super::EmbeddedError;
use super::binaries::Binaries;

/// How long a fast shutdown (SIGINT) may take before we escalate to SIGQUIT.
pub(crate) const FAST_SHUTDOWN: Duration = Duration::from_secs(30);
/// How long an immediate shutdown (SIGQUIT) may take; the postmaster itself SIGKILLs its
/// children after 5 s, so this is generous.
pub(crate) const IMMEDIATE_SHUTDOWN: Duration = Duration::from_secs(15);
/// Longest Unix-socket path PostgreSQL accepts (sizeof(sun_path) - 1 on Linux).
pub(crate) const MAX_SOCKET_PATH: usize = 107;
/// postgres.log is rotated to postgres.log.1 at start-up beyond this size, since
/// logging_collector is off and nothing else would bound it.
const LOG_ROTATE_BYTES: u64 = 10 * 1024 * 1024;
const POLL: Duration = Duration::from_millis(50);

/// The OS identity initdb and postgres run as when we are root (PostgreSQL refuses root).
#[derive(Debug, Clone)]
pub(crate) struct RunAs {
    pub name: String,
    pub uid: Uid,
    pub gid: Gid,
    pub home: PathBuf,
}

/// `Some(postgres user)` when we are root, `None` when we run PostgreSQL as ourselves.
pub(crate) fn run_as() -> Result<Option<RunAs>, EmbeddedError> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    match User::from_name("postgres") {
        Ok(Some(u)) => Ok(Some(RunAs {
            name: u.name,
            uid: u.uid,
            gid: u.gid,
            home: u.dir,
        })),
        Ok(None) => Err(EmbeddedError::NoPostgresUser),
        Err(e) => Err(EmbeddedError::Io {
            action: "look up the `postgres` OS user in",
            path: PathBuf::from("/etc/passwd"),
            source: e.into(),
        }),
    }
}

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> EmbeddedError {
    move |source| EmbeddedError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// Runs a child as the cluster's owner, from a folder that owner can enter (initdb resolves
/// paths from its working directory, which may be an unreadable /root otherwise).
fn configure(cmd: &mut tokio::process::Command, cwd: &Path, run_as: Option<&RunAs>) {
    cmd.current_dir(cwd).stdin(Stdio::null());
    if let Some(ra) = run_as {
        // std clears supplementary groups when it drops root through uid(), so the child
        // keeps no root group.
        cmd.uid(ra.uid.as_raw())
            .gid(ra.gid.as_raw())
            .env("HOME", &ra.home)
            .env("USER", &ra.name)
            .env("LOGNAME", &ra.name);
    }
}

/// Takes the supervisor lock `DIR/podium.lock` for as long as the returned file lives. The
/// kernel drops it when Podium dies, even by SIGKILL, which is what lets a later start tell an
/// orphaned postmaster (lock free) from one a live Podium still supervises (lock held).
pub(crate) fn lock_dir(dir: &Path) -> Result<File, EmbeddedError> {
    let path = dir.join("podium.lock");
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .map_err(io_err("open the lock file", &path))?;
    match file.try_lock() {
        Ok(()) => {
            // The pid is only informative, for the "in use" message of a competing start.
            let pid = std::process::id();
            file.set_len(0)
                .and_then(|()| file.write_all(format!("{pid}\n").as_bytes()))
                .map_err(io_err("write the lock file", &path))?;
            Ok(file)
        }
        Err(fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            Err(EmbeddedError::InUse {
                dir: dir.to_path_buf(),
                holder: if holder.is_empty() {
                    "unknown".to_owned()
                } else {
                    holder.to_owned()
                },
            })
        }
        Err(fs::TryLockError::Error(e)) => Err(EmbeddedError::Io {
            action: "lock",
            path,
            source: e,
        }),
    }
}

/// When we run PostgreSQL as ourselves, checks that DIR and its cluster are ours: PostgreSQL
/// refuses a data dir of another owner, and we could not take it over anyway. Runs before the
/// lock is taken so the operator gets this explanation, not a bare "Permission denied".
pub(crate) fn check_owner(dir: &Path, run_as: Option<&RunAs>) -> Result<(), EmbeddedError> {
    if run_as.is_some() {
        return Ok(());
    }
    let me = nix::unistd::geteuid().as_raw();
    for path in [dir.to_path_buf(), dir.join("pgdata")] {
        match fs::symlink_metadata(&path) {
            Ok(m) if m.uid() != me => {
                return Err(EmbeddedError::WrongOwner {
                    path,
                    owner: m.uid(),
                    uid: me,
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// Makes DIR private and owned by whoever runs PostgreSQL: the socket there accepts trust
/// authentication, so only that user (and root) may reach it. As root, everything in DIR is
/// handed to the postgres user (the cluster recursively, when it came from a non-root run).
pub(crate) fn prepare_dir(dir: &Path, run_as: Option<&RunAs>) -> Result<(), EmbeddedError> {
    let meta = fs::metadata(dir).map_err(io_err("inspect", dir))?;
    if let Some(ra) = run_as {
        check_reachable(dir, ra)?;
        let pgdata = dir.join("pgdata");
        for entry in fs::read_dir(dir).map_err(io_err("list", dir))? {
            let entry = entry.map_err(io_err("list", dir))?;
            let path = entry.path();
            if path == pgdata {
                let m = fs::symlink_metadata(&path).map_err(io_err("inspect", &path))?;
                if m.uid() != ra.uid.as_raw() {
                    debug!(path = %path.display(), user = %ra.name, "changing the owner of the cluster recursively");
                    chown_tree(&path, ra)?;
                }
            } else {
                chown_one(&path, ra)?;
            }
        }
        chown_one(dir, ra)?;
    }
    if meta.permissions().mode() & 0o077 != 0 {
        debug!(dir = %dir.display(), "making the embedded PostgreSQL folder private (0700)");
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
            .map_err(io_err("set mode 0700 on", dir))?;
    }
    Ok(())
}

fn chown_one(path: &Path, ra: &RunAs) -> Result<(), EmbeddedError> {
    let m = fs::symlink_metadata(path).map_err(io_err("inspect", path))?;
    if m.uid() != ra.uid.as_raw() || m.gid() != ra.gid.as_raw() {
        // lchown: a symlink inside the cluster must not redirect the chown elsewhere.
        std::os::unix::fs::lchown(path, Some(ra.uid.as_raw()), Some(ra.gid.as_raw()))
            .map_err(io_err("change the owner of", path))?;
    }
    Ok(())
}

fn chown_tree(path: &Path, ra: &RunAs) -> Result<(), EmbeddedError> {
    chown_one(path, ra)?;
    let m = fs::symlink_metadata(path).map_err(io_err("inspect", path))?;
    if m.is_dir() {
        for entry in fs::read_dir(path).map_err(io_err("list", path))? {
            let entry = entry.map_err(io_err("list", path))?;
            chown_tree(&entry.path(), ra)?;
        }
    }
    Ok(())
}

/// Where clusters go whose folder the postgres user cannot reach (a clone in root's home, mode
/// 700, is the usual case): one folder per requested path, so each keeps its own cluster.
pub(crate) const RELOCATION_ROOT: &str = "/var/lib/podium/embedded";
/// Left in the requested folder to say where its cluster went.
pub(crate) const RELOCATED_NOTE: &str = "CLUSTER-IS-ELSEWHERE.txt";

/// The folder the cluster of DIR lives in: DIR itself when the postgres user can reach it (and
/// no earlier run moved the cluster), else a folder of its own under `RELOCATION_ROOT`, noted
/// in DIR and in the log, so `make run` works from any clone instead of stopping.
pub(crate) fn reachable_dir(dir: &Path, ra: &RunAs) -> Result<PathBuf, EmbeddedError> {
    let alt = relocated(dir);
    let blocked = match check_reachable(dir, ra) {
        Ok(()) if !alt.join("pgdata").exists() => return Ok(dir.to_path_buf()),
        Ok(()) => None,
        Err(EmbeddedError::DirNotReachable { blocker, .. }) => Some(blocker),
        Err(e) => return Err(e),
    };
    DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(alt.parent().unwrap_or(Path::new(RELOCATION_ROOT)))
        .map_err(io_err("create", Path::new(RELOCATION_ROOT)))?;
    fs::create_dir_all(&alt).map_err(io_err("create", &alt))?;
    check_reachable(&alt, ra)?;
    let why = match &blocked {
        Some(b) => format!(
            "the `{}` user cannot reach it ({} is not searchable)",
            ra.name,
            b.display()
        ),
        None => "an earlier run put it there".to_owned(),
    };
    let note = format!(
        "The embedded PostgreSQL cluster of this folder lives in {}: {why}.\n",
        alt.display()
    );
    fs::write(dir.join(RELOCATED_NOTE), note).map_err(io_err("write a note in", dir))?;
    warn!(
        requested = %dir.display(),
        cluster = %alt.display(),
        "the embedded PostgreSQL cluster lives in {} because {why}",
        alt.display()
    );
    Ok(alt)
}

/// `RELOCATION_ROOT/<folder name>-<hash of the path>`.
fn relocated(dir: &Path) -> PathBuf {
    // FNV-1a: stable across releases and platforms (std's hasher is not).
    let hash = dir
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
    // Named after the project folder (DIR is <project>/data/postgres by default).
    let name: String = dir
        .ancestors()
        .nth(2)
        .and_then(Path::file_name)
        .map(|n| {
            n.to_string_lossy()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .take(40)
                .collect()
        })
        .unwrap_or_default();
    Path::new(RELOCATION_ROOT).join(format!("{name}-{hash:016x}"))
}

/// Checks by mode bits that the postgres user can traverse every ancestor of DIR; otherwise
/// initdb and postgres fail with a less helpful "Permission denied". ACLs are not consulted.
fn check_reachable(dir: &Path, ra: &RunAs) -> Result<(), EmbeddedError> {
    for ancestor in dir.ancestors().skip(1) {
        let Ok(m) = fs::metadata(ancestor) else {
            continue;
        };
        let mode = m.permissions().mode();
        let ok = if m.uid() == ra.uid.as_raw() {
            mode & 0o100 != 0
        } else if m.gid() == ra.gid.as_raw() {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        };
        if !ok {
            return Err(EmbeddedError::DirNotReachable {
                dir: dir.to_path_buf(),
                blocker: ancestor.to_path_buf(),
            });
        }
    }
    Ok(())
}

/// Opens DIR/postgres.log for appending (rotating an oversized one first); initdb's and
/// postgres's output go there.
pub(crate) fn open_log(path: &Path, run_as: Option<&RunAs>) -> Result<File, EmbeddedError> {
    if fs::metadata(path).is_ok_and(|m| m.len() > LOG_ROTATE_BYTES) {
        let old = path.with_extension("log.1");
        debug!(log = %path.display(), "rotating postgres.log");
        fs::rename(path, &old).map_err(io_err("rotate", path))?;
    }
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)
        .map_err(io_err("open the log file", path))?;
    if let Some(ra) = run_as {
        chown_one(path, ra)?;
    }
    Ok(file)
}

/// Opening of the marker line written before each run of initdb or postgres.
const START_MARKER: &str = "--- podium: ";

/// Writes a marker line so that the tail shown on failure starts at this run.
pub(crate) fn log_marker(log: &mut File, what: &str) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let _ = writeln!(log, "{START_MARKER}{what} (unix time {secs}) ---");
}

/// The last `lines` lines of a log file, for error messages.
pub(crate) fn log_tail(path: &Path, lines: usize) -> String {
    let Ok(mut file) = File::open(path) else {
        return format!("(could not read {})", path.display());
    };
    // Only the end matters; 64 KiB holds far more than 20 lines of PostgreSQL output.
    let len = file.metadata().map_or(0, |m| m.len());
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)));
    let mut buf = Vec::new();
    let _ = file.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    // Only this run's lines: earlier runs' output would mislead.
    let text = text.rfind(START_MARKER).map_or(&*text, |i| &text[i..]);
    last_lines(text, lines)
}

fn last_lines(text: &str, n: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(n)..].join("\n")
}

/// Creates a new cluster in `pgdata`. initdb works in a staging folder renamed into place on
/// success, so `pgdata` is either a complete cluster or absent, even if we are killed midway.
pub(crate) async fn initdb(
    bins: &Binaries,
    dir: &Path,
    pgdata: &Path,
    log: &mut File,
    run_as: Option<&RunAs>,
) -> Result<(), EmbeddedError> {
    let staging = dir.join("pgdata.initdb");
    if staging.exists() {
        // Left by an interrupted initdb: it never held data.
        debug!(path = %staging.display(), "removing an unfinished initdb folder");
        fs::remove_dir_all(&staging).map_err(io_err("remove", &staging))?;
    }
    log_marker(log, &format!("initdb of PostgreSQL {}", bins.version));
    let started = Instant::now();
    for locale in ["C.UTF-8", "C"] {
        let mut cmd = tokio::process::Command::new(bins.initdb());
        cmd.arg("-D")
            .arg(&staging)
            .args(["-U", "postgres", "--auth=trust", "--encoding=UTF8"])
            .arg(format!("--locale={locale}"))
            .args(["--data-checksums", "--no-instructions"]);
        configure(&mut cmd, dir, run_as);
        let out = cmd.output().await.map_err(|source| EmbeddedError::Spawn {
            program: bins.initdb(),
            source,
        })?;
        let _ = log.write_all(&out.stdout);
        let _ = log.write_all(&out.stderr);
        if out.status.success() {
            fs::rename(&staging, pgdata).map_err(io_err("move the new cluster into", pgdata))?;
            info!(
                data_dir = %pgdata.display(),
                locale,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "created the embedded PostgreSQL cluster"
            );
            return Ok(());
        }
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let _ = fs::remove_dir_all(&staging);
        // initdb says `invalid locale name "C.UTF-8"` where the C.UTF-8 locale is missing
        // (older glibc without it built in, minimal images).
        if locale != "C" && text.contains("invalid locale") {
            debug!("initdb rejected locale {locale}; falling back to C");
            continue;
        }
        return Err(EmbeddedError::InitdbFailed {
            data_dir: pgdata.to_path_buf(),
            status: out.status,
            output: last_lines(&text, 20),
        });
    }
    unreachable!("the loop returns on its last locale")
}

/// Creates a private socket folder under /tmp for when DIR is too deep for a Unix socket path.
pub(crate) fn short_socket_dir(run_as: Option<&RunAs>) -> Result<PathBuf, EmbeddedError> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    for attempt in 0u32..100 {
        let path = PathBuf::from(format!(
            "/tmp/podium-pg-{}-{:x}",
            std::process::id(),
            nanos.wrapping_add(attempt)
        ));
        // create (not create_all) fails on an existing path, so a folder planted by another
        // user is never adopted.
        match DirBuilder::new().mode(0o700).create(&path) {
            Ok(()) => {
                if let Some(ra) = run_as {
                    chown_one(&path, ra)?;
                }
                return Ok(path);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(io_err("create the socket folder", &path)(e)),
        }
    }
    Err(EmbeddedError::Io {
        action: "find a free name for a socket folder in",
        path: PathBuf::from("/tmp"),
        source: io::Error::from(io::ErrorKind::AlreadyExists),
    })
}

/// The interesting lines of `postmaster.pid`.
#[derive(Debug)]
pub(crate) struct PidFile {
    pub pid: i32,
    /// Line 8: `starting`, `ready`, `stopping` or `standby` (padded with blanks on disk).
    pub status: Option<String>,
}

pub(crate) fn read_pid_file(pgdata: &Path) -> Option<PidFile> {
    let text = fs::read_to_string(pgdata.join("postmaster.pid")).ok()?;
    let mut lines = text.lines();
    let pid = lines.next()?.trim().parse().ok()?;
    let status = lines.nth(6).map(|s| s.trim().to_owned());
    Some(PidFile { pid, status })
}

/// Whether `pid` runs; a zombie counts as gone (its parent, maybe not us, has yet to reap it).
fn alive(pid: Pid) -> bool {
    match kill(pid, None) {
        Ok(()) => !is_zombie(pid),
        Err(Errno::EPERM) => true,
        Err(_) => false,
    }
}

fn is_zombie(pid: Pid) -> bool {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    // The command name in parentheses may hold blanks; the state follows the last ')'.
    stat.rfind(')')
        .and_then(|i| stat[i + 1..].split_whitespace().next())
        .is_some_and(|state| state == "Z")
}

/// Whether `pid` is a postgres process working in `pgdata`: the postmaster chdirs into its data
/// dir, so its cwd tells clusters apart where a recycled pid might mislead.
fn is_postmaster_of(pid: Pid, pgdata: &Path) -> bool {
    let comm = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    if comm.trim() != "postgres" {
        return false;
    }
    let Ok(cwd) = fs::read_link(format!("/proc/{pid}/cwd")) else {
        return false;
    };
    let ours = fs::canonicalize(pgdata).unwrap_or_else(|_| pgdata.to_path_buf());
    cwd == ours
}

async fn wait_gone(pid: Pid, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if !alive(pid) {
            return true;
        }
        tokio::time::sleep(POLL).await;
    }
    !alive(pid)
}

/// Stops a postmaster left running on `pgdata` by an earlier Podium that died without
/// stopping it. Called with the supervisor lock held, so no live Podium owns it. A stale
/// `postmaster.pid` naming a dead or unrelated process is left alone: PostgreSQL checks it
/// itself, including for old backends still attached to shared memory.
pub(crate) async fn stop_orphan(pgdata: &Path) -> Result<(), EmbeddedError> {
    let Some(pf) = read_pid_file(pgdata) else {
        return Ok(());
    };
    if pf.pid <= 0 || pf.pid as u32 == std::process::id() {
        return Ok(());
    }
    let pid = Pid::from_raw(pf.pid);
    if !alive(pid) {
        debug!(
            pid = pf.pid,
            "postmaster.pid names a process that is gone; PostgreSQL will clear it"
        );
        return Ok(());
    }
    if !is_postmaster_of(pid, pgdata) {
        debug!(
            pid = pf.pid,
            "postmaster.pid names a live process that is not this cluster's postmaster; leaving it alone"
        );
        return Ok(());
    }
    warn!(
        pid = pf.pid,
        data_dir = %pgdata.display(),
        "an earlier Podium left its PostgreSQL running; shutting it down before starting ours"
    );
    send(pid, Signal::SIGINT)?;
    if wait_gone(pid, FAST_SHUTDOWN).await {
        info!(pid = pf.pid, "stopped the orphaned PostgreSQL");
        return Ok(());
    }
    warn!(
        pid = pf.pid,
        "the orphaned PostgreSQL did not stop within 30 s; sending SIGQUIT"
    );
    send(pid, Signal::SIGQUIT)?;
    if wait_gone(pid, IMMEDIATE_SHUTDOWN).await {
        info!(
            pid = pf.pid,
            "stopped the orphaned PostgreSQL (immediate shutdown)"
        );
        return Ok(());
    }
    Err(EmbeddedError::OrphanStuck {
        pid: pf.pid,
        data_dir: pgdata.to_path_buf(),
    })
}

fn send(pid: Pid, signal: Signal) -> Result<(), EmbeddedError> {
    match kill(pid, signal) {
        Ok(()) | Err(Errno::ESRCH) => Ok(()),
        Err(source) => Err(EmbeddedError::Signal {
            pid: pid.as_raw(),
            signal,
            source,
        }),
    }
}

/// Lifecycle of our postmaster, shared with its supervisor task to decide how loudly to report
/// an exit.
pub(crate) mod state {
    pub const STARTING: u8 = 0;
    pub const RUNNING: u8 = 1;
    pub const STOPPING: u8 = 2;
    /// Handed off without stopping (simulated crash); its exit is nobody's concern.
    pub const ABANDONED: u8 = 3;
}

/// How the postmaster child ended, as seen by its supervisor task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    Running,
    Exited(ExitStatus),
    /// waitpid failed; the process is gone from our point of view.
    Lost,
}

/// Our postmaster child. A tokio task owns the `Child` and is the only one to reap it; signals
/// go through that task, so a pid is never signalled after it was reaped (and maybe reused).
#[derive(Debug)]
pub(crate) struct Postmaster {
    pub pid: u32,
    pub state: Arc<AtomicU8>,
    signals: mpsc::UnboundedSender<Signal>,
    pub exit: watch::Receiver<Exit>,
}

/// Spawns `postgres -D pgdata -c k=v…` as a direct child in its own process group (so a
/// Ctrl-C at the terminal reaches Podium only, which then stops PostgreSQL in order).
pub(crate) fn spawn_postmaster(
    bins: &Binaries,
    dir: &Path,
    pgdata: &Path,
    settings: &[(String, String)],
    log: &File,
    log_path: &Path,
    run_as: Option<&RunAs>,
) -> Result<Postmaster, EmbeddedError> {
    let mut cmd = tokio::process::Command::new(bins.postgres());
    cmd.arg("-D").arg(pgdata);
    for (name, value) in settings {
        cmd.arg("-c").arg(format!("{name}={value}"));
    }
    let out = log
        .try_clone()
        .map_err(io_err("reuse the log file", log_path))?;
    let err = log
        .try_clone()
        .map_err(io_err("reuse the log file", log_path))?;
    configure(&mut cmd, dir, run_as);
    cmd.stdout(out)
        .stderr(err)
        .process_group(0)
        .kill_on_drop(false);
    let child = cmd.spawn().map_err(|source| EmbeddedError::Spawn {
        program: bins.postgres(),
        source,
    })?;
    let pid = child.id().expect("a just-spawned child has a pid");
    let state = Arc::new(AtomicU8::new(state::STARTING));
    let (signals, signal_rx) = mpsc::unbounded_channel();
    let (exit_tx, exit) = watch::channel(Exit::Running);
    tokio::spawn(supervise(
        child,
        signal_rx,
        exit_tx,
        state.clone(),
        log_path.to_path_buf(),
    ));
    debug!(pid, "spawned postgres");
    Ok(Postmaster {
        pid,
        state,
        signals,
        exit,
    })
}

async fn supervise(
    mut child: tokio::process::Child,
    mut signals: mpsc::UnboundedReceiver<Signal>,
    exit_tx: watch::Sender<Exit>,
    state: Arc<AtomicU8>,
    log_path: PathBuf,
) {
    let pid = child.id().unwrap_or_default();
    let mut handle_alive = true;
    let result = loop {
        tokio::select! {
            status = child.wait() => break status,
            sig = signals.recv(), if handle_alive => match sig {
                // id() is None once reaped, which only this task does: no recycled-pid risk.
                Some(sig) => if let Some(id) = child.id() {
                    debug!(pid = id, signal = %sig, "signalling postgres");
                    if let Err(e) = kill(Pid::from_raw(id as i32), sig) {
                        warn!(pid = id, signal = %sig, "could not signal postgres: {e}");
                    }
                },
                None => handle_alive = false,
            },
        }
    };
    let exit = match result {
        Ok(status) => {
            if state.load(Ordering::SeqCst) == state::RUNNING {
                error!(
                    pid,
                    %status,
                    log = %log_path.display(),
                    "the embedded PostgreSQL exited unexpectedly; the database is unavailable until Podium restarts (see its log file)"
                );
            } else {
                debug!(pid, %status, "postgres exited");
            }
            Exit::Exited(status)
        }
        Err(e) => {
            error!(pid, "could not wait for the embedded PostgreSQL: {e}");
            Exit::Lost
        }
    };
    exit_tx.send_replace(exit);
}

impl Postmaster {
    pub fn exit_state(&self) -> Exit {
        *self.exit.borrow()
    }

    /// Signals the postmaster, through the supervisor task while it lives.
    pub fn signal(&self, sig: Signal) {
        if self.exit_state() != Exit::Running {
            return;
        }
        if self.signals.send(sig).is_err() {
            // The task is gone only if the runtime shut down; the child was not reaped by it,
            // so its pid still names it.
            let _ = kill(Pid::from_raw(self.pid as i32), sig);
        }
    }

    /// Signals the postmaster directly, for `Drop`: a message to the supervisor task would be
    /// lost if the runtime shuts down right after (as when a panic unwinds a test). The pid
    /// cannot have been recycled yet: the task publishes the exit in the same poll that
    /// reaps the child.
    pub fn signal_now(&self, sig: Signal) {
        if self.exit_state() == Exit::Running {
            let _ = kill(Pid::from_raw(self.pid as i32), sig);
        }
    }

    /// Waits up to `timeout` for the postmaster to exit; true if it did.
    pub async fn wait_exit(&self, timeout: Duration) -> bool {
        let mut rx = self.exit.clone();
        // Reduce the watch guard to a bool first: it must not live across the await below.
        let waited = tokio::time::timeout(timeout, rx.wait_for(|e| *e != Exit::Running))
            .await
            .map(|r| r.is_ok());
        match waited {
            Ok(true) => true,
            // Supervisor gone without a verdict: look at the process itself.
            Ok(false) => wait_gone(Pid::from_raw(self.pid as i32), timeout).await,
            Err(_) => false,
        }
    }

    /// Fast shutdown, escalating to immediate shutdown and at last SIGKILL; Ok if it stopped
    /// in an orderly way (or was already gone).
    pub async fn shutdown(&self, log_path: &Path) -> Result<(), EmbeddedError> {
        self.signal(Signal::SIGINT);
        if self.wait_exit(FAST_SHUTDOWN).await {
            return Ok(());
        }
        warn!(
            pid = self.pid,
            "PostgreSQL did not stop within 30 s; sending SIGQUIT (immediate shutdown, crash recovery at next start)"
        );
        self.signal(Signal::SIGQUIT);
        if self.wait_exit(IMMEDIATE_SHUTDOWN).await {
            return Ok(());
        }
        error!(pid = self.pid, "PostgreSQL ignored SIGQUIT; killing it");
        self.signal(Signal::SIGKILL);
        self.wait_exit(Duration::from_secs(5)).await;
        Err(EmbeddedError::StopTimedOut {
            pid: self.pid,
            log: log_path.to_path_buf(),
        })
    }

    /// Waits until the postmaster accepts connections: its `postmaster.pid` names it and says
    /// `ready`, and the socket takes a connection. The error is a short reason.
    pub async fn wait_ready(
        &self,
        pgdata: &Path,
        socket_file: &Path,
        timeout: Duration,
    ) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        let mut exit = self.exit.clone();
        loop {
            match *exit.borrow_and_update() {
                Exit::Running => {}
                Exit::Exited(status) => {
                    return Err(format!("postgres exited during start-up ({status})"));
                }
                Exit::Lost => return Err("postgres could not be waited for".to_owned()),
            }
            let ready = read_pid_file(pgdata).is_some_and(|pf| {
                pf.pid == self.pid as i32 && pf.status.as_deref() == Some("ready")
            });
            // Connecting and closing without a startup packet is not logged by PostgreSQL 13+.
            if ready && tokio::net::UnixStream::connect(socket_file).await.is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "it did not accept connections within {} s",
                    timeout.as_secs()
                ));
            }
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = exit.changed() => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_lines_keeps_the_end() {
        assert_eq!(last_lines("a\nb\nc\n", 2), "b\nc");
        assert_eq!(last_lines("a", 5), "a");
        assert_eq!(last_lines("", 5), "");
    }

    #[test]
    fn reads_postmaster_pid() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("postmaster.pid"),
            "4242\n/data\n1700000000\n5432\n/sock\n\n  1234   5678\nready   \n",
        )
        .unwrap();
        let pf = read_pid_file(dir.path()).unwrap();
        assert_eq!(pf.pid, 4242);
        assert_eq!(pf.status.as_deref(), Some("ready"));
    }

    #[test]
    fn own_process_is_alive_and_not_a_postmaster() {
        let me = Pid::this();
        assert!(alive(me));
        assert!(!is_postmaster_of(me, Path::new("/")));
    }
}
