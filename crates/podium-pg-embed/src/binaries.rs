//! Finding the PostgreSQL server binaries (initdb, postgres) for the embedded cluster, checking
//! their major version, and installing PostgreSQL through apt when the operator allows it.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};
use tracing::{debug, info, warn};

use super::EmbeddedError;

/// Oldest PostgreSQL major version the embedded cluster supports.
pub const MIN_MAJOR: u32 = 15;

/// Environment variable naming an explicit PostgreSQL bin dir.
pub const BIN_ENV: &str = "PODIUM_PG_BIN";

/// Where Debian and Ubuntu install each major version side by side.
const DEBIAN_ROOT: &str = "/usr/lib/postgresql";

/// A usable set of PostgreSQL server binaries.
#[derive(Debug, Clone)]
pub(crate) struct Binaries {
    pub bin_dir: PathBuf,
    pub major: u32,
    /// Full version as printed by `postgres --version`, e.g. `15.14`.
    pub version: String,
}

impl Binaries {
    pub fn initdb(&self) -> PathBuf {
        self.bin_dir.join("initdb")
    }

    pub fn postgres(&self) -> PathBuf {
        self.bin_dir.join("postgres")
    }
}

/// Finds the bin dir of a PostgreSQL 15+ installation holding `initdb` and `postgres`.
///
/// Order: `explicit`, then `$PODIUM_PG_BIN`, then the newest `/usr/lib/postgresql/N/bin`,
/// then `pg_config --bindir`. An explicit dir (argument or variable) that is unusable is an
/// error of its own rather than a reason to look elsewhere, so a typo is not silently ignored.
pub fn find_binaries(explicit: Option<&Path>) -> Result<PathBuf, EmbeddedError> {
    locate(explicit, None).map(|b| b.bin_dir)
}

/// Like [`find_binaries`], but prefers `prefer_major` among the discovered installations, so
/// an existing cluster keeps running on the major version that created it.
pub(crate) fn locate(
    explicit: Option<&Path>,
    prefer_major: Option<u32>,
) -> Result<Binaries, EmbeddedError> {
    if let Some(dir) = explicit {
        return probe(dir).map_err(|reason| EmbeddedError::BadBinDir {
            dir: dir.to_path_buf(),
            origin: "set in the configuration",
            reason,
        });
    }
    if let Some(dir) = std::env::var_os(BIN_ENV).filter(|v| !v.is_empty()) {
        let dir = PathBuf::from(dir);
        return probe(&dir).map_err(|reason| EmbeddedError::BadBinDir {
            dir,
            origin: "set by PODIUM_PG_BIN",
            reason,
        });
    }

    let mut notes = Vec::new();
    let mut candidates = debian_bin_dirs();
    if candidates.is_empty() {
        notes.push(format!("no {DEBIAN_ROOT}/N/bin with N >= {MIN_MAJOR}"));
    }
    if let Some(major) = prefer_major {
        // Stable sort: the preferred major first, the others keep newest-first order.
        candidates.sort_by_key(|(m, _)| *m != major);
    }
    for (_, dir) in candidates {
        match probe(&dir) {
            Ok(found) => {
                debug!(bin_dir = %found.bin_dir.display(), version = %found.version, "found PostgreSQL binaries");
                return Ok(found);
            }
            Err(reason) => notes.push(format!("{}: {reason}", dir.display())),
        }
    }

    match pg_config_bindir() {
        Some(dir) => match probe(&dir) {
            Ok(found) => {
                debug!(bin_dir = %found.bin_dir.display(), version = %found.version, "found PostgreSQL binaries through pg_config");
                return Ok(found);
            }
            Err(reason) => notes.push(format!("pg_config --bindir {}: {reason}", dir.display())),
        },
        None => notes.push("no pg_config on PATH".to_owned()),
    }
    Err(EmbeddedError::PostgresNotFound {
        detail: notes.join("; "),
    })
}

/// `/usr/lib/postgresql/N/bin` for every numeric N >= 15, newest first. Scanning (rather than a
/// fixed list) keeps future majors working without a code change.
fn debian_bin_dirs() -> Vec<(u32, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(DEBIAN_ROOT) else {
        return Vec::new();
    };
    let mut dirs: Vec<(u32, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let major: u32 = e.file_name().to_str()?.parse().ok()?;
            (major >= MIN_MAJOR).then(|| (major, e.path().join("bin")))
        })
        .collect();
    dirs.sort_by_key(|(major, _)| std::cmp::Reverse(*major));
    dirs
}

fn pg_config_bindir() -> Option<PathBuf> {
    let out = std::process::Command::new("pg_config")
        .arg("--bindir")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let dir = String::from_utf8(out.stdout).ok()?;
    let dir = dir.trim();
    (!dir.is_empty()).then(|| PathBuf::from(dir))
}

/// Checks that `dir` holds executable `initdb` and `postgres` of a supported major version;
/// the error is a short reason meant to be embedded in a larger message.
fn probe(dir: &Path) -> Result<Binaries, String> {
    if !dir.is_dir() {
        return Err("no such directory".to_owned());
    }
    for name in ["initdb", "postgres"] {
        let path = dir.join(name);
        match std::fs::metadata(&path) {
            Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => {}
            Ok(_) => return Err(format!("{name} is not an executable file")),
            Err(_) => return Err(format!("no {name} in it")),
        }
    }
    let postgres = dir.join("postgres");
    // `postgres --version` is answered before the refuse-to-run-as-root check, so it is safe
    // to run as whoever we are.
    let out = std::process::Command::new(&postgres)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", postgres.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let (major, version) = parse_version(&text)
        .ok_or_else(|| format!("cannot read the version from `postgres --version`: {text:?}"))?;
    if major < MIN_MAJOR {
        return Err(format!(
            "it is PostgreSQL {version}, {MIN_MAJOR} or newer is needed"
        ));
    }
    // Keep the path as given (not canonicalized): Debian's layout is what operators recognize.
    let bin_dir = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf())
    };
    Ok(Binaries {
        bin_dir,
        major,
        version,
    })
}

/// Parses `postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)` or `PostgreSQL 17beta1` into
/// (major, version).
pub(crate) fn parse_version(text: &str) -> Option<(u32, String)> {
    let rest = &text[text.find("PostgreSQL")? + "PostgreSQL".len()..];
    let version = rest
        .trim_start_matches(|c: char| c == ')' || c.is_whitespace())
        .split_whitespace()
        .next()?;
    let digits: String = version.chars().take_while(char::is_ascii_digit).collect();
    Some((digits.parse().ok()?, version.to_owned()))
}

/// Reads the major version of an existing cluster from `PG_VERSION`, if there is one.
pub(crate) fn cluster_major(pgdata: &Path) -> Option<u32> {
    std::fs::read_to_string(pgdata.join("PG_VERSION"))
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Whether we may install packages: as root directly, otherwise through passwordless sudo.
/// `Some(use_sudo)` when installing is possible.
async fn install_privilege() -> Option<bool> {
    if nix::unistd::geteuid().is_root() {
        return Some(false);
    }
    let sudo_ok = tokio::process::Command::new("sudo")
        .args(["-n", "true"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
        .is_ok_and(|s| s.success());
    sudo_ok.then_some(true)
}

/// Installs PostgreSQL with apt-get when we are root or have passwordless sudo. Returns
/// `Ok(false)` when we lack the privilege (the caller then reports the command to run).
pub(crate) async fn install_postgres() -> Result<bool, EmbeddedError> {
    let Some(sudo) = install_privilege().await else {
        warn!(
            "PostgreSQL is missing and cannot be installed automatically: not root and no passwordless sudo"
        );
        return Ok(false);
    };
    info!("PostgreSQL {MIN_MAJOR}+ not found; installing it with apt-get (this can take a minute)");
    run_apt(sudo, &["apt-get", "update"]).await?;
    // Debian 12 ships postgresql-15; newer releases only have their own major, reachable
    // through the `postgresql` metapackage.
    let package = if apt_has_package(sudo, "postgresql-15").await {
        "postgresql-15"
    } else {
        "postgresql"
    };
    run_apt(
        sudo,
        &[
            "apt-get",
            "install",
            "-y",
            "--no-install-recommends",
            package,
        ],
    )
    .await?;
    info!(package, "installed PostgreSQL");
    Ok(true)
}

async fn apt_has_package(sudo: bool, package: &str) -> bool {
    let mut cmd = privileged(sudo, &["apt-cache", "show", "--no-all-versions", package]);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    match cmd.output().await {
        Ok(out) => out.status.success() && !out.stdout.is_empty(),
        Err(_) => false,
    }
}

/// A command run as root: directly, or through `sudo -n env …` since sudo resets the
/// environment and we need DEBIAN_FRONTEND to keep apt from prompting.
fn privileged(sudo: bool, argv: &[&str]) -> tokio::process::Command {
    let mut cmd = if sudo {
        let mut c = tokio::process::Command::new("sudo");
        c.args(["-n", "env", "DEBIAN_FRONTEND=noninteractive"]);
        c.args(argv);
        c
    } else {
        let mut c = tokio::process::Command::new(argv[0]);
        c.args(&argv[1..]);
        c
    };
    cmd.env("DEBIAN_FRONTEND", "noninteractive");
    cmd
}

/// Runs an apt command, streaming its output line by line into our log so the operator sees
/// progress (and the reason of a failure) where the rest of Podium's log goes.
async fn run_apt(sudo: bool, argv: &[&str]) -> Result<(), EmbeddedError> {
    let command = format!("{}{}", if sudo { "sudo " } else { "" }, argv.join(" "));
    info!(%command, "running");
    let mut cmd = privileged(sudo, argv);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| EmbeddedError::InstallFailed {
        command: command.clone(),
        outcome: format!("could not be started: {e}"),
    })?;
    let stdout = child.stdout.take().map(|s| {
        tokio::spawn(async move {
            let mut lines = BufReader::new(s).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                info!(target: "podium_pg_embed::apt", "{line}");
            }
        })
    });
    let stderr = child.stderr.take().map(|s| {
        tokio::spawn(async move {
            let mut lines = BufReader::new(s).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                warn!(target: "podium_pg_embed::apt", "{line}");
            }
        })
    });
    let status = child.wait().await;
    for task in [stdout, stderr].into_iter().flatten() {
        let _ = task.await;
    }
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(EmbeddedError::InstallFailed {
            command,
            outcome: format!("failed ({s})"),
        }),
        Err(e) => Err(EmbeddedError::InstallFailed {
            command,
            outcome: format!("could not be waited for: {e}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions() {
        assert_eq!(
            parse_version("postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)\n"),
            Some((15, "15.14".to_owned()))
        );
        assert_eq!(
            parse_version("PostgreSQL 17beta1"),
            Some((17, "17beta1".to_owned()))
        );
        assert_eq!(
            parse_version("postgres (PostgreSQL) 9.6.24"),
            Some((9, "9.6.24".to_owned()))
        );
        assert_eq!(parse_version("something else"), None);
    }
}
