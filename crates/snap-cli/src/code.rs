//! `snap code`: explain SNAP response codes.

use std::process::ExitCode;

/// Arguments of `snap code`.
#[derive(Debug, clap::Args)]
pub(crate) struct CodeArgs {
    /// 7-digit response codes, e.g. 4012501.
    #[arg(required = true)]
    codes: Vec<String>,
    /// One JSON object per code, one per line.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(_: &CodeArgs) -> ExitCode { ExitCode::from(2) }
