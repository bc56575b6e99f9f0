//! Access token B2B (service 73): `POST .../v1.0/access-token/b2b`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use crate::ids::AccessToken;
use crate::request::SnapRequest;
use crate::response_code::ResponseCode;
use crate::service_code::ServiceCode;
use crate::status_response::impl_snap_response;
use crate::validation::{FieldError, Validate, mandatory_str, raw_object};

/// The only `grantType` SNAP's B2B token endpoint grants.
pub const GRANT_TYPE_CLIENT_CREDENTIALS: &str = "client_credentials";

/// Request body of access token B2B (seeds 000, 001, 003).
///
/// `grantType` is mandatory and must be `client_credentials` (QoinHub's table; Finpay marks it
/// optional, but its only value is the same). `additionalInfo` passes through as raw JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessTokenRequest {
    /// `client_credentials`.
    pub grant_type: String,
    /// Raw `additionalInfo` object, as sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Box<RawValue>>,
}

impl AccessTokenRequest {
    /// `{"grantType":"client_credentials"}` (no `additionalInfo`).
    pub fn client_credentials() -> Self {
        Self {
            grant_type: GRANT_TYPE_CLIENT_CREDENTIALS.to_owned(),
            additional_info: None,
        }
    }
}

impl Validate for AccessTokenRequest {
    fn validate(&self) -> Result<(), FieldError> {
        mandatory_str("grantType", &self.grant_type, None)?;
        if self.grant_type != GRANT_TYPE_CLIENT_CREDENTIALS {
            return Err(FieldError::format(
                "grantType",
                "must be client_credentials",
            ));
        }
        if let Some(info) = &self.additional_info {
            raw_object(info, "additionalInfo")?;
        }
        Ok(())
    }
}

impl SnapRequest for AccessTokenRequest {
    const SERVICE: ServiceCode = ServiceCode::ACCESS_TOKEN_B2B;
    type Response = AccessTokenResponse;
}

/// Response body of access token B2B.
///
/// Fields other than `responseCode` / `responseMessage` appear only on success. `expiresIn`
/// accepts a string (`"900"`, the standard) or a number (`900`, Finpay) and is always written as a
/// string.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessTokenResponse {
    /// The token (JWT in the seeds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<AccessToken>,
    /// Raw `additionalInfo`, as sent (an object in every example, although seed 000's table says
    /// String).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub additional_info: Option<Box<RawValue>>,
    /// Lifetime in seconds (900 by default).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "serialize_expires_in",
        deserialize_with = "deserialize_expires_in"
    )]
    pub expires_in: Option<u32>,
    /// `2007300` on success.
    pub response_code: ResponseCode,
    /// Free text.
    pub response_message: String,
    /// `Bearer`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
}

impl AccessTokenResponse {
    /// The standard success answer: `Bearer` token valid for `expires_in` seconds,
    /// `2007300 Successful`.
    pub fn bearer(access_token: AccessToken, expires_in: u32) -> Self {
        Self {
            access_token: Some(access_token),
            additional_info: None,
            expires_in: Some(expires_in),
            response_code: ResponseCode::of(crate::Case::Successful, ServiceCode::ACCESS_TOKEN_B2B),
            response_message: "Successful".to_owned(),
            token_type: Some("Bearer".to_owned()),
        }
    }
}

impl_snap_response!(AccessTokenResponse);

// serde's `serialize_with` hands the field by reference.
#[allow(clippy::ref_option, clippy::trivially_copy_pass_by_ref)]
fn serialize_expires_in<S: Serializer>(
    value: &Option<u32>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(seconds) => serializer.collect_str(seconds),
        None => serializer.serialize_none(),
    }
}

fn deserialize_expires_in<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u32>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Seconds {
        Number(u32),
        Text(String),
    }
    match Option::<Seconds>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Seconds::Number(n)) => Ok(Some(n)),
        Some(Seconds::Text(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => s
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom("expiresIn is out of range")),
        Some(Seconds::Text(_)) => Err(serde::de::Error::custom(
            "expiresIn must be a whole number of seconds",
        )),
    }
}
