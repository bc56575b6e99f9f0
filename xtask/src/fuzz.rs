//! `cargo xtask fuzz [TARGET] [--seconds N | --runs N] [--merge]`: runs the cargo-fuzz targets of
//! fuzz/ on the stable toolchain.
//!
//! Installs cargo-fuzz at [`CARGO_FUZZ_VERSION`] when it is missing or another version, checks that
//! fuzz/Cargo.lock is current (`cargo fetch --locked`), builds every target once with `-s none`
//! (coverage-guided without a sanitizer: the crates forbid `unsafe`) and debug assertions, then runs
//! each target for `--seconds` (or `--runs` executions) from its committed corpus, writing what it
//! finds into a temporary
//! directory. A failing target stops the run with the input that failed and the command that
//! replays it. `--merge` folds what a run found into the committed corpus, minimised (the
//! campaign's way of keeping small corpora; a smoke run leaves the tree alone).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::workspace_root;

/// The cargo-fuzz release this project is fuzzed with.
const CARGO_FUZZ_VERSION: &str = "0.13.1";

/// Seconds per target when `--seconds` is not given (the CI smoke).
const DEFAULT_SECONDS: u64 = 25;

/// libFuzzer's limit for one input: a hang is a failure, not a stuck CI job.
const INPUT_TIMEOUT_SECS: u64 = 10;

/// What `cargo xtask fuzz` was asked to do.
struct Options {
    target: Option<String>,
    seconds: u64,
    /// Stop after this many executions instead of after `seconds` (a campaign).
    runs: Option<u64>,
    merge: bool,
}

fn parse_options(args: &[&str]) -> Result<Options, String> {
    let mut options = Options {
        target: None,
        seconds: DEFAULT_SECONDS,
        runs: None,
        merge: false,
    };
    let mut args = args.iter();
    while let Some(&arg) = args.next() {
        match arg {
            "--seconds" => {
                let value = args.next().ok_or("--seconds needs a number")?;
                options.seconds = value
                    .parse()
                    .map_err(|_| format!("--seconds {value:?} is not a whole number"))?;
            }
            "--runs" => {
                let value = args.next().ok_or("--runs needs a number")?;
                let runs = value
                    .parse()
                    .map_err(|_| format!("--runs {value:?} is not a whole number"))?;
                options.runs = Some(runs);
            }
            "--merge" => options.merge = true,
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag:?}")),
            target if options.target.is_none() => options.target = Some(target.to_owned()),
            extra => return Err(format!("one target at most, {extra:?} is a second")),
        }
    }
    Ok(options)
}

/// Runs `cargo xtask fuzz` with the arguments after `fuzz`.
pub(crate) fn run(args: &[&str]) -> Result<(), String> {
    let options = parse_options(args)?;
    let root = workspace_root();
    let fuzz_dir = root.join("fuzz");
    let all = targets(&fuzz_dir)?;
    let selected: Vec<String> = match &options.target {
        Some(t) if all.contains(t) => vec![t.clone()],
        Some(t) => {
            return Err(format!(
                "unknown fuzz target {t:?}; one of: {}",
                all.join(", ")
            ));
        }
        None => all,
    };
    ensure_cargo_fuzz()?;
    cargo(
        &root,
        &["fetch", "--locked", "--manifest-path", "fuzz/Cargo.toml"],
    )?;
    // One target builds alone (a campaign is not held up by another target's build); all of them
    // build in one cargo run.
    let only: Vec<&str> = options.target.iter().map(String::as_str).collect();
    cargo(&root, &fuzz_args("build", &only))?;
    for target in &selected {
        run_target(&root, target, &options)?;
    }
    Ok(())
}

/// The fuzz targets: the `[[bin]]` names of fuzz/Cargo.toml.
fn targets(fuzz_dir: &Path) -> Result<Vec<String>, String> {
    let manifest = fuzz_dir.join("Cargo.toml");
    let text = fs::read_to_string(&manifest)
        .map_err(|e| format!("cannot read {}: {e}", manifest.display()))?;
    let mut in_bin = false;
    let mut names = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_bin = line == "[[bin]]";
        } else if in_bin && let Some(value) = line.strip_prefix("name") {
            let name = value.trim_start().trim_start_matches('=').trim();
            names.push(name.trim_matches('"').to_owned());
        }
    }
    if names.is_empty() {
        return Err(format!("no [[bin]] targets in {}", manifest.display()));
    }
    Ok(names)
}

/// `cargo fuzz SUBCOMMAND` with the project's build settings: no sanitizer, debug assertions
/// (overflow checks too), fuzz/ as the fuzz directory and fuzz/target as the build directory
/// (whatever `CARGO_TARGET_DIR` says: the instrumented builds would evict the normal ones).
fn fuzz_args<'a>(subcommand: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "fuzz",
        subcommand,
        "--fuzz-dir",
        "fuzz",
        "--target-dir",
        "fuzz/target",
        "-s",
        "none",
        "-a",
    ];
    args.extend_from_slice(rest);
    args
}

fn ensure_cargo_fuzz() -> Result<(), String> {
    let installed = Command::new("cargo")
        .args(["fuzz", "--version"])
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned());
    if let Some(version) = &installed
        && version.split_whitespace().any(|w| w == CARGO_FUZZ_VERSION)
    {
        return Ok(());
    }
    eprintln!(
        "xtask: installing cargo-fuzz {CARGO_FUZZ_VERSION} (found: {})",
        installed.as_deref().map_or("none", str::trim)
    );
    cargo(
        &workspace_root(),
        &[
            "install",
            "cargo-fuzz",
            "--locked",
            "--version",
            CARGO_FUZZ_VERSION,
        ],
    )
}

/// Runs cargo in `dir`; cargo-fuzz builds with flags the stable compiler accepts only when it
/// is allowed nightly features, hence `RUSTC_BOOTSTRAP`.
fn cargo(dir: &Path, args: &[&str]) -> Result<(), String> {
    let status = Command::new("cargo")
        .args(args)
        .current_dir(dir)
        .env("RUSTC_BOOTSTRAP", "1")
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

/// A directory removed on drop unless kept (it holds the failing input).
struct ScratchDir {
    path: PathBuf,
    keep: bool,
}

impl ScratchDir {
    fn new(target: &str) -> Result<Self, String> {
        let path = std::env::temp_dir().join(format!("snap-fuzz-{target}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        for sub in ["new", "artifacts", "merged"] {
            fs::create_dir_all(path.join(sub))
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        }
        Ok(Self { path, keep: false })
    }
}

impl Drop for ScratchDir {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}

fn run_target(root: &Path, target: &str, options: &Options) -> Result<(), String> {
    let corpus = root.join("fuzz/corpus").join(target);
    fs::create_dir_all(&corpus).map_err(|e| format!("cannot create {}: {e}", corpus.display()))?;
    let mut scratch = ScratchDir::new(target)?;
    let new = scratch.path.join("new");
    let artifacts = scratch.path.join("artifacts");
    let log = scratch.path.join("fuzz.log");
    let (new_s, corpus_s) = (path_str(&new)?, path_str(&corpus)?);
    let artifact_prefix = format!("-artifact_prefix={}/", path_str(&artifacts)?);
    let limit = match options.runs {
        Some(runs) => format!("-runs={runs}"),
        None => format!("-max_total_time={}", options.seconds),
    };
    let timeout = format!("-timeout={INPUT_TIMEOUT_SECS}");
    let args = fuzz_args(
        "run",
        &[
            target,
            new_s,
            corpus_s,
            "--",
            &limit,
            &timeout,
            &artifact_prefix,
            "-print_final_stats=1",
        ],
    );
    match options.runs {
        Some(runs) => eprintln!("xtask: fuzzing {target} for {runs} executions"),
        None => eprintln!("xtask: fuzzing {target} for {} s", options.seconds),
    }
    let log_file = fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let status = Command::new("cargo")
        .args(&args)
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .stdout(Stdio::null())
        .stderr(log_file)
        .status()
        .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
    let output = fs::read_to_string(&log).unwrap_or_default();
    if !status.success() {
        scratch.keep = true;
        let tail: Vec<&str> = output.lines().rev().take(60).collect();
        eprintln!("{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
        let inputs: Vec<String> = fs::read_dir(&artifacts)
            .map(|dir| {
                dir.filter_map(Result::ok)
                    .map(|e| e.path().display().to_string())
                    .collect()
            })
            .unwrap_or_default();
        let replay = match inputs.first() {
            Some(input) => format!(
                "RUSTC_BOOTSTRAP=1 cargo fuzz run --fuzz-dir fuzz --target-dir fuzz/target -s none -a {target} {input}"
            ),
            None => format!("(no input saved; the log is {})", log.display()),
        };
        return Err(format!(
            "fuzz target {target} failed ({status}); failing input: {}\nreproduce with: {replay}",
            inputs.first().map_or("none", String::as_str),
        ));
    }
    eprintln!("xtask: {target}: {}", summary(&output));
    if options.merge {
        merge(root, target, &corpus, &scratch.path)?;
    }
    Ok(())
}

/// The run's totals from libFuzzer's last status line and final stats.
fn summary(output: &str) -> String {
    let status = output
        .lines()
        .rev()
        .find(|l| l.starts_with('#') && l.contains("cov:"))
        .unwrap_or("no status line");
    let stat = |name: &str| {
        output
            .lines()
            .find_map(|l| l.strip_prefix(&format!("stat::{name}:")))
            .map_or("?", str::trim)
            .to_owned()
    };
    format!(
        "executions {} ({} exec/s); last status: {status}",
        stat("number_of_executed_units"),
        stat("average_exec_per_sec"),
    )
}

/// Replaces the committed corpus by a minimised merge of it and what the run found (libFuzzer's
/// set-cover merge: the fewest inputs that keep every feature).
fn merge(root: &Path, target: &str, corpus: &Path, scratch: &Path) -> Result<(), String> {
    let (merged, new) = (scratch.join("merged"), scratch.join("new"));
    let args = fuzz_args(
        "run",
        &[
            target,
            path_str(&merged)?,
            path_str(corpus)?,
            path_str(&new)?,
            "--",
            "-set_cover_merge=1",
        ],
    );
    let status = Command::new("cargo")
        .args(&args)
        .current_dir(root)
        .env("RUSTC_BOOTSTRAP", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run cargo fuzz: {e}"))?;
    if !status.success() {
        return Err(format!("merging the {target} corpus failed ({status})"));
    }
    fs::remove_dir_all(corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    fs::create_dir_all(corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    let mut kept = 0;
    for entry in fs::read_dir(&merged).map_err(|e| format!("{}: {e}", merged.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        fs::copy(entry.path(), corpus.join(entry.file_name())).map_err(|e| e.to_string())?;
        kept += 1;
    }
    eprintln!("xtask: {target}: corpus merged into {kept} inputs");
    Ok(())
}

fn path_str(path: &Path) -> Result<&str, String> {
    path.to_str()
        .ok_or_else(|| format!("{} is not UTF-8", path.display()))
}
