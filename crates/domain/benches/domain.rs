//! Domain benchmarks (filled in with the follow-up and worklist modules).

fn main() {}
