//! The standard gRPC health service, telling the truth about storage: every Yigong service
//! (and the server as a whole, `""`) is `SERVING` while the database answers and
//! `NOT_SERVING` while it does not, checked in the background, so a load balancer or an
//! operator's probe sees an outage before a request waits on it.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tonic::server::NamedService;
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;
use yigong_grpc::{
    AdviceApi, AuditApi, ChangeFeedApi, ConsultationApi, DiagnosisApi, ElderlyCheckApi,
    FollowUpApi, GridApi, HistoryApi, IndicatorApi, NetworkApi, ReferralApi, ResidentApi,
    ScheduleApi, ScreeningApi, TeamApi, TwoCancerApi,
};
use yigong_proto::v1::audit_service_server::AuditServiceServer;
use yigong_proto::v1::change_feed_service_server::ChangeFeedServiceServer;
use yigong_proto::v1::consultation_service_server::ConsultationServiceServer;
use yigong_proto::v1::diagnosis_service_server::DiagnosisServiceServer;
use yigong_proto::v1::elderly_check_service_server::ElderlyCheckServiceServer;
use yigong_proto::v1::follow_up_service_server::FollowUpServiceServer;
use yigong_proto::v1::grid_service_server::GridServiceServer;
use yigong_proto::v1::history_service_server::HistoryServiceServer;
use yigong_proto::v1::indicator_service_server::IndicatorServiceServer;
use yigong_proto::v1::network_service_server::NetworkServiceServer;
use yigong_proto::v1::referral_advice_service_server::ReferralAdviceServiceServer;
use yigong_proto::v1::referral_service_server::ReferralServiceServer;
use yigong_proto::v1::resident_service_server::ResidentServiceServer;
use yigong_proto::v1::schedule_service_server::ScheduleServiceServer;
use yigong_proto::v1::screening_service_server::ScreeningServiceServer;
use yigong_proto::v1::team_service_server::TeamServiceServer;
use yigong_proto::v1::two_cancer_service_server::TwoCancerServiceServer;
use yigong_store::Store;

/// How often storage is checked, and how long a check may take before it counts as failed.
pub const CHECK_EVERY: Duration = Duration::from_secs(1);

/// The services whose health follows storage's, and the server's own (`""`).
const SERVICES: [&str; 18] = [
    "",
    <AuditServiceServer<AuditApi> as NamedService>::NAME,
    <HistoryServiceServer<HistoryApi> as NamedService>::NAME,
    <ReferralServiceServer<ReferralApi> as NamedService>::NAME,
    <FollowUpServiceServer<FollowUpApi> as NamedService>::NAME,
    <ResidentServiceServer<ResidentApi> as NamedService>::NAME,
    <IndicatorServiceServer<IndicatorApi> as NamedService>::NAME,
    <NetworkServiceServer<NetworkApi> as NamedService>::NAME,
    <TeamServiceServer<TeamApi> as NamedService>::NAME,
    <GridServiceServer<GridApi> as NamedService>::NAME,
    <ChangeFeedServiceServer<ChangeFeedApi> as NamedService>::NAME,
    <ScreeningServiceServer<ScreeningApi> as NamedService>::NAME,
    <ScheduleServiceServer<ScheduleApi> as NamedService>::NAME,
    <ReferralAdviceServiceServer<AdviceApi> as NamedService>::NAME,
    <ElderlyCheckServiceServer<ElderlyCheckApi> as NamedService>::NAME,
    <TwoCancerServiceServer<TwoCancerApi> as NamedService>::NAME,
    <DiagnosisServiceServer<DiagnosisApi> as NamedService>::NAME,
    <ConsultationServiceServer<ConsultationApi> as NamedService>::NAME,
];

/// Sets every service to `status`.
pub async fn report(health: &HealthReporter, status: ServingStatus) {
    for name in SERVICES {
        health.set_service_status(name, status).await;
    }
}

/// Checks storage every [`CHECK_EVERY`] until `stopped`, reporting each change of its state
/// (and keeping `ready`, which `/readyz` answers from).
pub async fn watch_storage(
    store: Arc<Store>,
    health: HealthReporter,
    ready: Arc<AtomicBool>,
    stopped: impl Future<Output = ()>,
) {
    let watch = async {
        let mut serving = true;
        let mut every = tokio::time::interval(CHECK_EVERY);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let up = matches!(
                tokio::time::timeout(CHECK_EVERY, store.ping()).await,
                Ok(Ok(()))
            );
            if up != serving {
                serving = up;
                ready.store(up, Ordering::Relaxed);
                if up {
                    tracing::info!("storage answers again: serving");
                    report(&health, ServingStatus::Serving).await;
                } else {
                    tracing::warn!("storage does not answer: not serving");
                    report(&health, ServingStatus::NotServing).await;
                }
            }
        }
    };
    tokio::select! {
        () = watch => {}
        () = stopped => {}
    }
}
