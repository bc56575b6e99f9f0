//! B2B access tokens: HS256 JWTs that any instance sharing the key can check, without a store.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};
use snap_types::PartnerId;
use time::OffsetDateTime;

use crate::Error;
use crate::error::{ConfigError, ConfigErrorKind, ConfigField};

/// The standard B2B token lifetime, in seconds.
pub const DEFAULT_TOKEN_LIFETIME_SECS: u32 = 900;

/// A token just issued: the text for `accessToken` and its lifetime for `expiresIn`.
#[derive(Clone)]
pub struct IssuedToken {
    /// The bearer token (never logged: `Debug` is redacted).
    pub token: String,
    /// Seconds until it expires.
    pub expires_in: u32,
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("token", &"***")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// What a valid token says.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedToken {
    /// The client the token was issued to (`X-CLIENT-KEY` of the token request).
    pub client_id: PartnerId,
    /// When it stops being valid.
    pub expires_at: OffsetDateTime,
}

impl VerifiedToken {
    /// What a [`TokenIssuer`] of your own returns for a valid token.
    ///
    /// ```
    /// use snap_http::{IssuedToken, InvalidToken, TokenIssuer, VerifiedToken};
    /// use time::OffsetDateTime;
    ///
    /// /// Tokens checked by an introspection service of your own (here: one fixed token).
    /// struct Introspected;
    ///
    /// impl TokenIssuer for Introspected {
    ///     fn issue(&self, _: &str, _: OffsetDateTime) -> Result<IssuedToken, snap_http::Error> {
    ///         Ok(IssuedToken { token: "opaque-token".into(), expires_in: 900 })
    ///     }
    ///     fn verify(&self, token: &str, now: OffsetDateTime) -> Result<VerifiedToken, InvalidToken> {
    ///         match token {
    ///             "opaque-token" => {
    ///                 let client = "QoinSnap".parse().map_err(|_| InvalidToken)?;
    ///                 Ok(VerifiedToken::new(client, now + time::Duration::minutes(15)))
    ///             }
    ///             _ => Err(InvalidToken),
    ///         }
    ///     }
    /// }
    ///
    /// let now = OffsetDateTime::UNIX_EPOCH;
    /// assert_eq!(Introspected.verify("opaque-token", now)?.client_id, "QoinSnap");
    /// # Ok::<(), InvalidToken>(())
    /// ```
    pub fn new(client_id: PartnerId, expires_at: OffsetDateTime) -> Self {
        Self {
            client_id,
            expires_at,
        }
    }
}

/// A token that is forged, expired, not yet valid or not ours: one opaque error, answered with
/// `401xx01 Invalid Token (B2B)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid access token")]
pub struct InvalidToken;

/// Issues and checks B2B access tokens. Implement it to use your own token format; the default is
/// [`JwtTokenIssuer`].
pub trait TokenIssuer: Send + Sync + 'static {
    /// A new token for `client_id`, valid from `now`.
    fn issue(&self, client_id: &str, now: OffsetDateTime) -> Result<IssuedToken, Error>;
    /// Checks `token` (without `Bearer `) at `now`.
    fn verify(&self, token: &str, now: OffsetDateTime) -> Result<VerifiedToken, InvalidToken>;
}

/// HS256 JWT tokens (`{"alg":"HS256","typ":"JWT"}` with `jti`, `clientId`, `nbf`, `exp`, `iat`, as
/// in seed 000's example). Any instance constructed with the same key accepts the tokens of the
/// others; nothing is stored.
///
/// ```
/// use snap_http::{JwtTokenIssuer, TokenIssuer};
/// use time::macros::datetime;
///
/// let issuer = JwtTokenIssuer::new(b"an issuing key of at least 32 bytes!")?;
/// let now = datetime!(2025-07-06 14:12:50 +07:00);
/// let issued = issuer.issue("QoinSnap", now)?;
/// assert_eq!(issued.expires_in, 900);
/// assert_eq!(issuer.verify(&issued.token, now)?.client_id, "QoinSnap");
/// assert!(issuer.verify(&issued.token, now + time::Duration::seconds(901)).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct JwtTokenIssuer {
    key: hmac::Key,
    lifetime: u32,
    rng: SystemRandom,
}

/// The minimum key length: HS256 keys shorter than the hash are guessable.
const MIN_KEY_LEN: usize = 32;
const HEADER_B64: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Claims {
    jti: String,
    client_id: String,
    nbf: i64,
    exp: i64,
    iat: i64,
}

impl JwtTokenIssuer {
    /// An issuer with this HMAC key (at least 32 bytes) and the standard 900 s lifetime.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the key is shorter than 32 bytes.
    pub fn new(key: &[u8]) -> Result<Self, Error> {
        if key.len() < MIN_KEY_LEN {
            return Err(Error::Config(ConfigError::new(
                ConfigField::TokenKey,
                ConfigErrorKind::TooShort { min: MIN_KEY_LEN },
            )));
        }
        Ok(Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, key),
            lifetime: DEFAULT_TOKEN_LIFETIME_SECS,
            rng: SystemRandom::new(),
        })
    }

    /// An issuer with a random key: tokens are valid on this instance only, until it restarts.
    ///
    /// # Errors
    ///
    /// [`Error::Token`] when the system random source fails.
    pub fn random() -> Result<Self, Error> {
        let mut key = zeroize::Zeroizing::new([0u8; 32]);
        SystemRandom::new()
            .fill(key.as_mut())
            .map_err(|_| Error::Token("system random source failed".into()))?;
        Self::new(key.as_ref())
    }

    /// Checks the signature (constant time) and decodes the claims; the time is checked by the caller.
    fn check(&self, token: &str) -> Result<Claims, InvalidToken> {
        let (signed, tag_b64) = token.rsplit_once('.').ok_or(InvalidToken)?;
        let (header, payload_b64) = signed.split_once('.').ok_or(InvalidToken)?;
        if header != HEADER_B64 {
            return Err(InvalidToken);
        }
        let mut tag = [0u8; 32];
        let n = URL_SAFE_NO_PAD
            .decode_slice(tag_b64, &mut tag)
            .map_err(|_| InvalidToken)?;
        // Constant time; the length check is inside too.
        hmac::verify(
            &self.key,
            signed.as_bytes(),
            tag.get(..n).ok_or(InvalidToken)?,
        )
        .map_err(|_| InvalidToken)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload_b64)
            .map_err(|_| InvalidToken)?;
        serde_json::from_slice(&payload).map_err(|_| InvalidToken)
    }

    /// Sets the lifetime in seconds (`expiresIn`).
    #[must_use]
    pub fn with_lifetime(mut self, seconds: u32) -> Self {
        self.lifetime = seconds;
        self
    }
}

impl fmt::Debug for JwtTokenIssuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtTokenIssuer")
            .field("key", &"<redacted>")
            .field("lifetime", &self.lifetime)
            .finish()
    }
}

impl TokenIssuer for JwtTokenIssuer {
    fn issue(&self, client_id: &str, now: OffsetDateTime) -> Result<IssuedToken, Error> {
        let mut jti = [0u8; 16];
        self.rng
            .fill(&mut jti)
            .map_err(|_| Error::Token("system random source failed".into()))?;
        let iat = now.unix_timestamp();
        let claims = Claims {
            jti: uuid_text(&jti),
            client_id: client_id.to_owned(),
            nbf: iat,
            exp: iat + i64::from(self.lifetime),
            iat,
        };
        let payload = serde_json::to_vec(&claims).map_err(Error::Json)?;
        let mut token = String::with_capacity(256);
        token.push_str(HEADER_B64);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
        let tag = hmac::sign(&self.key, token.as_bytes());
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(tag.as_ref(), &mut token);
        Ok(IssuedToken {
            token,
            expires_in: self.lifetime,
        })
    }

    fn verify(&self, token: &str, now: OffsetDateTime) -> Result<VerifiedToken, InvalidToken> {
        let Claims {
            client_id,
            nbf,
            exp,
            ..
        } = self.check(token)?;
        let now = now.unix_timestamp();
        if now < nbf || now >= exp {
            return Err(InvalidToken);
        }
        let expires_at = OffsetDateTime::from_unix_timestamp(exp).map_err(|_| InvalidToken)?;
        Ok(VerifiedToken {
            client_id: client_id.parse().map_err(|_| InvalidToken)?,
            expires_at,
        })
    }
}

/// 16 random bytes written as a version-4 UUID, the form of seed 000's `jti`.
fn uuid_text(bytes: &[u8; 16]) -> String {
    let mut b = *bytes;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::datetime;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn round_trip_expiry_and_forgery() {
        let issuer = JwtTokenIssuer::new(KEY).unwrap();
        let now = datetime!(2024-06-27 08:11:13 UTC);
        let t = issuer.issue("202000215", now).unwrap();
        assert!(t.token.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
        let v = issuer
            .verify(&t.token, now + time::Duration::seconds(899))
            .unwrap();
        assert_eq!(v.client_id, "202000215");
        assert!(
            issuer
                .verify(&t.token, now + time::Duration::seconds(900))
                .is_err()
        );
        assert!(
            issuer
                .verify(&t.token, now - time::Duration::seconds(1))
                .is_err()
        );
        // Another key (another deployment) refuses it; the same key (another instance) accepts it.
        let other = JwtTokenIssuer::new(b"another key of thirty-two bytes!!").unwrap();
        assert_eq!(other.verify(&t.token, now), Err(InvalidToken));
        assert!(
            JwtTokenIssuer::new(KEY)
                .unwrap()
                .verify(&t.token, now)
                .is_ok()
        );
        // Any flipped character fails.
        for i in 0..t.token.len() {
            let mut bytes = t.token.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let forged = String::from_utf8(bytes).unwrap();
            if forged != t.token {
                assert!(issuer.verify(&forged, now).is_err(), "position {i}");
            }
        }
        for junk in [
            "",
            ".",
            "..",
            "a.b.c",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.e30.",
        ] {
            assert!(issuer.verify(junk, now).is_err());
        }
    }

    #[test]
    fn short_key_refused_and_debug_redacted() {
        assert!(JwtTokenIssuer::new(b"short").is_err());
        let issuer = JwtTokenIssuer::random().unwrap();
        assert!(!format!("{issuer:?}").contains("0123"));
        let t = issuer.issue("c", datetime!(2024-01-01 0:00 UTC)).unwrap();
        assert!(!format!("{t:?}").contains(&t.token));
    }
}
