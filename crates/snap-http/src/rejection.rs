//! Every refusal the server answers, and the one place that maps it to an HTTP status, a
//! `responseCode` and a `responseMessage`.

use std::fmt;

use bytes::Bytes;
use http::{HeaderValue, Response};
use http_body_util::Full;
use snap_types::{Case, FieldErrorKind, ResponseCode, ServiceCode};

use crate::response::{Fields, body_json, http_response, status_of};

/// The service code of answers that belong to no endpoint (`4040002 Invalid Routing`).
pub(crate) const NO_SERVICE: ServiceCode = match ServiceCode::new(0) {
    Some(code) => code,
    // Evaluated at compile time: a refused code would fail the build, never run.
    None => panic!("00 is a valid service code"),
};

/// Why a request was refused. Each variant knows its SNAP case; the service code comes from the
/// endpoint that was called.
///
/// | variant | answer |
/// |---|---|
/// | [`MissingHeader`](Self::MissingHeader) | `400xx02 Invalid Mandatory Field {header}` |
/// | [`MalformedHeader`](Self::MalformedHeader) | `400xx01 Invalid Field Format {header}` |
/// | [`BadRequest`](Self::BadRequest) | `400xx00 Bad Request` (body not JSON, unreadable) |
/// | [`BodyTooLarge`](Self::BodyTooLarge) | `400xx00 Bad Request` |
/// | [`BodyTimeout`](Self::BodyTimeout) | `400xx00 Bad Request` (body not received before the deadline) |
/// | [`InvalidField`](Self::InvalidField) | `400xx01 Invalid Field Format {path}` / `400xx02 Invalid Mandatory Field {path}` |
/// | [`UnknownClient`](Self::UnknownClient) | `401xx00 Unauthorized. [Unknown client]` |
/// | [`PartnerMismatch`](Self::PartnerMismatch) | `401xx00 Unauthorized. [Partner mismatch]` |
/// | [`ChannelNotAllowed`](Self::ChannelNotAllowed) | `401xx00 Unauthorized. [Channel]` |
/// | [`Signature`](Self::Signature) | `401xx00 Unauthorized. [Signature]` |
/// | [`Timestamp`](Self::Timestamp) | `401xx00 Unauthorized. [Timestamp]` |
/// | [`NoKey`](Self::NoKey) | `401xx00 Unauthorized. [Key not found]` |
/// | [`InvalidToken`](Self::InvalidToken) | `401xx01 Invalid Token (B2B)` |
/// | [`TokenNotFound`](Self::TokenNotFound) | `401xx03 Token Not Found (B2B)` |
/// | [`NotFound`](Self::NotFound) | `404xx02 Invalid Routing` (service `00`: no endpoint matched) |
/// | [`MethodNotAllowed`](Self::MethodNotAllowed) | `405xx00 Requested Function Is Not Supported` |
/// | [`Conflict`](Self::Conflict) | `409xx00 Conflict` |
/// | [`Internal`](Self::Internal) | `500xx00 General Error` (handler error, store failure) |
///
/// The HTTP status is always the first three digits of the code.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// A mandatory header is absent or empty; carries its standard spelling (`X-TIMESTAMP`).
    MissingHeader(&'static str),
    /// A header is present but malformed (timestamp not RFC 3339, id too long, not visible ASCII).
    MalformedHeader(&'static str),
    /// The body is not JSON (or could not be read).
    BadRequest,
    /// The body is larger than the configured limit.
    BodyTooLarge,
    /// The body did not arrive within the configured deadline.
    BodyTimeout,
    /// A field of the body failed validation.
    InvalidField {
        /// Format (`01`) or Mandatory (`02`).
        kind: FieldErrorKind,
        /// The field's JSON path (`paidAmount.value`).
        path: String,
    },
    /// No registered partner has this client id / partner id.
    UnknownClient,
    /// `X-PARTNER-ID` names another client than the one the token was issued to.
    PartnerMismatch,
    /// The `CHANNEL-ID` is not one the partner may use.
    ChannelNotAllowed,
    /// The signature does not verify (or is not valid base64).
    Signature,
    /// `X-TIMESTAMP` is outside the accepted window around the server's clock.
    Timestamp,
    /// The partner has no key for the signature it must be checked with.
    NoKey,
    /// The bearer token is forged, expired, or not a token this server issued.
    InvalidToken,
    /// No `Authorization: Bearer …` header.
    TokenNotFound,
    /// No endpoint at this path.
    NotFound,
    /// The path exists but not for this method.
    MethodNotAllowed,
    /// The `X-EXTERNAL-ID` was already used today by this partner (with another body, or with the
    /// reject policy).
    Conflict,
    /// A failure on our side: the handler failed, the replay store is down.
    Internal,
}

impl Rejection {
    /// The answer to a body that parsed but failed validation (or did not parse).
    pub(crate) fn from_request_error(e: &snap_types::RequestError) -> Self {
        match e.field_error() {
            Some(field) => Self::InvalidField {
                kind: field.kind(),
                path: field.path().to_owned(),
            },
            None => Self::BadRequest,
        }
    }

    /// The standard case of the answer.
    pub fn case(&self) -> Case {
        match self {
            Self::MissingHeader(_) => Case::InvalidMandatoryField,
            Self::MalformedHeader(_) => Case::InvalidFieldFormat,
            Self::BadRequest | Self::BodyTooLarge | Self::BodyTimeout => Case::BadRequest,
            Self::InvalidField { kind, .. } => match kind {
                FieldErrorKind::Format => Case::InvalidFieldFormat,
                FieldErrorKind::Mandatory => Case::InvalidMandatoryField,
            },
            Self::UnknownClient
            | Self::PartnerMismatch
            | Self::ChannelNotAllowed
            | Self::Signature
            | Self::Timestamp
            | Self::NoKey => Case::Unauthorized,
            Self::InvalidToken => Case::InvalidTokenB2b,
            Self::TokenNotFound => Case::TokenNotFoundB2b,
            Self::NotFound => Case::InvalidRouting,
            Self::MethodNotAllowed => Case::RequestedFunctionIsNotSupported,
            Self::Conflict => Case::Conflict,
            Self::Internal => Case::GeneralError,
        }
    }

    /// What fills the message's placeholder (a header name, a JSON path, a reason).
    pub fn detail(&self) -> &str {
        match self {
            Self::MissingHeader(h) | Self::MalformedHeader(h) => h,
            Self::InvalidField { path, .. } => path,
            Self::UnknownClient => "Unknown client",
            Self::PartnerMismatch => "Partner mismatch",
            Self::ChannelNotAllowed => "Channel",
            Self::Signature => "Signature",
            Self::Timestamp => "Timestamp",
            Self::NoKey => "Key not found",
            _ => "",
        }
    }

    /// The response code for an endpoint of `service`.
    pub fn response_code(&self, service: ServiceCode) -> ResponseCode {
        ResponseCode::of(self.case(), service)
    }

    /// The `responseMessage`: the standard message with its placeholder filled.
    pub fn message(&self) -> String {
        self.case().known().fill(self.detail())
    }

    /// The complete HTTP response for an endpoint of `service`, with `X-TIMESTAMP` set to
    /// `timestamp` when given.
    pub fn into_response(
        self,
        service: ServiceCode,
        timestamp: Option<&str>,
    ) -> Response<Full<Bytes>> {
        let stamp = timestamp.and_then(|t| HeaderValue::from_str(t).ok());
        self.respond(service, stamp)
    }

    /// [`Rejection::into_response`] with an already built `X-TIMESTAMP` (the server's cached one).
    pub(crate) fn respond<B: From<Bytes>>(
        self,
        service: ServiceCode,
        stamp: Option<HeaderValue>,
    ) -> Response<B> {
        let code = self.response_code(service);
        let body = body_json(code, &self.message(), &Fields::new());
        http_response(status_of(code), body, stamp)
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Rejection {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn codes_and_messages() {
        let va = ServiceCode::TRANSFER_VA_PAYMENT;
        let cases: &[(Rejection, &str, &str)] = &[
            (
                Rejection::MissingHeader("X-TIMESTAMP"),
                "4002502",
                "Invalid Mandatory Field X-TIMESTAMP",
            ),
            (
                Rejection::MalformedHeader("X-TIMESTAMP"),
                "4002501",
                "Invalid Field Format X-TIMESTAMP",
            ),
            (Rejection::BadRequest, "4002500", "Bad Request"),
            (Rejection::BodyTooLarge, "4002500", "Bad Request"),
            (
                Rejection::InvalidField {
                    kind: FieldErrorKind::Format,
                    path: "paidAmount.value".into(),
                },
                "4002501",
                "Invalid Field Format paidAmount.value",
            ),
            (
                Rejection::UnknownClient,
                "4012500",
                "Unauthorized. [Unknown client]",
            ),
            (Rejection::Signature, "4012500", "Unauthorized. [Signature]"),
            (Rejection::Timestamp, "4012500", "Unauthorized. [Timestamp]"),
            (Rejection::InvalidToken, "4012501", "Invalid Token (B2B)"),
            (Rejection::TokenNotFound, "4012503", "Token Not Found (B2B)"),
            (
                Rejection::MethodNotAllowed,
                "4052500",
                "Requested Function Is Not Supported",
            ),
            (Rejection::Conflict, "4092500", "Conflict"),
            (Rejection::Internal, "5002500", "General Error"),
        ];
        for (rejection, code, message) in cases {
            assert_eq!(
                rejection.response_code(va).to_string(),
                *code,
                "{rejection:?}"
            );
            assert_eq!(rejection.message(), *message, "{rejection:?}");
            let response = rejection.clone().into_response(va, None);
            assert_eq!(
                response.status().as_u16(),
                rejection.response_code(va).http_status()
            );
        }
        assert_eq!(
            Rejection::NotFound
                .response_code(ServiceCode::new(0).unwrap())
                .to_string(),
            "4040002"
        );
    }
}
