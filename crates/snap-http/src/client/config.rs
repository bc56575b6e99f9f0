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
use crate::error::{ConfigError, ConfigErrorKind, ConfigField};

/// Default time to open a TCP connection (and finish TLS).
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default time for a whole exchange: connect, send, and read the complete answer.
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Default margin before a token's expiry at which it is refreshed.
const DEFAULT_TOKEN_SKEW: Duration = Duration::from_secs(60);
/// Default cap on a response body; SNAP answers are a few kilobytes.
const DEFAULT_MAX_RESPONSE_BYTES: usize = 1 << 20;

/// Connection and identity settings of a [`SnapClient`](crate::SnapClient); start with
/// [`ClientConfig::builder`].
///
/// ```
/// use snap_crypto::{ClientSecret, RsaPrivateKey};
/// use snap_http::{ClientConfig, ProviderProfile};
///
/// let config = ClientConfig::builder()
///     .base_url("https://sandbox.example.com")
///     .client_id("7fb118fb-2738-4886-9817-8a2c4de43001".parse()?)
///     .channel_id("95221".parse()?)
///     .private_key(RsaPrivateKey::from_file("../../fixtures/keys/rsa2048-pkcs8.pem")?)
///     .client_secret(ClientSecret::new("secret"))
///     .profile(ProviderProfile::qoinhub())
///     .build()?
///     .with_origin("www.example.com")?
///     .with_request_timeout(std::time::Duration::from_secs(20));
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

/// Builder of a [`ClientConfig`]: each setting by name, ids typed.
#[derive(Default)]
pub struct ClientConfigBuilder {
    base_url: Option<String>,
    client_id: Option<PartnerId>,
    partner_id: Option<PartnerId>,
    channel_id: Option<ChannelId>,
    private_key: Option<Arc<dyn Signer>>,
    client_secret: Option<Arc<dyn Signer>>,
    profile: Option<ProviderProfile>,
}

impl fmt::Debug for ClientConfigBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfigBuilder")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("channel_id", &self.channel_id)
            .finish_non_exhaustive()
    }
}

fn config_error(field: ConfigField, kind: ConfigErrorKind) -> ClientError {
    ClientError::Config(ConfigError::new(field, kind))
}

impl ClientConfigBuilder {
    /// The provider's base URL, `https://host[:port][/prefix]` (`http://` is accepted and meant
    /// for loopback tests). Required.
    #[must_use]
    pub fn base_url(mut self, url: &str) -> Self {
        self.base_url = Some(url.to_owned());
        self
    }

    /// The client id, sent as `X-CLIENT-KEY` (and as `X-PARTNER-ID` unless
    /// [`partner_id`](Self::partner_id) is set). Required.
    #[must_use]
    pub fn client_id(mut self, client_id: PartnerId) -> Self {
        self.client_id = Some(client_id);
        self
    }

    /// An `X-PARTNER-ID` other than the client id (for providers that issue both).
    #[must_use]
    pub fn partner_id(mut self, partner_id: PartnerId) -> Self {
        self.partner_id = Some(partner_id);
        self
    }

    /// The PJP's `CHANNEL-ID`. Required.
    #[must_use]
    pub fn channel_id(mut self, channel_id: ChannelId) -> Self {
        self.channel_id = Some(channel_id);
        self
    }

    /// The RSA private key of the auth (and asymmetric) signatures: any [`Signer`] with
    /// SHA256withRSA, so a KMS works too. Required.
    #[must_use]
    pub fn private_key(self, key: impl Signer + 'static) -> Self {
        self.private_key_arc(Arc::new(key))
    }

    /// Like [`private_key`](Self::private_key) for a shared signer.
    #[must_use]
    pub fn private_key_arc(mut self, key: Arc<dyn Signer>) -> Self {
        self.private_key = Some(key);
        self
    }

    /// The client secret: the HMAC-SHA512 key of symmetric signatures (any [`Signer`] of that
    /// algorithm). Required by symmetric profiles.
    #[must_use]
    pub fn client_secret(self, secret: impl Signer + 'static) -> Self {
        self.client_secret_arc(Arc::new(secret))
    }

    /// Like [`client_secret`](Self::client_secret) for a shared signer.
    #[must_use]
    pub fn client_secret_arc(mut self, secret: Arc<dyn Signer>) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// Where the provider mounts its services, its token path, timestamp style and signature
    /// mode. Required.
    #[must_use]
    pub fn profile(mut self, profile: ProviderProfile) -> Self {
        self.profile = Some(profile);
        self
    }

    /// Checks the settings.
    ///
    /// # Errors
    ///
    /// [`ClientError::Config`] naming the field: a required one missing, a base URL that is not
    /// `http(s)://host[/prefix]`.
    pub fn build(self) -> Result<ClientConfig, ClientError> {
        use ConfigErrorKind::{Invalid, Missing};
        let base_url = self
            .base_url
            .ok_or(config_error(ConfigField::BaseUrl, Missing))?;
        let invalid = |why: String| config_error(ConfigField::BaseUrl, Invalid(why));
        let uri: Uri = base_url.parse().map_err(|e| invalid(format!("{e}")))?;
        let scheme = uri
            .scheme()
            .filter(|s| s.as_str() == "https" || s.as_str() == "http")
            .cloned()
            .ok_or_else(|| invalid("must start with https:// or http://".into()))?;
        let authority = uri
            .authority()
            .cloned()
            .ok_or_else(|| invalid("no host".into()))?;
        if uri.query().is_some() {
            return Err(invalid("must not have a query string".into()));
        }
        let client_id = self
            .client_id
            .ok_or(config_error(ConfigField::ClientId, Missing))?;
        Ok(ClientConfig {
            scheme,
            authority,
            base_path: uri.path().trim_end_matches('/').to_owned(),
            partner_id: self.partner_id.unwrap_or_else(|| client_id.clone()),
            client_id,
            channel_id: self
                .channel_id
                .ok_or(config_error(ConfigField::ChannelId, Missing))?,
            origin: None,
            private_key: self
                .private_key
                .ok_or(config_error(ConfigField::PrivateKey, Missing))?,
            client_secret: self.client_secret,
            profile: self
                .profile
                .ok_or(config_error(ConfigField::Profile, Missing))?,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            token_skew: DEFAULT_TOKEN_SKEW,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        })
    }
}

impl ClientConfig {
    /// Starts a configuration.
    pub fn builder() -> ClientConfigBuilder {
        ClientConfigBuilder::default()
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
    ///
    /// # Errors
    ///
    /// [`ClientError::Config`] when `origin` is not a valid header value.
    pub fn with_origin(mut self, origin: &str) -> Result<Self, ClientError> {
        let value = HeaderValue::from_str(origin).map_err(|_| {
            let kind = ConfigErrorKind::Invalid("not a valid header value".into());
            config_error(ConfigField::Origin, kind)
        })?;
        self.origin = Some(value);
        Ok(self)
    }

    /// Sends this `X-PARTNER-ID` instead of the client id (for providers that issue both).
    #[must_use]
    pub fn with_partner_id(mut self, partner_id: PartnerId) -> Self {
        self.partner_id = partner_id;
        self
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
    ///
    /// # Errors
    ///
    /// [`ClientError::Config`] when the path is not a valid URI path.
    pub fn url(&self, path: &str) -> Result<Uri, ClientError> {
        let full_path = self.full_path(path);
        Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone())
            .path_and_query(full_path.as_str())
            .build()
            .map_err(|e| {
                let kind = ConfigErrorKind::Invalid(e.to_string());
                ClientError::Config(ConfigError::new(ConfigField::ServicePath, kind).about(path))
            })
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
            let missing = ConfigError::new(ConfigField::ClientSecret, ConfigErrorKind::Missing);
            return Err(ClientError::Config(missing.about(self.profile.name())));
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
