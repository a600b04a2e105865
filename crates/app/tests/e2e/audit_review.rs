//! The audit log reviewed over gRPC: an operator finds the refused reads of a patient (the
//! earlier steps left some), pages through them, and finds their own review logged too; a
//! clinician may not read the log, and that refusal is logged as well.

use tonic::Code;
use yigong_proto::v1 as pb;
use yigong_proto::v1::audit_service_client::AuditServiceClient;

use crate::support::TestApp;

pub async fn audit_review(s: &TestApp, patient: &str) {
    let mut audit = AuditServiceClient::new(s.channel.clone());
    let list = |outcome: pb::AuditOutcome, page_size: i32, page_token: String| {
        pb::ListAuditEntriesRequest {
            patient: patient.to_owned(),
            outcome: outcome as i32,
            page_size,
            page_token,
            ..Default::default()
        }
    };

    let denied = audit
        .list_audit_entries(s.as_(
            "TOKEN_OPERATOR",
            list(pb::AuditOutcome::Denied, 0, String::new()),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(
        !denied.entries.is_empty(),
        "the break-glass step's refusals"
    );
    for e in &denied.entries {
        assert_eq!(e.patient, patient);
        assert_eq!(e.outcome, pb::AuditOutcome::Denied as i32);
    }
    assert!(
        denied.entries.iter().any(|e| e.action == "resident.get"),
        "{:?}",
        denied.entries
    );

    // One at a time, the same entries in the same order.
    let mut paged = Vec::new();
    let mut token = String::new();
    loop {
        let page = audit
            .list_audit_entries(s.as_("TOKEN_OPERATOR", list(pb::AuditOutcome::Denied, 1, token)))
            .await
            .unwrap()
            .into_inner();
        paged.extend(page.entries);
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    let sequences =
        |entries: &[pb::AuditEntry]| entries.iter().map(|e| e.sequence).collect::<Vec<_>>();
    assert_eq!(sequences(&paged), sequences(&denied.entries));

    // The reviews themselves are in the log.
    let reviews = audit
        .list_audit_entries(s.as_(
            "TOKEN_OPERATOR",
            list(pb::AuditOutcome::Success, 500, String::new()),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(
        reviews.entries.iter().any(|e| e.action == "audit.list"),
        "{:?}",
        reviews.entries
    );

    let refused = audit
        .list_audit_entries(s.as_(
            "TOKEN_TOWNSHIP",
            list(pb::AuditOutcome::Unspecified, 0, String::new()),
        ))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Code::PermissionDenied, "{refused:?}");
    let after = audit
        .list_audit_entries(s.as_(
            "TOKEN_OPERATOR",
            list(pb::AuditOutcome::Denied, 500, String::new()),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(
        after.entries.iter().any(|e| e.action == "audit.list"),
        "the clinician's refused review: {:?}",
        after.entries
    );
}
