//! `snapbi check` configuration (TOML): the merchant's credentials as its provider holds them.
//! Secrets and keys come from files or environment variables the config names, never from the
//! config text (the conventions of the sandbox's `[merchants.callback]` and the receiver's
//! `[[partners]]`).
//!
//! ```toml
//! client_id = "SNAPSANDBOX"                # X-CLIENT-KEY / X-PARTNER-ID the merchant knows us by
//! private_key_file = "provider.pem"        # signs token requests (and asymmetric notifications)
//! client_secret_file = "callback.secret"   # or client_secret_env: signs HMAC-SHA512 notifications
//! channel_id = "95221"
//! signature = "symmetric"                  # or "asymmetric" (RSA-signed notifications, no token)
//!
//! [paths]                                  # relative to --callback; these are the defaults
//! token = "/v1.0/access-token/b2b"
//! va_payment = "/v1.0/transfer-va/payment"
//! qr_notify = "/v1.0/qr/qr-mpm-notify"
//! debit_notify = "/v1.0/debit/notify"
//!
//! [bill]                                   # what valid notifications pay: a test bill the merchant knows
//! partner_service_id = "88899000"
//! customer_no = "00000000001"
//! amount = "10000.00"
//! reference_no = "CHECK-QR-1"             # the QR/debit notifications' originalReferenceNo
//! partner_reference_no = "CHECK-ORDER-1"  # and originalPartnerReferenceNo
//! ```

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use snap_crypto::{ClientSecret, RsaPrivateKey, Signer};
use snap_types::{Amount, CustomerNo, PartnerServiceId, VirtualAccountNo};

pub(crate) use crate::config_file::ConfigError;
use crate::config_file::{key_file, problem, secret, toml_problem};

/// How the provider signs its notifications to this merchant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum SignatureMode {
    /// A B2B token from the merchant first, then HMAC-SHA512 with the client secret.
    Symmetric,
    /// SHA256withRSA with the provider's private key, no token.
    Asymmetric,
}

/// The merchant endpoints, relative to the callback base URL.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Paths {
    pub(crate) token: String,
    pub(crate) va_payment: String,
    pub(crate) qr_notify: String,
    pub(crate) debit_notify: String,
}

impl Default for Paths {
    fn default() -> Self {
        Self {
            token: "/v1.0/access-token/b2b".into(),
            va_payment: "/v1.0/transfer-va/payment".into(),
            qr_notify: "/v1.0/qr/qr-mpm-notify".into(),
            debit_notify: "/v1.0/debit/notify".into(),
        }
    }
}

/// The bill valid notifications pay.
#[derive(Debug, Clone)]
pub(crate) struct Bill {
    pub(crate) partner_service_id: PartnerServiceId,
    pub(crate) customer_no: CustomerNo,
    pub(crate) virtual_account_no: VirtualAccountNo,
    pub(crate) amount: Amount,
    pub(crate) reference_no: String,
    pub(crate) partner_reference_no: String,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RawBill {
    partner_service_id: Option<String>,
    customer_no: Option<String>,
    amount: Option<String>,
    reference_no: Option<String>,
    partner_reference_no: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    client_id: Option<String>,
    private_key_file: Option<PathBuf>,
    private_key: Option<toml::Value>,
    client_secret_file: Option<PathBuf>,
    client_secret_env: Option<String>,
    client_secret: Option<toml::Value>,
    channel_id: Option<String>,
    signature: Option<SignatureMode>,
    #[serde(default)]
    paths: Paths,
    #[serde(default)]
    bill: RawBill,
}

/// The validated configuration.
pub(crate) struct CheckConfig {
    pub(crate) client_id: String,
    pub(crate) channel_id: String,
    pub(crate) private_key: Arc<dyn Signer>,
    pub(crate) client_secret: Option<Arc<dyn Signer>>,
    pub(crate) signature: SignatureMode,
    pub(crate) paths: Paths,
    pub(crate) bill: Bill,
}

impl std::fmt::Debug for CheckConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckConfig")
            .field("client_id", &self.client_id)
            .field("channel_id", &self.channel_id)
            .field("signature", &self.signature)
            .field("paths", &self.paths)
            .finish_non_exhaustive()
    }
}

impl CheckConfig {
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
        let client_id = raw
            .client_id
            .filter(|c| !c.is_empty())
            .ok_or_else(|| problem("client_id", "missing"))?;
        if client_id.len() > 36 {
            return Err(problem("client_id", "longer than 36 characters"));
        }
        if raw.private_key.is_some() {
            return Err(problem(
                "private_key",
                "keys are never read from the config text; use private_key_file",
            ));
        }
        let private_key = key_file(base, "private_key_file", raw.private_key_file, |path| {
            RsaPrivateKey::from_file(path)
        })?;
        let signature = raw.signature.unwrap_or(SignatureMode::Symmetric);
        let client_secret = secret(
            base,
            "client_secret",
            raw.client_secret_file,
            raw.client_secret_env,
            raw.client_secret.is_some(),
        )?;
        if signature == SignatureMode::Symmetric && client_secret.is_none() {
            return Err(problem(
                "client_secret_file",
                "missing (or client_secret_env): symmetric notifications are signed with it",
            ));
        }
        let channel_id = raw.channel_id.unwrap_or_else(|| "95221".to_owned());
        if channel_id.is_empty() || channel_id.len() > 5 {
            return Err(problem("channel_id", "must be 1 to 5 characters"));
        }
        for (name, value) in [
            ("paths.token", &raw.paths.token),
            ("paths.va_payment", &raw.paths.va_payment),
            ("paths.qr_notify", &raw.paths.qr_notify),
            ("paths.debit_notify", &raw.paths.debit_notify),
        ] {
            if !value.starts_with('/') {
                return Err(problem(name, format!("{value:?} must start with /")));
            }
        }
        Ok(Self {
            client_id,
            channel_id,
            private_key: Arc::new(private_key),
            client_secret: client_secret.map(|s| Arc::new(ClientSecret::from_bytes(&s)) as _),
            signature,
            paths: raw.paths,
            bill: bill(raw.bill)?,
        })
    }

    /// The embedded DEMO/TEST credentials, as `snapbi sandbox --demo` calls the demo merchant.
    pub(crate) fn demo() -> Result<Self, String> {
        let secret = crate::sandbox::demo_client_secret();
        Ok(Self {
            client_id: crate::sandbox::DEMO_SANDBOX_CLIENT_ID.to_owned(),
            channel_id: "95221".to_owned(),
            private_key: Arc::new(crate::sandbox::demo_private_key()?),
            client_secret: Some(Arc::new(ClientSecret::new(secret))),
            signature: SignatureMode::Symmetric,
            paths: Paths::default(),
            bill: bill(RawBill::default()).map_err(|e| e.to_string())?,
        })
    }
}

fn bill(raw: RawBill) -> Result<Bill, ConfigError> {
    let partner_service_id: PartnerServiceId = raw
        .partner_service_id
        .as_deref()
        .unwrap_or("88899000")
        .parse()
        .map_err(|e| problem("bill.partner_service_id", format!("{e}")))?;
    let customer_no: CustomerNo = raw
        .customer_no
        .as_deref()
        .unwrap_or("00000000001")
        .parse()
        .map_err(|e| problem("bill.customer_no", format!("{e}")))?;
    let virtual_account_no = VirtualAccountNo::compose(&partner_service_id, &customer_no)
        .map_err(|e| problem("bill.customer_no", format!("{e}")))?;
    let amount: Amount = raw
        .amount
        .as_deref()
        .unwrap_or("10000.00")
        .parse()
        .map_err(|e| problem("bill.amount", format!("{e}")))?;
    Ok(Bill {
        partner_service_id,
        customer_no,
        virtual_account_no,
        amount,
        reference_no: raw.reference_no.unwrap_or_else(|| "CHECK-QR-1".to_owned()),
        partner_reference_no: raw
            .partner_reference_no
            .unwrap_or_else(|| "CHECK-ORDER-1".to_owned()),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn dir() -> tempfile::TempDir {
        let temp = tempfile::tempdir().unwrap();
        let keys = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/keys");
        std::fs::copy(
            keys.join("rsa2048-pkcs8.pem"),
            temp.path().join("provider.pem"),
        )
        .unwrap();
        std::fs::write(temp.path().join("callback.secret"), "s3cr3t\n").unwrap();
        temp
    }

    const GOOD: &str = r#"
client_id = "SNAPSANDBOX"
private_key_file = "provider.pem"
client_secret_file = "callback.secret"
[bill]
customer_no = "12345"
"#;

    #[test]
    fn loads_a_good_config() {
        let dir = dir();
        let config = CheckConfig::parse(GOOD, dir.path()).unwrap();
        assert_eq!(config.channel_id, "95221");
        assert_eq!(config.signature, SignatureMode::Symmetric);
        assert_eq!(config.paths, Paths::default());
        assert_eq!(config.bill.virtual_account_no.as_str(), "8889900012345");
    }

    #[test]
    fn every_problem_names_its_field() {
        let dir = dir();
        let cases = [
            (
                GOOD.replace("client_id = \"SNAPSANDBOX\"", ""),
                "client_id: missing",
            ),
            (
                GOOD.replace("client_secret_file = \"callback.secret\"", ""),
                "client_secret_file: missing",
            ),
            (
                GOOD.replace(
                    "client_secret_file = \"callback.secret\"",
                    "client_secret = \"x\"",
                ),
                "client_secret: secrets are never read",
            ),
            (
                GOOD.replace("provider.pem", "absent.pem"),
                "private_key_file:",
            ),
            (format!("{GOOD}amount = \"ten\"\n"), "bill.amount:"),
            (format!("{GOOD}[paths]\ntoken = \"v1\"\n"), "paths.token:"),
            (format!("{GOOD}colour = 1\n"), "unknown field `colour`"),
        ];
        for (text, expected) in cases {
            let message = CheckConfig::parse(&text, dir.path())
                .err()
                .unwrap()
                .to_string();
            assert!(
                message.contains(expected),
                "expected {expected:?} in {message:?}"
            );
        }
    }
}
