//! SNAP response bodies: `responseCode` first, `responseMessage` second, then the endpoint's
//! fields, in compact JSON.

use std::fmt;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use serde::Serialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use snap_types::ResponseCode;

use crate::Error;
use crate::headers::X_TIMESTAMP;

/// The fields of a SNAP response after `responseCode` and `responseMessage`
/// (`virtualAccountData`, `accessToken`, ...), kept in the order they were added.
///
/// ```
/// use snap_http::Fields;
///
/// let fields = Fields::new().with("virtualAccountData", &serde_json::json!({"trxId": "abc"}))?;
/// assert_eq!(fields.to_json_members(), r#""virtualAccountData":{"trxId":"abc"}"#);
/// # Ok::<(), snap_http::Error>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Fields {
    /// `"key":value` members joined by `,`, already compact JSON.
    members: String,
}

impl Fields {
    /// No fields: the body is `responseCode` and `responseMessage` only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `"key": value`. `responseCode` and `responseMessage` are written by the server and
    /// are refused here ([`Error::ReservedField`]).
    pub fn with(mut self, key: &str, value: &impl Serialize) -> Result<Self, Error> {
        if is_reserved(key) {
            return Err(Error::ReservedField(key.to_owned()));
        }
        let value = serde_json::to_string(value).map_err(Error::Json)?;
        self.push(key, &value)?;
        Ok(self)
    }

    /// The members of a value that serializes to a JSON object (a response DTO, a struct of your
    /// own), in its order. `responseCode` and `responseMessage` members are dropped, so a whole
    /// `VaPaymentResponse` can be passed.
    pub fn from_object(value: &impl Serialize) -> Result<Self, Error> {
        let json = serde_json::to_string(value).map_err(Error::Json)?;
        let mut de = serde_json::Deserializer::from_str(&json);
        let members = de
            .deserialize_map(MembersVisitor)
            .map_err(|_| Error::NotAnObject)?;
        let mut fields = Self::new();
        for (key, value) in members {
            if !is_reserved(&key) {
                fields.push(&key, value.get())?;
            }
        }
        Ok(fields)
    }

    /// Whether no field was added.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The members as compact JSON without the surrounding braces (`"a":1,"b":2`).
    pub fn to_json_members(&self) -> &str {
        &self.members
    }

    fn push(&mut self, key: &str, compact_value: &str) -> Result<(), Error> {
        if !self.members.is_empty() {
            self.members.push(',');
        }
        self.members
            .push_str(&serde_json::to_string(key).map_err(Error::Json)?);
        self.members.push(':');
        self.members.push_str(compact_value);
        Ok(())
    }
}

impl Serialize for Fields {
    /// As the JSON object of its members, in order.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let object = RawValue::from_string(format!("{{{}}}", self.members))
            .map_err(serde::ser::Error::custom)?;
        object.serialize(serializer)
    }
}

impl fmt::Debug for Fields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Fields").field(&self.members).finish()
    }
}

fn is_reserved(key: &str) -> bool {
    key == "responseCode" || key == "responseMessage"
}

struct MembersVisitor;

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = Vec<(String, Box<RawValue>)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(entry) = map.next_entry::<String, Box<RawValue>>()? {
            out.push(entry);
        }
        Ok(out)
    }
}

/// The compact JSON body `{"responseCode":…,"responseMessage":…,<fields>}`.
pub(crate) fn body_json(code: ResponseCode, message: &str, fields: &Fields) -> Bytes {
    let mut out = Vec::with_capacity(48 + message.len() + fields.members.len());
    out.extend_from_slice(b"{\"responseCode\":\"");
    out.extend_from_slice(&code.digits());
    out.extend_from_slice(b"\",\"responseMessage\":");
    write_json_string(&mut out, message);
    if !fields.members.is_empty() {
        out.push(b',');
        out.extend_from_slice(fields.members.as_bytes());
    }
    out.push(b'}');
    Bytes::from(out)
}

fn write_json_string(out: &mut Vec<u8>, s: &str) {
    // Serializing a &str into a Vec cannot fail; the fallback keeps the JSON valid regardless.
    if serde_json::to_writer(&mut *out, s).is_err() {
        out.extend_from_slice(b"\"\"");
    }
}

/// The HTTP status a response code implies; codes whose first three digits are not a valid HTTP
/// status become 500.
pub(crate) fn status_of(code: ResponseCode) -> StatusCode {
    StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// The `X-TIMESTAMP` of an answer given at `now` (Jakarta time, seconds). Always a valid header
/// value (RFC 3339 is visible ASCII); `None` only for a year past 9999.
pub(crate) fn response_stamp(now: time::OffsetDateTime) -> Option<HeaderValue> {
    let text = snap_crypto::format_timestamp(now, snap_crypto::TimestampStyle::Wib);
    HeaderValue::from_str(&text)
        .ok()
        .filter(|_| !text.is_empty())
}

/// A complete HTTP response around an already built body.
pub(crate) fn http_response<B: From<Bytes>>(
    status: StatusCode,
    body: Bytes,
    timestamp: Option<HeaderValue>,
) -> Response<B> {
    let mut response = Response::new(B::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Some(ts) = timestamp {
        headers.insert(X_TIMESTAMP, ts);
    }
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn body_order_and_escaping() {
        let code: ResponseCode = "2002500".parse().unwrap();
        let fields = Fields::new()
            .with("a", &1)
            .unwrap()
            .with("b", &"x\"y")
            .unwrap();
        let body = body_json(code, "Succ\"essful", &fields);
        assert_eq!(
            &body[..],
            br#"{"responseCode":"2002500","responseMessage":"Succ\"essful","a":1,"b":"x\"y"}"#
        );
        assert_eq!(
            &body_json(code, "Successful", &Fields::new())[..],
            br#"{"responseCode":"2002500","responseMessage":"Successful"}"#
        );
    }

    #[test]
    fn from_object_keeps_order_and_drops_reserved() {
        let v = serde_json::json!({"responseCode": "2002500", "z": 1, "a": {"b": 2}});
        // serde_json's Value sorts keys; a struct keeps its declaration order.
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct R {
            response_code: &'static str,
            zeta: u8,
            alpha: u8,
        }
        let f = Fields::from_object(&R {
            response_code: "x",
            zeta: 1,
            alpha: 2,
        })
        .unwrap();
        assert_eq!(f.to_json_members(), r#""zeta":1,"alpha":2"#);
        assert_eq!(
            Fields::from_object(&v).unwrap().to_json_members(),
            r#""a":{"b":2},"z":1"#
        );
        assert!(matches!(
            Fields::from_object(&[1, 2]),
            Err(Error::NotAnObject)
        ));
        assert!(matches!(
            Fields::new().with("responseMessage", &1),
            Err(Error::ReservedField(_))
        ));
    }
}
