//! The HTTP(S) transport under the signing layer: hyper-util's pooled client over hyper-rustls
//! (ring only, Mozilla's roots plus the OS store with `native-roots`), with a deadline on the whole
//! exchange and a cap on the answer's size.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use tower::Service;

use crate::client::config::ClientConfig;
use crate::client::error::ClientError;
use crate::client::sign::BoxFuture;

/// Sends `http::Request<Bytes>` and returns the complete answer as `http::Response<Bytes>`.
///
/// HTTPS uses rustls with the ring provider and trusts the Mozilla root store (webpki-roots); with
/// the `native-roots` feature it also trusts the certificates of the operating system's store (a
/// provider behind a private CA that the machine trusts). Plain `http://` is allowed (for loopback
/// tests and local sandboxes). Connections are pooled; the
/// service is cheap to clone. An exchange that does not finish within the request timeout ends
/// with [`ClientError::Timeout`]; an answer larger than the configured cap is a
/// [`ClientError::MalformedResponse`].
#[derive(Clone)]
pub struct HttpTransport {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    request_timeout: Duration,
    max_response_bytes: usize,
}

impl HttpTransport {
    /// A transport with the timeouts and size cap of `config`.
    pub fn new(config: &ClientConfig) -> Result<Self, ClientError> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(config.connect_timeout));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(ClientError::transport)?
            .with_root_certificates(root_store())
            .with_no_client_auth();
        let https = HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new()).build(https);
        Ok(Self {
            client,
            request_timeout: config.request_timeout,
            max_response_bytes: config.max_response_bytes,
        })
    }

    async fn exchange(
        client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
        request: Request<Bytes>,
        max: usize,
    ) -> Result<Response<Bytes>, ClientError> {
        let (parts, body) = request.into_parts();
        let response = client
            .request(Request::from_parts(parts, Full::new(body)))
            .await
            .map_err(ClientError::transport)?;
        let (parts, body) = response.into_parts();
        let status = parts.status.as_u16();
        let collected = Limited::new(body, max).collect().await.map_err(|e| {
            if e.downcast_ref::<LengthLimitError>().is_some() {
                ClientError::malformed(status, format!("response body larger than {max} bytes"))
            } else {
                ClientError::Transport(e)
            }
        })?;
        Ok(Response::from_parts(parts, collected.to_bytes()))
    }
}

/// The certificates a provider's chain may end in: Mozilla's, plus the operating system's store
/// with `native-roots`.
fn root_store() -> rustls::RootCertStore {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    #[cfg(feature = "native-roots")]
    {
        // Unreadable files or certificates in the store are skipped (as every TLS client does);
        // the Mozilla roots remain.
        let native = rustls_native_certs::load_native_certs();
        for error in &native.errors {
            tracing::warn!(%error, "operating system certificate store");
        }
        let (added, ignored) = roots.add_parsable_certificates(native.certs);
        tracing::debug!(added, ignored, "operating system root certificates");
    }
    roots
}

impl fmt::Debug for HttpTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpTransport")
            .field("request_timeout", &self.request_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

impl Service<Request<Bytes>> for HttpTransport {
    type Response = Response<Bytes>;
    type Error = ClientError;
    type Future = BoxFuture<Result<Response<Bytes>, ClientError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // The pooled client queues internally; it is always ready.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        let client = self.client.clone();
        let deadline = self.request_timeout;
        let max = self.max_response_bytes;
        Box::pin(async move {
            match tokio::time::timeout(deadline, Self::exchange(client, request, max)).await {
                Ok(result) => result,
                Err(_) => Err(ClientError::Timeout(deadline)),
            }
        })
    }
}
