//! Correctly signed SNAP requests for tests (feature `testing`): what a provider would send, for a
//! partner, at a given time.
//!
//! ```
//! use snap_crypto::{ClientSecret, RsaPrivateKey};
//! use snap_http::testing::TestPartner;
//!
//! let pem = std::fs::read("../../fixtures/keys/rsa2048-pkcs8.pem")?;
//! let partner = TestPartner::new("QoinSnap")
//!     .with_private_key(RsaPrivateKey::parse(&pem)?)
//!     .with_client_secret(ClientSecret::new("secret"));
//! let ts = "2025-07-06T14:12:50+07:00";
//! let token_request = partner.token_request("/api/v1.0/access-token/b2b", ts)?;
//! assert_eq!(token_request.header("x-client-key"), Some("QoinSnap"));
//! let notification = partner.notification(
//!     "/api/v1.0/debit/notify", Some("the-token"), br#"{"a": 1}"#.to_vec(), ts, "41807553358950093184162180797837",
//! )?;
//! assert_eq!(notification.header("authorization"), Some("Bearer the-token"));
//! let request = notification.into_request_to("http://127.0.0.1:8080")?;
//! assert_eq!(request.uri().to_string(), "http://127.0.0.1:8080/api/v1.0/debit/notify");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request};
use http_body_util::Full;
use snap_crypto::{
    AuthRequest, ServiceRequest, SignatureOptions, Signer, TimestampStyle, format_timestamp,
};
use time::OffsetDateTime;

use crate::Error;
use crate::error::{ConfigError, ConfigErrorKind, ConfigField};
use crate::headers::{
    CHANNEL_ID, X_CLIENT_KEY, X_EXTERNAL_ID, X_PARTNER_ID, X_SIGNATURE, X_TIMESTAMP,
};

/// The standard access-token request body.
pub const TOKEN_REQUEST_BODY: &[u8] = br#"{"grantType":"client_credentials","additionalInfo":{}}"#;

/// `instant` as an X-TIMESTAMP in the standard form (`2020-12-17T10:55:00+07:00`).
pub fn timestamp_at(instant: OffsetDateTime) -> String {
    format_timestamp(instant, TimestampStyle::Wib)
}

/// The sender's side of a partner: its ids and signing keys.
#[derive(Clone)]
pub struct TestPartner {
    client_id: String,
    partner_id: String,
    channel_id: Option<String>,
    private_key: Option<Arc<dyn Signer>>,
    client_secret: Option<Arc<dyn Signer>>,
    options: SignatureOptions,
}

impl fmt::Debug for TestPartner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestPartner")
            .field("client_id", &self.client_id)
            .field("partner_id", &self.partner_id)
            .field("channel_id", &self.channel_id)
            .finish_non_exhaustive()
    }
}

impl TestPartner {
    /// A partner with this client id (also its X-PARTNER-ID) and CHANNEL-ID `95221` (seed 000).
    pub fn new(client_id: &str) -> Self {
        Self {
            client_id: client_id.to_owned(),
            partner_id: client_id.to_owned(),
            channel_id: Some("95221".to_owned()),
            private_key: None,
            client_secret: None,
            options: SignatureOptions::standard(),
        }
    }

    /// A distinct X-PARTNER-ID for notifications.
    #[must_use]
    pub fn with_partner_id(mut self, partner_id: &str) -> Self {
        self.partner_id = partner_id.to_owned();
        self
    }

    /// The CHANNEL-ID to send, or `None` to send none.
    #[must_use]
    pub fn with_channel_id(mut self, channel_id: Option<&str>) -> Self {
        self.channel_id = channel_id.map(str::to_owned);
        self
    }

    /// The RSA private key (token requests, asymmetric notifications).
    #[must_use]
    pub fn with_private_key(mut self, key: impl Signer + 'static) -> Self {
        self.private_key = Some(Arc::new(key));
        self
    }

    /// The client secret (symmetric notifications).
    #[must_use]
    pub fn with_client_secret(mut self, secret: impl Signer + 'static) -> Self {
        self.client_secret = Some(Arc::new(secret));
        self
    }

    /// Provider variations of the string-to-sign.
    #[must_use]
    pub fn with_signature_options(mut self, options: SignatureOptions) -> Self {
        self.options = options;
        self
    }

    /// `POST path` for an access token, signed `clientId|timestamp` with the private key.
    pub fn token_request(&self, path: &str, timestamp: &str) -> Result<SignedRequest, Error> {
        let key = self
            .private_key
            .as_deref()
            .ok_or_else(|| missing(ConfigField::PrivateKey))?;
        let signed = AuthRequest::new(&self.client_id).with_timestamp(timestamp);
        let signature = snap_crypto::sign_auth(&signed, key)?;
        let mut request =
            SignedRequest::new(Method::POST, path, Bytes::from_static(TOKEN_REQUEST_BODY));
        request.set(X_TIMESTAMP, timestamp)?;
        request.set(X_CLIENT_KEY, &self.client_id)?;
        request.set(X_SIGNATURE, &signature)?;
        Ok(request)
    }

    /// `POST path` with `body`: symmetric (HMAC with the client secret, `Authorization: Bearer`)
    /// when `token` is given, asymmetric (RSA with the private key, no token) otherwise.
    pub fn notification(
        &self,
        path: &str,
        token: Option<&str>,
        body: impl Into<Bytes>,
        timestamp: &str,
        external_id: &str,
    ) -> Result<SignedRequest, Error> {
        self.service_request(
            Method::POST,
            path,
            token,
            body.into(),
            timestamp,
            external_id,
        )
    }

    /// Like [`TestPartner::notification`] for any method.
    pub fn service_request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Bytes,
        timestamp: &str,
        external_id: &str,
    ) -> Result<SignedRequest, Error> {
        let signed = ServiceRequest::new(method.as_str(), path)
            .with_body(&body)
            .with_timestamp(timestamp)
            .with_options(self.options);
        let signature = match token {
            Some(token) => {
                let secret = self
                    .client_secret
                    .as_deref()
                    .ok_or_else(|| missing(ConfigField::ClientSecret))?;
                snap_crypto::sign(&signed.with_token(token), secret)?
            }
            None => {
                let key = self
                    .private_key
                    .as_deref()
                    .ok_or_else(|| missing(ConfigField::PrivateKey))?;
                snap_crypto::sign(&signed, key)?
            }
        };
        let mut request = SignedRequest::new(method, path, body);
        if let Some(token) = token {
            request.set(http::header::AUTHORIZATION, &format!("Bearer {token}"))?;
        }
        request.set(X_TIMESTAMP, timestamp)?;
        request.set(X_SIGNATURE, &signature)?;
        request.set(X_PARTNER_ID, &self.partner_id)?;
        request.set(X_EXTERNAL_ID, external_id)?;
        if let Some(channel) = &self.channel_id {
            request.set(CHANNEL_ID, channel)?;
        }
        Ok(request)
    }
}

/// A signed request, open to changes before it is sent (drop a header, break a byte).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SignedRequest {
    /// The method.
    pub method: Method,
    /// The path and query, as signed.
    pub path: String,
    /// The headers (`Content-Type` and the SNAP headers).
    pub headers: HeaderMap,
    /// The body, as signed.
    pub body: Bytes,
}

impl SignedRequest {
    fn new(method: Method, path: &str, body: Bytes) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Self {
            method,
            path: path.to_owned(),
            headers,
            body,
        }
    }

    /// Sets a header.
    pub fn set(&mut self, name: HeaderName, value: &str) -> Result<(), Error> {
        let value = HeaderValue::from_str(value).map_err(|e| Error::Http(e.into()))?;
        self.headers.insert(name, value);
        Ok(())
    }

    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The request with an origin-form URI (`/api/v1.0/...`), for a `tower::Service` or a
    /// connection-level hyper client.
    pub fn into_request(self) -> Result<Request<Full<Bytes>>, Error> {
        let path = self.path.clone();
        self.build(&path)
    }

    /// The request with an absolute URI (`base` = `http://127.0.0.1:8080`), for a pooled client.
    pub fn into_request_to(self, base: &str) -> Result<Request<Full<Bytes>>, Error> {
        let uri = format!("{}{}", base.trim_end_matches('/'), self.path);
        self.build(&uri)
    }

    fn build(self, uri: &str) -> Result<Request<Full<Bytes>>, Error> {
        let mut builder = Request::builder().method(self.method).uri(uri);
        if let Some(headers) = builder.headers_mut() {
            *headers = self.headers;
        }
        Ok(builder.body(Full::new(self.body))?)
    }
}

/// The error of a test partner without the key a request needs.
fn missing(field: ConfigField) -> Error {
    ConfigError::new(field, ConfigErrorKind::Missing).into()
}
