//! Just enough DER to tell key formats apart, unwrap PKCS#8 and SubjectPublicKeyInfo, and measure
//! RSA moduli; ring does the real parsing of the RSA structures inside. (Kept in-house rather than
//! the RustCrypto `der`/`spki`/`pkcs8` family: the wrappers are two fixed shapes, this reader already
//! serves the private-key side, and the key_loading fuzz target covers every path through it.)

/// One tag-length-value element.
pub(crate) struct Tlv<'a> {
    pub(crate) tag: u8,
    pub(crate) content: &'a [u8],
}

pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const OID: u8 = 0x06;

/// Reads one element (definite, minimally encoded lengths only, as DER requires), returning it
/// and what follows.
pub(crate) fn read(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let (bytes, rest) = rest.split_at_checked(n)?;
        if bytes.first() == Some(&0) {
            return None;
        }
        let len = bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        if len < 0x80 {
            return None;
        }
        (len, rest)
    };
    let (content, rest) = rest.split_at_checked(len)?;
    Some((Tlv { tag, content }, rest))
}

/// Reads one element that must have `tag`.
pub(crate) fn expect(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (tlv, rest) = read(input)?;
    (tlv.tag == tag).then_some((tlv.content, rest))
}

/// The contents of a DER document that is exactly one SEQUENCE.
pub(crate) fn outer_sequence(der: &[u8]) -> Option<&[u8]> {
    let (content, rest) = expect(der, SEQUENCE)?;
    rest.is_empty().then_some(content)
}

/// Number of elements in a sequence's contents (None if malformed).
pub(crate) fn count(mut content: &[u8]) -> Option<usize> {
    let mut n = 0;
    while !content.is_empty() {
        content = read(content)?.1;
        n += 1;
    }
    Some(n)
}

/// Bit length of a positive INTEGER's contents; None for negative or zero.
pub(crate) fn uint_bits(content: &[u8]) -> Option<usize> {
    if content.first().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    let start = content.iter().position(|&b| b != 0)?;
    let first = content.get(start)?;
    Some((content.len() - start - 1) * 8 + (8 - first.leading_zeros() as usize))
}

pub(crate) const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const RSASSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];

/// A readable name for an AlgorithmIdentifier OID, for wrong-key-type errors.
pub(crate) fn algorithm_name(oid: &[u8]) -> &'static str {
    match oid {
        RSA_ENCRYPTION => "RSA key",
        EC_PUBLIC_KEY => "EC key",
        ED25519 => "Ed25519 key",
        RSASSA_PSS => "RSA-PSS key",
        _ => "key of an unsupported algorithm",
    }
}

/// The OID inside an AlgorithmIdentifier SEQUENCE's contents.
pub(crate) fn algorithm_oid(alg_id: &[u8]) -> Option<&[u8]> {
    expect(alg_id, OID).map(|(oid, _)| oid)
}

/// A SubjectPublicKeyInfo (RFC 5280 §4.1): `SEQUENCE { AlgorithmIdentifier, BIT STRING }`, nothing
/// else. Returns the algorithm's OID and the key bytes inside the BIT STRING; `None` for any other
/// shape (a certificate, for one) or a BIT STRING with unused bits.
pub(crate) fn subject_public_key_info(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let seq = outer_sequence(der)?;
    let (alg_id, rest) = expect(seq, SEQUENCE)?;
    let oid = algorithm_oid(alg_id)?;
    let (bits, rest) = expect(rest, BIT_STRING)?;
    let (&unused, key) = bits.split_first()?;
    (unused == 0 && rest.is_empty()).then_some((oid, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_bits() {
        assert_eq!(uint_bits(&[0x00, 0x80]), Some(8));
        assert_eq!(uint_bits(&[0x01, 0x00]), Some(9));
        assert_eq!(uint_bits(&[0x00]), None);
        assert_eq!(uint_bits(&[0x80]), None);
        assert_eq!(uint_bits(&[]), None);
    }

    #[test]
    fn lengths() {
        assert!(read(&[0x30, 0x81]).is_none());
        assert!(read(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_none());
        assert!(read(&[0x30, 0x82, 0x01, 0x00, 0]).is_none());
        // Not minimal: a short length in long form, a leading zero length byte.
        assert!(read(&[0x04, 0x81, 0x01, 0xff]).is_none());
        assert!(read(&[0x04, 0x82, 0x00, 0x81, 0xff]).is_none());
        let (tlv, rest) = read(&[0x02, 0x01, 0x05, 0xff])
            .into_iter()
            .next()
            .map(|(t, r)| (t.content.to_vec(), r.to_vec()))
            .unwrap_or_default();
        assert_eq!((tlv, rest), (vec![5], vec![0xff]));
    }

    #[test]
    fn subject_public_key_infos() {
        // SEQUENCE { SEQUENCE { OID 1.2.3 }, BIT STRING { 0 unused, 0x05 } }
        let spki = [
            0x30, 0x0a, 0x30, 0x04, 0x06, 0x02, 0x2a, 0x03, 0x03, 0x02, 0x00, 0x05,
        ];
        assert_eq!(
            subject_public_key_info(&spki),
            Some((&[0x2a, 0x03][..], &[0x05][..]))
        );
        let mut unused_bits = spki;
        unused_bits[10] = 1;
        assert_eq!(subject_public_key_info(&unused_bits), None);
        let mut trailing = spki.to_vec();
        trailing.extend([0x05, 0x00]);
        trailing[1] += 2;
        assert_eq!(subject_public_key_info(&trailing), None);
        assert_eq!(subject_public_key_info(&spki[..11]), None);
    }
}
