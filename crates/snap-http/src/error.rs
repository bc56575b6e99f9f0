//! The crate's error type.

use std::fmt;

/// A boxed error from a handler or a body.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Everything that can go wrong in snap-http outside of answering a request (requests that fail
/// become SNAP responses, see [`Rejection`](crate::Rejection)).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value could not be serialized to JSON.
    #[error("JSON serialization failed: {0}")]
    Json(#[source] serde_json::Error),
    /// [`Fields::from_object`](crate::Fields::from_object) got something that is not a JSON object.
    #[error("response fields must serialize to a JSON object")]
    NotAnObject,
    /// `responseCode` / `responseMessage` are written by the server, not by a handler.
    #[error("{0} is written by the server and cannot be set as a field")]
    ReservedField(String),
    /// The configuration cannot work (a partner without the key its mode needs, two routes on
    /// one path, a short token key, ...): which field, and what is wrong with it.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A signature or key operation failed.
    #[error(transparent)]
    Crypto(#[from] snap_crypto::Error),
    /// A value refused by a snap-types newtype (ids, timestamps).
    #[error(transparent)]
    Value(#[from] snap_types::Error),
    /// The replay store failed (connection lost, disk error).
    #[error("replay store: {0}")]
    Store(#[source] BoxError),
    /// A token could not be issued.
    #[error("token issuer: {0}")]
    Token(String),
    /// An HTTP value could not be built (a header value with forbidden bytes, a bad URI).
    #[error("HTTP: {0}")]
    Http(#[from] http::Error),
    /// I/O on a listener or connection.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// A configuration mistake, server or client side: the field and what is wrong with it (and
/// which partner, path or value it concerns, when there are several).
///
/// ```
/// use snap_http::{ConfigErrorKind, ConfigField, Error, Partner, SnapServer};
///
/// let without_secret = Partner::new("QoinSnap")?;
/// let Err(Error::Config(e)) = SnapServer::builder().partner(without_secret).build() else {
///     panic!("a symmetric partner needs a client secret");
/// };
/// assert_eq!((e.field(), e.kind()), (ConfigField::ClientSecret, &ConfigErrorKind::Missing));
/// assert_eq!(e.subject(), Some("QoinSnap"));
/// # Ok::<(), Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}{}: {kind}", subject.as_ref().map(|s| format!(" of {s}")).unwrap_or_default())]
pub struct ConfigError {
    field: ConfigField,
    kind: ConfigErrorKind,
    subject: Option<String>,
}

impl ConfigError {
    pub(crate) fn new(field: ConfigField, kind: ConfigErrorKind) -> Self {
        Self {
            field,
            kind,
            subject: None,
        }
    }

    /// Names the partner, path or value the mistake concerns.
    #[cfg(any(feature = "server", feature = "client"))]
    pub(crate) fn about(mut self, subject: impl fmt::Display) -> Self {
        self.subject = Some(subject.to_string());
        self
    }

    /// The field that is wrong.
    pub fn field(&self) -> ConfigField {
        self.field
    }

    /// What is wrong with it.
    pub fn kind(&self) -> &ConfigErrorKind {
        &self.kind
    }

    /// The partner, path or value concerned, when the field has several.
    pub fn subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }
}

/// The configuration field a [`ConfigError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigField {
    /// A partner's or the client's client id (`X-CLIENT-KEY`).
    ClientId,
    /// A partner's or the client's `X-PARTNER-ID`.
    PartnerId,
    /// A `CHANNEL-ID`.
    ChannelId,
    /// The HMAC client secret of symmetric signatures.
    ClientSecret,
    /// The RSA public key that verifies a partner.
    PublicKey,
    /// The RSA private key that signs.
    PrivateKey,
    /// The HMAC key access tokens are issued with.
    TokenKey,
    /// A route's path.
    RoutePath,
    /// The `X-TIMESTAMP` window.
    TimestampWindow,
    /// The provider's base URL.
    BaseUrl,
    /// The path of a service at the provider.
    ServicePath,
    /// The `ORIGIN` header value.
    Origin,
    /// The provider profile.
    Profile,
}

impl fmt::Display for ConfigField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ClientId => "client id",
            Self::PartnerId => "partner id",
            Self::ChannelId => "channel id",
            Self::ClientSecret => "client secret",
            Self::PublicKey => "public key",
            Self::PrivateKey => "private key",
            Self::TokenKey => "token key",
            Self::RoutePath => "route path",
            Self::TimestampWindow => "timestamp window",
            Self::BaseUrl => "base URL",
            Self::ServicePath => "service path",
            Self::Origin => "origin",
            Self::Profile => "provider profile",
        })
    }
}

/// What is wrong with a configuration field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// Needed but not set.
    #[error("missing")]
    Missing,
    /// Set twice where it must be unique.
    #[error("registered twice")]
    Duplicate,
    /// Shorter than allowed.
    #[error("shorter than {min} bytes")]
    TooShort {
        /// The minimum length.
        min: usize,
    },
    /// Larger than supported.
    #[error("too large")]
    TooLarge,
    /// Not of the required form; says why.
    #[error("invalid: {0}")]
    Invalid(String),
}
