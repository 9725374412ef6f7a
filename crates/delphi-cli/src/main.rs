//! The `delphi` command.
fn main() {}
