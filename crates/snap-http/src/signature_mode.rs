//! Which of the two SNAP signatures a service call carries (shared by the server and the client).

/// How a partner signs its service calls (notifications).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SignatureMode {
    /// HMAC-SHA512 with the client secret over a string that includes the B2B token (the standard
    /// for transactions; QoinHub, Finpay). A bearer token is required.
    #[default]
    Symmetric,
    /// SHA256withRSA with the partner's private key, no token (DANA, Midtrans notifications).
    /// Verified with the partner's public key.
    Asymmetric,
}
