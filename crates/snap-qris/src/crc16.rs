//! CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, xorout 0), table-driven.

/// `TABLES[k][x]`: the CRC (init 0) of byte `x` followed by `k` zero bytes, for slicing-by-8:
/// eight independent lookups per 8 input bytes instead of a chain of eight dependent ones.
const fn make_tables() -> [[u16; 256]; 8] {
    let mut t = [[0u16; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            bit += 1;
        }
        t[0][i] = crc;
        i += 1;
    }
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = t[k - 1][i];
            t[k][i] = (prev << 8) ^ t[0][(prev >> 8) as usize];
            i += 1;
        }
        k += 1;
    }
    t
}

static TABLES: [[u16; 256]; 8] = make_tables();

/// CRC-16/CCITT-FALSE of `bytes` (the EMV MPM checksum; `b"123456789"` gives `0x29B1`).
///
/// Feed it the UTF-8 bytes of the payload up to and including `6304`.
pub fn crc16(bytes: &[u8]) -> u16 {
    let [t0, t1, t2, t3, t4, t5, t6, t7] = &TABLES;
    let mut crc: u16 = 0xFFFF;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let [b0, b1, b2, b3, b4, b5, b6, b7] = [c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]];
        crc = t7[usize::from((crc >> 8) as u8 ^ b0)]
            ^ t6[usize::from(crc as u8 ^ b1)]
            ^ t5[usize::from(b2)]
            ^ t4[usize::from(b3)]
            ^ t3[usize::from(b4)]
            ^ t2[usize::from(b5)]
            ^ t1[usize::from(b6)]
            ^ t0[usize::from(b7)];
    }
    for &b in chunks.remainder() {
        crc = (crc << 8) ^ t0[usize::from((crc >> 8) as u8 ^ b)];
    }
    crc
}

/// The CRC as EMV writes it: four upper-case, zero-padded hex digits (`0x00D7` → `"00D7"`).
pub fn crc16_hex(crc: u16) -> String {
    format!("{crc:04X}")
}

/// Parses four hex digits of either case; `None` for anything else.
pub(crate) fn parse_hex4(s: &str) -> Option<u16> {
    let b = s.as_bytes();
    if b.len() != 4 {
        return None;
    }
    let mut v: u16 = 0;
    for &c in b {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'A'..=b'F' => c - b'A' + 10,
            b'a'..=b'f' => c - b'a' + 10,
            _ => return None,
        };
        v = (v << 4) | u16::from(d);
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_value() {
        assert_eq!(crc16(b"123456789"), 0x29B1);
        assert_eq!(crc16_hex(0xD7), "00D7");
        assert_eq!(parse_hex4("00d7"), Some(0xD7));
        assert_eq!(parse_hex4("00G7"), None);
        assert_eq!(parse_hex4("+0D7"), None);
    }

    fn bitwise(bytes: &[u8]) -> u16 {
        let mut crc: u16 = 0xFFFF;
        for &b in bytes {
            crc ^= u16::from(b) << 8;
            for _ in 0..8 {
                crc = if crc & 0x8000 != 0 {
                    (crc << 1) ^ 0x1021
                } else {
                    crc << 1
                };
            }
        }
        crc
    }

    #[test]
    fn slicing_matches_bitwise() {
        let data: Vec<u8> = (0..300u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for len in 0..data.len() {
            assert_eq!(crc16(&data[..len]), bitwise(&data[..len]), "length {len}");
        }
    }
}
