//! The stored_record fuzz target's checks (`fuzz/fuzz_targets/stored_record.rs`, through
//! [`crate::fuzz_stored_record`]; the tests below replay its corpus and regressions): the values
//! the redb backend reads back and decodes.
//!
//! The first byte picks a mode:
//! - even: arbitrary bytes as a record's `NOTIFICATIONS`, `BODIES` and `DELIVERIES` values and as
//!   a `CLAIMS` value. Decoding never panics: a record is unreadable (with its id and a reason)
//!   or decodes to a notification with exactly the stored body, which encodes again to bytes
//!   that decode to the same notification (and encode to themselves); a claim value of 42 bytes
//!   or more decodes, and encodes back to the same bytes.
//! - odd: a record built from script-chosen fields (any service, ids, dates and instants to the
//!   ends of their ranges, offsets with seconds, odd endpoints and delivery errors, bodies that
//!   are not UTF-8 or JSON) as the store writes it: it decodes to exactly what was written, with
//!   the body's summary; it fails to encode only when its instant has no RFC 3339 form. A claim
//!   answer built the same way decodes to its parts.

use bytes::Bytes;
use snap_http::{Fingerprint, StoredResponse};
use snap_types::{ChannelId, ExternalId, PartnerId, ServiceCode, Timestamp};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, UtcOffset};

use super::{RawRecord, decode_answer, encode_answer, encode_record};
use crate::{
    DeliveryState, DeliveryStatus, Notification, NotificationId, StoredNotification, Summary,
};

/// A record from its `NOTIFICATIONS`, `BODIES` and `DELIVERIES` values, decoded as every reader
/// decodes it.
fn decode_record(
    id: NotificationId,
    json: &[u8],
    body: Option<Bytes>,
    delivery: Option<&[u8]>,
) -> Result<StoredNotification, crate::UnreadableRecord> {
    RawRecord {
        id,
        json: json.to_vec(),
        body: body.map(|b| b.to_vec()),
        delivery: delivery.map(<[u8]>::to_vec),
    }
    .decode()
}

/// The fuzzer's bytes, read in order; zeros once they run out.
struct Script<'a>(&'a [u8]);

impl<'a> Script<'a> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((first, rest)) => {
                self.0 = rest;
                *first
            }
            None => 0,
        }
    }

    fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        for b in &mut out {
            *b = self.byte();
        }
        out
    }

    /// Up to `255 * scale` bytes, the length first.
    fn chunk(&mut self, scale: usize) -> &'a [u8] {
        let n = (usize::from(self.byte()) * scale).min(self.0.len());
        let (chunk, rest) = self.0.split_at(n);
        self.0 = rest;
        chunk
    }

    fn text(&mut self) -> String {
        String::from_utf8_lossy(self.chunk(1)).into_owned()
    }

    fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.0)
    }
}

/// Runs the check on one input; returns whether a record decoded.
pub(crate) fn fuzz_check(data: &[u8]) -> bool {
    let mut script = Script(data);
    if script.byte() % 2 == 0 {
        check_stored_bytes(&mut script)
    } else {
        check_built_record(&mut script)
    }
}

fn check_stored_bytes(script: &mut Script<'_>) -> bool {
    let id = NotificationId(u64::from_be_bytes(script.array()));
    let flags = script.byte();
    let json = script.chunk(4);
    let body = (flags & 1 != 0).then(|| Bytes::copy_from_slice(script.chunk(4)));
    let delivery = (flags & 2 != 0).then(|| script.chunk(1));
    let claim = script.rest();
    match decode_answer(claim) {
        None => assert!(claim.len() < 42, "a claim value of {} bytes", claim.len()),
        Some((fingerprint, response, notification)) => assert_eq!(
            encode_answer(&fingerprint, &response, notification),
            claim,
            "a claim value does not encode back to itself"
        ),
    }
    let decoded = match decode_record(id, json, body.clone(), delivery) {
        Ok(decoded) => decoded,
        Err(unreadable) => {
            assert_eq!(unreadable.id, id);
            assert!(!unreadable.reason.is_empty(), "{unreadable:?}");
            return false;
        }
    };
    assert_eq!(decoded.id, id);
    assert_eq!(Some(&decoded.notification.body), body.as_ref());
    let json = encode_record(id, &decoded.notification, decoded.summary.clone())
        .unwrap_or_else(|e| panic!("a decoded record does not encode: {e}"));
    let delivery = decoded.delivery.as_ref().map(|state| {
        serde_json::to_vec(state).unwrap_or_else(|e| panic!("{state:?} does not encode: {e}"))
    });
    let again = decode_record(id, &json, body, delivery.as_deref())
        .unwrap_or_else(|e| panic!("a re-encoded record does not decode: {e}"));
    assert_eq!(again, decoded, "decode(encode(record)) is another record");
    let json_again = encode_record(id, &again.notification, again.summary.clone())
        .unwrap_or_else(|e| panic!("a decoded record does not encode: {e}"));
    assert_eq!(json_again, json, "a record's encoding is not stable");
    true
}

/// The services a receiver summarises, and any other code.
fn service(script: &mut Script<'_>) -> ServiceCode {
    let code = match script.byte() % 4 {
        0 => 25,
        1 => 52,
        2 => 56,
        _ => script.byte() % 100,
    };
    ServiceCode::new(code).unwrap_or(ServiceCode::TRANSFER_VA_PAYMENT)
}

/// A date anywhere in `Date`'s range.
fn date(script: &mut Script<'_>) -> Date {
    let (min, max) = (Date::MIN.to_julian_day(), Date::MAX.to_julian_day());
    let day = i32::from_be_bytes(script.array()).rem_euclid(max - min + 1) + min;
    Date::from_julian_day(day).unwrap_or(Date::MIN)
}

/// An instant anywhere in `OffsetDateTime`'s range, at any offset (seconds included).
fn instant(script: &mut Script<'_>) -> OffsetDateTime {
    let date = date(script);
    let [h, m, s] = script.array();
    let nanos = u32::from_be_bytes(script.array()) % 1_000_000_000;
    let time =
        time::Time::from_hms_nano(h % 24, m % 60, s % 60, nanos).unwrap_or(time::Time::MIDNIGHT);
    let offset = i32::from_be_bytes(script.array()).rem_euclid(2 * 93_599 + 1) - 93_599;
    let offset = UtcOffset::from_whole_seconds(offset).unwrap_or(UtcOffset::UTC);
    date.with_time(time).assume_offset(offset)
}

fn parsed<T: std::str::FromStr>(script: &mut Script<'_>, fallback: &str) -> T {
    let text = script.text();
    text.parse()
        .or_else(|_| fallback.parse())
        .unwrap_or_else(|_| panic!("the fallback {fallback:?} does not parse"))
}

fn check_built_record(script: &mut Script<'_>) -> bool {
    let id = NotificationId(u64::from_be_bytes(script.array()));
    let service = service(script);
    let notification = Notification {
        service,
        partner_id: parsed::<PartnerId>(script, "PARTNER"),
        endpoint: script.text(),
        external_id: parsed::<ExternalId>(script, "1"),
        jakarta_date: date(script),
        timestamp: parsed::<Timestamp>(script, "2024-01-01T00:00:00+07:00"),
        channel_id: (script.byte() % 2 == 1).then(|| parsed::<ChannelId>(script, "95221")),
        received_at: instant(script),
        body: Bytes::new(),
    };
    let delivery = match script.byte() % 4 {
        0 => None,
        status => Some(DeliveryState {
            status: match status {
                1 => DeliveryStatus::Pending,
                2 => DeliveryStatus::Delivered,
                _ => DeliveryStatus::Abandoned,
            },
            attempts: u32::from_be_bytes(script.array()),
            last_error: (script.byte() % 2 == 1).then(|| script.text()),
        }),
    };
    let answer = (
        Fingerprint::from_bytes(script.array()),
        StoredResponse {
            status: u16::from_be_bytes(script.array()),
            body: Bytes::copy_from_slice(script.chunk(1)),
        },
        u64::from_be_bytes(script.array()),
    );
    let body = Bytes::copy_from_slice(script.rest());
    let notification = Notification {
        body: body.clone(),
        ..notification
    };

    let claim = encode_answer(&answer.0, &answer.1, answer.2);
    assert_eq!(decode_answer(&claim), Some(answer), "a claim answer");

    let summary = Summary::of(service, &body);
    let json = match encode_record(id, &notification, summary.clone()) {
        Ok(json) => json,
        Err(e) => {
            assert!(
                notification.received_at.format(&Rfc3339).is_err(),
                "a record whose instant has an RFC 3339 form does not encode: {e}"
            );
            return false;
        }
    };
    let delivery_json = delivery.as_ref().map(|state| {
        serde_json::to_vec(state).unwrap_or_else(|e| panic!("{state:?} does not encode: {e}"))
    });
    let decoded = decode_record(id, &json, Some(body), delivery_json.as_deref())
        .unwrap_or_else(|e| panic!("a stored record does not decode: {e}"));
    let expected = StoredNotification {
        id,
        notification,
        summary,
        delivery,
    };
    assert_eq!(decoded, expected, "a record does not read back as written");
    true
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn inputs(dir: &str) -> Vec<std::path::PathBuf> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fuzz")
            .join(dir);
        // No regressions directory until the target has found something.
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        files
    }

    /// Replays fuzz/corpus/stored_record with the target's checks.
    #[test]
    fn stored_record_corpus_replays() {
        let files = inputs("corpus/stored_record");
        let decoded = files
            .iter()
            .filter(|path| {
                eprintln!("replaying {}", path.display());
                fuzz_check(&std::fs::read(path).unwrap())
            })
            .count();
        assert!(
            decoded >= 2,
            "{decoded} of the {} corpus inputs decoded a record",
            files.len()
        );
    }

    /// Replays fuzz/regressions/stored_record, the inputs the target once failed on.
    #[test]
    fn stored_record_findings_replay() {
        for path in inputs("regressions/stored_record") {
            eprintln!("replaying {}", path.display());
            fuzz_check(&std::fs::read(&path).unwrap());
        }
    }
}
