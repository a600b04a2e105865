//! The descriptor set that server reflection serves describes the whole API, so generic clients
//! (grpcurl, Python's grpcio-reflection) can call Yigong without the protos.

use prost::Message as _;
use prost_types::FileDescriptorSet;

#[test]
fn the_descriptor_set_describes_the_referral_service_and_its_imports() {
    let set = FileDescriptorSet::decode(yigong_proto::FILE_DESCRIPTOR_SET).unwrap();
    let file = set
        .file
        .iter()
        .find(|f| f.name() == "yigong/v1/referral.proto")
        .expect("the referral API is in the set");
    assert_eq!(file.package(), "yigong.v1");
    let service = file
        .service
        .iter()
        .find(|s| s.name() == "ReferralService")
        .expect("ReferralService");
    let methods: Vec<&str> = service.method.iter().map(|m| m.name()).collect();
    for expected in [
        "CreateReferral",
        "GetReferral",
        "ListReferrals",
        "AcceptReferral",
    ] {
        assert!(methods.contains(&expected), "{expected} in {methods:?}");
    }
    // Reflection resolves imports from the same set.
    assert!(
        set.file
            .iter()
            .any(|f| f.name() == "google/protobuf/timestamp.proto"),
        "imports are included"
    );
}
