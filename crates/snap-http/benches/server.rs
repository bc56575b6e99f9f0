//! Placeholder: the load-generator benchmark lands next.
fn main() {}
