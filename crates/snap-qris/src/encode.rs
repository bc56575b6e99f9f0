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

    fn write(&self, path: Path, out: &mut String) -> Result<(), Error> {
        if self.id > 99 {
            return Err(Error::InvalidId { id: self.id });
        }
        let path = path.child(self.id);
        out.push_str(id_text(self.id));
        let len_at = out.len();
        out.push_str("00");
        let start = out.len();
        match &self.value {
            OwnedValue::Primitive(v) => out.push_str(v),
            OwnedValue::Template(children) => {
                for c in children {
                    c.write(path, out)?;
                }
            }
        }
        let length = out.get(start..).map_or(0, |s| s.chars().count());
        if length > 99 {
            return Err(Error::ValueTooLong { path, length });
        }
        let digits = id_text(u8::try_from(length).unwrap_or(99));
        out.replace_range(len_at..start, digits);
        Ok(())
    }
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
    body.push_str(&crate::crc16::crc16_hex(crc));
    body
}
