//! `snapbi inbox list|show ID|export [--data DIR | --store URL]`: read the receiver's store.
//!
//! A redb store is opened read-only when no receiver has it open; while one runs (redb keeps the
//! file to one process, so its commits cost one fsync), it is read through that receiver's Unix
//! socket beside the file (`notifications.redb.sock`, this user's only). A PostgreSQL store is
//! read with a connection of its own, also while receivers run. A record that cannot be read is reported on stderr and skipped:
//! the others are still printed, and the exit code is 1 at the end.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;
use snap_store::{
    DeliveryState, NotificationId, NotificationStore, StoreLocation, StoredNotification, Summary,
    UnreadableRecord,
};

use super::config::STORE_FILE;

/// How many records a listing reads at a time.
const PAGE: usize = 500;

/// Arguments of `snapbi inbox`.
#[derive(Debug, clap::Args)]
pub(crate) struct InboxArgs {
    /// The receiver's data directory (its store is DIR/notifications.redb).
    #[arg(long, value_name = "DIR", global = true, default_value = ".")]
    data: PathBuf,
    /// The store instead: a postgres:// URL or a redb file.
    #[arg(long, value_name = "URL", global = true)]
    store: Option<String>,
    #[command(subcommand)]
    command: InboxCommand,
}

/// `snapbi inbox` subcommands.
#[derive(Debug, clap::Subcommand)]
enum InboxCommand {
    /// List stored notifications (a table, or JSON lines with --json).
    List {
        /// One JSON object per notification, one per line.
        #[arg(long)]
        json: bool,
    },
    /// Show one notification with its raw body.
    Show {
        /// The notification's number.
        id: u64,
    },
    /// Every notification with its raw body, as JSON lines.
    Export,
}

/// One line of `list --json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Listed<'a> {
    id: u64,
    service: String,
    partner: &'a str,
    endpoint: &'a str,
    external_id: &'a str,
    timestamp: &'a str,
    channel_id: Option<&'a str>,
    received_at: String,
    summary: &'a Summary,
    delivery: Option<&'a DeliveryState>,
}

/// One line of `export` and the output of `show`.
#[derive(Debug, Serialize)]
struct Exported<'a> {
    #[serde(flatten)]
    listed: Listed<'a>,
    /// The body minified (whitespace outside strings removed: the form its signature covers).
    body: Box<serde_json::value::RawValue>,
    /// The body exactly as received, as a JSON string.
    raw: &'a str,
}

/// RFC 3339, as the inbox and the forwarder print instants.
pub(crate) fn rfc3339(instant: time::OffsetDateTime) -> String {
    instant
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| instant.to_string())
}

fn listed(stored: &StoredNotification) -> Listed<'_> {
    let n = &stored.notification;
    Listed {
        id: stored.id.0,
        service: n.service.to_string(),
        partner: n.partner_id.as_str(),
        endpoint: &n.endpoint,
        external_id: n.external_id.as_str(),
        timestamp: n.timestamp.as_str(),
        channel_id: n.channel_id.as_ref().map(|c| c.as_str()),
        received_at: rfc3339(n.received_at),
        summary: &stored.summary,
        delivery: stored.delivery.as_ref(),
    }
}

/// One notification with its body as a JSON line; an error says why it cannot be shown.
fn exported(stored: &StoredNotification) -> Result<String, String> {
    let body = &stored.notification.body;
    let raw = std::str::from_utf8(body).map_err(|_| "its body is not UTF-8".to_owned())?;
    let minified = snap_crypto::minify(body).map_err(|e| format!("its body: {e}"))?;
    let minified = String::from_utf8(minified).map_err(|_| "its body is not UTF-8".to_owned())?;
    let body =
        serde_json::value::RawValue::from_string(minified).map_err(|e| format!("its body: {e}"))?;
    serde_json::to_string(&Exported {
        listed: listed(stored),
        body,
        raw,
    })
    .map_err(|e| e.to_string())
}

/// Every stored notification, oldest first (unreadable ones as such).
pub(crate) async fn all(
    store: &NotificationStore,
) -> Result<Vec<Result<StoredNotification, UnreadableRecord>>, String> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = store.list(after, PAGE).await.map_err(|e| e.to_string())?;
        let Some(last) = page.last() else {
            return Ok(out);
        };
        after = Some(match last {
            Ok(stored) => stored.id,
            Err(unreadable) => unreadable.id,
        });
        let full = page.len() == PAGE;
        out.extend(page);
        if !full {
            return Ok(out);
        }
    }
}

/// Runs `snapbi inbox`.
pub(crate) fn run(args: &InboxArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("snapbi inbox: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(inbox(args)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("snapbi inbox: {e}");
            ExitCode::from(2)
        }
    }
}

async fn open(args: &InboxArgs) -> Result<NotificationStore, String> {
    let location: StoreLocation = match &args.store {
        Some(store) => store.parse().map_err(|e| format!("--store: {e}"))?,
        None => StoreLocation::Redb(args.data.join(STORE_FILE)),
    };
    if let StoreLocation::Redb(path) = &location
        && !path.exists()
    {
        return Err(format!("no store at {}", path.display()));
    }
    NotificationStore::open_for_reading(&location)
        .await
        .map_err(|e| format!("{location}: {e}"))
}

async fn inbox(args: &InboxArgs) -> Result<ExitCode, String> {
    let store = open(args).await?;
    let mut unreadable = 0usize;
    let mut report = |problem: &dyn std::fmt::Display| {
        unreadable += 1;
        eprintln!("snapbi inbox: {problem}");
    };
    let mut text = String::new();
    match &args.command {
        InboxCommand::List { json } => {
            if !json {
                text.push_str(&format!(
                    "{:>6}  {:<7}  {:<16}  {:<34}  {:<25}  {:<10}  {}\n",
                    "ID", "SERVICE", "PARTNER", "EXTERNAL-ID", "RECEIVED", "DELIVERY", "SUMMARY"
                ));
            }
            for entry in all(&store).await? {
                match entry {
                    Ok(stored) if *json => {
                        let line =
                            serde_json::to_string(&listed(&stored)).map_err(|e| e.to_string())?;
                        text.push_str(&line);
                        text.push('\n');
                    }
                    Ok(stored) => text.push_str(&row(&stored)),
                    Err(e) => report(&e),
                }
            }
        }
        InboxCommand::Show { id } => match store.get(NotificationId(*id)).await {
            Ok(Some(Ok(stored))) => match exported(&stored) {
                Ok(line) => text.push_str(&line),
                Err(e) => report(&format!("notification {id} is unreadable: {e}")),
            },
            Ok(Some(Err(e))) => report(&e),
            Ok(None) => {
                eprintln!("snapbi inbox: no notification {id}");
                return Ok(ExitCode::from(1));
            }
            Err(e) => return Err(e.to_string()),
        },
        InboxCommand::Export => {
            for entry in all(&store).await? {
                match entry.map_err(|e| e.to_string()).and_then(|stored| {
                    exported(&stored)
                        .map_err(|e| format!("notification {} is unreadable: {e}", stored.id))
                }) {
                    Ok(line) => {
                        text.push_str(&line);
                        text.push('\n');
                    }
                    Err(e) => report(&e),
                }
            }
        }
    }
    if matches!(args.command, InboxCommand::Show { .. }) && !text.is_empty() {
        text.push('\n');
    }
    // A closed stdout (piped into `head`) is not an error worth reporting.
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    if unreadable > 0 {
        eprintln!("snapbi inbox: {unreadable} record(s) could not be read");
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

fn row(stored: &StoredNotification) -> String {
    let n = &stored.notification;
    let delivery = match &stored.delivery {
        None => "-".to_owned(),
        Some(d) => format!("{:?}/{}", d.status, d.attempts).to_lowercase(),
    };
    let summary = serde_json::to_string(&stored.summary).unwrap_or_default();
    format!(
        "{:>6}  {:<7}  {:<16}  {:<34}  {:<25}  {:<10}  {}\n",
        stored.id,
        n.service,
        n.partner_id,
        n.external_id,
        rfc3339(n.received_at),
        delivery,
        summary
    )
}
