//! Project automation, run as `cargo xtask <command>` (alias in `.cargo/config.toml`).
//!
//! Plain `std` on purpose: the tool that runs the build must itself build in a second.
//!
//! - `test`: the one test command of README and CI: fmt check, clippy `-D warnings`,
//!   the dependency rule, `buf lint` of `proto/`, then every test of the workspace.
//! - `bench [domain|store|grpc|events]`: the benchmarks of `../shared/benchmarks.md` that exist so
//!   far; `store` and `grpc` run `yigong-bench` in release mode against PostgreSQL.

use std::env;
use std::process::{Command, ExitCode};

/// Crates the pure domain must never pull in (the hexagonal dependency rule).
const FORBIDDEN_IN_DOMAIN: &[&str] = &[
    "tokio",
    "sea-orm",
    "sqlx",
    "tonic",
    "prost",
    "async-trait",
    "async-nats",
    "hyper",
    "reqwest",
];

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(),
        Some("bench") => bench(
            args.get(1).map(String::as_str),
            args.get(2..).unwrap_or_default(),
        ),
        Some("deps") => check_domain_dependencies(),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n\
                 commands:\n  \
                 test           fmt check, clippy -D warnings, dependency rule, all tests\n  \
                 deps           check that yigong-domain depends on no I/O crate\n  \
                 bench [domain|store|grpc|events] [--seconds N]\n                 \
                 run the benchmarks (see ../shared/benchmarks.md); store needs PostgreSQL\n                 \
                 (YIGONG_BENCH_POSTGRES, default postgres://postgres@127.0.0.1:5432/test)"
            );
            Err("no command given".to_owned())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn test() -> Result<(), String> {
    step("format", || cargo(&["fmt", "--all", "--", "--check"]))?;
    step("clippy", || {
        cargo(&[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ])
    })?;
    step("dependency rule", check_domain_dependencies)?;
    step("proto lint (buf)", lint_protos)?;
    if has_nextest() {
        step("tests (nextest)", || {
            cargo(&[
                "nextest",
                "run",
                "--workspace",
                "--locked",
                "--no-fail-fast",
            ])
        })?;
        step("doc tests", || {
            cargo(&["test", "--workspace", "--locked", "--doc"])
        })?;
    } else {
        println!("xtask: cargo-nextest not found, running the tests with cargo test");
        step("tests", || cargo(&["test", "--workspace", "--locked"]))?;
    }
    println!("xtask: all checks passed");
    Ok(())
}

fn bench(which: Option<&str>, rest: &[String]) -> Result<(), String> {
    let domain = || {
        step("bench domain", || {
            cargo(&["bench", "--package", "yigong-domain", "--locked"])
        })
    };
    let bench_bin = |name: &str| {
        step(&format!("bench {name}"), || {
            let mut args = vec![
                "run",
                "--release",
                "--locked",
                "--package",
                "yigong-bench",
                "--",
                name,
            ];
            args.extend(rest.iter().map(String::as_str));
            cargo(&args)
        })
    };
    match which {
        None => domain()
            .and_then(|()| bench_bin("store"))
            .and_then(|()| bench_bin("grpc"))
            .and_then(|()| bench_bin("events")),
        Some("domain") => domain(),
        Some(name @ ("store" | "grpc" | "events")) => bench_bin(name),
        Some(other) => Err(format!(
            "unknown benchmark `{other}`; available: domain, store, grpc, events"
        )),
    }
}

/// `cargo tree -p yigong-domain -e normal` must name none of [`FORBIDDEN_IN_DOMAIN`].
fn check_domain_dependencies() -> Result<(), String> {
    let output = Command::new(cargo_bin())
        .args([
            "tree",
            "--package",
            "yigong-domain",
            "--edges",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
            "--locked",
        ])
        .output()
        .map_err(|e| format!("cannot run cargo tree: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "cargo tree failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let tree = String::from_utf8_lossy(&output.stdout);
    let offending: Vec<&str> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| FORBIDDEN_IN_DOMAIN.contains(name))
        .collect();
    if offending.is_empty() {
        println!("xtask: yigong-domain depends on no I/O crate");
        Ok(())
    } else {
        Err(format!(
            "yigong-domain must stay pure but depends on: {}",
            offending.join(", ")
        ))
    }
}

/// `buf lint` over `proto/` with the buf CLI pinned in `tools/buf` (npm's `@bufbuild/buf`, whose
/// package ships the binary), installed on first use. Without npm the step
/// is skipped with the reason printed, except under `CI=true`, where it is required.
fn lint_protos() -> Result<(), String> {
    let root = env::var("CARGO_MANIFEST_DIR")
        .map(|d| std::path::PathBuf::from(d).join(".."))
        .map_err(|e| format!("CARGO_MANIFEST_DIR: {e}"))?;
    let tools = root.join("tools/buf");
    let buf = tools.join("node_modules/.bin/buf");
    if !buf.exists() {
        // `install --no-save` rather than `ci`: the lock pins buf, but npm writes only this
        // platform's optional binary package into it, which `ci` then calls out of sync.
        let npm = Command::new("npm")
            .args([
                "install",
                "--no-audit",
                "--no-fund",
                "--no-save",
                "--prefix",
            ])
            .arg(&tools)
            .status();
        match npm {
            Ok(status) if status.success() => {}
            Ok(status) => return Err(format!("`npm install` in tools/buf failed ({status})")),
            Err(e) if ci() => return Err(format!("npm is required with CI=true: {e}")),
            Err(e) => {
                println!("xtask: skipping buf lint: npm is not available ({e})");
                return Ok(());
            }
        }
    }
    let status = Command::new(&buf)
        .arg("lint")
        .current_dir(&root)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", buf.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`buf lint` found problems ({status})"))
    }
}

fn ci() -> bool {
    env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn has_nextest() -> bool {
    Command::new(cargo_bin())
        .args(["nextest", "--version"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn cargo(args: &[&str]) -> Result<(), String> {
    let status = Command::new(cargo_bin())
        .args(args)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`cargo {}` failed ({status})", args.join(" ")))
    }
}

/// Announces a step before running it, so a failure is easy to place in a long CI log.
fn step(name: &str, run: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
    println!("xtask: == {name} ==");
    run().map_err(|e| format!("{name}: {e}"))
}

fn cargo_bin() -> String {
    env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}
