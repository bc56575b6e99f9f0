//! Owned objects and the encoder (lengths computed, CRC appended).

use crate::crc16::crc16;
use crate::error::Error;
use crate::issue::Path;
use crate::parse::{DataObject, id_text};

/// The value of an [`OwnedObject`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnedValue {
    /// A plain value.
    Primitive(String),
    /// A template: its children, encoded in this order.
    Template(Vec<OwnedObject>),
}

/// A data object that owns its value: what the builder and the rewrites work on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnedObject {
    /// 0–99.
    pub id: u8,
    /// The value or the children.
    pub value: OwnedValue,
}

impl OwnedObject {
    /// A primitive object.
    pub fn primitive(id: u8, value: impl Into<String>) -> OwnedObject {
        OwnedObject {
            id,
            value: OwnedValue::Primitive(value.into()),
        }
    }

    /// A template object.
    pub fn template(id: u8, children: Vec<OwnedObject>) -> OwnedObject {
        OwnedObject {
            id,
            value: OwnedValue::Template(children),
        }
    }

    /// The children of a template (empty for a primitive).
    pub fn children(&self) -> &[OwnedObject] {
        match &self.value {
            OwnedValue::Template(c) => c,
            OwnedValue::Primitive(_) => &[],
        }
    }

    /// Length in characters of this object's value as [`OwnedObject::write`] emits it; refuses
    /// what `write` would refuse, in the same (depth-first) order.
    fn value_chars(&self, path: Path) -> Result<usize, Error> {
        if self.id > 99 {
            return Err(Error::InvalidId { id: self.id });
        }
        let path = path.child(self.id);
        let length = match &self.value {
            OwnedValue::Primitive(v) => char_len(v),
            OwnedValue::Template(children) => {
                let mut sum = 0;
                for c in children {
                    sum += 4 + c.value_chars(path)?;
                }
                sum
            }
        };
        if length > 99 {
            return Err(Error::ValueTooLong { path, length });
        }
        Ok(length)
    }

    /// Appends `ID LL value`; the length is known before the value is written, so no digits are
    /// patched afterwards.
    fn write(&self, path: Path, out: &mut String) -> Result<(), Error> {
        let length = self.value_chars(path)?;
        self.write_checked(path, length, out);
        Ok(())
    }

    /// [`OwnedObject::write`] once `value_chars` has accepted the object (and all below it).
    fn write_checked(&self, path: Path, length: usize, out: &mut String) {
        out.push_str(id_text(self.id));
        out.push_str(id_text(u8::try_from(length).unwrap_or(99)));
        match &self.value {
            OwnedValue::Primitive(v) => out.push_str(v),
            OwnedValue::Template(children) => {
                let path = path.child(self.id);
                for c in children {
                    let n = match &c.value {
                        OwnedValue::Primitive(v) => char_len(v),
                        OwnedValue::Template(_) => c.value_chars(path).unwrap_or(0),
                    };
                    c.write_checked(path, n, out);
                }
            }
        }
    }
}

/// Characters in `s`: bytes that do not continue a multi-byte sequence (a loop the compiler
/// vectorizes; `chars().count()` takes a slower path for short strings).
fn char_len(s: &str) -> usize {
    s.len() - s.bytes().filter(|&b| (b as i8) < -0x40).count()
}

impl DataObject<'_> {
    /// An owned copy (a malformed template becomes a primitive holding its raw value).
    pub fn to_owned_object(&self) -> OwnedObject {
        if self.is_template() && self.template_error().is_none() {
            OwnedObject::template(
                self.id(),
                self.children()
                    .iter()
                    .map(DataObject::to_owned_object)
                    .collect(),
            )
        } else {
            OwnedObject::primitive(self.id(), self.value())
        }
    }
}

impl crate::parse::Payload<'_> {
    /// Owned copies of the root objects, the CRC object included.
    pub fn to_owned_objects(&self) -> Vec<OwnedObject> {
        self.objects()
            .iter()
            .map(DataObject::to_owned_object)
            .collect()
    }
}

/// Encodes objects in the given order, skipping any root CRC object (63), and appends
/// `6304` + the CRC in upper-case hex.
///
/// Lengths are computed in characters. Refuses IDs above 99 and values over 99 characters;
/// ordering, duplicates and formats are left to [`crate::Payload::validate`].
pub fn encode(objects: &[OwnedObject]) -> Result<String, Error> {
    let mut out = String::with_capacity(256);
    for o in objects.iter().filter(|o| o.id != 63) {
        o.write(Path::ROOT, &mut out)?;
    }
    Ok(append_crc(out))
}

/// Appends `6304` and the CRC over everything before it.
pub(crate) fn append_crc(mut body: String) -> String {
    body.push_str("6304");
    let crc = crc16(body.as_bytes());
    crate::crc16::push_crc16_hex(&mut body, crc);
    body
}
