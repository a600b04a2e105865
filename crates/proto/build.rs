//! Generates the API from `proto/` with the `protoc` that `protoc-bin-vendored` ships, so a
//! plain `cargo build` works on a machine without protoc. Also writes the file descriptor set
//! that server reflection serves.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("../../proto");
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    let well_known = protoc_bin_vendored::include_path()?;
    let protos = [
        "yigong/v1/advice.proto",
        "yigong/v1/audit.proto",
        "yigong/v1/changes.proto",
        "yigong/v1/consultation.proto",
        "yigong/v1/diagnosis.proto",
        "yigong/v1/directory.proto",
        "yigong/v1/elderly.proto",
        "yigong/v1/events.proto",
        "yigong/v1/followup.proto",
        "yigong/v1/history.proto",
        "yigong/v1/indicator.proto",
        "yigong/v1/referral.proto",
        "yigong/v1/resident.proto",
        "yigong/v1/schedule.proto",
        "yigong/v1/screening.proto",
        "yigong/v1/two_cancer.proto",
    ]
    .map(|p| root.join(p));
    tonic_prost_build::configure()
        // An undecodable request is the client's error: INVALID_ARGUMENT, not INTERNAL.
        .codec_path("crate::codec::WireCodec")
        .file_descriptor_set_path(out.join("yigong_descriptor.bin"))
        .compile_with_config(config, &protos, &[root.clone(), well_known])?;
    println!("cargo:rerun-if-changed={}", root.display());
    Ok(())
}
