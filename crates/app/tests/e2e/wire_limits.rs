//! What a hostile or broken client sends reaches it as the right status: undecodable protobuf
//! is `INVALID_ARGUMENT` (not `INTERNAL`), a message over the size limit is
//! `RESOURCE_EXHAUSTED` (not `OUT_OF_RANGE`), and an error about a 5,000-character value stays
//! far below the 16 KiB of trailers a client accepts.

use bytes::{Buf, BufMut};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::{Code, Status};
use yigong_proto::v1 as pb;
use yigong_proto::v1::referral_service_client::ReferralServiceClient;

use crate::support::{TestApp, slip};

/// Bytes as they are, both ways: what a broken client puts on the wire.
#[derive(Default)]
pub struct Raw;

impl Codec for Raw {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = Raw;
    type Decoder = Raw;

    fn encoder(&mut self) -> Raw {
        Raw
    }

    fn decoder(&mut self) -> Raw {
        Raw
    }
}

impl Encoder for Raw {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for Raw {
    type Item = Vec<u8>;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining()).to_vec()))
    }
}

async fn send(s: &TestApp, bytes: Vec<u8>) -> Status {
    let mut grpc = tonic::client::Grpc::new(s.channel.clone());
    grpc.ready().await.unwrap();
    let path = "/yigong.v1.ReferralService/GetReferral".parse().unwrap();
    grpc.unary(s.as_("TOKEN_TOWNSHIP", bytes), path, Raw)
        .await
        .unwrap_err()
}

pub async fn wire_limits(s: &TestApp) {
    let undecodable: [(&str, Vec<u8>); 4] = [
        ("random bytes", vec![0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
        ("invalid UTF-8 in a string", vec![0x0A, 0x02, 0xC3, 0x28]),
        ("a truncated field", vec![0x0A, 0x10, b'r', b'e']),
        ("the wrong wire type", vec![0x0D, 0x01, 0x02, 0x03, 0x04]),
    ];
    for (case, bytes) in undecodable {
        let status = send(s, bytes).await;
        assert_eq!(status.code(), Code::InvalidArgument, "{case}: {status:?}");
    }

    let oversize = send(s, {
        let mut message = vec![0x0A, 0x80, 0x80, 0x80, 0x03]; // field 1, 6 MiB
        message.resize(message.len() + 6 * 1024 * 1024, b'x');
        message
    })
    .await;
    assert_eq!(oversize.code(), Code::ResourceExhausted, "{oversize:?}");

    let mut referrals = ReferralServiceClient::new(s.channel.clone());
    let long = "名".repeat(5000);
    let refused = referrals
        .create_referral(s.as_(
            "TOKEN_TOWNSHIP",
            pb::CreateReferralRequest {
                request_id: uuid::Uuid::new_v4().to_string(),
                patient: long.clone(),
                to_institution: long.clone(),
                direction: pb::Direction::Upward as i32,
                urgency: pb::Urgency::Routine as i32,
                reasons: vec![long.clone(); 3],
                slip: slip("头晕、血压控制不佳两月"),
                results: vec![],
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
    let trailers = refused.message().len() + refused.details().len();
    assert!(trailers < 4096, "{trailers} bytes of message and details");
    assert!(!refused.message().contains(&"名".repeat(40)), "{refused:?}");
}
