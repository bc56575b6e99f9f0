//! `snapbi receive` configuration (TOML). Secrets are read from files or environment variables that the
//! config names, never from the config text; every problem is reported with the field it concerns
//! before anything listens.
//!
//! ```toml
//! listen = "127.0.0.1:8080"
//! prefix = "/api"                      # routes: /api/v1.0/access-token/b2b, /api/v1.0/transfer-va/payment, ...
//! data_dir = "./snap-data"              # the default store: ./snap-data/notifications.redb
//! # store = "postgres://snap@db/snap"  # or one PostgreSQL database shared by several receivers
//! # claim_lease_secs = 30              # how long a dead instance's in-progress claim holds its key
//! # store_connections = 16             # PostgreSQL connections of this instance
//! token_key_file = "token.key"         # or token_key_env = "SNAP_TOKEN_KEY"; signs the issued access tokens
//! forward_secret_file = "forward.key"  # optional; signs what --forward posts (or forward_secret_env)
//!
//! [[partners]]
//! client_id = "QoinSnap"               # X-CLIENT-KEY on the token request
//! partner_id = "QoinSnap"              # X-PARTNER-ID on notifications (default: client_id)
//! public_key_file = "qoinhub.pub.pem"  # verifies the token request (SHA256withRSA)
//! client_secret_file = "qoinhub.secret" # or client_secret_env; verifies HMAC-SHA512 notifications
//! signature = "symmetric"              # or "asymmetric" (notifications signed with the RSA key)
//! channels = ["95221"]                 # allowed CHANNEL-IDs; empty or absent = any
//! profile = "standard"                 # or "doku": read DOKU's dialect of its notifications
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use std::time::Duration;

use serde::Deserialize;
use snap_crypto::{ClientSecret, RsaPublicKey};
use snap_store::StoreLocation;
use zeroize::Zeroizing;

pub(crate) use crate::config_file::ConfigError;
use crate::config_file::{key_file, problem, secret, toml_problem};

/// The redb file in `data_dir` when no `store` is configured.
pub(crate) const STORE_FILE: &str = "notifications.redb";

/// How a partner signs its notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum SignatureMode {
    /// HMAC-SHA512 with the client secret (the SNAP default for transactions).
    Symmetric,
    /// SHA256withRSA with the partner's private key.
    Asymmetric,
}

/// Whose dialect a partner's notifications are read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PartnerProfile {
    /// Seed 000's VA payment or the standard's, as their tables say.
    #[default]
    Standard,
    /// DOKU: the standard's VA payment with `channelCode` as a digit string and `customerNo` as
    /// the whole VA number (snap-types' `DokuVaPaymentRequest`).
    Doku,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    listen: Option<String>,
    prefix: Option<String>,
    data_dir: Option<PathBuf>,
    store: Option<String>,
    claim_lease_secs: Option<u64>,
    store_connections: Option<usize>,
    token_key_file: Option<PathBuf>,
    token_key_env: Option<String>,
    token_key: Option<toml::Value>,
    forward_secret_file: Option<PathBuf>,
    forward_secret_env: Option<String>,
    forward_secret: Option<toml::Value>,
    #[serde(default)]
    partners: Vec<RawPartner>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPartner {
    client_id: Option<String>,
    partner_id: Option<String>,
    public_key_file: Option<PathBuf>,
    client_secret_file: Option<PathBuf>,
    client_secret_env: Option<String>,
    client_secret: Option<toml::Value>,
    signature: Option<SignatureMode>,
    #[serde(default)]
    channels: Vec<String>,
    #[serde(default)]
    profile: PartnerProfile,
}

/// A partner (the provider calling us), with its keys loaded.
#[derive(Debug)]
pub(crate) struct PartnerConfig {
    pub(crate) client_id: String,
    pub(crate) partner_id: String,
    pub(crate) public_key: RsaPublicKey,
    pub(crate) client_secret: ClientSecret,
    pub(crate) signature: SignatureMode,
    pub(crate) channels: Vec<String>,
    /// The dialect its notifications are read in.
    pub(crate) profile: PartnerProfile,
}

/// The validated configuration.
#[derive(Debug)]
pub(crate) struct ReceiverConfig {
    pub(crate) listen: SocketAddr,
    pub(crate) prefix: String,
    /// Where notifications are stored (default: `data_dir/notifications.redb`).
    pub(crate) store: StoreLocation,
    /// How long an in-progress claim in a shared store outlives a dead instance.
    pub(crate) claim_lease: Duration,
    /// PostgreSQL connections of this instance.
    pub(crate) store_connections: usize,
    pub(crate) token_key: Zeroizing<Vec<u8>>,
    pub(crate) forward_secret: Option<Zeroizing<Vec<u8>>>,
    pub(crate) partners: Vec<PartnerConfig>,
}

impl ReceiverConfig {
    /// Reads and validates the file; relative paths are relative to the file's directory.
    pub(crate) fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| problem("--config", format!("cannot read {}: {e}", path.display())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, base)
    }

    /// Validates config text; `base` resolves relative paths.
    pub(crate) fn parse(text: &str, base: &Path) -> Result<Self, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| toml_problem(text, &e))?;
        let listen = raw.listen.as_deref().unwrap_or("127.0.0.1:8080");
        let listen = listen.parse().map_err(|_| {
            problem(
                "listen",
                format!("{listen:?} is not an address such as 127.0.0.1:8080"),
            )
        })?;
        let prefix = raw.prefix.unwrap_or_default();
        if !(prefix.is_empty() || prefix.starts_with('/') && !prefix.ends_with('/')) {
            return Err(problem(
                "prefix",
                format!("{prefix:?} must be empty or start with / and not end with /"),
            ));
        }
        let store = match (raw.store, raw.data_dir) {
            (Some(store), _) => store
                .parse()
                .map_err(|e| problem("store", format!("{e}")))?,
            (None, Some(data_dir)) => StoreLocation::Redb(base.join(data_dir).join(STORE_FILE)),
            (None, None) => {
                return Err(problem(
                    "data_dir",
                    "missing (or store = \"postgres://...\")",
                ));
            }
        };
        let store = match store {
            StoreLocation::Redb(path) => StoreLocation::Redb(base.join(path)),
            shared => shared,
        };
        let claim_lease = match raw.claim_lease_secs {
            None => snap_store::DEFAULT_LEASE,
            Some(secs @ 1..=3600) => Duration::from_secs(secs),
            Some(_) => return Err(problem("claim_lease_secs", "must be 1 to 3600")),
        };
        let store_connections = match raw.store_connections {
            None => 16,
            Some(n @ 1..=1000) => n,
            Some(_) => return Err(problem("store_connections", "must be 1 to 1000")),
        };
        let token_key = secret(
            base,
            "token_key",
            raw.token_key_file,
            raw.token_key_env,
            raw.token_key.is_some(),
        )?
        .ok_or_else(|| problem("token_key_file", "missing (or token_key_env)"))?;
        if token_key.len() < 32 {
            return Err(problem(
                "token_key_file",
                "the token key must be at least 32 bytes",
            ));
        }
        let forward_secret = secret(
            base,
            "forward_secret",
            raw.forward_secret_file,
            raw.forward_secret_env,
            raw.forward_secret.is_some(),
        )?;
        if raw.partners.is_empty() {
            return Err(problem(
                "partners",
                "at least one [[partners]] entry is needed",
            ));
        }
        let mut partners: Vec<PartnerConfig> = Vec::with_capacity(raw.partners.len());
        for (i, p) in raw.partners.into_iter().enumerate() {
            let field = |name: &str| format!("partners[{i}].{name}");
            let client_id = p
                .client_id
                .filter(|c| !c.is_empty())
                .ok_or_else(|| problem(field("client_id"), "missing"))?;
            if client_id.len() > 36 {
                return Err(problem(field("client_id"), "longer than 36 characters"));
            }
            let partner_id = p.partner_id.unwrap_or_else(|| client_id.clone());
            if partner_id.is_empty() || partner_id.len() > 36 {
                return Err(problem(field("partner_id"), "must be 1 to 36 characters"));
            }
            if partners
                .iter()
                .any(|q| q.client_id == client_id || q.partner_id == partner_id)
            {
                return Err(problem(
                    field("client_id"),
                    format!("{client_id:?} is configured twice"),
                ));
            }
            let public_key =
                key_file(base, &field("public_key_file"), p.public_key_file, |path| {
                    RsaPublicKey::from_file(path)
                })?;
            let secret_field = format!("partners[{i}].client_secret");
            let secret = secret(
                base,
                &secret_field,
                p.client_secret_file,
                p.client_secret_env,
                p.client_secret.is_some(),
            )?
            .ok_or_else(|| {
                problem(
                    field("client_secret_file"),
                    "missing (or client_secret_env)",
                )
            })?;
            for channel in &p.channels {
                if channel.is_empty() || channel.len() > 5 {
                    return Err(problem(
                        field("channels"),
                        format!("{channel:?} is not a CHANNEL-ID (1 to 5 characters)"),
                    ));
                }
            }
            partners.push(PartnerConfig {
                client_id,
                partner_id,
                public_key,
                client_secret: ClientSecret::from_bytes(&secret),
                signature: p.signature.unwrap_or(SignatureMode::Symmetric),
                channels: p.channels,
                profile: p.profile,
            });
        }
        Ok(Self {
            listen,
            prefix,
            store,
            claim_lease,
            store_connections,
            token_key,
            forward_secret,
            partners,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A temporary directory with the config's key and secret files, removed on drop.
    fn fixture_dir() -> tempfile::TempDir {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
        let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/keys");
        let public = std::fs::read_dir(&keys)
            .unwrap()
            .filter_map(Result::ok)
            .map(|e| e.path())
            .find(|p| {
                let name = p.file_name().unwrap().to_string_lossy().to_string();
                name == "rsa2048-public.pem"
            })
            .unwrap();
        std::fs::copy(public, dir.join("partner.pub.pem")).unwrap();
        std::fs::write(dir.join("token.key"), "0123456789abcdef0123456789abcdef\n").unwrap();
        std::fs::write(dir.join("partner.secret"), "s3cr3t\n").unwrap();
        temp
    }

    const GOOD: &str = r#"
listen = "127.0.0.1:0"
prefix = "/api"
data_dir = "data"
token_key_file = "token.key"

[[partners]]
client_id = "QoinSnap"
public_key_file = "partner.pub.pem"
client_secret_file = "partner.secret"
channels = ["95221"]
"#;

    #[test]
    fn loads_a_good_config() {
        let dir = fixture_dir();
        let config = ReceiverConfig::parse(GOOD, dir.path()).unwrap();
        assert_eq!(config.prefix, "/api");
        assert_eq!(config.partners[0].partner_id, "QoinSnap");
        assert_eq!(config.partners[0].signature, SignatureMode::Symmetric);
        assert_eq!(config.partners[0].profile, PartnerProfile::Standard);
        let doku = GOOD.replace("channels = [", "profile = \"doku\"\nchannels = [");
        let config = ReceiverConfig::parse(&doku, dir.path()).unwrap();
        assert_eq!(config.partners[0].profile, PartnerProfile::Doku);
        assert_eq!(
            config.store,
            StoreLocation::Redb(dir.path().join("data").join(STORE_FILE))
        );
        assert_eq!(config.claim_lease, Duration::from_secs(30));
        let shared = format!("{GOOD}\n").replace(
            "data_dir = \"data\"",
            "store = \"postgres://snap:pw@db/snap\"\nclaim_lease_secs = 10",
        );
        let config = ReceiverConfig::parse(&shared, dir.path()).unwrap();
        assert_eq!(config.store.to_string(), "postgres://snap:***@db/snap");
        assert_eq!(config.claim_lease, Duration::from_secs(10));
        assert_eq!(
            config.token_key.as_slice(),
            b"0123456789abcdef0123456789abcdef"
        );
    }

    fn error(text: &str) -> String {
        ReceiverConfig::parse(text, fixture_dir().path())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn every_problem_names_its_field() {
        let cases = [
            (GOOD.replace("127.0.0.1:0", "nowhere"), "listen:"),
            (GOOD.replace("\"/api\"", "\"api/\""), "prefix:"),
            (
                GOOD.replace("data_dir = \"data\"\n", ""),
                "data_dir: missing",
            ),
            (
                GOOD.replace("data_dir = \"data\"", "store = \"mysql://x\""),
                "store:",
            ),
            (
                GOOD.replace(
                    "data_dir = \"data\"",
                    "data_dir = \"d\"\nclaim_lease_secs = 0",
                ),
                "claim_lease_secs:",
            ),
            (
                GOOD.replace("token_key_file = \"token.key\"", "token_key = \"x\""),
                "token_key: secrets are never read",
            ),
            (
                GOOD.replace("token.key", "absent.key"),
                "token_key_file: cannot read",
            ),
            (
                GOOD.replace("client_id = \"QoinSnap\"", ""),
                "partners[0].client_id: missing",
            ),
            (
                GOOD.replace("partner.pub.pem", "token.key"),
                "partners[0].public_key_file:",
            ),
            (
                GOOD.replace(
                    "client_secret_file = \"partner.secret\"",
                    "client_secret = \"s3cr3t\"",
                ),
                "partners[0].client_secret: secrets are never read",
            ),
            (
                GOOD.replace(
                    "client_secret_file = \"partner.secret\"",
                    "client_secret_env = \"SNAP_TEST_UNSET_VAR\"",
                ),
                "partners[0].client_secret_env: environment variable SNAP_TEST_UNSET_VAR is not set",
            ),
            (
                GOOD.replace("[\"95221\"]", "[\"123456\"]"),
                "partners[0].channels:",
            ),
            (
                GOOD.replace("signature", "x").replace("channels", "colour"),
                "unknown field `colour`",
            ),
            (
                GOOD.replace("channels = [", "profile = \"bca\"\nchannels = ["),
                "unknown variant `bca`",
            ),
            (
                GOOD.split("[[partners]]").next().unwrap().to_owned(),
                "partners: at least one",
            ),
        ];
        for (text, expected) in cases {
            let message = error(&text);
            assert!(
                message.contains(expected),
                "expected {expected:?} in {message:?}"
            );
        }
    }
}
