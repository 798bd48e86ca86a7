//! The `thermorbit` command.
fn main() {}
