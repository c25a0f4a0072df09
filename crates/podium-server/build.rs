//! Stamps the binary with its git commit and build time for `/version` and `podium version`.
use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    let built = Command::new("date")
        .args(["-u", "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=PODIUM_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=PODIUM_BUILD_TIME={built}");
    println!("cargo:rerun-if-changed=../../.git/HEAD");
    println!("cargo:rerun-if-env-changed=PODIUM_GIT_COMMIT");
    // The web UI is embedded in release builds: rebuild when a new build of it lands. Only
    // existing paths are watched (cargo would rerun this script on every build otherwise).
    for path in ["../../web", "../../web/dist", "../../web/dist/index.html"] {
        if std::path::Path::new(path).exists() {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}
