//! `snap minify`, `snap string-to-sign`, `snap sign`, `snap verify` (owned by the snap-crypto work; placeholder).

use std::process::ExitCode;

/// Arguments of `snap minify`.
#[derive(Debug, clap::Args)]
pub(crate) struct MinifyArgs {}
/// `snap string-to-sign` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum StringToSignCommand {}
/// `snap sign` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum SignCommand {}
/// `snap verify` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum VerifyCommand {}

pub(crate) fn run_minify(_: &MinifyArgs) -> ExitCode {
    ExitCode::from(2)
}
pub(crate) fn run_string_to_sign(c: &StringToSignCommand) -> ExitCode {
    match *c {}
}
pub(crate) fn run_sign(c: &SignCommand) -> ExitCode {
    match *c {}
}
pub(crate) fn run_verify(c: &VerifyCommand) -> ExitCode {
    match *c {}
}
