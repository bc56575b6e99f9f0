//! What a client needs to know about its provider and itself.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderValue, Uri};
use snap_crypto::Signer;
use snap_types::{ChannelId, PartnerId};

use crate::SignatureMode;
use crate::client::error::ClientError;
use crate::client::profile::ProviderProfile;

/// Default time to open a TCP connection (and finish TLS).
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time for a whole exchange: connect, send, and read the complete answer.
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Default margin before a token's expiry at which it is refreshed.
const DEFAULT_TOKEN_SKEW: Duration = Duration::from_secs(60);
/// Default cap on a response body; SNAP answers are a few kilobytes.
const DEFAULT_MAX_RESPONSE_BYTES: usize = 1 << 20;

/// Connection and identity settings of a [`SnapClient`](crate::SnapClient).
///
/// ```
/// use snap_crypto::{ClientSecret, RsaPrivateKey};
/// use snap_http::{ClientConfig, ProviderProfile};
///
/// let key = RsaPrivateKey::from_file("../../fixtures/keys/rsa2048-pkcs8.pem")?;
/// let config = ClientConfig::new(
///     "https://sandbox.example.com",
///     "7fb118fb-2738-4886-9817-8a2c4de43001",
///     "95221",
///     key,
///     ProviderProfile::qoinhub(),
/// )?
/// .with_client_secret(ClientSecret::new("secret"))
/// .with_origin("www.example.com")?
/// .with_request_timeout(std::time::Duration::from_secs(20));
/// assert_eq!(config.profile().name(), "qoinhub");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct ClientConfig {
    pub(crate) scheme: http::uri::Scheme,
    pub(crate) authority: http::uri::Authority,
    /// Path of the base URL without its trailing `/` (`""` or `/sandbox`).
    pub(crate) base_path: String,
    pub(crate) client_id: PartnerId,
    pub(crate) partner_id: PartnerId,
    pub(crate) channel_id: ChannelId,
    pub(crate) origin: Option<HeaderValue>,
    pub(crate) private_key: Arc<dyn Signer>,
    pub(crate) client_secret: Option<Arc<dyn Signer>>,
    pub(crate) profile: ProviderProfile,
    pub(crate) connect_timeout: Duration,
    pub(crate) request_timeout: Duration,
    pub(crate) token_skew: Duration,
    pub(crate) max_response_bytes: usize,
}

impl ClientConfig {
    /// A configuration for `base_url` (`https://host[:port][/prefix]`; `http://` is accepted and
    /// meant for loopback tests), the client id (sent as `X-CLIENT-KEY` and `X-PARTNER-ID`), the
    /// PJP's `CHANNEL-ID`, the RSA private key (any [`Signer`] with SHA256withRSA, so a KMS works
    /// too) and the provider profile.
    ///
    /// Symmetric profiles also need [`ClientConfig::with_client_secret`].
    pub fn new(
        base_url: &str,
        client_id: &str,
        channel_id: &str,
        private_key: impl Signer + 'static,
        profile: ProviderProfile,
    ) -> Result<Self, ClientError> {
        Self::with_signer(
            base_url,
            client_id,
            channel_id,
            Arc::new(private_key),
            profile,
        )
    }

    /// [`ClientConfig::new`] with a shared signer.
    pub fn with_signer(
        base_url: &str,
        client_id: &str,
        channel_id: &str,
        private_key: Arc<dyn Signer>,
        profile: ProviderProfile,
    ) -> Result<Self, ClientError> {
        let uri: Uri = base_url
            .parse()
            .map_err(|e| ClientError::Config(format!("base URL {base_url:?}: {e}")))?;
        let scheme = uri
            .scheme()
            .filter(|s| s.as_str() == "https" || s.as_str() == "http")
            .cloned()
            .ok_or_else(|| {
                ClientError::Config(format!(
                    "base URL {base_url:?} must start with https:// or http://"
                ))
            })?;
        let authority = uri
            .authority()
            .cloned()
            .ok_or_else(|| ClientError::Config(format!("base URL {base_url:?} has no host")))?;
        if uri.query().is_some() {
            return Err(ClientError::Config(format!(
                "base URL {base_url:?} must not have a query string"
            )));
        }
        let base_path = uri.path().trim_end_matches('/').to_owned();
        let client_id: PartnerId = client_id
            .parse()
            .map_err(|e| ClientError::Config(format!("client id: {e}")))?;
        let channel_id: ChannelId = channel_id
            .parse()
            .map_err(|e| ClientError::Config(format!("channel id: {e}")))?;
        Ok(Self {
            scheme,
            authority,
            base_path,
            partner_id: client_id.clone(),
            client_id,
            channel_id,
            origin: None,
            private_key,
            client_secret: None,
            profile,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            token_skew: DEFAULT_TOKEN_SKEW,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        })
    }

    /// Sets the client secret (the HMAC-SHA512 key of symmetric signatures).
    #[must_use]
    pub fn with_client_secret(mut self, secret: impl Signer + 'static) -> Self {
        self.client_secret = Some(Arc::new(secret));
        self
    }

    /// Sets a shared client-secret signer.
    #[must_use]
    pub fn with_client_secret_signer(mut self, secret: Arc<dyn Signer>) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// Sends `ORIGIN` with every service request.
    pub fn with_origin(mut self, origin: &str) -> Result<Self, ClientError> {
        let value = HeaderValue::from_str(origin).map_err(|_| {
            ClientError::Config(format!("origin {origin:?} is not a valid header value"))
        })?;
        self.origin = Some(value);
        Ok(self)
    }

    /// Sends this `X-PARTNER-ID` instead of the client id (for providers that issue both).
    pub fn with_partner_id(mut self, partner_id: &str) -> Result<Self, ClientError> {
        self.partner_id = partner_id
            .parse()
            .map_err(|e| ClientError::Config(format!("partner id: {e}")))?;
        Ok(self)
    }

    /// Sets the time allowed to connect (TCP and TLS). Default 10 s.
    #[must_use]
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the time allowed for a whole exchange, from connecting to the last byte of the
    /// answer. Default 30 s.
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Sets how long before its expiry a cached token is replaced. Default 60 s.
    #[must_use]
    pub fn with_token_skew(mut self, skew: Duration) -> Self {
        self.token_skew = skew;
        self
    }

    /// Sets the largest response body accepted. Default 1 MiB.
    #[must_use]
    pub fn with_max_response_bytes(mut self, max: usize) -> Self {
        self.max_response_bytes = max;
        self
    }

    /// The provider profile.
    pub fn profile(&self) -> &ProviderProfile {
        &self.profile
    }

    /// The client id (`X-CLIENT-KEY`).
    pub fn client_id(&self) -> &PartnerId {
        &self.client_id
    }

    /// The `X-PARTNER-ID` sent on service requests.
    pub fn partner_id(&self) -> &PartnerId {
        &self.partner_id
    }

    /// The `CHANNEL-ID`.
    pub fn channel_id(&self) -> &ChannelId {
        &self.channel_id
    }

    /// The full URL for a path (`/ordersnap/api/v1.0/...`), the base URL's own path in front.
    pub fn url(&self, path: &str) -> Result<Uri, ClientError> {
        let full_path = self.full_path(path);
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(full_path.as_str())
            .build()
            .map_err(|e| ClientError::Config(format!("path {path:?}: {e}")))
    }

    pub(crate) fn full_path(&self, path: &str) -> String {
        if path.starts_with('/') {
            format!("{}{path}", self.base_path)
        } else {
            format!("{}/{path}", self.base_path)
        }
    }

    /// Checks that the profile's signature mode has the key it needs.
    pub(crate) fn check(&self) -> Result<(), ClientError> {
        if self.profile.signature_mode() == SignatureMode::Symmetric && self.client_secret.is_none()
        {
            return Err(ClientError::Config(format!(
                "profile {} signs symmetrically and needs a client secret",
                self.profile.name()
            )));
        }
        Ok(())
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field(
                "base_url",
                &format_args!("{}://{}{}", self.scheme, self.authority, self.base_path),
            )
            .field("client_id", &self.client_id)
            .field("partner_id", &self.partner_id)
            .field("channel_id", &self.channel_id)
            .field("origin", &self.origin)
            .field("private_key", &self.private_key.algorithm())
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("profile", &self.profile)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("token_skew", &self.token_skew)
            .finish_non_exhaustive()
    }
}
