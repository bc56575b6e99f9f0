//! `snapbi inbox list|show ID|export --data DIR`: read the receiver's journal.
//!
//! redb lets one process open a database at a time, so while a receiver runs it answers read-only
//! requests on the unix socket `DIR/receiver.sock`; when no receiver runs, the journal is opened
//! directly. Either way the output is the same.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Empty, Full};
use serde::{Deserialize, Serialize};

use super::journal::{Delivery, Journal, Record};

/// The socket a running receiver answers inbox requests on.
pub(crate) const SOCKET_NAME: &str = "receiver.sock";
/// The journal file in the data directory.
pub(crate) const JOURNAL_NAME: &str = "journal.redb";

/// Arguments of `snapbi inbox`.
#[derive(Debug, clap::Args)]
pub(crate) struct InboxArgs {
    /// The receiver's data directory.
    #[arg(long, value_name = "DIR", global = true, default_value = ".")]
    data: PathBuf,
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
        /// The notification's sequence number.
        id: u64,
    },
    /// Every notification with its raw body, as JSON lines.
    Export,
}

/// One line of `list --json`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Listed {
    #[serde(flatten)]
    record: Record,
    delivery: Option<Delivery>,
}

/// One line of `export` and the output of `show`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Exported {
    #[serde(flatten)]
    record: Record,
    /// The body minified (whitespace outside strings removed: the form its signature covers).
    body: Box<serde_json::value::RawValue>,
    /// The body exactly as received, as a JSON string.
    raw: String,
}

/// The JSON-lines listing the socket serves and `list --json` prints.
pub(crate) fn list_lines(journal: &Journal) -> Result<String, String> {
    let mut out = String::new();
    for (record, delivery) in journal.list().map_err(|e| e.to_string())? {
        out.push_str(
            &serde_json::to_string(&Listed { record, delivery }).map_err(|e| e.to_string())?,
        );
        out.push('\n');
    }
    Ok(out)
}

/// One notification with its body as JSON, or `None`.
pub(crate) fn show_json(journal: &Journal, id: u64) -> Result<Option<String>, String> {
    let Some((record, body)) = journal.get(id).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let minified = snap_crypto::minify(&body).map_err(|e| format!("notification {id}: {e}"))?;
    let minified =
        String::from_utf8(minified).map_err(|_| format!("notification {id}: body is not UTF-8"))?;
    let raw =
        String::from_utf8(body).map_err(|_| format!("notification {id}: body is not UTF-8"))?;
    let body = serde_json::value::RawValue::from_string(minified)
        .map_err(|e| format!("notification {id}: {e}"))?;
    serde_json::to_string(&Exported { record, body, raw })
        .map(Some)
        .map_err(|e| e.to_string())
}

/// Serves inbox requests for a running receiver on `DIR/receiver.sock` until `stop` resolves.
#[cfg(unix)]
pub(crate) async fn serve_socket(
    data_dir: &Path,
    journal: Journal,
    stop: impl std::future::Future<Output = ()>,
) {
    use hyper::service::service_fn;
    let path = data_dir.join(SOCKET_NAME);
    // A socket file left by a receiver that was killed is stale: this process owns the journal now.
    let _ = std::fs::remove_file(&path);
    let listener = match tokio::net::UnixListener::bind(&path) {
        Ok(listener) => listener,
        Err(e) => {
            tracing::warn!(error = %e, path = %path.display(), "inbox socket unavailable");
            return;
        }
    };
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            () = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        let journal = journal.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
                let journal = journal.clone();
                async move { Ok::<_, std::convert::Infallible>(answer(&journal, request.uri().path())) }
            });
            let io = hyper_util::rt::TokioIo::new(stream);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(io, service)
                .await;
        });
    }
    let _ = std::fs::remove_file(&path);
}

#[cfg(unix)]
fn answer(journal: &Journal, path: &str) -> http::Response<Full<Bytes>> {
    let result = match path.strip_prefix("/notifications") {
        Some("") => list_lines(journal).map(Some),
        Some(rest) => match rest.strip_prefix('/').and_then(|id| id.parse().ok()) {
            Some(id) => show_json(journal, id),
            None => Ok(None),
        },
        None => Ok(None),
    };
    let (status, body) = match result {
        Ok(Some(body)) => (http::StatusCode::OK, body),
        Ok(None) => (http::StatusCode::NOT_FOUND, String::new()),
        Err(e) => (http::StatusCode::INTERNAL_SERVER_ERROR, e),
    };
    let mut response = http::Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
}

/// Where the journal is read from.
enum Source {
    Direct(Journal),
    #[cfg(unix)]
    Socket(PathBuf),
}

impl Source {
    fn open(data: &Path) -> Result<Self, String> {
        let file = data.join(JOURNAL_NAME);
        if !file.exists() {
            return Err(format!("no journal at {}", file.display()));
        }
        match Journal::open_existing(&file) {
            Ok(journal) => Ok(Self::Direct(journal)),
            #[cfg(unix)]
            Err(super::journal::JournalError::InUse) => Ok(Self::Socket(data.join(SOCKET_NAME))),
            Err(e) => Err(format!("{}: {e}", file.display())),
        }
    }

    async fn list(&self) -> Result<String, String> {
        match self {
            Self::Direct(journal) => list_lines(journal),
            #[cfg(unix)]
            Self::Socket(path) => Ok(socket_get(path, "/notifications")
                .await?
                .unwrap_or_default()),
        }
    }

    async fn show(&self, id: u64) -> Result<Option<String>, String> {
        match self {
            Self::Direct(journal) => show_json(journal, id),
            #[cfg(unix)]
            Self::Socket(path) => socket_get(path, &format!("/notifications/{id}")).await,
        }
    }
}

#[cfg(unix)]
async fn socket_get(path: &Path, uri: &str) -> Result<Option<String>, String> {
    let unavailable = |e: &dyn std::fmt::Display| {
        format!(
            "the journal is in use by a running receiver, but its socket {} does not answer: {e}",
            path.display()
        )
    };
    let stream = tokio::net::UnixStream::connect(path)
        .await
        .map_err(|e| unavailable(&e))?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| unavailable(&e))?;
    tokio::spawn(connection);
    let request = http::Request::get(uri)
        .header(http::header::HOST, "snap-receiver")
        .body(Empty::<Bytes>::new())
        .map_err(|e| e.to_string())?;
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| unavailable(&e))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| unavailable(&e))?
        .to_bytes();
    let text = String::from_utf8(body.to_vec()).map_err(|e| e.to_string())?;
    match status {
        http::StatusCode::OK => Ok(Some(text)),
        http::StatusCode::NOT_FOUND => Ok(None),
        _ => Err(format!("receiver: {text}")),
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

async fn inbox(args: &InboxArgs) -> Result<ExitCode, String> {
    let source = Source::open(&args.data)?;
    let mut out = std::io::stdout().lock();
    let written = match &args.command {
        InboxCommand::List { json: true } => out.write_all(source.list().await?.as_bytes()),
        InboxCommand::List { json: false } => {
            out.write_all(table(&source.list().await?)?.as_bytes())
        }
        InboxCommand::Show { id } => match source.show(*id).await? {
            Some(json) => writeln!(out, "{json}"),
            None => {
                eprintln!("snapbi inbox: no notification {id}");
                return Ok(ExitCode::from(1));
            }
        },
        InboxCommand::Export => {
            let ids: Vec<u64> = source
                .list()
                .await?
                .lines()
                .filter_map(|line| serde_json::from_str::<Listed>(line).ok())
                .map(|l| l.record.id)
                .collect();
            let mut text = String::new();
            for id in ids {
                if let Some(json) = source.show(id).await? {
                    text.push_str(&json);
                    text.push('\n');
                }
            }
            out.write_all(text.as_bytes())
        }
    };
    // A closed stdout (piped into `head`) is not an error worth reporting.
    drop(written);
    Ok(ExitCode::SUCCESS)
}

fn table(lines: &str) -> Result<String, String> {
    let mut out = format!(
        "{:>6}  {:<7}  {:<16}  {:<34}  {:<25}  {:<10}  {}\n",
        "ID", "SERVICE", "PARTNER", "EXTERNAL-ID", "RECEIVED", "DELIVERY", "SUMMARY"
    );
    for line in lines.lines() {
        let listed: Listed =
            serde_json::from_str(line).map_err(|e| format!("unreadable listing: {e}"))?;
        let delivery = match &listed.delivery {
            None => "-".to_owned(),
            Some(d) if d.delivered => format!("ok/{}", d.attempts),
            Some(d) => format!("retry/{}", d.attempts),
        };
        let r = &listed.record;
        out.push_str(&format!(
            "{:>6}  {:<7}  {:<16}  {:<34}  {:<25}  {:<10}  {}\n",
            r.id, r.service, r.partner, r.external_id, r.received_at, delivery, r.summary
        ));
    }
    Ok(out)
}
