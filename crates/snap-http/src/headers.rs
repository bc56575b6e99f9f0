//! SNAP header names, shared by the server and the client.
//!
//! Names are matched case-insensitively on receipt (`X-Timestamp`, `Channel-Id` arrive in the
//! wild); `http` stores them in lower case and writes them that way, which HTTP/1.1 peers treat
//! as the same header.

use http::HeaderName;

/// `X-TIMESTAMP`: the sender's local time, RFC 3339, signed verbatim.
pub const X_TIMESTAMP: HeaderName = HeaderName::from_static("x-timestamp");
/// `X-SIGNATURE`: base64 signature (never logged).
pub const X_SIGNATURE: HeaderName = HeaderName::from_static("x-signature");
/// `X-CLIENT-KEY`: the client id on the access-token request.
pub const X_CLIENT_KEY: HeaderName = HeaderName::from_static("x-client-key");
/// `X-PARTNER-ID`: the caller's partner (client) id on service calls.
pub const X_PARTNER_ID: HeaderName = HeaderName::from_static("x-partner-id");
/// `X-EXTERNAL-ID`: the caller's request id, unique per partner per day.
pub const X_EXTERNAL_ID: HeaderName = HeaderName::from_static("x-external-id");
/// `CHANNEL-ID`: the PJP's channel id.
pub const CHANNEL_ID: HeaderName = HeaderName::from_static("channel-id");
/// `ORIGIN`: optional origin of the caller.
pub const ORIGIN: HeaderName = HeaderName::from_static("origin");
/// `Authorization-Customer`: the B2B2C customer token.
pub const AUTHORIZATION_CUSTOMER: HeaderName = HeaderName::from_static("authorization-customer");

/// Headers whose values must never reach a log line.
pub const SENSITIVE_HEADERS: [HeaderName; 3] = [
    http::header::AUTHORIZATION,
    X_SIGNATURE,
    AUTHORIZATION_CUSTOMER,
];
