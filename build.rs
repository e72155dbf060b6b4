//! Build script: records the commit evotune is built from, so that a run's manifest can say which
//! code produced its numbers even when the binary runs from another checkout.

use std::process::Command;

fn main() {
    for path in [
        "src",
        "kernel_templates",
        "report_templates",
        ".git/HEAD",
        ".git/index",
    ] {
        println!("cargo:rerun-if-changed={path}");
    }
    println!("cargo:rustc-env=EVOTUNE_BUILD_COMMIT={}", build_commit());
}

/// `git rev-parse --short=12 HEAD`, with "-dirty" when tracked files differ from it; "unknown"
/// outside a git checkout or without git.
fn build_commit() -> String {
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    let Some(head) = git(&["rev-parse", "--short=12", "HEAD"]).filter(|h| !h.is_empty()) else {
        return "unknown".into();
    };
    match git(&["status", "--porcelain", "--untracked-files=no"]) {
        Some(changes) if changes.is_empty() => head,
        Some(_) => format!("{head}-dirty"),
        None => format!("{head}-unknown-state"),
    }
}
