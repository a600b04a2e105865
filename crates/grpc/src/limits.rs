//! The status of a message over the size limit. tonic answers `OUT_OF_RANGE` when a request or
//! response exceeds the configured size; gRPC's status-code table gives `RESOURCE_EXHAUSTED`
//! for exactly this, and that is what clients branch on. No RPC of Yigong answers
//! `OUT_OF_RANGE` itself, and only tonic's size messages are rewritten.

use tonic::codegen::http::{HeaderValue, Response};

/// `RESOURCE_EXHAUSTED` (8) for a trailers-only response that tonic's size limit produced as
/// `OUT_OF_RANGE` (11); every other response unchanged. A `MapResponseLayer` of the server.
pub fn oversize_is_resource_exhausted<B>(mut response: Response<B>) -> Response<B> {
    let headers = response.headers_mut();
    let out_of_range = headers.get("grpc-status").is_some_and(|s| s == "11");
    let size_limit = headers.get("grpc-message").is_some_and(|m| {
        let m = m.as_bytes();
        contains(m, b"message length too large") || contains(m, b"message%20length%20too%20large")
    });
    if out_of_range && size_limit {
        headers.insert("grpc-status", HeaderValue::from_static("8"));
    }
    response
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: &'static str, message: &'static str) -> Response<()> {
        let mut r = Response::new(());
        r.headers_mut()
            .insert("grpc-status", HeaderValue::from_static(status));
        r.headers_mut()
            .insert("grpc-message", HeaderValue::from_static(message));
        r
    }

    #[test]
    fn only_the_size_limit_becomes_resource_exhausted() {
        let oversize = response(
            "11",
            "Error,%20decoded%20message%20length%20too%20large:%20found%205000000%20bytes",
        );
        let mapped = oversize_is_resource_exhausted(oversize);
        assert_eq!(mapped.headers()["grpc-status"], "8");
        let other = oversize_is_resource_exhausted(response("11", "something%20else"));
        assert_eq!(other.headers()["grpc-status"], "11");
        let fine = oversize_is_resource_exhausted(response("0", ""));
        assert_eq!(fine.headers()["grpc-status"], "0");
    }
}
