//! `snap qris` (owned by the snap-qris work; placeholder).

use std::process::ExitCode;

/// `snap qris` subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum QrisCommand {}

pub(crate) fn run(c: &QrisCommand) -> ExitCode { match *c {} }
