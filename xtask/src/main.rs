//! `cargo xtask`: snap-rs maintenance tasks.
//!
//! ```text
//! cargo xtask codegen [--check]      regenerate snap-types' code tables from fixtures/*.csv
//! cargo xtask release --dry-run [--allow-dirty]
//!                                    clean tree, consistent versions, cargo publish --dry-run
//! cargo xtask tidy                   dependency direction, no wall clock outside Clock, crate metadata
//! cargo xtask bench <crypto|qris|http|receive>
//! cargo xtask interop                DOKU, Midtrans and DANA SDKs against snapbi sandbox
//! cargo xtask fuzz [TARGET] [--seconds N | --runs N] [--merge]   run the cargo-fuzz targets (fuzz/README.md)
//! ```

mod bench;
mod codegen;
mod fuzz;
mod interop;
mod release;
mod tidy;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <codegen [--check] | release --dry-run [--allow-dirty] | \
tidy | bench <crypto|qris|http|receive> | interop | fuzz [TARGET] [--seconds N | --runs N] [--merge]>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["codegen"] => codegen::run(false),
        ["codegen", "--check"] => codegen::run(true),
        ["release", "--dry-run"] => release::dry_run(false),
        ["release", "--dry-run", "--allow-dirty"] => release::dry_run(true),
        ["tidy"] => tidy::run(),
        ["bench", target] => bench::run(target),
        ["interop"] => interop::run(),
        ["fuzz", rest @ ..] => fuzz::run(rest),
        _ => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of this crate's manifest directory).
fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// Runs a command in the workspace root, failing with its description when it does not succeed.
fn run_command(program: &str, args: &[&str]) -> Result<(), String> {
    let status = std::process::Command::new(program)
        .args(args)
        .current_dir(workspace_root())
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed ({status})", args.join(" ")))
    }
}
