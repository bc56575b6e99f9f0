//! `snapbi check`: a conformance run against a merchant's own SNAP endpoints. It plays the
//! merchant's provider (token request, then notifications), sends each scenario valid or broken
//! in one named way, and reports per scenario what SNAP expects and what the merchant answered
//! (`scenario` lists them). Exit 0 only when every required scenario passes.

mod config;
mod notification;
mod provider;
mod scenario;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, ValueEnum};

use config::CheckConfig;
use notification::Kind;
use scenario::{Outcome, Plan, Verdict};

/// Which provider the check plays: the notifications it sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Profile {
    /// QoinHub (seeds 000, 001): VA payment (25) and direct-debit notify (56) for QRIS.
    Qoinhub,
    /// Finpay (seed 003): QR MPM notify (52).
    Finpay,
    /// The ASPI standard's notifications: VA payment (25), QR MPM notify (52), debit notify (56).
    Standard,
}

impl Profile {
    fn plan(self, wait_for_expiry: bool) -> Plan {
        let (main, others) = match self {
            Self::Qoinhub => (Kind::VaPayment, vec![Kind::DebitNotify]),
            Self::Finpay => (Kind::QrNotify, vec![]),
            Self::Standard => (Kind::VaPayment, vec![Kind::QrNotify, Kind::DebitNotify]),
        };
        Plan {
            main,
            others,
            wait_for_expiry,
        }
    }
}

/// Arguments of `snapbi check`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("credentials").required(true).args(["config", "demo"])))]
pub(crate) struct CheckArgs {
    /// The merchant's base URL; the config's paths (default `/v1.0/...`) are below it.
    #[arg(long, value_name = "URL")]
    callback: String,
    /// The provider to play.
    #[arg(long, value_enum, value_name = "P")]
    profile: Profile,
    /// TOML: the merchant's credentials as its provider holds them (client id, private key,
    /// client secret, paths, a test bill; see the README).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Use the embedded DEMO/TEST credentials (those of `snapbi sandbox --demo`).
    #[arg(long)]
    demo: bool,
    /// Print the report as JSON (for CI).
    #[arg(long)]
    json: bool,
    /// Wait for a real access token to pass its `expiresIn` (900 s in the standard) for the
    /// expired-token scenario, instead of sending an expired token the merchant never issued.
    #[arg(long)]
    wait_for_expiry: bool,
    /// Seconds to wait for each answer.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    timeout: u64,
}

/// Runs `snapbi check`.
pub(crate) fn run(args: &CheckArgs) -> ExitCode {
    let config = if args.demo {
        CheckConfig::demo()
    } else {
        let path = args.config.as_deref().unwrap_or(std::path::Path::new(""));
        CheckConfig::load(path).map_err(|e| format!("config {}: {e}", path.display()))
    };
    let config = match config {
        Ok(c) => c,
        Err(e) => {
            eprintln!("snapbi check: {e}");
            return ExitCode::from(2);
        }
    };
    let timeout = Duration::from_secs(args.timeout.max(1));
    let identity = format!(
        "{} ({})",
        config.client_id,
        format!("{:?}", config.signature).to_lowercase()
    );
    let provider = match provider::Provider::new(config, &args.callback, timeout) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("snapbi check: {e}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("snapbi check: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let plan = args.profile.plan(args.wait_for_expiry);
    let outcomes = runtime.block_on(scenario::run(&provider, &plan));
    let failed = outcomes
        .iter()
        .filter(|o| o.required && o.verdict != Verdict::Pass)
        .count();
    let required = outcomes.iter().filter(|o| o.required).count();
    let profile = format!("{:?}", args.profile).to_lowercase();
    if args.json {
        let report = serde_json::json!({
            "merchant": args.callback,
            "profile": profile,
            "passed": failed == 0,
            "required": required,
            "failed": failed,
            "scenarios": outcomes,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        println!(
            "snapbi check: merchant {}, profile {profile}, calling as {identity}",
            args.callback
        );
        for o in &outcomes {
            print_outcome(o);
        }
        println!(
            "{} of {required} required scenarios passed{}",
            required - failed,
            if failed == 0 {
                ""
            } else {
                "; the merchant is not ready"
            }
        );
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn print_outcome(o: &Outcome) {
    let mark = match o.verdict {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Info => "INFO",
        Verdict::Skip => "SKIP",
    };
    println!("{mark}  {:<28} {}", o.id, o.title);
    if o.verdict != Verdict::Skip {
        println!("      expected {}", o.expected);
    }
    println!("      got      {}", o.got);
}
