//! Rebuilds the crate when a template is added, changed or removed: rust-embed tracks the
//! files it embedded, but not files that appear later.

fn main() {
    println!("cargo:rerun-if-changed=../../web/templates");
    println!("cargo:rerun-if-changed=../../web/emails");
}
