//! A small closed-loop HTTP/1.1 load generator for benchmarks on loopback: a fixed number of
//! keep-alive connections, each sending one request after another for a fixed time, from one
//! pre-signed template. X-EXTERNAL-ID is not covered by SNAP signatures, so every request gets a
//! distinct one without signing again: the load measures the server, not the client's crypto.
//!
//! Bench tooling, not API: snap-http's `server` bench has it as `mod support`, snapbi's `receive`
//! bench includes this file by path.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::HeaderValue;
use http_body_util::{BodyExt as _, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

use snap_http::headers::X_EXTERNAL_ID;
use snap_http::testing::SignedRequest;

/// Any failure of the load run (connecting, building a request).
type Error = Box<dyn std::error::Error + Send + Sync>;

/// How to drive the load.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub(crate) struct LoadOptions {
    /// Concurrent keep-alive connections.
    pub(crate) connections: usize,
    /// Time before measuring starts (connections warm up, caches fill).
    pub(crate) warm_up: Duration,
    /// Measured time.
    pub(crate) duration: Duration,
    /// The first X-EXTERNAL-ID; each request takes the next number.
    pub(crate) first_external_id: u64,
}

impl LoadOptions {
    /// `connections` connections measured for `duration` after a 500 ms warm-up.
    pub(crate) fn new(connections: usize, duration: Duration) -> Self {
        Self {
            connections,
            warm_up: Duration::from_millis(500),
            duration,
            first_external_id: 1,
        }
    }
}

/// What a load run measured.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub(crate) struct LoadReport {
    /// Latency of every successful (2xx) request completed in the measured window, in µs, sorted.
    pub(crate) latencies_us: Vec<u32>,
    /// Requests that failed or were not answered 2xx.
    pub(crate) errors: u64,
    /// The measured window.
    pub(crate) measured: Duration,
    /// Every request sent, warm-up included (for cost-per-request figures).
    pub(crate) sent: u64,
}

impl LoadReport {
    /// Successful requests per second over the measured window.
    pub(crate) fn requests_per_second(&self) -> f64 {
        self.latencies_us.len() as f64 / self.measured.as_secs_f64()
    }

    /// The latency at quantile `q` (0.5 = median) in µs; 0 when nothing completed.
    pub(crate) fn percentile_us(&self, q: f64) -> u32 {
        if self.latencies_us.is_empty() {
            return 0;
        }
        let last = self.latencies_us.len() - 1;
        let index = ((last as f64) * q.clamp(0.0, 1.0)).round() as usize;
        self.latencies_us[index.min(last)]
    }
}

/// Drives `template` against `addr` and reports what it measured.
pub(crate) async fn run(
    addr: SocketAddr,
    template: SignedRequest,
    options: LoadOptions,
) -> Result<LoadReport, Error> {
    let template = Arc::new(template);
    let counter = Arc::new(AtomicU64::new(options.first_external_id));
    let measure_from = Instant::now() + options.warm_up;
    let end = measure_from + options.duration;
    let mut tasks = Vec::with_capacity(options.connections);
    for _ in 0..options.connections {
        let (template, counter) = (Arc::clone(&template), Arc::clone(&counter));
        tasks.push(tokio::spawn(async move {
            connection(addr, &template, &counter, measure_from, end).await
        }));
    }
    let mut latencies_us = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (latencies, errs) = task.await.map_err(|e| -> Error { Box::new(e) })??;
        latencies_us.extend(latencies);
        errors += errs;
    }
    latencies_us.sort_unstable();
    let sent = counter.load(Ordering::Relaxed) - options.first_external_id;
    Ok(LoadReport {
        latencies_us,
        errors,
        measured: options.duration,
        sent,
    })
}

async fn connect(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, Error> {
    let stream = tokio::net::TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    Ok(sender)
}

async fn connection(
    addr: SocketAddr,
    template: &SignedRequest,
    counter: &AtomicU64,
    measure_from: Instant,
    end: Instant,
) -> Result<(Vec<u32>, u64), Error> {
    let mut sender = connect(addr).await?;
    let mut latencies = Vec::with_capacity(16 * 1024);
    let mut errors = 0;
    loop {
        let sent = Instant::now();
        if sent >= end {
            break;
        }
        let mut request = template.clone();
        request.set(
            X_EXTERNAL_ID,
            &counter.fetch_add(1, Ordering::Relaxed).to_string(),
        )?;
        let mut request = request.into_request()?;
        request
            .headers_mut()
            .insert(http::header::HOST, HeaderValue::from_static("load"));
        let ok = match sender.send_request(request).await {
            Ok(response) => {
                let success = response.status().is_success();
                success && response.into_body().collect().await.is_ok()
            }
            Err(_) => false,
        };
        let done = Instant::now();
        if !ok {
            errors += 1;
            if sender.ready().await.is_err() {
                sender = connect(addr).await?;
            }
        } else if sent >= measure_from && done <= end {
            latencies
                .push(u32::try_from(done.duration_since(sent).as_micros()).unwrap_or(u32::MAX));
        }
    }
    Ok((latencies, errors))
}
