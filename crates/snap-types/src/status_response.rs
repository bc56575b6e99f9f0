//! The body that carries only `responseCode` and `responseMessage`.

use serde::{Deserialize, Serialize};

use crate::request::SnapResponse;
use crate::response_code::ResponseCode;

/// `{"responseCode": "...", "responseMessage": "..."}`: the generic error response of every
/// endpoint, and the whole success answer of the notification endpoints (debit notify 56, QR MPM
/// notify 52).
///
/// ```
/// use snap_types::{ResponseCode, StatusResponse};
///
/// let r: StatusResponse = serde_json::from_str(r#"{"responseCode":"4012501","responseMessage":"Invalid Token (B2B)"}"#)?;
/// assert_eq!(r.response_code.http_status(), 401);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusResponse {
    /// HTTP status + service code + case code.
    pub response_code: ResponseCode,
    /// The message (≤ 150 characters by the standard; not enforced on receipt).
    pub response_message: String,
}

impl StatusResponse {
    /// A response with this code and message.
    pub fn new(response_code: ResponseCode, response_message: impl Into<String>) -> Self {
        Self {
            response_code,
            response_message: response_message.into(),
        }
    }
}

impl SnapResponse for StatusResponse {
    fn response_code(&self) -> ResponseCode {
        self.response_code
    }

    fn response_message(&self) -> &str {
        &self.response_message
    }
}

/// Implements [`SnapResponse`] for a DTO with `response_code` and `response_message` fields.
macro_rules! impl_snap_response {
    ($($ty:ty),+ $(,)?) => {
        $(impl $crate::request::SnapResponse for $ty {
            fn response_code(&self) -> $crate::response_code::ResponseCode {
                self.response_code
            }

            fn response_message(&self) -> &str {
                &self.response_message
            }
        })+
    };
}
pub(crate) use impl_snap_response;
