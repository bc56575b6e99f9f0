//! Logs of the receiver through tracing: `RUST_LOG` filters them (default `info`), written to
//! stderr as plain text or JSON lines.
//!
//! Every request gets one span and one line when it is answered: method, path, `X-PARTNER-ID`,
//! `X-EXTERNAL-ID`, status and latency. Headers that carry secrets (`Authorization`,
//! `X-SIGNATURE`, `X-CLIENT-KEY`'s signature) and bodies are never logged.

use http::Request;
use tower::Layer as _;
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{
    DefaultOnBodyChunk, DefaultOnEos, DefaultOnFailure, DefaultOnResponse, MakeSpan, Trace,
    TraceLayer,
};
use tracing::{Level, Span};
use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Plain,
    /// One JSON object per line.
    Json,
}

/// Installs the process's subscriber (once; later calls change nothing).
pub(crate) fn install(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // An error means a subscriber is already installed (the demo runs in one process).
    let _ = match format {
        LogFormat::Plain => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// The span of one request: only headers that identify it, never ones that authenticate it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        let header = |name: &str| {
            request
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %request.uri().path(),
            partner_id = %header("x-partner-id"),
            external_id = %header("x-external-id"),
        )
    }
}

/// The server wrapped in the per-request log.
pub(crate) type Logged<S> = Trace<
    S,
    SharedClassifier<ServerErrorsAsFailures>,
    RequestSpan,
    (),
    DefaultOnResponse,
    DefaultOnBodyChunk,
    DefaultOnEos,
    DefaultOnFailure,
>;

/// Wraps `service` so each request is logged when answered.
pub(crate) fn requests<S>(service: S) -> Logged<S> {
    TraceLayer::new_for_http()
        .make_span_with(RequestSpan)
        .on_request(())
        .on_response(
            DefaultOnResponse::new()
                .level(Level::INFO)
                .latency_unit(tower_http::LatencyUnit::Micros),
        )
        .layer(service)
}
