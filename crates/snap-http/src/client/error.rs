//! The client's error type: a provider's "no" is kept apart from "we never got an answer".

use std::time::Duration;

use snap_types::ResponseCode;

/// Everything a [`SnapClient`](crate::SnapClient) call can end with besides success.
///
/// [`ClientError::Rejected`] is the provider answering with a non-2xx `responseCode`; every other
/// variant means there is no usable answer. Only a rejection tells you the provider saw the
/// request and refused it; after [`ClientError::Timeout`] or [`ClientError::Transport`] the
/// outcome is unknown, and the client never resends a transaction on its own (query it instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The provider answered with a non-success `responseCode`.
    #[error("provider rejected the request: {code} {message} (HTTP {http_status})")]
    Rejected {
        /// `responseCode`, kept as received even when the standard does not define it.
        code: ResponseCode,
        /// `responseMessage`, as received.
        message: String,
        /// The HTTP status of the answer.
        http_status: u16,
    },
    /// Connecting, TLS, or reading the answer failed.
    #[error("transport error: {0}")]
    Transport(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// No complete answer within the configured time.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// An answer arrived but is not a SNAP response (not JSON, no `responseCode`, a 2xx code with
    /// a non-2xx HTTP status, a success body missing the fields its type needs, ...).
    #[error("malformed response (HTTP {http_status}): {reason}")]
    MalformedResponse {
        /// The HTTP status of the answer.
        http_status: u16,
        /// What is wrong with it.
        reason: String,
    },
    /// Signing failed (wrong key type for the profile's mode, signer failure, a body that is not
    /// JSON and so cannot be minified for the body hash).
    #[error("signing failed: {0}")]
    Signing(#[from] snap_crypto::Error),
    /// A key or secret could not be loaded.
    #[error("cannot load {what}: {source}")]
    Key {
        /// Which key (`private key`, `client secret`).
        what: &'static str,
        /// Why.
        #[source]
        source: snap_crypto::Error,
    },
    /// The `qrContent` of a generate-QR success answer is not a valid QRIS payload (TLV or CRC).
    #[error("provider returned an invalid QRIS payload: {0}")]
    InvalidQris(#[source] snap_qris::Error),
    /// The client configuration cannot work (bad base URL, no path for a service, a symmetric
    /// profile without a client secret, ...): which field, and what is wrong with it.
    #[error("invalid client configuration: {0}")]
    Config(#[source] crate::ConfigError),
    /// A symmetric signature was asked for a request without `Authorization: Bearer <token>`
    /// (put [`TokenLayer`](crate::TokenLayer) in front of the [`SigningLayer`](crate::SigningLayer)).
    #[error("symmetric signing needs an access token in the Authorization header")]
    NoAccessToken,
    /// The request body could not be serialized.
    #[error("cannot serialize the request body: {0}")]
    Serialize(#[source] serde_json::Error),
}

impl ClientError {
    /// The provider's `responseCode` when this is a rejection.
    pub fn response_code(&self) -> Option<ResponseCode> {
        match self {
            Self::Rejected { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Whether the provider is known to have refused the request (as opposed to an unknown
    /// outcome).
    pub fn is_rejection(&self) -> bool {
        matches!(self, Self::Rejected { .. })
    }

    pub(crate) fn transport(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Transport(Box::new(e))
    }

    pub(crate) fn malformed(http_status: u16, reason: impl Into<String>) -> Self {
        Self::MalformedResponse {
            http_status,
            reason: reason.into(),
        }
    }
}
