//! `snapbi sandbox`: a local SNAP provider to integrate against without a bank's sandbox, in the
//! ASPI standard's dialect or a provider's (`--profile standard|qoinhub|finpay|doku|midtrans|dana`).
//!
//! - provider endpoints on snap-http's verifying server, with business rules and exact SNAP
//!   codes: the seeds' QoinHub and Finpay shapes (`provider`), the standard's VA 26–31 and QR
//!   MPM 47/51/77/78 (`standard`), DANA's gateway 54–58 (`dana`), at each profile's paths and
//!   methods or the config's per-endpoint ones; a provider SDK's own token-request quirks only in
//!   that provider's profile (`quirks`); DOKU's `channelCode` string in its 24/25 (`delivery`);
//! - simulated payments (`snapbi sandbox pay`, or the admin endpoint) that notify the merchant,
//!   symmetric (token from the merchant, then HMAC-SHA512) or asymmetric (SHA256withRSA with
//!   the sandbox's key, `snapbi sandbox key`), with retries, backoff and a delivery log
//!   (`delivery`); for a biller merchant, an inquiry (24) before the payment (`biller`);
//! - fault injection: delay, drop the first N deliveries, duplicate, wrong amount, expired VA.
//! - outcomes chosen by the paid amount's cents: expire, twice, delayed, a 500 (`scenario`);
//!   `snapbi sandbox resend ID` sends a past notification again, same X-EXTERNAL-ID and body;
//! - the web simulator on the admin address, `/_sandbox/web` (`web`);
//! - `--data DIR`: ledger, delivery log and outbox in an embedded database (`persist`).

mod admin;
#[cfg(fuzzing)]
pub(crate) use admin::fuzz_check::fuzz_check as admin_fuzz_check;
mod biller;
pub(crate) mod config;
mod dana;
mod delivery;
mod keys;
mod persist;
mod provider;
mod quirks;
mod scenario;
mod server;
mod standard;
mod state;
mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use http::Method;

pub(crate) use config::{
    DEMO_LISTEN, DEMO_MERCHANT_CLIENT_ID, DEMO_SANDBOX_CLIENT_ID, Notifications, ProfileKind,
    Profiles, SandboxConfig,
};
pub(crate) use delivery::DeliveryState;
pub(crate) use keys::{
    DEMO_PUBLIC_PEM, demo_client_secret, demo_private_key, demo_token_key, public_pem,
};
pub(crate) use provider::Sandbox;
pub(crate) use server::{Running, start};

/// `snapbi sandbox`: run a provider, or talk to a running one.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct SandboxArgs {
    #[command(subcommand)]
    command: Option<SandboxCommand>,
    /// TOML configuration: listen address, the sandbox's RSA key, merchants and their callbacks,
    /// QRIS merchant data, profile paths, retries, faults (see the README).
    #[arg(long, value_name = "FILE", conflicts_with = "demo")]
    config: Option<PathBuf>,
    /// Run with embedded defaults and the DEMO/TEST keys (loopback only).
    #[arg(long)]
    demo: bool,
    /// Accept the embedded demo keys in --config (for a throwaway local setup only).
    #[arg(long, requires = "config")]
    allow_demo_keys: bool,
    /// Keep the ledger, the delivery log and the outbox in DIR (an embedded database), so a
    /// restart forgets nothing and sends what was pending; without it, state is in memory.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// With --demo: where to listen (a loopback address).
    #[arg(long, value_name = "ADDR", requires = "demo", default_value = DEMO_LISTEN)]
    listen: SocketAddr,
    /// With --demo: the merchant's base URL for callbacks (where `snapbi receive` serves `/v1.0/...`).
    #[arg(long, value_name = "URL", requires = "demo", default_value = config::DEMO_CALLBACK_BASE)]
    callback: String,
    /// With --demo: the provider dialects to serve (repeat; default qoinhub and finpay).
    #[arg(long, value_name = "NAME", requires = "demo")]
    profile: Vec<ProfileKind>,
    /// With --demo: how notifications are signed (symmetric: token from the merchant, then
    /// HMAC-SHA512; asymmetric: SHA256withRSA with the sandbox's key, see `snapbi sandbox key`).
    #[arg(
        long,
        value_name = "MODE",
        requires = "demo",
        default_value = "symmetric"
    )]
    notifications: NotificationsArg,
    /// With --demo: the merchant is biller of its VAs: payments to numbers the sandbox did not
    /// create are inquired (service 24) at the merchant first.
    #[arg(long, requires = "demo")]
    biller: bool,
}

/// `--notifications`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum NotificationsArg {
    Symmetric,
    Asymmetric,
}

#[derive(Debug, Subcommand)]
enum SandboxCommand {
    /// Simulate a payment on a running sandbox: the merchant gets the notification.
    Pay(PayArgs),
    /// Show a running sandbox's delivery log (every attempt of every notification).
    Deliveries(DeliveriesArgs),
    /// Send a past notification again: the same X-EXTERNAL-ID and body, a new X-TIMESTAMP and
    /// signature, to test the merchant's idempotent handling.
    Resend(ResendArgs),
    /// Show or change a running sandbox's fault injection.
    Fault(FaultArgs),
    /// List a running sandbox's virtual accounts and QRIS transactions.
    Ledger(AdminArgs),
    /// Print the sandbox's public key (SPKI PEM): merchants verify asymmetric notifications
    /// with it. From a config file, the demo key, or a running sandbox.
    Key(KeyArgs),
}

#[derive(Debug, Args)]
struct KeyArgs {
    /// Read the key of this configuration's private_key_file.
    #[arg(long, value_name = "FILE", conflicts_with = "demo")]
    config: Option<PathBuf>,
    /// The embedded demo key's public half.
    #[arg(long)]
    demo: bool,
    #[command(flatten)]
    admin: AdminArgs,
}

#[derive(Debug, Args)]
struct AdminArgs {
    /// The running sandbox (host:port or URL).
    #[arg(long, value_name = "ADDR", default_value = DEMO_LISTEN)]
    admin: String,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["va", "qr"])))]
struct PayArgs {
    /// Pay this virtual account number (spaces optional).
    #[arg(long, value_name = "NO")]
    va: Option<String>,
    /// The amount paid (`10000.00`); needed for an open-amount VA, must match a fixed one.
    #[arg(long, value_name = "VALUE", requires = "va")]
    amount: Option<String>,
    /// Pay this QRIS transaction (its referenceNo or partnerReferenceNo).
    #[arg(long, value_name = "REFERENCE")]
    qr: Option<String>,
    /// Wait for the notification's delivery to finish and show it (exit 1 if it failed).
    #[arg(long)]
    wait: bool,
    #[command(flatten)]
    admin: AdminArgs,
}

#[derive(Debug, Args)]
struct DeliveriesArgs {
    /// Print the log as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    admin: AdminArgs,
}

#[derive(Debug, Args)]
struct ResendArgs {
    /// The delivery to send again (its `#` in `snapbi sandbox deliveries`).
    #[arg(value_name = "DELIVERY_ID")]
    id: u64,
    /// Wait for the new delivery to finish and show it (exit 1 if it failed).
    #[arg(long)]
    wait: bool,
    #[command(flatten)]
    admin: AdminArgs,
}

#[derive(Debug, Args)]
struct FaultArgs {
    /// Reset every fault before applying the options given.
    #[arg(long)]
    clear: bool,
    /// Wait this many milliseconds before every delivery attempt.
    #[arg(long, value_name = "MS")]
    delay_ms: Option<u64>,
    /// Drop (do not send) the next N delivery attempts.
    #[arg(long = "drop", value_name = "N")]
    drop_first: Option<u32>,
    /// Send every delivered notification a second time (same X-EXTERNAL-ID and body).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    duplicate: Option<bool>,
    /// Notifications carry an amount 1.00 above what was paid.
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    wrong_amount: Option<bool>,
    /// VA payments hit an expired VA (notification with paymentFlagStatus 08).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, default_missing_value = "true")]
    expired_va: Option<bool>,
    #[command(flatten)]
    admin: AdminArgs,
}

/// Runs `snapbi sandbox ...`.
pub(crate) fn run(args: SandboxArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    runtime.block_on(async move {
        match args.command {
            Some(SandboxCommand::Pay(pay)) => run_pay(pay).await,
            Some(SandboxCommand::Deliveries(d)) => run_deliveries(d).await,
            Some(SandboxCommand::Resend(r)) => run_resend(r).await,
            Some(SandboxCommand::Fault(f)) => run_fault(f).await,
            Some(SandboxCommand::Ledger(a)) => {
                show(&a.admin, Method::GET, "/_sandbox/ledger", None).await
            }
            Some(SandboxCommand::Key(k)) => run_key(k).await,
            None => run_server(args).await,
        }
    })
}

async fn run_server(args: SandboxArgs) -> ExitCode {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    let config = if args.demo {
        if !args.listen.ip().is_loopback() {
            eprintln!(
                "error: --listen: demo mode listens on loopback only (127.0.0.1), not {}",
                args.listen
            );
            return ExitCode::from(2);
        }
        let profiles = if args.profile.is_empty() {
            Profiles::default()
        } else {
            Profiles::of(&args.profile)
        };
        let notifications = match args.notifications {
            NotificationsArg::Symmetric => Notifications::Symmetric,
            NotificationsArg::Asymmetric => Notifications::Asymmetric,
        };
        match SandboxConfig::demo(
            args.listen,
            &args.callback,
            profiles,
            notifications,
            args.biller,
        ) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    } else if let Some(path) = &args.config {
        match SandboxConfig::load(path, args.allow_demo_keys) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        eprintln!(
            "error: give --config FILE or --demo (or a subcommand: pay, deliveries, fault, ledger)"
        );
        return ExitCode::from(2);
    };
    let mut config = config;
    config.data_dir.clone_from(&args.data);
    let banner = banner(&config);
    let running = match start(config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // Whoever started us may stop reading (a test, `| head -1`); that must not stop the sandbox.
    say(&format!(
        "snapbi sandbox listening on http://{}\n{banner}\nstop with Ctrl-C",
        running.addr()
    ));
    let _ = tokio::signal::ctrl_c().await;
    running.shutdown().await;
    ExitCode::SUCCESS
}

fn say(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

fn banner(config: &SandboxConfig) -> String {
    let mut out = String::new();
    for (kind, paths) in &config.profiles.served {
        let token = match kind {
            ProfileKind::Dana => "none (every request asymmetric)".to_owned(),
            _ => format!("POST {}", paths.token_path()),
        };
        out.push_str(&format!("  {:<9} token {token}\n", kind.name()));
        for service in kind.services() {
            if let Some(path) = paths.path(*service) {
                let name = service.info().map_or("", |i| i.name);
                out.push_str(&format!("            {service} {name:<38} {path}\n"));
            }
        }
    }
    out.push_str(
        "  admin    /_sandbox/pay, /_sandbox/deliveries, /_sandbox/faults, /_sandbox/ledger, /_sandbox/key (no auth: keep it on loopback)\n\
         \x20 web      /_sandbox/web (ledger, pay by hand, deliveries, faults)",
    );
    for m in &config.merchants {
        let how = match m.callback.signature {
            Notifications::Symmetric => "token B2B, then HMAC-SHA512",
            Notifications::Asymmetric => "SHA256withRSA with the sandbox key (snapbi sandbox key)",
        };
        out.push_str(&format!(
            "\n  merchant {} -> callbacks to {} as {} ({how}{})",
            m.client_id,
            m.callback.base_url,
            m.callback.client_id,
            if m.callback.inquiry {
                "; biller: inquiry 24 before payment 25"
            } else {
                ""
            }
        ));
    }
    if config.demo {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/demo-keys");
        out.push_str(&format!(
            "\n  DEMO/TEST credentials (public, never for real use), embedded; copies in {dir}:\n\
             \x20   merchant client id {DEMO_MERCHANT_CLIENT_ID}: signs with demo-private.pem, HMAC key demo-client-secret.txt\n\
             \x20   sandbox calls the merchant as {DEMO_SANDBOX_CLIENT_ID}: verify with demo-public.pem, same client secret"
        ));
    }
    out
}

async fn run_key(args: KeyArgs) -> ExitCode {
    let key = if args.demo {
        demo_private_key().map(|k| k.public_key())
    } else if let Some(path) = &args.config {
        SandboxConfig::load(path, true)
            .map(|c| c.private_key.public_key())
            .map_err(|e| e.to_string())
    } else {
        return match admin::call(&args.admin.admin, Method::GET, "/_sandbox/key", None).await {
            Ok((_, value)) => {
                print!(
                    "{}",
                    value
                        .get("publicKey")
                        .and_then(|v| v.as_str())
                        .unwrap_or_default()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        };
    };
    match key {
        Ok(key) => {
            print!("{}", public_pem(&key));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn show(admin_addr: &str, method: Method, path: &str, body: Option<Vec<u8>>) -> ExitCode {
    match admin::call(admin_addr, method, path, body).await {
        Ok((status, value)) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
            if (200..300).contains(&status) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run_pay(args: PayArgs) -> ExitCode {
    let request = admin::PayRequest {
        va: args.va,
        amount: args.amount,
        qr: args.qr,
    };
    let body = serde_json::to_vec(&request).unwrap_or_default();
    let (status, value) =
        match admin::call(&args.admin.admin, Method::POST, "/_sandbox/pay", Some(body)).await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
    println!(
        "{}",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    );
    if !(200..300).contains(&status) {
        return ExitCode::from(1);
    }
    if !args.wait {
        return ExitCode::SUCCESS;
    }
    let Some(id) = value.get("deliveryId").and_then(serde_json::Value::as_u64) else {
        return ExitCode::SUCCESS;
    };
    let path = format!("/_sandbox/deliveries/{id}?wait_ms=120000");
    match admin::call(&args.admin.admin, Method::GET, &path, None).await {
        Ok((_, delivery)) => {
            print_delivery(&delivery);
            if delivery.get("state").and_then(|s| s.as_str()) == Some("delivered") {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run_resend(args: ResendArgs) -> ExitCode {
    let path = format!("/_sandbox/deliveries/{}/resend", args.id);
    let (status, value) = match admin::call(&args.admin.admin, Method::POST, &path, None).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&value).unwrap_or_default()
    );
    if !(200..300).contains(&status) {
        return ExitCode::from(1);
    }
    match value.get("deliveryId").and_then(serde_json::Value::as_u64) {
        Some(id) if args.wait => wait_and_show(&args.admin.admin, id).await,
        _ => ExitCode::SUCCESS,
    }
}

async fn wait_and_show(admin_addr: &str, id: u64) -> ExitCode {
    let path = format!("/_sandbox/deliveries/{id}?wait_ms=120000");
    match admin::call(admin_addr, Method::GET, &path, None).await {
        Ok((_, delivery)) => {
            print_delivery(&delivery);
            if delivery.get("state").and_then(|s| s.as_str()) == Some("delivered") {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn print_delivery(d: &serde_json::Value) {
    let s = |key: &str| d.get(key).and_then(|v| v.as_str()).unwrap_or("").to_owned();
    println!(
        "#{} {} (service {}) to {} {} [{}] X-EXTERNAL-ID {}: {}",
        d.get("id").and_then(serde_json::Value::as_u64).unwrap_or(0),
        s("kind"),
        s("service"),
        s("merchant"),
        s("path"),
        s("reference"),
        s("externalId"),
        s("state"),
    );
    for a in d
        .get("attempts")
        .and_then(|a| a.as_array())
        .into_iter()
        .flatten()
    {
        let t = |key: &str| a.get(key).and_then(|v| v.as_str()).unwrap_or("").to_owned();
        println!(
            "    attempt {} at {}: {} {}",
            a.get("attempt")
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0),
            t("at"),
            t("action"),
            t("detail")
        );
    }
}

async fn run_deliveries(args: DeliveriesArgs) -> ExitCode {
    match admin::call(&args.admin.admin, Method::GET, "/_sandbox/deliveries", None).await {
        Ok((_, value)) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&value).unwrap_or_default()
                );
            } else {
                let list = value.as_array().cloned().unwrap_or_default();
                if list.is_empty() {
                    println!("no deliveries yet");
                }
                for d in &list {
                    print_delivery(d);
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn run_fault(args: FaultArgs) -> ExitCode {
    let admin_addr = &args.admin.admin;
    let changing = args.clear
        || args.delay_ms.is_some()
        || args.drop_first.is_some()
        || args.duplicate.is_some()
        || args.wrong_amount.is_some()
        || args.expired_va.is_some();
    if !changing {
        return show(admin_addr, Method::GET, "/_sandbox/faults", None).await;
    }
    let mut faults = if args.clear {
        config::Faults::default()
    } else {
        match admin::call(admin_addr, Method::GET, "/_sandbox/faults", None).await {
            Ok((_, value)) => serde_json::from_value(value).unwrap_or_default(),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    };
    if let Some(v) = args.delay_ms {
        faults.delay_ms = v;
    }
    if let Some(v) = args.drop_first {
        faults.drop_first = v;
    }
    if let Some(v) = args.duplicate {
        faults.duplicate = v;
    }
    if let Some(v) = args.wrong_amount {
        faults.wrong_amount = v;
    }
    if let Some(v) = args.expired_va {
        faults.expired_va = v;
    }
    let body = serde_json::to_vec(&faults).unwrap_or_default();
    show(admin_addr, Method::PUT, "/_sandbox/faults", Some(body)).await
}
