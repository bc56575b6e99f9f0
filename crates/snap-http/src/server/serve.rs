//! Running a service on a TCP listener with hyper, with graceful shutdown.

use std::future::Future;
use std::pin::pin;
use std::time::Duration;

use http::{Request, Response};
use http_body::Body;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::ServiceExt as _;

use crate::error::BoxError;

/// How long a client may take to send the request head (the body has its own deadline).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves HTTP/1.1 on `listener` with `service` (a [`SnapServer`](crate::SnapServer), or any
/// tower service, e.g. an axum `Router` around one) until `shutdown` resolves; then stops
/// accepting, lets in-flight requests finish, closes idle keep-alive connections and returns.
///
/// ```no_run
/// # async fn run(server: snap_http::SnapServer) -> std::io::Result<()> {
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
/// snap_http::serve(listener, server, async {
///     let _ = tokio::signal::ctrl_c().await;
/// })
/// .await
/// # }
/// ```
pub async fn serve<S, ResBody, F>(
    listener: TcpListener,
    service: S,
    shutdown: F,
) -> std::io::Result<()>
where
    S: tower::Service<Request<Incoming>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
    ResBody: Body + Send + 'static,
    ResBody::Data: Send,
    ResBody::Error: Into<BoxError>,
    F: Future<Output = ()>,
{
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut shutdown = pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => {
                let stream = match accepted {
                    Ok((stream, _)) => stream,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!(error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                // SNAP messages are small request/response pairs: Nagle only adds latency.
                let _ = stream.set_nodelay(true);
                let service = service.clone();
                let mut stop = stop_rx.clone();
                connections.spawn(async move {
                    let hyper_service = hyper::service::service_fn(move |request: Request<Incoming>| {
                        service.clone().oneshot(request)
                    });
                    let mut builder = http1::Builder::new();
                    builder.timer(TokioTimer::new()).header_read_timeout(HEADER_READ_TIMEOUT);
                    let connection = builder.serve_connection(TokioIo::new(stream), hyper_service);
                    let mut connection = pin!(connection);
                    tokio::select! {
                        result = connection.as_mut() => {
                            if let Err(e) = result {
                                tracing::debug!(error = %e, "connection ended with an error");
                            }
                        }
                        () = async { let _ = stop.wait_for(|stop| *stop).await; } => {
                            connection.as_mut().graceful_shutdown();
                            let _ = connection.await;
                        }
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    stop_tx.send_replace(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}
