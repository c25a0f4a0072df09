//! Stamps the binary with its git commit and build time for `/version` and `podium version`.
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
    // HEAD names the branch; a commit moves the branch's ref (loose, or packed), not HEAD.
    println!("cargo:rerun-if-changed=../../.git/HEAD");
    if let Ok(head) = std::fs::read_to_string("../../.git/HEAD")
        && let Some(branch) = head.trim().strip_prefix("ref: ")
    {
        for path in [
            format!("../../.git/{branch}"),
            "../../.git/packed-refs".to_owned(),
        ] {
            if std::path::Path::new(&path).exists() {
                println!("cargo:rerun-if-changed={path}");
            }
        }
    }
    println!("cargo:rerun-if-env-changed=PODIUM_GIT_COMMIT");
    // The web UI is embedded in release builds: rebuild when a new build of it lands. Only
    // existing paths are watched (cargo would rerun this script on every build otherwise).
    for path in ["../../web", "../../web/dist", "../../web/dist/index.html"] {
        if std::path::Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}

fn git_commit() -> Option<String> {
    Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
}
