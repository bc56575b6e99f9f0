//! `cargo xtask bench <target>`: runs a crate's benchmarks in release mode. Each benchmark prints its
//! figures next to a baseline measured in the same run, and the ratio (these machines are noisy, so
//! absolute numbers alone mean little).

use std::process::{Command, Stdio};

/// Which crate holds the benchmarks of each target.
const TARGETS: &[(&str, &str, &str)] = &[
    (
        "crypto",
        "snap-crypto",
        "signature paths vs bare ring calls, minify throughput",
    ),
    (
        "qris",
        "snap-qris",
        "parse, parse+validate and encode ns per payload",
    ),
    (
        "http",
        "snap-http",
        "verifying service vs bare hyper on loopback",
    ),
    (
        "receive",
        "snapbi",
        "in-memory vs redb vs PostgreSQL (two receivers) notification acceptance",
    ),
];

/// Runs `cargo bench -p <crate>` for the named target. `receive` gets a private PostgreSQL
/// cluster for its PostgreSQL side unless `SNAP_BENCH_DATABASE_URL` names a database already.
pub(crate) fn run(target: &str) -> Result<(), String> {
    let Some((_, package, _)) = TARGETS.iter().find(|(name, _, _)| *name == target) else {
        let known: Vec<String> = TARGETS
            .iter()
            .map(|(n, _, what)| format!("  {n:8} {what}"))
            .collect();
        return Err(format!(
            "unknown bench target {target:?}; one of:\n{}",
            known.join("\n")
        ));
    };
    if target == "receive" && std::env::var_os("SNAP_BENCH_DATABASE_URL").is_none() {
        return with_private_postgres(|url| cargo_bench(package, Some(url)));
    }
    cargo_bench(package, None)
}

fn cargo_bench(package: &str, database: Option<&str>) -> Result<(), String> {
    let mut command = Command::new("cargo");
    command
        .args(["bench", "--locked", "-p", package])
        .current_dir(crate::workspace_root());
    if let Some(url) = database {
        command.env("SNAP_BENCH_DATABASE_URL", url);
    }
    let status = command
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo bench -p {package}` failed ({status})"))
    }
}

/// Runs `f` with the URL of a private PostgreSQL cluster (`.ci/postgres`) in a temporary
/// directory, stopped and removed afterwards.
fn with_private_postgres(f: impl FnOnce(&str) -> Result<(), String>) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("snap-bench-pg-{}", std::process::id()));
    let script = crate::workspace_root().join(".ci/postgres");
    let started = Command::new("bash")
        .arg(&script)
        .arg("start")
        .arg(&dir)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run .ci/postgres: {e}"))?;
    let result = if started.status.success() {
        f(String::from_utf8_lossy(&started.stdout).trim())
    } else {
        Err("could not start a private PostgreSQL cluster (.ci/postgres)".into())
    };
    let _ = Command::new("bash")
        .arg(&script)
        .arg("stop")
        .arg(&dir)
        .status();
    let _ = std::fs::remove_dir_all(&dir);
    result
}
