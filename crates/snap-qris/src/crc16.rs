//! CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, xorout 0), table-driven.

const fn make_table() -> [u16; 256] {
    let mut table = [0u16; 256];
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
        table[i] = crc;
        i += 1;
    }
    table
}

static TABLE: [u16; 256] = make_table();

/// CRC-16/CCITT-FALSE of `bytes` (the EMV MPM checksum; `b"123456789"` gives `0x29B1`).
///
/// Feed it the UTF-8 bytes of the payload up to and including `6304`.
pub fn crc16(bytes: &[u8]) -> u16 {
    let mut crc: u16 = 0xFFFF;
    for &b in bytes {
        crc = (crc << 8) ^ TABLE[usize::from((crc >> 8) as u8 ^ b)];
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
}
