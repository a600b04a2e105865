//! Failing fast and telling the truth: with PostgreSQL unreachable (a proxy in front of it is
//! cut), health turns `NOT_SERVING` and a request fails `UNAVAILABLE` within seconds, not
//! after a ten-second wait on the pool; when the database answers again, health is `SERVING`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tonic::Code;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use yigong_proto::v1 as pb;
use yigong_proto::v1::follow_up_service_client::FollowUpServiceClient;

use crate::support::TestApp;

/// A TCP proxy to the database that can be cut (every connection dropped, no new ones) and
/// restored on the same port.
pub struct Proxy {
    pub address: String,
    upstream: String,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    pub async fn start(upstream: &str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Proxy {
            address: listener.local_addr().unwrap().to_string(),
            upstream: upstream.to_owned(),
            tasks: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let (upstream, tasks) = (self.upstream.clone(), self.tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let pipe = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().unwrap().push(pipe);
            }
        });
        self.tasks.lock().unwrap().push(accept);
    }

    pub fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    pub async fn restore(&self) {
        let listener = TcpListener::bind(&self.address).await.unwrap();
        self.serve(listener);
    }
}

async fn health(s: &TestApp) -> i32 {
    HealthClient::new(s.channel.clone())
        .check(HealthCheckRequest {
            service: "yigong.v1.FollowUpService".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .status
}

async fn until_health(s: &TestApp, status: ServingStatus) -> Duration {
    let started = Instant::now();
    while health(s).await != status as i32 {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "health never became {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    started.elapsed()
}

pub async fn storage_outage(s: &TestApp, proxy: &Proxy) {
    assert_eq!(health(s).await, ServingStatus::Serving as i32);
    proxy.cut();
    until_health(s, ServingStatus::NotServing).await;

    let started = Instant::now();
    let refused = FollowUpServiceClient::new(s.channel.clone())
        .list_overdue_worklist(s.as_("TOKEN_TOWNSHIP", pb::ListOverdueWorklistRequest::default()))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::Unavailable, "{refused:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a request waited {:?} with the database down",
        started.elapsed()
    );

    proxy.restore().await;
    until_health(s, ServingStatus::Serving).await;
}
