#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client_secret;
mod der;
mod error;
mod external_id;
mod key_text;
mod minify;
mod options;
mod rsa;
mod sign;
mod signer;
mod string_to_sign;
mod timestamp;
mod verify;

pub use crate::client_secret::ClientSecret;
pub use crate::error::Error;
pub use crate::external_id::ExternalIdGenerator;
pub use crate::minify::{MinifyError, MinifyErrorKind, minify, minify_into};
pub use crate::options::{EmptyBodyHash, QueryInPath, SignatureOptions};
pub use crate::rsa::{KeyPolicy, LEGACY_MIN_RSA_BITS, MIN_RSA_BITS, RsaPrivateKey, RsaPublicKey};
pub use crate::sign::{sign, sign_auth};
pub use crate::signer::{SignatureAlgorithm, Signer, Verifier};
pub use crate::string_to_sign::{AuthRequest, ServiceRequest, StringToSign, body_hash_hex};
pub use crate::timestamp::{
    Clock, FixedClock, SystemClock, TimestampError, TimestampStyle, check_window, format_timestamp,
    parse_timestamp, timestamp_now,
};
pub use crate::verify::{
    BodyDigest, VerifiedNotification, verify, verify_auth, verify_notification,
};
