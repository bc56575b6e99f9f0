// The checks of the dto fuzz target. Shared, not copied: this file is a test module here and is
// `include!`d by fuzz/fuzz_targets/dto.rs. Plain comments only, since an included file cannot
// hold inner doc comments.

use std::fmt::{Debug, Display};
use std::str::FromStr;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use snap_types::{
    AccessToken, AccessTokenRequest, AccessTokenResponse, Amount, ChannelId, CreateVaRequest,
    CreateVaResponse, Currency, CustomerNo, DanaCancelOrderRequest, DanaCancelOrderResponse,
    DanaCreateOrderRequest, DanaCreateOrderResponse, DanaFinishNotify, DanaQueryPaymentRequest,
    DanaQueryPaymentResponse, DanaRefundOrderRequest, DanaRefundOrderResponse, DebitNotification,
    DokuVaInquiryRequest, DokuVaPaymentRequest, ExternalId, FieldErrorKind, PartnerId,
    PartnerServiceId, QrMpmGenerateRequest, QrMpmGenerateResponse, QrMpmNotification,
    QrMpmQueryRequest, QrMpmQueryResponse, QrMpmRefundRequest, QrMpmRefundResponse, RequestError,
    ResponseCode, ServiceCode, SnapRequest, StatusResponse, Timestamp, TransactionStatus,
    VaPaymentNotification, VaPaymentResponse, VirtualAccountNo, parse_body,
};

// A JSON tree that keeps every member of an object, duplicates included (serde_json's `Value`
// keeps only the last, but the DTOs fail on the first bad one).
enum Json {
    Object(Vec<(String, Json)>),
    Array(Vec<Json>),
    Scalar,
}

impl<'de> serde::Deserialize<'de> for Json {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Json;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Json, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = m.next_entry::<String, Json>()? {
                    members.push(member);
                }
                Ok(Json::Object(members))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<Json, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = s.next_element()? {
                    items.push(item);
                }
                Ok(Json::Array(items))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Json, E> {
                Ok(Json::Scalar)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Json, E> {
                Ok(Json::Scalar)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Json, E> {
                Ok(Json::Scalar)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Json, E> {
                Ok(Json::Scalar)
            }
            fn visit_str<E>(self, _: &str) -> Result<Json, E> {
                Ok(Json::Scalar)
            }
            fn visit_unit<E>(self) -> Result<Json, E> {
                Ok(Json::Scalar)
            }
        }
        d.deserialize_any(V)
    }
}

// Whether a field error's path (`a.b[0].c`) leads to a value in `json`, matching the object keys
// that the path starts with (so keys holding `.` or `[` resolve too) under any of their
// spellings, in any of duplicate members.
fn resolves(json: &Json, path: &str) -> bool {
    if path.is_empty() {
        return true;
    }
    match json {
        Json::Array(items) => {
            let Some((index, rest)) = path.strip_prefix('[').and_then(|r| r.split_once(']')) else {
                return false;
            };
            let item = index.parse::<usize>().ok().and_then(|i| items.get(i));
            item.is_some_and(|item| resolves(item, rest.strip_prefix('.').unwrap_or(rest)))
        }
        Json::Object(members) => members.iter().any(|(key, value)| {
            std::iter::once(key.as_str())
                .chain(canonical(key))
                .any(|name| match path.strip_prefix(name) {
                    Some("") => true,
                    Some(rest) if rest.starts_with('[') => resolves(value, rest),
                    Some(rest) => rest.strip_prefix('.').is_some_and(|r| resolves(value, r)),
                    None => false,
                })
        }),
        Json::Scalar => false,
    }
}

// The canonical name of an aliased key (validation errors use it).
fn canonical(key: &str) -> Option<&'static str> {
    match key {
        "addtionalInfo" => Some("additionalInfo"),
        "Items" => Some("items"),
        _ => None,
    }
}

// A field error names the key at fault: a Format error's path leads to a value in the body; a
// Mandatory error's path leads to nothing, `null`, an empty or blank value, or a value whose
// own check found it empty (the parent always exists).
fn check_field_error(body: &[u8], error: &RequestError, what: &str) {
    let Some(field) = error.field_error() else {
        return;
    };
    let json: Json = match serde_json::from_slice(body) {
        Ok(json) => json,
        // Valid JSON that serde_json cannot read as a tree: a number beyond f64 or a lone
        // surrogate escape in a member the DTO skipped.
        Err(e)
            if [
                "number out of range",
                "surrogate",
                "unexpected end of hex escape",
            ]
            .iter()
            .any(|m| e.to_string().contains(m)) =>
        {
            return;
        }
        Err(e) => panic!("{what}: a field error for a body that is not JSON: {e}"),
    };
    let path = field.path();
    assert!(
        !path.is_empty(),
        "{what}: field error with an empty path: {field}"
    );
    match field.kind() {
        FieldErrorKind::Format => assert!(
            resolves(&json, path),
            "{what}: Format error names {path:?}, which is not in the body: {field}"
        ),
        FieldErrorKind::Mandatory => {
            let parent = match path.rfind(['.', '[']) {
                Some(at) => &path[..at],
                None => "",
            };
            assert!(
                resolves(&json, parent),
                "{what}: Mandatory error names {path:?}, whose parent is not in the body: {field}"
            );
        }
    }
}

// Accepted bodies serialize and parse back to the same JSON.
fn check_round_trip<T: Serialize + DeserializeOwned>(value: &T, what: &str) -> Vec<u8> {
    let json = serde_json::to_vec(value).unwrap_or_else(|e| panic!("{what}: serialize: {e}"));
    let again: T = parse_body(&json).unwrap_or_else(|e| {
        panic!(
            "{what}: its own JSON {} does not parse: {e}",
            String::from_utf8_lossy(&json)
        )
    });
    let json2 = serde_json::to_vec(&again).unwrap_or_else(|e| panic!("{what}: serialize: {e}"));
    assert_eq!(
        String::from_utf8_lossy(&json),
        String::from_utf8_lossy(&json2),
        "{what}: serialize → parse → serialize changed the JSON"
    );
    json
}

fn check_response<T: Serialize + DeserializeOwned>(body: &[u8], what: &str) {
    match parse_body::<T>(body) {
        Ok(value) => {
            check_round_trip(&value, what);
        }
        Err(e) => check_field_error(body, &e, what),
    }
}

fn check_request<T: SnapRequest>(body: &[u8], what: &str) {
    let value = match parse_body::<T>(body) {
        Ok(value) => value,
        Err(e) => return check_field_error(body, &e, what),
    };
    let json = check_round_trip(&value, what);
    let again: T = parse_body(&json).unwrap_or_else(|e| panic!("{what}: {e}"));
    match (value.validate(), again.validate()) {
        (Ok(()), Ok(())) => {}
        (Err(e), Err(e2)) => {
            assert_eq!(e, e2, "{what}: validation differs after a round trip");
            check_field_error(body, &RequestError::Field(e), what);
        }
        (a, b) => panic!("{what}: validation {a:?} became {b:?} after a round trip"),
    }
}

// FromStr and JSON agree on a text; an accepted value prints to a text that parses back to it
// (the normal form) and serializes as that text.
fn check_newtype<T>(text: &str, what: &str)
where
    T: FromStr + DeserializeOwned + Serialize + PartialEq + Debug + Display,
    T::Err: Debug,
{
    let from_str = text.parse::<T>();
    let from_json = serde_json::from_value::<T>(Value::String(text.to_owned()));
    match (&from_str, &from_json) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{what}: FromStr and JSON disagree on {text:?}"),
        (Err(_), Err(_)) => {}
        _ => panic!("{what}: FromStr {from_str:?} but JSON {from_json:?} for {text:?}"),
    }
    let Ok(value) = from_str else {
        return;
    };
    let printed = value.to_string();
    let back: T = printed
        .parse()
        .unwrap_or_else(|e| panic!("{what}: {text:?} prints as {printed:?}, refused: {e:?}"));
    assert_eq!(
        back, value,
        "{what}: {text:?} → {printed:?} is another value"
    );
    assert_eq!(
        serde_json::to_value(&value).ok(),
        Some(Value::String(printed.clone())),
        "{what}: serializes differently from its Display"
    );
    // The serialized string as raw JSON parses to the same value too (escapes included).
    let raw = serde_json::to_vec(&text).unwrap_or_default();
    let from_raw = serde_json::from_slice::<T>(&raw).map_err(|e| e.to_string());
    assert_eq!(
        from_raw.as_ref().ok(),
        Some(&value),
        "{what}: raw JSON {text:?}"
    );
}

// AccessToken has no Display (a secret): compare through expose().
fn check_access_token(text: &str) {
    let from_str = text.parse::<AccessToken>();
    let from_json = serde_json::from_value::<AccessToken>(Value::String(text.to_owned()));
    assert_eq!(
        from_str.as_ref().map(AccessToken::expose).ok(),
        from_json.as_ref().map(AccessToken::expose).ok(),
        "AccessToken: FromStr and JSON disagree on {text:?}"
    );
    if let Ok(t) = from_str {
        assert_eq!(t.expose(), text, "AccessToken must keep its text");
    }
}

/// The dto target: the first byte picks a DTO (request or response) or a newtype; the rest is
/// its JSON body, or the newtype's text.
pub(crate) fn check_dto(data: &[u8]) {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let text = || String::from_utf8_lossy(body);
    match selector % 32 {
        0 => check_request::<AccessTokenRequest>(body, "AccessTokenRequest"),
        1 => check_request::<CreateVaRequest>(body, "CreateVaRequest"),
        2 => check_request::<DebitNotification>(body, "DebitNotification"),
        3 => check_request::<QrMpmGenerateRequest>(body, "QrMpmGenerateRequest"),
        4 => check_request::<QrMpmNotification>(body, "QrMpmNotification"),
        5 => check_request::<QrMpmQueryRequest>(body, "QrMpmQueryRequest"),
        6 => check_request::<QrMpmRefundRequest>(body, "QrMpmRefundRequest"),
        7 => check_request::<VaPaymentNotification>(body, "VaPaymentNotification"),
        8 => check_response::<AccessTokenResponse>(body, "AccessTokenResponse"),
        9 => check_response::<CreateVaResponse>(body, "CreateVaResponse"),
        10 => check_response::<QrMpmGenerateResponse>(body, "QrMpmGenerateResponse"),
        11 => check_response::<QrMpmQueryResponse>(body, "QrMpmQueryResponse"),
        12 => check_response::<QrMpmRefundResponse>(body, "QrMpmRefundResponse"),
        13 => check_response::<StatusResponse>(body, "StatusResponse"),
        14 => check_response::<VaPaymentResponse>(body, "VaPaymentResponse"),
        15 => check_newtype::<Amount>(&text(), "Amount"),
        16 => check_newtype::<Currency>(&text(), "Currency"),
        17 => check_newtype::<PartnerId>(&text(), "PartnerId"),
        18 => check_newtype::<ExternalId>(&text(), "ExternalId"),
        19 => check_newtype::<ChannelId>(&text(), "ChannelId"),
        20 => check_newtype::<Timestamp>(&text(), "Timestamp"),
        21 => check_newtype::<ResponseCode>(&text(), "ResponseCode"),
        22 => check_newtype::<ServiceCode>(&text(), "ServiceCode"),
        23 => check_newtype::<PartnerServiceId>(&text(), "PartnerServiceId"),
        24 => check_newtype::<CustomerNo>(&text(), "CustomerNo"),
        25 => check_newtype::<VirtualAccountNo>(&text(), "VirtualAccountNo"),
        26 => check_newtype::<TransactionStatus>(&text(), "TransactionStatus"),
        27 => check_access_token(&text()),
        // Any JSON as every newtype (numbers, objects, escapes): JSON and FromStr agree.
        _ => {
            if let Ok(Value::String(s)) = serde_json::from_slice::<Value>(body) {
                check_newtype::<Amount>(&s, "Amount");
                check_newtype::<Timestamp>(&s, "Timestamp");
                check_newtype::<VirtualAccountNo>(&s, "VirtualAccountNo");
            }
            for_every_newtype_json(body);
            providers_dialects(body);
        }
    }
}

// The providers' dialects (DOKU's VA 24/25, DANA's gateway 54–58), added after the selectors
// were laid out: they share the fallback selectors, so the corpus keeps its meaning.
fn providers_dialects(body: &[u8]) {
    check_request::<DokuVaInquiryRequest>(body, "DokuVaInquiryRequest");
    check_request::<DokuVaPaymentRequest>(body, "DokuVaPaymentRequest");
    check_request::<DanaCreateOrderRequest>(body, "DanaCreateOrderRequest");
    check_request::<DanaQueryPaymentRequest>(body, "DanaQueryPaymentRequest");
    check_request::<DanaFinishNotify>(body, "DanaFinishNotify");
    check_request::<DanaCancelOrderRequest>(body, "DanaCancelOrderRequest");
    check_request::<DanaRefundOrderRequest>(body, "DanaRefundOrderRequest");
    check_response::<DanaCreateOrderResponse>(body, "DanaCreateOrderResponse");
    check_response::<DanaQueryPaymentResponse>(body, "DanaQueryPaymentResponse");
    check_response::<DanaCancelOrderResponse>(body, "DanaCancelOrderResponse");
    check_response::<DanaRefundOrderResponse>(body, "DanaRefundOrderResponse");
}

// Raw JSON that is not a string is refused by every newtype (they all travel as strings).
fn for_every_newtype_json(body: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return;
    };
    if value.is_string() {
        return;
    }
    macro_rules! refused {
        ($($t:ty),*) => {$(
            assert!(
                serde_json::from_slice::<$t>(body).is_err(),
                concat!(stringify!($t), " accepted non-string JSON {:?}"),
                value
            );
        )*};
    }
    refused!(
        Amount,
        Currency,
        PartnerId,
        ExternalId,
        ChannelId,
        Timestamp,
        ResponseCode,
        ServiceCode,
        PartnerServiceId,
        CustomerNo,
        VirtualAccountNo,
        TransactionStatus,
        AccessToken
    );
}
