//! The payload builder: ascending IDs, 00 first, 63 last, upper-case CRC.

use std::collections::BTreeMap;

use crate::amount::{format_minor, format_percent};
use crate::encode::{OwnedObject, OwnedValue, encode};
use crate::error::Error;
use crate::issue::{Path, Severity};
use crate::parse::parse;
use crate::validate::{MAX_PAYLOAD_CHARS, Profile};
use crate::view::{Initiation, Tip};

/// Builds a payload from values; IDs are emitted in ascending order (so 00 first), children
/// of templates too, and `6304` + CRC last.
///
/// Setters never fail; [`Builder::build`] refuses the payload when a value breaks the format:
/// IDs above 99, the CRC ID 63, empty values, values over 99 characters, a payload over 512
/// characters, or any error-severity issue of the generic EMV layer (wrong amount format,
/// missing mandatory object, …).
#[derive(Debug, Clone, Default)]
pub struct Builder {
    objects: BTreeMap<u8, OwnedValue>,
    problems: Vec<Error>,
}

impl Builder {
    /// A builder with the payload format indicator `00 = 01` set.
    pub fn new() -> Builder {
        Builder::default().primitive(0, "01")
    }

    /// Sets a primitive object (replacing any previous value of that ID).
    pub fn primitive(mut self, id: u8, value: impl Into<String>) -> Builder {
        let value = value.into();
        if id > 99 {
            self.problems.push(Error::InvalidId { id });
        } else if id == 63 {
            self.problems.push(Error::InvalidValue {
                path: Path::root(63),
                reason: "the CRC is computed, not set".into(),
            });
        } else if value.is_empty() {
            self.problems.push(Error::InvalidValue {
                path: Path::root(id),
                reason: "empty value".into(),
            });
        }
        self.objects.insert(id, OwnedValue::Primitive(value));
        self
    }

    /// Sets a template from `(child id, value)` pairs; children are emitted in ascending ID order.
    pub fn template<S: Into<String>>(
        mut self,
        id: u8,
        children: impl IntoIterator<Item = (u8, S)>,
    ) -> Builder {
        let mut map = BTreeMap::new();
        for (cid, v) in children {
            let v: String = v.into();
            let path = Path::root(id).child(cid);
            if cid > 99 {
                self.problems.push(Error::InvalidId { id: cid });
            } else if v.is_empty() {
                self.problems.push(Error::InvalidValue {
                    path,
                    reason: "empty value".into(),
                });
            } else if map.insert(cid, v).is_some() {
                self.problems.push(Error::InvalidValue {
                    path,
                    reason: "set twice".into(),
                });
            }
        }
        if id > 99 {
            self.problems.push(Error::InvalidId { id });
        } else if id == 63 {
            self.problems.push(Error::InvalidValue {
                path: Path::root(63),
                reason: "the CRC is computed, not set".into(),
            });
        } else if map.is_empty() {
            // A template without children would be emitted as an empty value (`ID00`).
            self.problems.push(Error::InvalidValue {
                path: Path::root(id),
                reason: "empty template".into(),
            });
        }
        let children = map
            .into_iter()
            .map(|(cid, v)| OwnedObject::primitive(cid, v))
            .collect();
        self.objects.insert(id, OwnedValue::Template(children));
        self
    }

    /// 01: static (`11`) or dynamic (`12`).
    pub fn initiation(self, i: Initiation) -> Builder {
        self.primitive(1, if i == Initiation::Static { "11" } else { "12" })
    }

    /// A merchant account template (26–45): GUID (00), merchant PAN (01), merchant id (02) and
    /// criteria (03); empty strings are left out.
    pub fn merchant_account(
        self,
        id: u8,
        guid: &str,
        pan: &str,
        merchant_id: &str,
        criteria: &str,
    ) -> Builder {
        let children = [(0, guid), (1, pan), (2, merchant_id), (3, criteria)];
        self.template(id, children.into_iter().filter(|(_, v)| !v.is_empty()))
    }

    /// The QRIS national repository template 51: `ID.CO.QRIS.WWW`, NMID (02), criteria (03).
    pub fn national(self, nmid: &str, criteria: &str) -> Builder {
        self.template(51, [(0, "ID.CO.QRIS.WWW"), (2, nmid), (3, criteria)])
    }

    /// 52: merchant category code (4 digits).
    pub fn mcc(self, mcc: &str) -> Builder {
        self.primitive(52, mcc)
    }

    /// 53: ISO 4217 numeric currency (`360`).
    pub fn currency(self, code: &str) -> Builder {
        self.primitive(53, code)
    }

    /// 54: the amount in minor units (2 decimals), written as in [`format_minor`].
    pub fn amount(self, minor: u64) -> Builder {
        self.primitive(54, format_minor(minor))
    }

    /// 55 with 56 or 57 (any previous 55–57 removed).
    pub fn tip(mut self, tip: Tip) -> Builder {
        for id in 55..=57 {
            self.objects.remove(&id);
        }
        match tip {
            Tip::Prompt => self.primitive(55, "01"),
            Tip::Fixed(minor) => self.primitive(55, "02").primitive(56, format_minor(minor)),
            Tip::Percent(h) => self.primitive(55, "03").primitive(57, format_percent(h)),
        }
    }

    /// 58: country (`ID`).
    pub fn country(self, code: &str) -> Builder {
        self.primitive(58, code)
    }

    /// 59: merchant name (≤ 25 characters).
    pub fn merchant_name(self, name: &str) -> Builder {
        self.primitive(59, name)
    }

    /// 60: merchant city (≤ 15 characters).
    pub fn merchant_city(self, city: &str) -> Builder {
        self.primitive(60, city)
    }

    /// 61: postal code.
    pub fn postal_code(self, code: &str) -> Builder {
        self.primitive(61, code)
    }

    /// 62: additional data from `(sub id, value)` pairs (05 reference label, 07 terminal label, …).
    pub fn additional_data<S: Into<String>>(
        self,
        children: impl IntoIterator<Item = (u8, S)>,
    ) -> Builder {
        self.template(62, children)
    }

    /// 64: merchant name (and city) in an alternate language.
    pub fn alternate_language(self, language: &str, name: &str, city: &str) -> Builder {
        let children = [(0, language), (1, name), (2, city)];
        self.template(64, children.into_iter().filter(|(_, v)| !v.is_empty()))
    }

    /// Encodes and checks the payload under the generic EMV layer.
    pub fn build(self) -> Result<String, Error> {
        self.build_with(Profile::Emv)
    }

    /// Encodes and checks the payload under `profile` (errors only; warnings are allowed).
    pub fn build_with(self, profile: Profile) -> Result<String, Error> {
        if let Some(p) = self.problems.into_iter().next() {
            return Err(p);
        }
        let objects: Vec<OwnedObject> = self
            .objects
            .into_iter()
            .map(|(id, value)| OwnedObject { id, value })
            .collect();
        let out = encode(&objects)?;
        let parsed = parse(&out)?;
        if parsed.char_len() > MAX_PAYLOAD_CHARS {
            return Err(Error::InvalidValue {
                path: Path::ROOT,
                reason: format!(
                    "payload is {} characters, at most {MAX_PAYLOAD_CHARS}",
                    parsed.char_len()
                ),
            });
        }
        let errors: Vec<_> = parsed
            .validate(profile)
            .into_iter()
            .filter(|i| i.severity == Severity::Error)
            .collect();
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(Error::Invalid(errors))
        }
    }
}
