//! The provider's side of the conversation: token requests and notifications, signed exactly as
//! a provider signs them, or broken in one named way ([`Tamper`]).

use std::time::Duration;

use base64::Engine as _;
use bytes::Bytes;
use http::{HeaderValue, Method, Request};
use snap_crypto::{
    AuthRequest, Clock as _, ExternalIdGenerator, ServiceRequest, SignatureOptions, SystemClock,
    TimestampStyle, format_timestamp,
};
use snap_http::headers::{
    CHANNEL_ID, X_CLIENT_KEY, X_EXTERNAL_ID, X_PARTNER_ID, X_SIGNATURE, X_TIMESTAMP,
};
use snap_http::{ClientConfig, HttpTransport, ProviderProfile};
use snap_types::ResponseCode;
use time::OffsetDateTime;
use tower::ServiceExt as _;

use super::config::{CheckConfig, SignatureMode};
use super::notification::Kind;

/// The standard access-token request body.
const TOKEN_BODY: &[u8] = br#"{"grantType":"client_credentials","additionalInfo":{}}"#;

/// How far in the past a stale X-TIMESTAMP is: beyond any sensible window (5 minutes is usual)
/// and beyond a token's lifetime.
pub(crate) const STALE_BY: time::Duration = time::Duration::hours(1);

/// One way a request differs from what an honest provider sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tamper {
    /// Nothing: a valid request.
    None,
    /// A well-formed signature over another X-TIMESTAMP than the one sent.
    BadSignature,
    /// Signed correctly at a time [`STALE_BY`] ago.
    StaleTimestamp,
    /// A client id the merchant does not know, signed with our key.
    UnknownClient,
    /// This body is sent instead of the one that was signed (the amount changed by 1.00).
    BodyChanged(Bytes),
    /// Signed with the token, but no `Authorization` header.
    NoToken,
    /// Without `X-EXTERNAL-ID` (a mandatory header).
    NoExternalId,
}

/// What the merchant answered.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) http_status: u16,
    /// `responseCode`, when the body has one that parses.
    pub(crate) response_code: Option<ResponseCode>,
    pub(crate) response_message: String,
    /// `accessToken` of a token answer.
    pub(crate) access_token: Option<String>,
    /// `expiresIn` of a token answer (a string in the standard, a number in some providers).
    pub(crate) expires_in: Option<u64>,
    pub(crate) elapsed: Duration,
}

impl Answer {
    fn parse(http_status: u16, body: &[u8], elapsed: Duration) -> Self {
        let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        let text = |key: &str| value.get(key).and_then(|v| v.as_str()).map(str::to_owned);
        Self {
            http_status,
            response_code: text("responseCode").and_then(|c| c.parse().ok()),
            response_message: text("responseMessage").unwrap_or_else(|| {
                let shown: String = String::from_utf8_lossy(body).chars().take(80).collect();
                format!("(no SNAP answer: {shown:?})")
            }),
            access_token: text("accessToken").filter(|t| !t.is_empty()),
            expires_in: value.get("expiresIn").and_then(|v| {
                v.as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            }),
            elapsed,
        }
    }

    /// `HTTP 401 4017300 Unauthorized. [Signature]`.
    pub(crate) fn describe(&self) -> String {
        match self.response_code {
            Some(code) => format!("HTTP {} {code} {}", self.http_status, self.response_message),
            None => format!("HTTP {} {}", self.http_status, self.response_message),
        }
    }
}

/// Signs and sends as the merchant's provider.
pub(crate) struct Provider {
    config: CheckConfig,
    base: ClientConfig,
    transport: HttpTransport,
    ids: ExternalIdGenerator,
}

impl Provider {
    /// A provider calling the merchant at `callback` (base URL, the config's paths below it).
    pub(crate) fn new(
        config: CheckConfig,
        callback: &str,
        timeout: Duration,
    ) -> Result<Self, String> {
        let base = ClientConfig::builder()
            .base_url(callback)
            .client_id(
                config
                    .client_id
                    .parse()
                    .map_err(|e| format!("client_id: {e}"))?,
            )
            .channel_id(
                config
                    .channel_id
                    .parse()
                    .map_err(|e| format!("channel_id: {e}"))?,
            )
            .private_key_arc(std::sync::Arc::clone(&config.private_key))
            .profile(ProviderProfile::new(
                "snapbi check",
                config.paths.token.clone(),
            ))
            .build()
            .map_err(|e| format!("--callback: {e}"))?
            .with_request_timeout(timeout)
            .with_connect_timeout(timeout);
        let transport = HttpTransport::new(&base).map_err(|e| e.to_string())?;
        Ok(Self {
            config,
            base,
            transport,
            ids: ExternalIdGenerator::new(),
        })
    }

    /// The configuration.
    pub(crate) fn config(&self) -> &CheckConfig {
        &self.config
    }

    /// A fresh numeric X-EXTERNAL-ID.
    pub(crate) fn external_id(&self) -> String {
        self.ids.next_id_with(&SystemClock)
    }

    /// Now, as an X-TIMESTAMP (`+07:00`).
    pub(crate) fn now() -> OffsetDateTime {
        SystemClock.now()
    }

    /// A token request (service 73).
    pub(crate) async fn token(&self, tamper: Tamper) -> Result<Answer, String> {
        let now = Self::now();
        let sent_at = if tamper == Tamper::StaleTimestamp {
            now - STALE_BY
        } else {
            now
        };
        let timestamp = format_timestamp(sent_at, TimestampStyle::Wib);
        let client_id = if tamper == Tamper::UnknownClient {
            "SNAPBI-CHECK-UNKNOWN-CLIENT"
        } else {
            self.config.client_id.as_str()
        };
        let signed_at = if tamper == Tamper::BadSignature {
            format_timestamp(sent_at + time::Duration::seconds(1), TimestampStyle::Wib)
        } else {
            timestamp.clone()
        };
        let auth = AuthRequest::new(client_id).with_timestamp(&signed_at);
        let signature = snap_crypto::sign_auth(&auth, self.config.private_key.as_ref())
            .map_err(|e| format!("signing the token request: {e}"))?;
        let headers = [
            (X_TIMESTAMP, timestamp),
            (X_CLIENT_KEY, client_id.to_owned()),
            (X_SIGNATURE, signature),
        ];
        self.send(
            &self.config.paths.token,
            &headers,
            Bytes::from_static(TOKEN_BODY),
        )
        .await
    }

    /// A notification: `body` signed at `at` (symmetric with `token`, or asymmetric), broken as
    /// `tamper` says.
    pub(crate) async fn notify(
        &self,
        kind: Kind,
        token: Option<&str>,
        body: &[u8],
        external_id: &str,
        tamper: Tamper,
    ) -> Result<Answer, String> {
        let path = kind.path(&self.config.paths);
        let signed_path = self.base.url(path).map_err(|e| e.to_string())?;
        let signed_path = signed_path
            .path_and_query()
            .map_or_else(|| path.to_owned(), |p| p.as_str().to_owned());
        let now = Self::now();
        let sent_at = if tamper == Tamper::StaleTimestamp {
            now - STALE_BY
        } else {
            now
        };
        let timestamp = format_timestamp(sent_at, TimestampStyle::Wib);
        let signed_at = if tamper == Tamper::BadSignature {
            format_timestamp(sent_at + time::Duration::seconds(1), TimestampStyle::Wib)
        } else {
            timestamp.clone()
        };
        let request = ServiceRequest::new("POST", &signed_path)
            .with_body(body)
            .with_timestamp(&signed_at)
            .with_options(SignatureOptions::standard());
        let signature = match (self.config.signature, token) {
            (SignatureMode::Symmetric, Some(token)) => {
                let secret = self
                    .config
                    .client_secret
                    .as_deref()
                    .ok_or("symmetric notifications need client_secret_file")?;
                snap_crypto::sign(&request.with_token(token), secret)
            }
            (SignatureMode::Symmetric, None) => {
                return Err("no access token (the token request failed)".into());
            }
            (SignatureMode::Asymmetric, _) => {
                snap_crypto::sign(&request, self.config.private_key.as_ref())
            }
        }
        .map_err(|e| format!("signing the notification: {e}"))?;
        let mut headers = vec![
            (X_TIMESTAMP, timestamp),
            (X_SIGNATURE, signature),
            (X_PARTNER_ID, self.config.client_id.clone()),
            (CHANNEL_ID, self.config.channel_id.clone()),
        ];
        if tamper != Tamper::NoExternalId {
            headers.push((X_EXTERNAL_ID, external_id.to_owned()));
        }
        if let (Some(token), false) = (token, tamper == Tamper::NoToken) {
            headers.push((http::header::AUTHORIZATION, format!("Bearer {token}")));
        }
        let sent = match tamper {
            Tamper::BodyChanged(changed) => changed,
            _ => Bytes::copy_from_slice(body),
        };
        self.send(path, &headers, sent).await
    }

    async fn send(
        &self,
        path: &str,
        headers: &[(http::HeaderName, String)],
        body: Bytes,
    ) -> Result<Answer, String> {
        let uri = self.base.url(path).map_err(|e| e.to_string())?;
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(http::header::CONTENT_TYPE, "application/json");
        for (name, value) in headers {
            let value = HeaderValue::from_str(value).map_err(|e| format!("{name}: {e}"))?;
            request = request.header(name, value);
        }
        let request = request.body(body).map_err(|e| e.to_string())?;
        let started = std::time::Instant::now();
        let response = self
            .transport
            .clone()
            .oneshot(request)
            .await
            .map_err(|e| format!("no answer: {e}"))?;
        let elapsed = started.elapsed();
        Ok(Answer::parse(
            response.status().as_u16(),
            response.body(),
            elapsed,
        ))
    }

    /// A token shaped like the seed's HS256 JWT, naming our client id and expired an hour ago,
    /// that the merchant never issued (its signature is random): what an expired or forged
    /// token looks like to a merchant that validates tokens.
    pub(crate) fn expired_token(&self) -> String {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let now = Self::now().unix_timestamp();
        let header = b64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let claims = serde_json::json!({
            "jti": self.external_id(),
            "clientId": self.config.client_id,
            "iat": now - 4500,
            "nbf": now - 4500,
            "exp": now - 3600,
        });
        let claims = b64.encode(claims.to_string());
        let mut noise = [0u8; 32];
        // ring's system random cannot fail on the platforms we build for; a zero signature is
        // as unissued as a random one.
        let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut noise);
        format!("{header}.{claims}.{}", b64.encode(noise))
    }
}
