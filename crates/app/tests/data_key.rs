//! `yigong data-key`: the key an operator gives `--data-keys`, as the binary prints it.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use yigong_store::seal::{DataKeys, Suite};

fn data_key(id: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_yigong"))
        .args(["data-key", "--id", id])
        .output()
        .expect("the yigong binary runs")
}

#[test]
fn a_generated_key_is_read_back_by_both_suites_and_a_bad_id_is_refused() {
    let out = data_key("2027");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = String::from_utf8(out.stdout).unwrap();
    let key = key.trim();
    assert!(key.starts_with("2027:"), "{key}");
    for suite in [Suite::Aes256Gcm, Suite::Sm4Gcm] {
        assert_eq!(DataKeys::parse(suite, [key]).unwrap().current_id(), "2027");
    }
    assert_ne!(
        key,
        String::from_utf8(data_key("2027").stdout).unwrap().trim()
    );
    let refused = data_key("bad id");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("data key"));
}
