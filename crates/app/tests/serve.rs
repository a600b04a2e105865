//! The service over a real socket: health reports SERVING, reflection answers in v1 and
//! v1alpha (generic clients need no protos), the API refuses calls without a valid token, and
//! shutdown is graceful.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tonic::Code;
use tonic::transport::Channel;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use yigong_proto::v1::ListReferralsRequest;
use yigong_proto::v1::referral_service_client::ReferralServiceClient;

const SECRET: &str = "a-test-secret-of-at-least-32-bytes!!";

async fn start() -> (Channel, oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        yigong_app::serve(
            yigong_app::ServeConfig {
                database: yigong_app::config::DatabaseSettings::url("sqlite::memory:"),
                token_secret: SECRET.as_bytes().to_vec(),
                tls: None,
                events: yigong_app::events::EventsConfig::default(),
            },
            listener,
            async {
                let _ = stopped.await;
            },
        )
        .await
        .unwrap();
    });
    let channel = loop {
        match Channel::from_shared(format!("http://{address}"))
            .unwrap()
            .connect()
            .await
        {
            Ok(c) => break c,
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
        }
    };
    (channel, stop, server)
}

/// The services a reflection version lists; v1 and v1alpha are the same protocol in two
/// packages, so one body serves both.
macro_rules! list_services {
    ($version:ident, $channel:expr) => {{
        use tonic_reflection::pb::$version::ServerReflectionRequest;
        use tonic_reflection::pb::$version::server_reflection_client::ServerReflectionClient;
        use tonic_reflection::pb::$version::server_reflection_request::MessageRequest;
        use tonic_reflection::pb::$version::server_reflection_response::MessageResponse;
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let mut replies = ServerReflectionClient::new($channel)
            .server_reflection_info(tokio_stream::iter([request]))
            .await
            .unwrap()
            .into_inner();
        match replies.message().await.unwrap().unwrap().message_response {
            Some(MessageResponse::ListServicesResponse(list)) => list
                .service
                .into_iter()
                .map(|s| s.name)
                .collect::<Vec<String>>(),
            other => panic!("unexpected reflection reply {other:?}"),
        }
    }};
}

#[tokio::test]
async fn health_reflection_and_authentication_over_a_socket() {
    let (channel, stop, server) = start().await;

    let health = HealthClient::new(channel.clone())
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(health.status, ServingStatus::Serving as i32);

    for services in [
        list_services!(v1, channel.clone()),
        list_services!(v1alpha, channel.clone()),
    ] {
        assert!(
            services.iter().any(|s| s == "yigong.v1.ReferralService"),
            "{services:?}"
        );
        assert!(services.iter().any(|s| s == "grpc.health.v1.Health"));
    }
    // Every Yigong service reflection lists has its own health, serving.
    for service in list_services!(v1, channel.clone())
        .into_iter()
        .filter(|s| s.starts_with("yigong.v1."))
    {
        let health = HealthClient::new(channel.clone())
            .check(HealthCheckRequest {
                service: service.clone(),
            })
            .await
            .unwrap_or_else(|e| panic!("{service}: {e:?}"))
            .into_inner();
        assert_eq!(health.status, ServingStatus::Serving as i32, "{service}");
    }

    let mut referrals = ReferralServiceClient::new(channel.clone());
    let status = referrals
        .list_referrals(ListReferralsRequest::default())
        .await
        .unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);
    let mut request = tonic::Request::new(ListReferralsRequest::default());
    request
        .metadata_mut()
        .insert("authorization", "Bearer forged.token.here".parse().unwrap());
    let status = referrals.list_referrals(request).await.unwrap_err();
    assert_eq!(status.code(), Code::Unauthenticated);

    stop.send(()).unwrap();
    server.await.unwrap();
}

#[tokio::test]
async fn with_a_certificate_the_service_speaks_tls_only() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let cert_pem = cert.cert.pem();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(yigong_app::serve(
        yigong_app::ServeConfig {
            database: yigong_app::config::DatabaseSettings::url("sqlite::memory:"),
            token_secret: SECRET.as_bytes().to_vec(),
            tls: Some(yigong_app::config::TlsIdentity {
                cert_pem: cert_pem.clone().into_bytes(),
                key_pem: cert.signing_key.serialize_pem().into_bytes(),
            }),
            events: yigong_app::events::EventsConfig::default(),
        },
        listener,
        async {
            let _ = stopped.await;
        },
    ));
    let tls = tonic::transport::ClientTlsConfig::new()
        .ca_certificate(tonic::transport::Certificate::from_pem(&cert_pem))
        .domain_name("localhost");
    let channel = loop {
        let endpoint = Channel::from_shared(format!("https://{address}"))
            .unwrap()
            .tls_config(tls.clone())
            .unwrap();
        match endpoint.connect().await {
            Ok(c) => break c,
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
        }
    };
    let health = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(health.status, ServingStatus::Serving as i32);

    // A plaintext client gets no answer from a TLS listener.
    let plaintext = Channel::from_shared(format!("http://{address}"))
        .unwrap()
        .connect()
        .await;
    if let Ok(channel) = plaintext {
        let refused = HealthClient::new(channel)
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await;
        assert!(refused.is_err());
    }

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}
