//! Validation findings: stable codes, severities, paths.

use std::fmt;

/// How bad an [`Issue`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "lowercase")
)]
pub enum Severity {
    /// A leniency: the payload is readable and was accepted, but it bends the specification.
    Warning,
    /// The payload breaks the specification (or the selected profile).
    Error,
}

impl Severity {
    /// `"warning"` or `"error"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! issue_codes {
    ($( $(#[$doc:meta])* $name:ident = $text:literal, $sev:ident; )*) => {
        /// Stable identifier of a validation finding.
        ///
        /// `E_*` codes come from the generic EMV MPM layer, `Q_*` codes from the QRIS profile.
        /// The text form ([`IssueCode::as_str`]) never changes once released.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum IssueCode {
            $( $(#[$doc])* $name, )*
        }

        impl IssueCode {
            /// Every code, in documentation order.
            pub const ALL: &'static [IssueCode] = &[$(IssueCode::$name,)*];

            /// The stable text form, e.g. `"E_CRC_MISMATCH"`.
            pub fn as_str(self) -> &'static str {
                match self { $(IssueCode::$name => $text,)* }
            }

            /// The severity this code is always reported with.
            pub fn severity(self) -> Severity {
                match self { $(IssueCode::$name => Severity::$sev,)* }
            }
        }
    };
}

issue_codes! {
    /// The input is empty.
    Empty = "E_EMPTY", Error;
    /// An object ID is not two ASCII digits.
    IdNotNumeric = "E_ID_NOT_NUMERIC", Error;
    /// An object length is not two ASCII digits.
    LengthNotNumeric = "E_LENGTH_NOT_NUMERIC", Error;
    /// The input ends inside an object header or value.
    Truncated = "E_TRUNCATED", Error;
    /// Characters follow the final CRC object (a trailing newline, for instance).
    TrailingData = "E_TRAILING_DATA", Error;
    /// A template value (26–51, 62, 64, 80–99, 62.50–62.98) is not a list of data objects.
    TemplateMalformed = "E_TEMPLATE_MALFORMED", Error;
    /// The payload is longer than 512 characters.
    PayloadTooLong = "E_PAYLOAD_TOO_LONG", Error;
    /// The last object is not the CRC (`63`).
    CrcMissing = "E_CRC_MISSING", Error;
    /// A CRC object (`63`) appears before the end.
    CrcNotLast = "E_CRC_NOT_LAST", Error;
    /// The CRC value is not four hex digits.
    CrcFormat = "E_CRC_FORMAT", Error;
    /// The CRC does not match the payload.
    CrcMismatch = "E_CRC_MISMATCH", Error;
    /// The CRC uses lower-case hex digits (accepted as a leniency).
    CrcLowercase = "E_CRC_LOWERCASE", Warning;
    /// A value has length `00` (accepted as a leniency; the spec says 01–99).
    ZeroLength = "E_ZERO_LENGTH", Warning;
    /// The same ID appears twice at one level.
    Duplicate = "E_DUPLICATE", Error;
    /// `00` is not the first object.
    NotFirst = "E_00_NOT_FIRST", Error;
    /// A mandatory object is absent.
    Missing = "E_MISSING", Error;
    /// A value does not have the format its ID requires.
    Format = "E_FORMAT", Error;
    /// A value is longer than its ID allows.
    TooLong = "E_TOO_LONG", Error;
    /// Tip indicator (55) and fee objects (56, 57) disagree.
    TipInconsistent = "E_TIP_INCONSISTENT", Error;
    /// An ID reserved for future use by EMVCo (65–79) is present (kept verbatim).
    Reserved = "E_RESERVED_ID", Warning;
    /// QRIS: country (58) is not `ID`.
    QrisCountry = "Q_COUNTRY", Error;
    /// QRIS: currency (53) is not `360` (IDR).
    QrisCurrency = "Q_CURRENCY", Error;
    /// QRIS: the national repository template 51 is absent from a static payload.
    QrisMissing51 = "Q_MISSING_51", Error;
    /// QRIS: 51.00 is not `ID.CO.QRIS.WWW`.
    QrisGuid51 = "Q_51_GUID", Error;
    /// QRIS: the NMID (51.02) is absent or malformed.
    QrisNmid = "Q_NMID", Error;
    /// QRIS: the postal code (61) is absent.
    QrisMissing61 = "Q_MISSING_61", Error;
    /// QRIS: a `|` appears in 58–61.
    QrisPipe = "Q_PIPE", Error;
    /// QRIS: a merchant criteria (xx.03) is not one of UMI, UKE, UME, UBE, URE, PSO, BLU.
    QrisCriteria = "Q_CRITERIA", Error;
    /// QRIS: a merchant PAN (26–45.01) is not at most 19 digits.
    QrisPan = "Q_PAN", Error;
    /// QRIS: a merchant id (26–45.02) is longer than 15 characters.
    QrisMerchantId = "Q_MERCHANT_ID", Error;
    /// QRIS: a merchant account template lacks its GUID or PAN.
    QrisMerchantAccount = "Q_MERCHANT_ACCOUNT", Error;
    /// QRIS: a dynamic payload (01 = 12) has no amount (54).
    QrisDynamicWithoutAmount = "Q_DYNAMIC_NO_AMOUNT", Warning;
    /// QRIS: a static payload (01 = 11) carries an amount (54).
    QrisStaticWithAmount = "Q_STATIC_WITH_AMOUNT", Warning;
}

impl fmt::Display for IssueCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for IssueCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// Where an object sits: up to three IDs (`62`, `62.07`, `62.50.01`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Path {
    ids: [u8; 3],
    depth: u8,
}

impl Path {
    /// The path of the whole payload (displays as an empty string).
    pub const ROOT: Path = Path {
        ids: [0; 3],
        depth: 0,
    };

    /// A root-level path.
    pub fn root(id: u8) -> Path {
        Path {
            ids: [id, 0, 0],
            depth: 1,
        }
    }

    /// This path extended by one child ID (saturates at three levels).
    pub fn child(self, id: u8) -> Path {
        // Built whole rather than through an indexed store: the parser calls this per object,
        // and a byte store followed by a whole-struct load stalls store forwarding.
        let [a, b, _] = self.ids;
        match self.depth {
            0 => Path {
                ids: [id, 0, 0],
                depth: 1,
            },
            1 => Path {
                ids: [a, id, 0],
                depth: 2,
            },
            2 => Path {
                ids: [a, b, id],
                depth: 3,
            },
            _ => self,
        }
    }

    /// The path as one word: the three ID bytes, then the depth in the top byte.
    pub(crate) const fn to_bits(self) -> u32 {
        u32::from_le_bytes([self.ids[0], self.ids[1], self.ids[2], self.depth])
    }

    /// The inverse of [`Path::to_bits`].
    pub(crate) const fn from_bits(bits: u32) -> Path {
        let [a, b, c, depth] = bits.to_le_bytes();
        Path {
            ids: [a, b, c],
            depth,
        }
    }

    /// The IDs from root to leaf.
    pub fn ids(&self) -> &[u8] {
        self.ids.get(..usize::from(self.depth)).unwrap_or(&[])
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, id) in self.ids().iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{id:02}")?;
        }
        Ok(())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Path {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// One validation finding.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Issue {
    /// Stable code.
    pub code: IssueCode,
    /// Error or warning (always `code.severity()`).
    pub severity: Severity,
    /// The object concerned ([`Path::ROOT`] for the payload as a whole).
    pub path: Path,
    /// Character (Unicode scalar value) offset in the payload where the problem starts.
    pub position: usize,
    /// Human-readable explanation.
    pub message: String,
}

impl Issue {
    pub(crate) fn new(
        code: IssueCode,
        path: Path,
        position: usize,
        message: impl Into<String>,
    ) -> Issue {
        Issue {
            code,
            severity: code.severity(),
            path,
            position,
            message: message.into(),
        }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} at {}", self.severity, self.code, self.position)?;
        if self.path != Path::ROOT {
            write!(f, " ({})", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}
