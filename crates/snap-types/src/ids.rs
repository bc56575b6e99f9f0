//! Header identifiers (`X-PARTNER-ID`, `X-EXTERNAL-ID`, `CHANNEL-ID`) and the B2B access token.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, check_len};
use crate::short_text::{ShortText, short_text};

/// Header values travel as visible ASCII (`!`..=`~`): no spaces, no control characters.
fn check_visible_ascii(what: &'static str, s: &str, max: Option<usize>) -> Result<(), Error> {
    if s.is_empty() {
        return Err(Error::Empty { what });
    }
    if let Some(max) = max {
        check_len(what, s, max)?;
    }
    if !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Error::Format {
            what,
            expected: "visible ASCII characters without spaces",
        });
    }
    Ok(())
}

macro_rules! header_id {
    ($(#[$doc:meta])* $name:ident, $what:literal, $max:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(ShortText<$max>);

        impl $name {
            /// Longest accepted value, in characters.
            pub const MAX_LEN: usize = $max;

            /// The value as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_tuple(stringify!($name)).field(&self.0).finish()
            }
        }

        impl FromStr for $name {
            type Err = Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                check_visible_ascii($what, s, Some($max))?;
                Ok(Self(short_text($what, s)?))
            }
        }

        impl TryFrom<&str> for $name {
            type Error = Error;

            fn try_from(s: &str) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl TryFrom<String> for $name {
            type Error = Error;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.as_str() == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.as_str() == *other
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                crate::text::from_text(deserializer)
            }
        }
    };
}

header_id!(
    /// `X-PARTNER-ID`: the caller's client id, 1–36 visible ASCII characters.
    PartnerId,
    "X-PARTNER-ID",
    36
);

header_id!(
    /// `X-EXTERNAL-ID`: the caller's request id, unique per partner per day; 1–36 visible ASCII
    /// characters.
    ///
    /// The standard wants a numeric string; real gateways (DANA) send alphanumerics, so any visible
    /// ASCII is accepted on receipt. Emit numeric ones: [`ExternalId::is_numeric`] tells them apart.
    ExternalId,
    "X-EXTERNAL-ID",
    36
);

header_id!(
    /// `CHANNEL-ID`: the PJP's channel id, 1–5 visible ASCII characters (`95221`).
    ChannelId,
    "CHANNEL-ID",
    5
);

impl ExternalId {
    /// Whether the id is all ASCII digits, the form the standard asks senders to use.
    pub fn is_numeric(&self) -> bool {
        self.0.bytes().all(|b| b.is_ascii_digit())
    }
}

/// A B2B access token (`accessToken`, and the part of `Authorization: Bearer ...` after `Bearer `).
///
/// Non-empty visible ASCII (JWTs and opaque tokens both are). `Debug` prints `AccessToken(***)`
/// and there is no `Display`, so a token does not end up in logs by accident; read it with
/// [`AccessToken::expose`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct AccessToken(String);

impl AccessToken {
    /// The token text, for the `Authorization` header and the string to sign.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(***)")
    }
}

impl FromStr for AccessToken {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        check_visible_ascii("accessToken", s, None)?;
        Ok(Self(s.to_owned()))
    }
}

impl TryFrom<String> for AccessToken {
    type Error = Error;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        check_visible_ascii("accessToken", &s, None)?;
        Ok(Self(s))
    }
}

impl Serialize for AccessToken {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AccessToken {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Self::try_from(String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn limits() {
        assert!("a".repeat(36).parse::<PartnerId>().is_ok());
        assert!(matches!(
            "a".repeat(37).parse::<PartnerId>(),
            Err(Error::TooLong { max: 36, .. })
        ));
        assert!(matches!("".parse::<ExternalId>(), Err(Error::Empty { .. })));
        assert!(
            "41807553358950093184162180797837"
                .parse::<ExternalId>()
                .unwrap()
                .is_numeric()
        );
        assert!(!"abc-1".parse::<ExternalId>().unwrap().is_numeric());
        assert!("a b".parse::<ExternalId>().is_err());
        assert!("95221".parse::<ChannelId>().is_ok());
        assert!("952211".parse::<ChannelId>().is_err());
    }

    #[test]
    fn token_is_redacted() {
        let t: AccessToken = "secret.jwt".parse().unwrap();
        assert_eq!(format!("{t:?}"), "AccessToken(***)");
        assert_eq!(t.expose(), "secret.jwt");
    }
}
