#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod client_secret;
mod der;
mod error;
mod external_id;
mod helpers;
mod key_text;
mod minify;
mod options;
mod rsa;
mod signer;
mod string_to_sign;
mod symmetric_prefix;
mod timestamp;

pub use crate::client_secret::ClientSecret;
pub use crate::error::Error;
pub use crate::external_id::ExternalIdGenerator;
pub use crate::helpers::{
    BodyDigest, sign_asymmetric, sign_auth, sign_symmetric, verify_asymmetric, verify_auth,
    verify_symmetric,
};
pub use crate::minify::{MinifyError, MinifyErrorKind, minify, minify_into};
pub use crate::options::{EmptyBodyHash, QueryInPath, SignatureOptions};
pub use crate::rsa::{KeyPolicy, LEGACY_MIN_RSA_BITS, MIN_RSA_BITS, RsaPrivateKey, RsaPublicKey};
pub use crate::signer::{SignatureAlgorithm, Signer, Verifier};
pub use crate::string_to_sign::{StringToSign, body_hash_hex};
pub use crate::symmetric_prefix::SymmetricPrefix;
pub use crate::timestamp::{
    Clock, FixedClock, SystemClock, TimestampError, TimestampStyle, check_window, format_timestamp,
    parse_timestamp, timestamp_now,
};
