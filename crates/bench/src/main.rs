//! # yigong-bench
//!
//! The benchmarks of `../shared/benchmarks.md`, run by `cargo xtask bench <name>`: each Yigong
//! layer measured against the engine beneath it in the same run, reported as a ratio (absolute
//! figures move 30–50% between machines, ratios much less). Not a test: nothing here asserts a
//! time.
//!
//! - `store`: store.write (create + accept a referral, record a follow-up; 1, 8 and 32 tasks on
//!   PostgreSQL) and store.read (get a referral), each next to the minimal raw-SQL transaction
//!   (sqlx) a hand-written service would run.
//! - `grpc`: grpc.write and grpc.read — the real server on loopback, CreateReferral,
//!   RecordFollowUpVisit (1, 8, 64 streams), GetReferral and a worklist page (64 streams), each
//!   next to the raw-SQL baseline, CreateReferral also next to an empty RPC.
//! - `events`: events.relay — the outbox relay to NATS JetStream next to raw JetStream
//!   publishing of the same payloads, and the commit-to-publish lag under 1,000 writes/s.
//!
//! ## Layout
//! - `store` (with `store/`): the store cases; `store/sqlite.rs` store.sqlite (SQLite file vs
//!   rusqlite), `store/bulk.rs` store.bulk (the screening import vs COPY),
//!   `store/worklist.rs` the worklist read at 100k and 1M residents seeded by COPY,
//!   `store/grpc.rs` the gRPC cases over the real server.
//! - `events`: the relay cases.
//! - `report`: the ratio lines and the JSON written under `target/bench/`.

mod events;
mod report;
mod store;

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("store") => store::run(&args[1..]).await,
        Some("grpc") => store::grpc::run(&args[1..]).await,
        Some("events") => events::run(&args[1..]).await,
        _ => Err("usage: yigong-bench store|grpc|events [--seconds N]".to_owned()),
    };
    if let Err(e) = result {
        eprintln!("yigong-bench: {e}");
        std::process::exit(1);
    }
}
