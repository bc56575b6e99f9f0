//! `snapbi receive`: a ready-to-run merchant callback receiver.
//!
//! It hosts the SNAP merchant endpoints on the snap-http server (token B2B, VA payment, debit notify,
//! QR notify), verifies everything, commits every accepted notification to the journal before
//! answering success, and optionally forwards each one to the merchant's own service.

mod config;
mod forward;
mod inbox;
mod journal;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use bytes::Bytes;
use snap_crypto::{Clock as _, SystemClock};
use snap_http::{
    BoxFuture, Claim, Error as HttpError, Fields, Fingerprint, JwtTokenIssuer, MemoryReplayStore,
    Outcome, Partner, ReceivedRequest, ReplayKey, ReplayStore, RequestContext, SnapServer,
    StoredResponse,
};
use snap_types::{Case, DebitNotification, QrMpmNotification, ServiceCode, VaPaymentNotification};
use tokio::sync::{Notify, oneshot};

pub(crate) use config::{ReceiverConfig, SignatureMode};
pub(crate) use inbox::{InboxArgs, run as run_inbox};
pub(crate) use journal::{Journal, Record};

/// Arguments of `snapbi receive`.
#[derive(Debug, clap::Args)]
pub(crate) struct ReceiveArgs {
    /// The receiver's TOML configuration.
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// Validate the configuration and exit.
    #[arg(long)]
    check: bool,
    /// POST every stored notification to this URL (signed, retried until it answers 2xx).
    #[arg(long, value_name = "URL")]
    forward: Option<String>,
    /// Keep the journal in memory only: nothing survives a restart. For benchmarks that compare
    /// the cost of durability; never for real notifications.
    #[arg(long, hide = true)]
    in_memory_journal: bool,
}

/// Runs the receiver until SIGTERM or SIGINT.
pub(crate) fn run(args: &ReceiveArgs) -> ExitCode {
    let config = match ReceiverConfig::load(&args.config) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("snapbi receive: config {}: {e}", args.config.display());
            return ExitCode::from(2);
        }
    };
    if args.forward.is_some() && config.forward_secret.is_none() {
        eprintln!(
            "snapbi receive: --forward needs forward_secret_file or forward_secret_env in the config"
        );
        return ExitCode::from(2);
    }
    if args.check {
        println!(
            "config ok: listen {}, prefix {:?}, data {}, {} partner(s)",
            config.listen,
            config.prefix,
            config.data_dir.display(),
            config.partners.len()
        );
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("snapbi receive: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let started = if args.in_memory_journal {
            match Journal::in_memory() {
                Ok(journal) => start(config, args.forward.clone(), journal).await,
                Err(e) => Err(e.to_string()),
            }
        } else {
            spawn(config, args.forward.clone()).await
        };
        let handle = match started {
            Ok(handle) => handle,
            Err(e) => {
                eprintln!("snapbi receive: {e}");
                return ExitCode::FAILURE;
            }
        };
        let signal = shutdown_signal();
        println!("snapbi receive: listening on http://{}", handle.addr());
        signal.await;
        eprintln!("snapbi receive: shutting down (finishing in-flight requests)");
        let commits = handle.journal().commits();
        handle.shutdown().await;
        eprintln!("snapbi receive: stopped after {commits} journal commit(s)");
        ExitCode::SUCCESS
    })
}

/// Resolves on SIGTERM or SIGINT. The handlers are installed when this is called, not when the
/// future is first polled, so a signal that arrives right after "listening" is printed is not lost.
pub(crate) fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let terminate = signal(SignalKind::terminate());
        let interrupt = signal(SignalKind::interrupt());
        async move {
            match (terminate, interrupt) {
                (Ok(mut terminate), Ok(mut interrupt)) => {
                    tokio::select! {
                        _ = terminate.recv() => {}
                        _ = interrupt.recv() => {}
                    }
                }
                _ => std::future::pending::<()>().await,
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// A running receiver.
pub(crate) struct ReceiverHandle {
    addr: SocketAddr,
    journal: Journal,
    stop: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    /// Background tasks (forwarder, inbox socket), each with its stop signal.
    tasks: Vec<(oneshot::Sender<()>, tokio::task::JoinHandle<()>)>,
}

impl ReceiverHandle {
    /// The address it listens on.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The journal of stored notifications.
    pub(crate) fn journal(&self) -> &Journal {
        &self.journal
    }

    /// Stops accepting, finishes in-flight requests, stops forwarding and closes the journal.
    pub(crate) async fn shutdown(self) {
        let _ = self.stop.send(());
        if let Ok(Err(e)) = self.server.await {
            tracing::warn!(error = %e, "server stopped with an error");
        }
        for (stop, task) in self.tasks {
            let _ = stop.send(());
            let _ = task.await;
        }
    }
}

/// What every notification handler shares.
struct Shared {
    journal: Journal,
    forwarding: bool,
    wake: Arc<Notify>,
}

/// Starts a receiver: opens the journal in the data directory, binds, serves.
pub(crate) async fn spawn(
    config: ReceiverConfig,
    forward: Option<String>,
) -> Result<ReceiverHandle, String> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| format!("data_dir {}: {e}", config.data_dir.display()))?;
    let journal = Journal::open(&config.data_dir.join(inbox::JOURNAL_NAME))
        .map_err(|e| format!("data_dir {}: {e}", config.data_dir.display()))?;
    let data_dir = config.data_dir.clone();
    let mut handle = start(config, forward, journal).await?;
    #[cfg(unix)]
    {
        let (stop, stopped) = oneshot::channel::<()>();
        let journal = handle.journal.clone();
        let task = tokio::spawn(async move {
            inbox::serve_socket(&data_dir, journal, async {
                let _ = stopped.await;
            })
            .await;
        });
        handle.tasks.push((stop, task));
    }
    Ok(handle)
}

/// Starts a receiver on a given journal (the in-memory one is used by the benchmark).
pub(crate) async fn start(
    config: ReceiverConfig,
    forward: Option<String>,
    journal: Journal,
) -> Result<ReceiverHandle, String> {
    let wake = Arc::new(Notify::new());
    let shared = Arc::new(Shared {
        journal: journal.clone(),
        forwarding: forward.is_some(),
        wake: Arc::clone(&wake),
    });
    let issuer = JwtTokenIssuer::new(&config.token_key).map_err(|e| format!("token_key: {e}"))?;
    let mut builder = SnapServer::builder()
        .prefix(&config.prefix)
        .token_issuer(issuer)
        .replay_store(DurableReplay::new(journal.clone()));
    for p in config.partners {
        let mode = match p.signature {
            SignatureMode::Symmetric => snap_http::SignatureMode::Symmetric,
            SignatureMode::Asymmetric => snap_http::SignatureMode::Asymmetric,
        };
        let partner = Partner::new(&p.client_id)
            .and_then(|x| x.with_partner_id(&p.partner_id))
            .and_then(|x| x.with_channels(p.channels.iter()))
            .map_err(|e| format!("partner {}: {e}", p.client_id))?
            .with_public_key(p.public_key)
            .with_client_secret(p.client_secret)
            .with_mode(mode);
        builder = builder.partner(partner);
    }
    let (va, debit, qr) = (
        Arc::clone(&shared),
        Arc::clone(&shared),
        Arc::clone(&shared),
    );
    let server = builder
        .va_payment(move |ctx, n| on_va_payment(Arc::clone(&va), ctx, n))
        .debit_notify(move |ctx, n| on_debit_notify(Arc::clone(&debit), ctx, n))
        .qr_mpm_notify(move |ctx, n| on_qr_notify(Arc::clone(&qr), ctx, n))
        .build()
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("listen {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(snap_http::serve(listener, server, async {
        let _ = stopped.await;
    }));
    let mut tasks = Vec::new();
    match (forward, config.forward_secret) {
        (Some(url), Some(secret)) => {
            let forwarder = forward::Forwarder::new(journal.clone(), &url, secret, wake)?;
            let (stop, stopped) = oneshot::channel::<()>();
            let task = tokio::spawn(forwarder.run(async {
                let _ = stopped.await;
            }));
            tasks.push((stop, task));
        }
        (Some(_), None) => {
            return Err("--forward needs forward_secret_file or forward_secret_env".into());
        }
        (None, _) => {}
    }
    Ok(ReceiverHandle {
        addr,
        journal,
        stop,
        server,
        tasks,
    })
}

fn replay_key_text(partner: &str, external_id: &str, date: time::Date) -> String {
    format!("{partner}|{external_id}|{date}")
}

/// Lower-case hex, for body hashes and the forward signature.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Commits one notification; success only once it is durable (or was stored before).
async fn store(
    shared: &Shared,
    ctx: &RequestContext,
    service: ServiceCode,
    summary: serde_json::Value,
) -> Result<Option<Outcome>, journal::JournalError> {
    let now = SystemClock.now();
    let partner = ctx.partner_id().as_str();
    let external_id = ctx.external_id().as_str();
    let record = Record {
        id: 0,
        service: service.to_string(),
        partner: partner.to_owned(),
        external_id: external_id.to_owned(),
        key: replay_key_text(partner, external_id, snap_types::jakarta_date(now)),
        received_at: snap_crypto::format_timestamp(now, snap_crypto::TimestampStyle::default()),
        body_sha256: hex(ring::digest::digest(&ring::digest::SHA256, ctx.body()).as_ref()),
        summary,
    };
    match shared
        .journal
        .accept(record, ctx.body().to_vec(), shared.forwarding)
        .await?
    {
        journal::Accepted::New(_) => {
            shared.wake.notify_one();
            Ok(None)
        }
        // Stored before (a retry whose first answer was lost): acknowledge again, hand on nothing.
        journal::Accepted::Duplicate {
            same_body: true, ..
        } => Ok(None),
        journal::Accepted::Duplicate {
            same_body: false, ..
        } => Ok(Some(Outcome::business(Case::Conflict, ""))),
    }
}

async fn on_va_payment(
    shared: Arc<Shared>,
    ctx: RequestContext,
    n: VaPaymentNotification,
) -> Result<Outcome, snap_http::BoxError> {
    let summary = serde_json::json!({
        "virtualAccountNo": n.virtual_account_no,
        "trxId": n.trx_id,
        "referenceNo": n.reference_no,
        "paidAmount": n.paid_amount,
        "paymentFlagStatus": n.payment_flag_status(),
        "trxDateTime": n.trx_date_time,
    });
    if let Some(conflict) = store(&shared, &ctx, ServiceCode::TRANSFER_VA_PAYMENT, summary).await? {
        return Ok(conflict);
    }
    let data = serde_json::json!({
        "partnerServiceId": n.partner_service_id,
        "customerNo": n.customer_no,
        "virtualAccountNo": n.virtual_account_no,
        "trxDateTime": n.trx_date_time,
        "trxId": n.trx_id,
    });
    Ok(Outcome::success_with(
        Fields::new().with("virtualAccountData", &data)?,
    ))
}

async fn on_debit_notify(
    shared: Arc<Shared>,
    ctx: RequestContext,
    n: DebitNotification,
) -> Result<Outcome, snap_http::BoxError> {
    let summary = serde_json::json!({
        "originalPartnerReferenceNo": n.original_partner_reference_no,
        "originalReferenceNo": n.original_reference_no,
        "latestTransactionStatus": n.latest_transaction_status,
        "transactionStatusDesc": n.transaction_status_desc,
    });
    Ok(store(&shared, &ctx, ServiceCode::DEBIT_NOTIFY, summary)
        .await?
        .unwrap_or_else(Outcome::success))
}

async fn on_qr_notify(
    shared: Arc<Shared>,
    ctx: RequestContext,
    n: QrMpmNotification,
) -> Result<Outcome, snap_http::BoxError> {
    let summary = serde_json::json!({
        "originalPartnerReferenceNo": n.original_partner_reference_no,
        "originalReferenceNo": n.original_reference_no,
        "transactionDate": n.transaction_date,
    });
    Ok(store(&shared, &ctx, ServiceCode::QR_MPM_NOTIFY, summary)
        .await?
        .unwrap_or_else(Outcome::success))
}

/// Replay records that survive a restart: claims in progress live in memory, final responses are
/// committed to the journal and consulted when memory has never seen the key.
struct DurableReplay {
    memory: MemoryReplayStore,
    journal: Journal,
}

impl DurableReplay {
    fn new(journal: Journal) -> Self {
        Self {
            memory: MemoryReplayStore::new(),
            journal,
        }
    }

    fn text(key: &ReplayKey) -> String {
        replay_key_text(key.partner_id.as_str(), key.external_id.as_str(), key.date)
    }
}

/// `fingerprint (32) | status (2, big endian) | body`.
fn encode_replay(fingerprint: &Fingerprint, response: &StoredResponse) -> Vec<u8> {
    let mut out = Vec::with_capacity(34 + response.body.len());
    out.extend_from_slice(fingerprint.as_bytes());
    out.extend_from_slice(&response.status.to_be_bytes());
    out.extend_from_slice(&response.body);
    out
}

fn decode_replay(bytes: &[u8]) -> Option<(Fingerprint, StoredResponse)> {
    let fingerprint = Fingerprint::from_bytes(bytes.get(..32)?.try_into().ok()?);
    let status = u16::from_be_bytes(bytes.get(32..34)?.try_into().ok()?);
    let body = Bytes::copy_from_slice(bytes.get(34..)?);
    Some((fingerprint, StoredResponse { status, body }))
}

fn store_error(e: impl std::error::Error + Send + Sync + 'static) -> HttpError {
    HttpError::Store(Box::new(e))
}

impl ReplayStore for DurableReplay {
    fn claim<'a>(
        &'a self,
        key: &'a ReplayKey,
        fingerprint: Fingerprint,
    ) -> BoxFuture<'a, Result<Claim, HttpError>> {
        Box::pin(async move {
            let claim = self.memory.claim(key, fingerprint).await?;
            if claim != Claim::New {
                return Ok(claim);
            }
            match self
                .journal
                .replay(&Self::text(key))
                .map_err(store_error)?
                .as_deref()
                .and_then(decode_replay)
            {
                Some((stored, response)) if stored == fingerprint => {
                    // Answered before a restart: the journal answers every later retry too.
                    self.memory.release(key).await?;
                    Ok(Claim::Duplicate(response))
                }
                Some(_) => {
                    self.memory.release(key).await?;
                    Ok(Claim::Conflict)
                }
                None => Ok(Claim::New),
            }
        })
    }

    fn complete<'a>(
        &'a self,
        request: &'a ReceivedRequest,
        response: StoredResponse,
    ) -> BoxFuture<'a, Result<(), HttpError>> {
        Box::pin(async move {
            let record = encode_replay(&request.fingerprint, &response);
            self.journal
                .put_replay(Self::text(&request.key), record)
                .await
                .map_err(store_error)?;
            self.memory.complete(request, response).await
        })
    }

    fn release<'a>(&'a self, key: &'a ReplayKey) -> BoxFuture<'a, Result<(), HttpError>> {
        self.memory.release(key)
    }

    fn wait<'a>(&'a self, key: &'a ReplayKey) -> BoxFuture<'a, ()> {
        self.memory.wait(key)
    }
}
