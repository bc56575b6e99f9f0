//! `cargo xtask bench <target>`: runs a crate's benchmarks in release mode. Each benchmark prints its
//! figures next to a baseline measured in the same run, and the ratio (these machines are noisy, so
//! absolute numbers alone mean little).

use crate::run_command;

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
        "durable vs in-memory notification acceptance",
    ),
];

/// Runs `cargo bench -p <crate>` for the named target.
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
    run_command("cargo", &["bench", "--locked", "-p", package])
}
