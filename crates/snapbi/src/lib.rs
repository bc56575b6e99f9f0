#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
//!
//! This library is the `snapbi` command itself ([`run`]), split from `src/main.rs` so the fuzz
//! targets (`fuzz/`) can link its configuration parsers; it has no other API.

mod call;
mod check;
mod code;
mod config_file;
mod demo;
mod qris;
mod receive;
mod sandbox;
mod signing;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// The snap-rs command line: SNAP response codes, signatures and QRIS payloads.
#[derive(Debug, Parser)]
#[command(name = "snapbi", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Send one signed request to a provider (token, create-va, generate-qr, query-qr, refund-qr)
    /// and print its answer; exit 0 on a 2xx responseCode, 1 on a rejection, 2 on usage errors.
    Call(call::CallArgs),
    /// Check a merchant's SNAP endpoints: play its provider (token request, notifications valid
    /// and broken) and report per scenario what SNAP expects and what the merchant answered.
    /// Exit 0 only when every required scenario passes.
    Check(check::CheckArgs),
    /// Explain SNAP response codes (HTTP status + service code + case code).
    Code(code::CodeArgs),
    /// Minify a JSON body exactly as SNAP signatures need (whitespace outside strings only).
    Minify(signing::MinifyArgs),
    /// Print the exact string-to-sign for an auth or service request.
    #[command(subcommand)]
    StringToSign(signing::StringToSignCommand),
    /// Sign an auth or service request; prints the base64 signature.
    #[command(subcommand)]
    Sign(signing::SignCommand),
    /// Verify a signature; prints `valid` (exit 0) or `invalid` (exit 1).
    #[command(subcommand)]
    Verify(signing::VerifyCommand),
    /// Decode, validate, build and render QRIS / EMV MPM payloads.
    #[command(subcommand)]
    Qris(qris::QrisCommand),
    /// Run the merchant callback receiver: verify, store durably, hand on.
    Receive(receive::ReceiveArgs),
    /// Read the receiver's store of notifications (a redb file, or PostgreSQL with --store).
    Inbox(receive::InboxArgs),
    /// Run a local SNAP provider (profiles standard, qoinhub, finpay, doku, midtrans, dana): VA,
    /// QRIS and DANA order services, simulated payments notified to the merchant; or talk to a
    /// running one (pay, deliveries, fault, ledger, key).
    Sandbox(sandbox::SandboxArgs),
    /// The whole integration in one command: a sandbox and a receiver on loopback with DEMO/TEST
    /// keys; token, create VA, QRIS generate (drawn), both payments notified, verified and
    /// stored, status query, refund. Exit 0, or 1 naming the step that failed.
    Demo(demo::DemoArgs),
}

/// The config fuzz target's entry point (`fuzz/`); built only by `cargo fuzz`, which sets
/// `cfg(fuzzing)`. Returns whether the configuration was accepted.
#[cfg(fuzzing)]
#[doc(hidden)]
pub fn fuzz_config(data: &[u8]) -> bool {
    config_file::fuzz_check::fuzz_check(data)
}

/// The sandbox_admin fuzz target's entry point (`fuzz/`): a script of admin requests against a
/// fresh sandbox, with the checks of `sandbox::admin::fuzz_check`.
#[cfg(fuzzing)]
#[doc(hidden)]
pub fn fuzz_sandbox_admin(data: &[u8]) {
    sandbox::admin_fuzz_check(data);
}

/// The files of `fuzz/DIR` (a target's corpus or regressions), sorted; none when the directory
/// does not exist (no regressions until a target has found something). The fuzz checks' unit tests
/// replay them.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) fn fuzz_inputs(dir: &str) -> Vec<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz")
        .join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

/// Runs `snapbi` with the process's arguments and returns its exit code: 0 success, 1 a
/// negative answer (invalid signature, invalid payload, invalid JSON), 2 usage errors and
/// unreadable inputs.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Call(args) => call::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Code(args) => code::run(&args),
        Command::Minify(args) => signing::run_minify(&args),
        Command::StringToSign(cmd) => signing::run_string_to_sign(&cmd),
        Command::Sign(cmd) => signing::run_sign(&cmd),
        Command::Verify(cmd) => signing::run_verify(&cmd),
        Command::Qris(cmd) => qris::run(&cmd),
        Command::Receive(args) => receive::run(&args),
        Command::Inbox(args) => receive::run_inbox(&args),
        Command::Sandbox(args) => sandbox::run(args),
        Command::Demo(args) => demo::run(&args),
    }
}
