//! Compare results files (work in progress).
fn main() {}
