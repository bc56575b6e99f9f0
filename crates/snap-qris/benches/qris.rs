//! `cargo bench -p snap-qris`: criterion timings, then a summary in nanoseconds per payload for
//! parse + CRC check (every template's children included: they are parsed in the same walk, as
//! promptparse parses subtags), parse + validate, encode and the CRC alone over the fixture
//! payloads, with ratios to the promptparse bar (3.4 µs per parse + CRC check, JavaScript,
//! measured elsewhere) and to a naive allocating parser measured in this same run (these
//! machines are noisy).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use snap_qris::{Profile, encode, parse};

const PROMPTPARSE_NS: f64 = 3400.0;

fn payloads() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/qris/payloads.json"
    );
    let text = std::fs::read_to_string(path).expect("fixtures/qris/payloads.json");
    let cases: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    cases
        .iter()
        .filter(|c| c["parse"] == "ok")
        .map(|c| c["payload"].as_str().unwrap().to_owned())
        .collect()
}

/// What many libraries do: owned strings in a map, bitwise CRC, lengths in chars via collect.
fn naive(s: &str) -> Option<(HashMap<String, String>, bool)> {
    let chars: Vec<char> = s.chars().collect();
    let mut map = HashMap::new();
    let mut i = 0;
    while i + 4 <= chars.len() {
        let id: String = chars[i..i + 2].iter().collect();
        let len: usize = chars[i + 2..i + 4]
            .iter()
            .collect::<String>()
            .parse()
            .ok()?;
        let v: String = chars.get(i + 4..i + 4 + len)?.iter().collect();
        map.insert(id, v);
        i += 4 + len;
    }
    let body = s.get(..s.len().checked_sub(4)?)?;
    let mut crc: u16 = 0xFFFF;
    for b in body.bytes() {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    let ok = map
        .get("63")
        .map(|c| c.eq_ignore_ascii_case(&format!("{crc:04X}")))
        .unwrap_or(false);
    Some((map, ok))
}

fn bench(c: &mut Criterion) {
    let ps = payloads();
    let owned: Vec<_> = ps
        .iter()
        .map(|p| parse(p).unwrap().to_owned_objects())
        .collect();
    c.bench_function("parse (all fixtures)", |b| {
        b.iter(|| {
            for p in &ps {
                black_box(parse(black_box(p)).map(|x| x.crc().is_valid()).ok());
            }
        })
    });
    c.bench_function("parse+validate (all fixtures)", |b| {
        b.iter(|| {
            for p in &ps {
                black_box(parse(black_box(p)).map(|x| x.validate(Profile::Qris)).ok());
            }
        })
    });
    c.bench_function("encode (all fixtures)", |b| {
        b.iter(|| {
            for o in &owned {
                black_box(encode(black_box(o)).ok());
            }
        })
    });
}

/// Mean nanoseconds per payload of `f` over `ps`, best of 5 rounds of ~200 ms.
fn ns_per_payload<T>(ps: &[T], mut f: impl FnMut(&T)) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..5 {
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed() < Duration::from_millis(200) {
            for p in ps {
                f(p);
            }
            n += ps.len() as u64;
        }
        best = best.min(start.elapsed().as_nanos() as f64 / n as f64);
    }
    best
}

fn summary() {
    let ps = payloads();
    let owned: Vec<_> = ps
        .iter()
        .map(|p| parse(p).unwrap().to_owned_objects())
        .collect();
    let avg_chars = ps.iter().map(|p| p.chars().count()).sum::<usize>() as f64 / ps.len() as f64;
    let parse_ns = ns_per_payload(&ps, |p| {
        black_box(parse(black_box(p)).map(|x| x.crc().is_valid()).ok());
    });
    let validate_ns = ns_per_payload(&ps, |p| {
        black_box(parse(black_box(p)).map(|x| x.validate(Profile::Qris)).ok());
    });
    let encode_ns = ns_per_payload(&owned, |o| {
        black_box(encode(black_box(o)).ok());
    });
    let crc_ns = ns_per_payload(&ps, |p| {
        black_box(snap_qris::crc16(black_box(p.as_bytes())));
    });
    let naive_ns = ns_per_payload(&ps, |p| {
        black_box(naive(black_box(p)));
    });
    println!();
    println!(
        "snap-qris over {} fixture payloads (mean {avg_chars:.0} characters), ns per payload:",
        ps.len()
    );
    println!(
        "  parse + CRC check      {parse_ns:8.1} ns   (template children included, as in promptparse)"
    );
    println!("  parse + validate(QRIS) {validate_ns:8.1} ns");
    println!("  encode (with CRC)      {encode_ns:8.1} ns");
    println!("  (CRC-16 alone          {crc_ns:8.1} ns)");
    println!(
        "  naive baseline parse   {naive_ns:8.1} ns   (same run; owned strings + bitwise CRC)"
    );
    println!(
        "  vs promptparse 3.4 µs: parse + CRC {:.1}x faster (bar: >= 10x), parse + validate {:.1}x faster",
        PROMPTPARSE_NS / parse_ns,
        PROMPTPARSE_NS / validate_ns
    );
    println!(
        "  vs naive baseline:     parse {:.1}x faster",
        naive_ns / parse_ns
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = bench
}

/// Development aid for A/B runs on a busy machine: parse + CRC and parse + validate, best of
/// many short rounds (a short round is more likely to run undisturbed).
fn quick() {
    let ps = payloads();
    let best = |f: &dyn Fn(&String)| {
        let mut best = f64::MAX;
        for _ in 0..100 {
            let start = Instant::now();
            for _ in 0..200 {
                for p in &ps {
                    f(p);
                }
            }
            best = best.min(start.elapsed().as_nanos() as f64 / (200 * ps.len()) as f64);
        }
        best
    };
    let parse_ns = best(&|p| {
        black_box(parse(black_box(p)).map(|x| x.crc().is_valid()).ok());
    });
    let validate_ns = best(&|p| {
        black_box(parse(black_box(p)).map(|x| x.validate(Profile::Qris)).ok());
    });
    let crc_ns = best(&|p| {
        black_box(snap_qris::crc16(black_box(p.as_bytes())));
    });
    println!(
        "quick: parse + CRC {parse_ns:.1} ns, parse + validate {validate_ns:.1} ns, CRC {crc_ns:.1} ns"
    );
}

/// Profiling aid: runs one subject over the fixtures a fixed number of times (for `perf record`).
fn profile_only(which: &str) {
    let ps = payloads();
    let owned: Vec<_> = ps
        .iter()
        .map(|p| parse(p).unwrap().to_owned_objects())
        .collect();
    for _ in 0..200_000 {
        match which {
            "validate" => {
                for p in &ps {
                    black_box(parse(black_box(p)).map(|x| x.validate(Profile::Qris)).ok());
                }
            }
            "encode" => {
                for o in &owned {
                    black_box(encode(black_box(o)).ok());
                }
            }
            _ => {
                for p in &ps {
                    black_box(parse(black_box(p)).map(|x| x.crc().is_valid()).ok());
                }
            }
        }
    }
}

fn main() {
    // `SNAP_BENCH_ONLY=parse|validate|encode` runs just that subject (for `perf record`);
    // `SNAP_BENCH_ONLY=summary` skips criterion and prints the summary only; `quick` prints
    // best-of-many-short-rounds figures for A/B comparisons on a busy machine.
    if let Ok(only) = std::env::var("SNAP_BENCH_ONLY") {
        if only == "summary" {
            summary();
        } else if only == "quick" {
            quick();
        } else {
            profile_only(&only);
        }
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
    summary();
}
