//! Endpoint traits and the one entry point that turns request bytes into a validated DTO.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::response_code::ResponseCode;
use crate::service_code::ServiceCode;
use crate::validation::{FieldError, Validate, field_error_from_serde};

/// A request body DTO tied to its endpoint: the server mounts it and the client calls it through
/// this trait.
pub trait SnapRequest: Serialize + DeserializeOwned + Validate {
    /// The endpoint's service code (the middle two digits of every `responseCode` it answers).
    const SERVICE: ServiceCode;
    /// The body of the endpoint's answer.
    type Response: SnapResponse;

    /// Parses and validates a body of this request: [`parse_body`] then [`Validate::validate`].
    /// A type that accepts several shapes overrides it to say which shape's refusal is reported.
    ///
    /// # Errors
    ///
    /// [`RequestError::Malformed`] when the body is not a JSON object, [`RequestError::Field`]
    /// naming the field at fault otherwise.
    fn parse(body: &[u8]) -> Result<Self, RequestError> {
        let request: Self = parse_body(body)?;
        request.validate()?;
        Ok(request)
    }
}

/// A response body DTO: every SNAP answer carries `responseCode` and `responseMessage`.
pub trait SnapResponse: Serialize + DeserializeOwned {
    /// `responseCode`.
    fn response_code(&self) -> ResponseCode;
    /// `responseMessage`.
    fn response_message(&self) -> &str;
}

/// Why a body was refused by [`parse_request`] or [`parse_body`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// Not JSON at all, or JSON whose top level is not the expected object: SNAP case `00`
    /// "Bad Request" (`400xx00`).
    #[error("request body is not a valid JSON object: {0}")]
    Malformed(#[source] serde_json::Error),
    /// Valid JSON with a bad field: case `01` (Format) or `02` (Mandatory), with the field's path.
    #[error(transparent)]
    Field(#[from] FieldError),
}

impl RequestError {
    /// The field error, when the problem is one field.
    pub fn field_error(&self) -> Option<&FieldError> {
        match self {
            Self::Field(e) => Some(e),
            Self::Malformed(_) => None,
        }
    }
}

/// Deserializes a JSON body into `T`, reporting a field problem with the field's JSON path.
///
/// Does not run [`Validate`]; use it for responses, or when validation is done separately.
/// Missing fields, `null` in a non-optional field and empty values refused by a newtype are
/// [`FieldErrorKind::Mandatory`](crate::FieldErrorKind::Mandatory); wrong JSON types and values a
/// newtype refuses are [`FieldErrorKind::Format`](crate::FieldErrorKind::Format). Unknown fields
/// are ignored.
pub fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, RequestError> {
    // The common case without path tracking: a UTF-8 JSON object that deserializes as it is. Any
    // other body takes the checked path below, whose verdict is the same (same `Deserialize`
    // impls) and names the field at fault. UTF-8 is checked over the whole body, since serde
    // skips unknown values without checking their strings.
    if let Ok(text) = std::str::from_utf8(body)
        && is_object(text)
        && let Ok(value) = serde_json::from_str(text)
    {
        return Ok(value);
    }
    // Checked first so that a syntax error late in the body is reported as Bad Request even when a
    // field before it has the wrong type. A borrowed `RawValue`, not `IgnoredAny`: skipping a
    // value does not check that its strings are UTF-8, and a key that is not UTF-8 would then
    // fail the typed pass as a field error (found by the dto fuzz target).
    let raw = serde_json::from_slice::<&RawValue>(body).map_err(RequestError::Malformed)?;
    // serde's derived structs also accept a JSON array, field by field in order: a SNAP body is an
    // object (found by the dto fuzz target: `["client_credentials"]` was an AccessTokenRequest).
    if !is_object(raw.get()) {
        return Err(RequestError::Malformed(serde::de::Error::custom(
            "the body is not a JSON object",
        )));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize(&mut de) {
        Ok(value) => Ok(value),
        // An error at the root means the top level is not an object (`[]`, `"x"`, `1`).
        Err(e) if e.path().iter().next().is_none() && !is_missing_field(e.inner()) => {
            Err(RequestError::Malformed(e.into_inner()))
        }
        Err(e) => Err(RequestError::Field(field_error_from_serde(e))),
    }
}

/// Whether JSON text's top level is an object: serde's derived structs also accept a JSON array,
/// field by field in order (`[]` is a valid DTO whose fields are all optional).
fn is_object(text: &str) -> bool {
    text.trim_start_matches([' ', '\t', '\n', '\r'])
        .starts_with('{')
}

fn is_missing_field(e: &serde_json::Error) -> bool {
    e.to_string().starts_with("missing field `")
}

/// Parses and validates a request body: [`parse_body`] then [`Validate::validate`].
///
/// ```
/// use snap_types::{FieldErrorKind, RequestError, VaPaymentNotification, parse_request};
///
/// let err = parse_request::<VaPaymentNotification>(br#"{"partnerServiceId": "  088899"}"#).unwrap_err();
/// let field = err.field_error().unwrap();
/// assert_eq!((field.kind(), field.path()), (FieldErrorKind::Mandatory, "paidAmount"));
///
/// assert!(matches!(parse_request::<VaPaymentNotification>(b"{"), Err(RequestError::Malformed(_))));
/// ```
pub fn parse_request<T: SnapRequest>(body: &[u8]) -> Result<T, RequestError> {
    T::parse(body)
}
