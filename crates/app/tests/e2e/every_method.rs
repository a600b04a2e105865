//! The longest message each method accepts, with every string in it long, answered in a status
//! that a client enforcing gRPC's default 16 KiB of headers and trailers reads (the e2e channel
//! sets that limit, as grpcio, grpc-go and the C core do): never a trailer the client drops,
//! never INTERNAL. Every method of every `yigong.v1` service, read from the descriptors the
//! server serves by reflection, so a method added later is covered without a line here.

use std::time::Duration;

use prost::Message;
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FileDescriptorSet};
use tonic::Code;

use crate::support::TestApp;
use crate::wire_limits::Raw;

/// A message must stay under the server's 4 MiB decoding limit to be accepted at all.
const BUDGET: usize = 3 * 1024 * 1024;
/// Nested messages filled this deep (descriptors may be recursive).
const DEPTH: usize = 3;

/// The message types of the set, by full name (`.yigong.v1.CreateReferralRequest`).
struct Types<'a>(Vec<(String, &'a DescriptorProto)>);

impl<'a> Types<'a> {
    fn of(set: &'a FileDescriptorSet) -> Self {
        fn walk<'a>(
            prefix: &str,
            d: &'a DescriptorProto,
            out: &mut Vec<(String, &'a DescriptorProto)>,
        ) {
            let name = format!("{prefix}.{}", d.name());
            for nested in &d.nested_type {
                walk(&name, nested, out);
            }
            out.push((name, d));
        }
        let mut out = Vec::new();
        for file in &set.file {
            for d in &file.message_type {
                walk(&format!(".{}", file.package()), d, &mut out);
            }
        }
        Types(out)
    }

    fn get(&self, name: &str) -> Option<&'a DescriptorProto> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, d)| *d)
    }

    /// How many strings a filled message of `d` holds (a repeated field counts twice).
    fn strings(&self, d: &DescriptorProto, depth: usize) -> usize {
        d.field
            .iter()
            .map(|f| {
                let times = if f.label() == Label::Repeated { 2 } else { 1 };
                times
                    * match f.r#type() {
                        Type::String => 1,
                        Type::Message if depth > 0 => self
                            .get(f.type_name())
                            .map_or(0, |m| self.strings(m, depth - 1)),
                        _ => 0,
                    }
            })
            .sum()
    }

    /// `d` encoded with every string field (nested ones too) set to `long`.
    fn fill(&self, d: &DescriptorProto, depth: usize, long: &str) -> Vec<u8> {
        let mut out = Vec::new();
        for f in &d.field {
            let value = match f.r#type() {
                Type::String => long.as_bytes().to_vec(),
                Type::Message if depth > 0 => match self.get(f.type_name()) {
                    Some(m) => self.fill(m, depth - 1, long),
                    None => continue,
                },
                _ => continue,
            };
            let times = if f.label() == Label::Repeated { 2 } else { 1 };
            for _ in 0..times {
                let number = u64::try_from(f.number()).unwrap_or_default();
                prost::encoding::encode_varint(number << 3 | 2, &mut out);
                prost::encoding::encode_varint(value.len() as u64, &mut out);
                out.extend_from_slice(&value);
            }
        }
        out
    }
}

pub async fn every_method(s: &TestApp) {
    let set = FileDescriptorSet::decode(yigong_proto::FILE_DESCRIPTOR_SET).unwrap();
    let types = Types::of(&set);
    let mut grpc = tonic::client::Grpc::new(s.channel.clone());
    let (mut methods, mut refused, mut largest) = (0, 0, 0);
    for file in set.file.iter().filter(|f| f.package() == "yigong.v1") {
        for service in &file.service {
            for method in &service.method {
                let input = types.get(method.input_type()).unwrap();
                let per_string = BUDGET / types.strings(input, DEPTH).max(1);
                let long = "名".repeat((per_string / 3).min(256 * 1024));
                let body = types.fill(input, DEPTH, &long);
                let path = format!("/yigong.v1.{}/{}", service.name(), method.name());
                for who in ["TOKEN_TOWNSHIP", "TOKEN_OPERATOR"] {
                    grpc.ready().await.unwrap();
                    let request = s.as_(who, body.clone());
                    let status = if method.server_streaming() {
                        let call = grpc.server_streaming(request, path.parse().unwrap(), Raw);
                        match tokio::time::timeout(Duration::from_secs(2), async {
                            call.await?.into_inner().message().await
                        })
                        .await
                        {
                            Ok(Err(status)) => status,
                            // Accepted and streaming (or ended): nothing refused to read.
                            Ok(Ok(_)) | Err(_) => continue,
                        }
                    } else {
                        match grpc.unary(request, path.parse().unwrap(), Raw).await {
                            Ok(_) => continue,
                            Err(status) => status,
                        }
                    };
                    assert!(
                        !matches!(
                            status.code(),
                            Code::Internal | Code::Unknown | Code::Unavailable
                        ),
                        "{path} as {who}: {} {:.300}",
                        status.code(),
                        status.message()
                    );
                    let trailers = status.message().len() + status.details().len();
                    assert!(trailers < 4096, "{path} as {who}: {trailers} bytes");
                    assert!(
                        !status.message().contains(&"名".repeat(40)),
                        "{path}: {status:?}"
                    );
                    largest = largest.max(trailers);
                    refused += 1;
                }
                methods += 1;
            }
        }
    }
    assert!(methods > 40, "only {methods} methods found");
    eprintln!("every_method: {methods} methods, {refused} refusals, the largest {largest} bytes");
}
