//! CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, xorout 0), table-driven.

/// `TABLES[k][x]`: the CRC (init 0) of byte `x` followed by `k` zero bytes, for slicing-by-16:
/// sixteen independent lookups per 16 input bytes instead of a chain of sixteen dependent ones
/// (8 KiB of tables, well inside L1).
const fn make_tables() -> [[u16; 256]; 16] {
    let mut t = [[0u16; 256]; 16];
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
    while k < 16 {
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

static TABLES: [[u16; 256]; 16] = make_tables();

/// CRC-16/CCITT-FALSE of `bytes` (the EMV MPM checksum; `b"123456789"` gives `0x29B1`).
///
/// Feed it the UTF-8 bytes of the payload up to and including `6304`.
pub fn crc16(bytes: &[u8]) -> u16 {
    crc16_update(CRC_INIT, bytes)
}

/// The CRC register before any byte.
pub(crate) const CRC_INIT: u16 = 0xFFFF;

/// Sixteen bytes in one step: sixteen independent lookups, of which only the first two wait for
/// the previous step.
#[inline(always)]
pub(crate) fn crc16_block(crc: u16, block: [u8; 16]) -> u16 {
    let [
        t0,
        t1,
        t2,
        t3,
        t4,
        t5,
        t6,
        t7,
        t8,
        t9,
        t10,
        t11,
        t12,
        t13,
        t14,
        t15,
    ] = &TABLES;
    let [
        a0,
        a1,
        a2,
        a3,
        a4,
        a5,
        a6,
        a7,
        b0,
        b1,
        b2,
        b3,
        b4,
        b5,
        b6,
        b7,
    ] = block;
    let [hi, lo] = crc.to_be_bytes();
    // The fourteen lookups that do not need the register are combined first (as a tree), so the
    // chain from one block's register to the next is two lookups and two XORs, not sixteen.
    let rest = ((t13[usize::from(a2)] ^ t12[usize::from(a3)])
        ^ (t11[usize::from(a4)] ^ t10[usize::from(a5)]))
        ^ ((t9[usize::from(a6)] ^ t8[usize::from(a7)])
            ^ (t7[usize::from(b0)] ^ t6[usize::from(b1)]))
        ^ (((t5[usize::from(b2)] ^ t4[usize::from(b3)])
            ^ (t3[usize::from(b4)] ^ t2[usize::from(b5)]))
            ^ (t1[usize::from(b6)] ^ t0[usize::from(b7)]));
    rest ^ (t15[usize::from(hi ^ a0)] ^ t14[usize::from(lo ^ a1)])
}

/// Continues a CRC (register `crc`) over `bytes`.
pub(crate) fn crc16_update(mut crc: u16, bytes: &[u8]) -> u16 {
    let mut chunks = bytes.chunks_exact(16);
    for c in &mut chunks {
        crc = crc16_block(crc, <[u8; 16]>::try_from(c).unwrap_or([0; 16]));
    }
    match chunks.remainder() {
        [] => crc,
        [b] => (crc << 8) ^ TABLES[0][usize::from((crc >> 8) as u8 ^ b)],
        [b0, b1, rest @ ..] => {
            // The last 2–15 bytes in one step as well: byte `k` of `n` is looked up in table
            // `n - 1 - k`, all independently, and the register only meets the first two.
            let n = rest.len() + 2;
            let mut acc = 0;
            for (k, &b) in rest.iter().enumerate() {
                acc ^= TABLES.get(n - 3 - k).map_or(0, |t| t[usize::from(b)]);
            }
            let [hi, lo] = crc.to_be_bytes();
            let first = TABLES.get(n - 1).map_or(0, |t| t[usize::from(hi ^ b0)]);
            let second = TABLES.get(n - 2).map_or(0, |t| t[usize::from(lo ^ b1)]);
            acc ^ first ^ second
        }
    }
}

/// The CRC as EMV writes it: four upper-case, zero-padded hex digits (`0x00D7` → `"00D7"`).
pub fn crc16_hex(crc: u16) -> String {
    format!("{crc:04X}")
}

/// Appends the CRC as four upper-case hex digits (what [`crc16_hex`] returns, without a
/// formatter or a second allocation).
pub(crate) fn push_crc16_hex(out: &mut String, crc: u16) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for shift in [12, 8, 4, 0] {
        let digit = HEX
            .get(usize::from((crc >> shift) & 0xF))
            .copied()
            .unwrap_or(b'0');
        out.push(char::from(digit));
    }
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
        for crc in [0, 0xD7, 0x29B1, 0xFFFF, 0xA05C] {
            let mut s = String::from("x");
            push_crc16_hex(&mut s, crc);
            assert_eq!(s, format!("x{}", crc16_hex(crc)));
        }
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
