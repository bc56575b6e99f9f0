//! Static ↔ dynamic rewrites, rebuilt from the parsed objects (never string replacement).

use crate::amount::{format_minor, format_percent, is_valid_amount};
use crate::encode::{OwnedObject, OwnedValue, encode};
use crate::error::Error;
use crate::issue::Path;
use crate::parse::Payload;
use crate::view::Tip;

/// What [`Payload::to_dynamic`] puts into the payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DynamicOptions<'r> {
    /// 54, in minor units (2 decimals); must not be zero.
    pub amount: u64,
    /// 55 with 56 / 57.
    pub tip: Option<Tip>,
    /// 62.05 reference label (1–25 characters).
    pub reference: Option<&'r str>,
    /// 62.07 terminal label (1–25 characters).
    pub terminal: Option<&'r str>,
}

impl DynamicOptions<'_> {
    /// Just an amount.
    pub fn new(amount: u64) -> DynamicOptions<'static> {
        DynamicOptions {
            amount,
            tip: None,
            reference: None,
            terminal: None,
        }
    }
}

/// Inserts before the first object with a greater ID (00 always stays first).
fn insert_ascending(objs: &mut Vec<OwnedObject>, obj: OwnedObject) {
    let at = objs
        .iter()
        .position(|o| o.id > obj.id && o.id != 0)
        .unwrap_or(objs.len());
    objs.insert(at, obj);
}

fn set_or_insert(objs: &mut Vec<OwnedObject>, obj: OwnedObject) {
    match objs.iter_mut().find(|o| o.id == obj.id) {
        Some(slot) => *slot = obj,
        None => insert_ascending(objs, obj),
    }
}

fn set_initiation(objs: &mut Vec<OwnedObject>, value: &str) {
    let obj = OwnedObject::primitive(1, value);
    match objs.iter_mut().find(|o| o.id == 1) {
        Some(slot) => *slot = obj,
        None => {
            let at = objs.iter().position(|o| o.id == 0).map_or(0, |i| i + 1);
            objs.insert(at, obj);
        }
    }
}

fn label(sub: u8, value: &str) -> Result<OwnedObject, Error> {
    let n = value.chars().count();
    if n == 0 || n > 25 {
        return Err(Error::InvalidValue {
            path: Path::root(62).child(sub),
            reason: format!("must be 1-25 characters, found {n}"),
        });
    }
    Ok(OwnedObject::primitive(sub, value))
}

impl Payload<'_> {
    fn rewritable(&self) -> Result<Vec<OwnedObject>, Error> {
        self.check_crc()?;
        let mut objs = self.to_owned_objects();
        objs.retain(|o| !matches!(o.id, 54..=57 | 63));
        Ok(objs)
    }

    /// Turns a (static) payload into a dynamic one, as QRIS.md "Static → dynamic" says: requires
    /// a valid source CRC; drops 54–57 and 63; sets 01 = `12` (inserted after 00 if absent);
    /// inserts 54 (and 55 with 56 or 57) in ascending ID order; optionally sets 62.05 / 62.07;
    /// appends `6304` + CRC.
    ///
    /// This is a local rewrite of a merchant's static code, not a code issued by the acquirer:
    /// the acquirer knows nothing of the amount until the payer's app sends it.
    pub fn to_dynamic(&self, opts: &DynamicOptions<'_>) -> Result<String, Error> {
        let mut objs = self.rewritable()?;
        let amount = format_minor(opts.amount);
        if !is_valid_amount(&amount) {
            return Err(Error::InvalidValue {
                path: Path::root(54),
                reason: format!("amount {amount} must be non-zero and at most 13 characters"),
            });
        }
        set_initiation(&mut objs, "12");
        insert_ascending(&mut objs, OwnedObject::primitive(54, amount));
        match opts.tip {
            None => {}
            Some(Tip::Prompt) => insert_ascending(&mut objs, OwnedObject::primitive(55, "01")),
            Some(Tip::Fixed(fee)) => {
                let text = format_minor(fee);
                if !is_valid_amount(&text) {
                    let reason = format!("fee {text} must be non-zero and at most 13 characters");
                    return Err(Error::InvalidValue {
                        path: Path::root(56),
                        reason,
                    });
                }
                insert_ascending(&mut objs, OwnedObject::primitive(55, "02"));
                insert_ascending(&mut objs, OwnedObject::primitive(56, text));
            }
            Some(Tip::Percent(h)) => {
                if !(1..=9999).contains(&h) {
                    let reason =
                        format!("percentage must be 0.01-99.99, found {}", format_percent(h));
                    return Err(Error::InvalidValue {
                        path: Path::root(57),
                        reason,
                    });
                }
                insert_ascending(&mut objs, OwnedObject::primitive(55, "03"));
                insert_ascending(&mut objs, OwnedObject::primitive(57, format_percent(h)));
            }
        }
        let mut labels = Vec::new();
        if let Some(r) = opts.reference {
            labels.push(label(5, r)?);
        }
        if let Some(t) = opts.terminal {
            labels.push(label(7, t)?);
        }
        if !labels.is_empty() {
            match objs.iter_mut().find(|o| o.id == 62) {
                Some(OwnedObject {
                    value: OwnedValue::Template(children),
                    ..
                }) => {
                    for l in labels {
                        set_or_insert(children, l);
                    }
                }
                Some(_) => {
                    let reason = "62 is not a well-formed template".to_owned();
                    return Err(Error::InvalidValue {
                        path: Path::root(62),
                        reason,
                    });
                }
                None => insert_ascending(&mut objs, OwnedObject::template(62, labels)),
            }
        }
        encode(&objs)
    }

    /// The reverse of [`Payload::to_dynamic`]: requires a valid source CRC; drops 54–57 and 63;
    /// sets 01 = `11` (inserted after 00 if absent); appends `6304` + CRC. Template 62 is kept
    /// as it is (a reference or terminal label cannot be told apart from the merchant's own).
    pub fn to_static(&self) -> Result<String, Error> {
        let mut objs = self.rewritable()?;
        set_initiation(&mut objs, "11");
        encode(&objs)
    }
}
