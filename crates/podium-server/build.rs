//! Stamps the binary with its git commit and build time for `/version` and `podium version`.
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    // A build from a tarball or a container passes the commit in (there is no .git there).
    let given = std::env::var("PODIUM_GIT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty() && c != "unknown");
    let commit = given.unwrap_or_else(|| git_commit().unwrap_or_else(|| "unknown".to_owned()));
    let built = Command::new("date")
        .args(["-u", "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=PODIUM_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=PODIUM_BUILD_TIME={built}");
    println!("cargo:rerun-if-env-changed=PODIUM_GIT_COMMIT");
    // Only paths that exist are watched: cargo reruns the script (and rebuilds the server) on
    // every build when a watched path is missing, as `../../.git/HEAD` is in a git worktree
    // (where `.git` is a file) or in a copy of the tree without `.git`.
    for path in git_files() {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    // Release builds embed web/dist (rust-embed): rebuild when a new build of it lands. Debug
    // builds read web/dist from disk at run time, and a watched folder is scanned recursively,
    // so watching web/ there would rebuild the server whenever Vite or npm touched a file.
    if std::env::var("PROFILE").as_deref() == Ok("release") {
        for path in ["../../web", "../../web/dist", "../../web/dist/index.html"] {
            if Path::new(path).exists() {
                println!("cargo:rerun-if-changed={path}");
            }
        }
    }
}

fn git_commit() -> Option<String> {
    git(&["rev-parse", "--short=12", "HEAD"])
}

/// The files whose change means another commit: HEAD (it names the branch, and is per
/// worktree), the branch's loose ref and packed-refs (a commit moves the ref, not HEAD; both
/// live in the common git folder). Git itself says where they are, for worktrees too.
fn git_files() -> Vec<PathBuf> {
    let Some(head) = git(&["rev-parse", "--git-path", "HEAD"]).map(PathBuf::from) else {
        return Vec::new();
    };
    let mut files = vec![head.clone()];
    if let Ok(text) = std::fs::read_to_string(&head)
        && let Some(branch) = text.trim().strip_prefix("ref: ")
    {
        files.extend(git(&["rev-parse", "--git-path", branch]).map(PathBuf::from));
        files.extend(git(&["rev-parse", "--git-path", "packed-refs"]).map(PathBuf::from));
    }
    files.retain(|p| p.exists());
    files
}

/// Runs git in the crate's folder (a build script's working directory); None when git is
/// missing or this is not a repository.
fn git(args: &[&str]) -> Option<String> {
    Command::new("git")
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|s| !s.is_empty())
}
