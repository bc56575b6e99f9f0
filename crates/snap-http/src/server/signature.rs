//! Symmetric service signatures, with the string-to-sign's fixed start hashed once per token.

use std::cell::RefCell;
use std::sync::Arc;

use snap_crypto::{BodyDigest, ClientSecret, SignatureOptions, SymmetricPrefix};

thread_local! {
    /// The prefix this thread verified with last, and the secret it is keyed with (held, so that
    /// a secret dropped and another allocated at its address cannot be mistaken for it).
    static LAST_PREFIX: RefCell<Option<(Arc<ClientSecret>, SymmetricPrefix)>> =
        const { RefCell::new(None) };
}

/// Checks a symmetric service signature like [`snap_crypto::verify_symmetric`].
///
/// A provider posts its notifications within one token's lifetime to the same few paths, so each
/// thread keeps the [`SymmetricPrefix`] (`METHOD:path:token:` hashed under the secret) of the last
/// signature it verified and reuses it while secret, method, path, token and options stay the
/// same. Only a verified signature replaces it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn verify_symmetric(
    secret: &Arc<ClientSecret>,
    method: &str,
    path: &str,
    token: &str,
    body: &[u8],
    timestamp: &str,
    signature: &str,
    options: &SignatureOptions,
) -> Result<BodyDigest, snap_crypto::Error> {
    LAST_PREFIX
        .try_with(|last| {
            // Nothing below calls back into this module, so the borrow is never held twice.
            let mut last = last.try_borrow_mut().ok()?;
            if let Some((held, prefix)) = last.as_ref()
                && Arc::ptr_eq(held, secret)
                && prefix.is_for(method, path, token, options)
            {
                return Some(prefix.verify(body, timestamp, signature));
            }
            let prefix = SymmetricPrefix::new(secret, method, path, token, options);
            let verified = prefix.verify(body, timestamp, signature);
            if verified.is_ok() {
                *last = Some((Arc::clone(secret), prefix));
            }
            Some(verified)
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| {
            snap_crypto::verify_symmetric(
                &**secret, method, path, token, body, timestamp, signature, options,
            )
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const TS: &str = "2024-01-02T03:04:05+07:00";
    const BODY: &[u8] = br#"{"a": 1}"#;

    fn sign(secret: &ClientSecret, path: &str, token: &str) -> String {
        let opts = SignatureOptions::default();
        snap_crypto::sign_symmetric(secret, "POST", path, token, BODY, TS, &opts).unwrap()
    }

    fn check(secret: &Arc<ClientSecret>, path: &str, token: &str, signature: &str) -> bool {
        let opts = SignatureOptions::default();
        verify_symmetric(secret, "POST", path, token, BODY, TS, signature, &opts).is_ok()
    }

    #[test]
    fn the_kept_prefix_is_only_reused_for_the_same_secret_path_and_token() {
        let a = Arc::new(ClientSecret::new("secret a"));
        let b = Arc::new(ClientSecret::new("secret b"));
        let by_a = sign(&a, "/p", "t1");
        assert!(check(&a, "/p", "t1", &by_a));
        // Kept now; again, then refused for a changed body.
        assert!(check(&a, "/p", "t1", &by_a));
        let opts = SignatureOptions::default();
        assert!(verify_symmetric(&a, "POST", "/p", "t1", b"{}", TS, &by_a, &opts).is_err());
        // Another token, path or secret is not checked against the kept prefix.
        assert!(!check(&a, "/p", "t2", &by_a));
        assert!(check(&a, "/p", "t2", &sign(&a, "/p", "t2")));
        assert!(!check(&a, "/q", "t2", &sign(&a, "/p", "t2")));
        assert!(check(&a, "/q", "t2", &sign(&a, "/q", "t2")));
        assert!(!check(&b, "/q", "t2", &sign(&a, "/q", "t2")));
        assert!(check(&b, "/q", "t2", &sign(&b, "/q", "t2")));
        // A refused signature does not replace the kept prefix: b's is still there.
        assert!(!check(&a, "/q", "t2", &sign(&b, "/q", "t2")));
        LAST_PREFIX.with(|last| {
            let last = last.borrow();
            let (held, prefix) = last.as_ref().unwrap();
            assert!(Arc::ptr_eq(held, &b) && prefix.is_for("POST", "/q", "t2", &opts));
        });
    }
}
