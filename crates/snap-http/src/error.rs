//! The crate's error type.

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
    /// The server configuration is inconsistent (a partner without the key its mode needs, two
    /// routes on one path, ...).
    #[error("invalid server configuration: {0}")]
    Config(String),
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
