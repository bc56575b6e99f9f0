//! `snapbi receive`: a ready-to-run merchant callback receiver.
//!
//! It hosts the SNAP merchant endpoints on the snap-http server (token B2B, VA payment, debit notify,
//! QR notify) over a [`NotificationStore`]: the server's idempotency step claims each notification
//! in the store, the handler answers it, and the store records the notification with its answer in
//! one transaction before anything is acknowledged. With `--forward`, every stored notification
//! is handed on to the merchant's own service through the store's outbox.
//!
//! Each partner's notifications are read in its profile's dialect (`profile`): the seeds' and the
//! standard's shapes by default, DOKU's for a partner configured as DOKU, never one partner's
//! dialect for another (`profile.rs`).
//!
//! One receiver uses an embedded redb file (which `snapbi inbox` reads through the receiver's
//! socket beside it while it runs); several receivers share one PostgreSQL database
//! (`store = "postgres://…"`) and behave as one. Answered claims of earlier days are purged at
//! start and hourly; notifications never are.

mod config;
mod forward;
mod inbox;
mod log;
mod profile;
mod purge;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use snap_crypto::SystemClock;
use snap_http::{JwtTokenIssuer, Outcome, Partner, RequestContext, SnapServer, SnapServerBuilder};
use snap_store::{NotificationStore, StoreLocation};
use snap_types::{
    AnyVaPayment, DokuVaPaymentRequest, QrMpmNotification, StandardDebitNotification,
    VirtualAccountData,
};
use tokio::sync::oneshot;

use config::{PartnerConfig, PartnerProfile};
pub(crate) use config::{ReceiverConfig, SignatureMode};
pub(crate) use inbox::{InboxArgs, run as run_inbox};
use profile::ByProfile;

/// Arguments of `snapbi receive`.
#[derive(Debug, clap::Args)]
pub(crate) struct ReceiveArgs {
    /// The receiver's TOML configuration.
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// Validate the configuration and exit.
    #[arg(long)]
    check: bool,
    /// Where notifications are stored: a postgres:// URL (shared by several receivers) or a redb
    /// file. Overrides `store` / `data_dir` of the config.
    #[arg(long, value_name = "URL")]
    store: Option<String>,
    /// POST every stored notification to this URL (signed, retried until it answers 2xx).
    #[arg(long, value_name = "URL")]
    forward: Option<String>,
    /// Log lines as plain text or JSON (filter with RUST_LOG, default "info").
    #[arg(long, value_enum, default_value = "plain")]
    log_format: log::LogFormat,
    /// Keep the store in memory only: nothing survives a restart. For benchmarks that compare
    /// the cost of durability; never for real notifications.
    #[arg(long, hide = true)]
    in_memory_store: bool,
}

/// Runs the receiver until SIGTERM or SIGINT.
pub(crate) fn run(args: &ReceiveArgs) -> ExitCode {
    let mut config = match ReceiverConfig::load(&args.config) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("snapbi receive: config {}: {e}", args.config.display());
            return ExitCode::from(2);
        }
    };
    if let Some(store) = &args.store {
        match store.parse() {
            Ok(store) => config.store = store,
            Err(e) => {
                eprintln!("snapbi receive: --store: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if args.forward.is_some() && config.forward_secret.is_none() {
        eprintln!(
            "snapbi receive: --forward needs forward_secret_file or forward_secret_env in the config"
        );
        return ExitCode::from(2);
    }
    if args.check {
        println!(
            "config ok: listen {}, prefix {:?}, store {}, {} partner(s)",
            config.listen,
            config.prefix,
            config.store,
            config.partners.len()
        );
        return ExitCode::SUCCESS;
    }
    log::install(args.log_format);
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
        let store = if args.in_memory_store {
            NotificationStore::in_memory().map_err(|e| e.to_string())
        } else {
            open_store(&config).await
        };
        let started = match store {
            Ok(store) => start(config, args.forward.clone(), store).await,
            Err(e) => Err(e),
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
        handle.shutdown().await;
        eprintln!("snapbi receive: stopped");
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
    store: Arc<NotificationStore>,
    stop: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    /// Background tasks (the hourly purge, the forwarder), each with its stop signal.
    tasks: Vec<(oneshot::Sender<()>, tokio::task::JoinHandle<()>)>,
    /// The socket through which `snapbi inbox` reads a redb store while this receiver has it.
    #[cfg(unix)]
    readers: Option<snap_store::ReadSocket>,
}

impl ReceiverHandle {
    /// The address it listens on.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The store of notifications.
    pub(crate) fn store(&self) -> &NotificationStore {
        &self.store
    }

    /// Stops accepting, finishes in-flight requests, stops forwarding.
    pub(crate) async fn shutdown(self) {
        let _ = self.stop.send(());
        if let Ok(Err(e)) = self.server.await {
            tracing::warn!(error = %e, "server stopped with an error");
        }
        for (stop, task) in self.tasks {
            let _ = stop.send(());
            let _ = task.await;
        }
        #[cfg(unix)]
        drop(self.readers);
    }
}

/// The journal file of snapbi builds before snap-store, beside the default store.
const OLD_JOURNAL: &str = "journal.redb";

/// Opens the configured store: creates the redb file's directory, or connects to PostgreSQL and
/// creates or upgrades the schema there.
async fn open_store(config: &ReceiverConfig) -> Result<NotificationStore, String> {
    if let StoreLocation::Redb(path) = &config.store
        && let Some(dir) = path.parent()
    {
        std::fs::create_dir_all(dir).map_err(|e| format!("store {}: {e}", dir.display()))?;
    }
    let old = match &config.store {
        StoreLocation::Redb(path) => Some(path.with_file_name(OLD_JOURNAL)),
        _ => None,
    };
    if let Some(old) = old.filter(|old| old.exists()) {
        tracing::warn!(
            journal = %old.display(),
            "this directory holds the journal of an earlier snapbi; its notifications are not in \
             the store: export them with the snapbi that wrote it (snapbi inbox export)"
        );
    }
    let store = NotificationStore::open(&config.store, config.store_connections)
        .await
        .map_err(|e| format!("store {}: {e}", config.store))?;
    Ok(store.with_lease(config.claim_lease))
}

/// Starts a receiver on its configured store.
pub(crate) async fn spawn(
    config: ReceiverConfig,
    forward: Option<String>,
) -> Result<ReceiverHandle, String> {
    let store = open_store(&config).await?;
    start(config, forward, store).await
}

/// Starts a receiver on a given store (the in-memory one is used by the benchmark).
pub(crate) async fn start(
    config: ReceiverConfig,
    forward: Option<String>,
    store: NotificationStore,
) -> Result<ReceiverHandle, String> {
    let store = Arc::new(store.with_outbox(forward.is_some()));
    // The server's one clock: it dates the claims, and the purge of old ones reads it too.
    let clock = SystemClock;
    purge::once(&store, &clock).await;
    let (doku, standard): (Vec<PartnerConfig>, Vec<PartnerConfig>) = config
        .partners
        .into_iter()
        .partition(|p| p.profile == PartnerProfile::Doku);
    let doku_ids: std::collections::HashSet<String> = doku
        .iter()
        .flat_map(|p| [p.client_id.clone(), p.partner_id.clone()])
        .collect();
    let server_of = |partners: Vec<PartnerConfig>| {
        let issuer =
            JwtTokenIssuer::new(&config.token_key).map_err(|e| format!("token_key: {e}"))?;
        let mut builder = SnapServer::builder()
            .clock(clock)
            .prefix(&config.prefix)
            .token_issuer(issuer)
            .replay_store_arc(Arc::clone(&store) as Arc<dyn snap_http::ReplayStore>);
        for p in partners {
            builder = builder.partner(partner(p)?);
        }
        Ok::<_, String>(builder)
    };
    // The standard partners: either VA payment shape (seed 000's or the standard's) and the
    // standard's debit notify, which seed bodies also satisfy.
    let standard =
        notifications(server_of(standard)?.mount::<AnyVaPayment, _, _, _>(on_va_payment))?;
    let mut server = ByProfile::new(standard);
    if !doku.is_empty() {
        // DOKU's partners: its dialect of the VA payment, the rest as the standard says.
        let doku = server_of(doku)?.mount::<DokuVaPaymentRequest, _, _, _>(on_doku_va_payment);
        server = server.with_doku(notifications(doku)?, doku_ids);
    }
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("listen {}: {e}", config.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(snap_http::serve(listener, log::requests(server), async {
        let _ = stopped.await;
    }));
    // A redb file is this process's alone: `snapbi inbox` reads it through this socket meanwhile.
    #[cfg(unix)]
    let readers = store.serve_readers().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "snapbi inbox cannot read the store while this receiver runs");
        None
    });
    let mut tasks = Vec::new();
    {
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(purge::every_hour(Arc::clone(&store), clock, async {
            let _ = stopped.await;
        }));
        tasks.push((stop, task));
    }
    match (forward, config.forward_secret) {
        (Some(url), Some(secret)) => {
            let forwarder =
                forward::Forwarder::new(Arc::clone(&store), &url, secret, config.claim_lease)?;
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
        store,
        stop,
        server,
        tasks,
        #[cfg(unix)]
        readers,
    })
}

/// A configured partner as snap-http's server knows it.
fn partner(p: PartnerConfig) -> Result<Partner, String> {
    let mode = match p.signature {
        SignatureMode::Symmetric => snap_http::SignatureMode::Symmetric,
        SignatureMode::Asymmetric => snap_http::SignatureMode::Asymmetric,
    };
    Ok(Partner::new(&p.client_id)
        .and_then(|x| x.with_partner_id(&p.partner_id))
        .and_then(|x| x.with_channels(p.channels.iter()))
        .map_err(|e| format!("partner {}: {e}", p.client_id))?
        .with_public_key(p.public_key)
        .with_client_secret(p.client_secret)
        .with_mode(mode))
}

/// The notifications every profile reads the standard's way (debit notify 56, QR notify 52).
fn notifications(builder: SnapServerBuilder) -> Result<SnapServer, String> {
    builder
        .mount::<StandardDebitNotification, _, _, _>(on_debit_notify)
        .qr_mpm_notify(on_qr_notify)
        .build()
        .map_err(|e| e.to_string())
}

/// Every notification in `store`, oldest first (the demo prints them).
pub(crate) async fn stored(
    store: &NotificationStore,
) -> Result<Vec<snap_store::StoredNotification>, String> {
    inbox::all(store)
        .await?
        .into_iter()
        .map(|entry| entry.map_err(|e| e.to_string()))
        .collect()
}

/// Lower-case hex, for the forward signature.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

// The handlers only answer: the server's idempotency step records the notification with the
// answer in the store, in one transaction, before the answer is sent.

/// The VA payment answer's body beside its response code: the paid VA, echoed.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct VaPaymentAnswer {
    virtual_account_data: VirtualAccountData,
}

async fn on_va_payment(
    _ctx: RequestContext,
    n: AnyVaPayment,
) -> Result<Outcome, snap_http::BoxError> {
    let trx_date_time = n.trx_date_time().and_then(|t| t.parse().ok());
    Ok(Outcome::success_with(VaPaymentAnswer {
        virtual_account_data: VirtualAccountData {
            partner_service_id: Some(n.partner_service_id().clone()),
            customer_no: n.customer_no().cloned(),
            virtual_account_no: Some(n.virtual_account_no().clone()),
            trx_date_time,
            trx_id: n.trx_id().map(str::to_owned),
        },
    }))
}

async fn on_doku_va_payment(
    ctx: RequestContext,
    n: DokuVaPaymentRequest,
) -> Result<Outcome, snap_http::BoxError> {
    on_va_payment(ctx, AnyVaPayment::Standard(n.0)).await
}

async fn on_debit_notify(
    _ctx: RequestContext,
    _n: StandardDebitNotification,
) -> Result<Outcome, snap_http::BoxError> {
    Ok(Outcome::success())
}

async fn on_qr_notify(
    _ctx: RequestContext,
    _n: QrMpmNotification,
) -> Result<Outcome, snap_http::BoxError> {
    Ok(Outcome::success())
}
