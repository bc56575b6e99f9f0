//! Amount text (54, 56) and percentage text (57) ↔ integer minor units.

/// Whether `s` is a valid EMV amount: 1–13 characters, digits with at most one `.`, at least one
/// digit, not zero (`"1000"`, `"1000.00"`, `"1000."` yes; `"1.000,00"`, `"0.00"` no).
pub fn is_valid_amount(s: &str) -> bool {
    if s.is_empty() || s.len() > 13 {
        return false;
    }
    let mut dots = 0;
    let mut nonzero = false;
    let mut digits = 0;
    for c in s.bytes() {
        match c {
            b'.' => dots += 1,
            b'0' => digits += 1,
            b'1'..=b'9' => {
                digits += 1;
                nonzero = true;
            }
            _ => return false,
        }
    }
    dots <= 1 && digits > 0 && nonzero
}

/// Converts an amount text to integer minor units with `exponent` decimals (IDR: 2).
///
/// `None` when the text is not an amount, has more decimals than `exponent`, or overflows.
pub fn amount_to_minor(s: &str, exponent: u32) -> Option<u64> {
    if s.is_empty() || s.len() > 13 || s == "." {
        return None;
    }
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, f),
        None => (s, ""),
    };
    if frac.len() > exponent as usize
        || !int.bytes().chain(frac.bytes()).all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let mut v: u64 = 0;
    for c in int.bytes() {
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    let mut f: u64 = 0;
    for c in frac.bytes() {
        f = f * 10 + u64::from(c - b'0');
    }
    let pad = exponent - u32::try_from(frac.len()).ok()?;
    f = f.checked_mul(10u64.checked_pow(pad)?)?;
    v.checked_mul(10u64.checked_pow(exponent)?)?.checked_add(f)
}

/// Formats minor units (2 decimals) the way QRIS payloads usually carry them: whole amounts
/// without decimals (`100000` → `"1000"`), others with two (`100050` → `"1000.50"`).
pub fn format_minor(minor: u64) -> String {
    let (int, frac) = (minor / 100, minor % 100);
    if frac == 0 {
        int.to_string()
    } else {
        format!("{int}.{frac:02}")
    }
}

/// Parses a convenience-fee percentage (57) into hundredths of a percent (`"05.50"` → 550).
///
/// Valid: at most 5 characters, at most two integer and two decimal digits, 0.01–99.99.
pub fn percent_to_hundredths(s: &str) -> Option<u16> {
    if s.len() > 5 {
        return None;
    }
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.len() > 2 || frac.len() > 2 || int.is_empty() && frac.is_empty() {
        return None;
    }
    let v = amount_to_minor(s, 2)?;
    let v = u16::try_from(v).ok()?;
    (1..=9999).contains(&v).then_some(v)
}

/// Formats hundredths of a percent for 57 (`550` → `"5.50"`, `500` → `"5"`).
pub fn format_percent(hundredths: u16) -> String {
    format_minor(u64::from(hundredths))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts() {
        for ok in ["1000", "1000.00", "1000.", "0.5", "1", "9999999999999"] {
            assert!(is_valid_amount(ok), "{ok}");
        }
        for bad in [
            "",
            "0",
            "0.00",
            "1.000.00",
            "1000,00",
            "-1",
            "10000000000000",
            ".",
            "1e3",
        ] {
            assert!(!is_valid_amount(bad), "{bad}");
        }
        assert_eq!(amount_to_minor("1000", 2), Some(100_000));
        assert_eq!(amount_to_minor("1000.5", 2), Some(100_050));
        assert_eq!(amount_to_minor("1000.", 2), Some(100_000));
        assert_eq!(amount_to_minor("1000.123", 2), None);
        assert_eq!(amount_to_minor("1.000", 2), None);
        assert_eq!(format_minor(100_000), "1000");
        assert_eq!(format_minor(100_050), "1000.50");
        assert_eq!(percent_to_hundredths("05.50"), Some(550));
        assert_eq!(percent_to_hundredths("99.99"), Some(9999));
        assert_eq!(percent_to_hundredths("100"), None);
        assert_eq!(percent_to_hundredths("0"), None);
        assert_eq!(format_percent(550), "5.50");
    }
}
