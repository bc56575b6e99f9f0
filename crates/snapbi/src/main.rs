//! `snapbi`: every snap-rs capability from a terminal (the command is the library's
//! [`snapbi::run`]).
//!
//! Exit codes: 0 success, 1 a negative answer (invalid signature, invalid payload, invalid JSON),
//! 2 usage errors and unreadable inputs.

fn main() -> std::process::ExitCode {
    snapbi::run()
}
