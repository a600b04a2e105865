//! Break-glass reads: audited, with a stated reason, from the patient's community only.

use tonic::{Code, Request};
use yigong_proto::v1 as pb;
use yigong_proto::v1::resident_service_client::ResidentServiceClient;

use crate::support::{TestApp, field_of, token_for, village_clinic};

/// Break-glass: a village clinician of the patient's community reads the record in an
/// emergency with a stated reason (flagged in the audit log); without a reason, or from another
/// community, the record stays hidden.
pub async fn break_glass(s: &TestApp, patient: &str, database_url: &str) {
    let village = village_clinic(s).await;
    let token = token_for(&village, None);
    let read = |reason: &str, bearer: &str| {
        let mut request = Request::new(pb::GetResidentRequest {
            name: patient.to_owned(),
            break_glass_reason: reason.to_owned(),
        });
        request
            .metadata_mut()
            .insert("authorization", format!("Bearer {bearer}").parse().unwrap());
        let mut client = ResidentServiceClient::new(s.channel.clone());
        async move { client.get_resident(request).await }
    };
    assert_eq!(read("", &token).await.unwrap_err().code(), Code::NotFound);
    assert_eq!(
        field_of(&read("urgent", &token).await.unwrap_err()),
        "break_glass_reason"
    );
    let reason = "unconscious at the village clinic, needs history";
    let record = read(reason, &token).await.unwrap().into_inner();
    assert_eq!(record.name, patient);
    let other = s.tokens["TOKEN_OTHER_TOWNSHIP"].clone();
    assert_eq!(
        read(reason, &other).await.unwrap_err().code(),
        Code::NotFound
    );

    // Both attempts are in the audit log with the reason; only the first succeeded.
    use sea_orm::ConnectionTrait;
    let db = sea_orm::Database::connect(database_url).await.unwrap();
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT outcome FROM audit_entry WHERE break_glass IS NOT NULL ORDER BY id",
        ))
        .await
        .unwrap();
    let outcomes: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String>("", "outcome").unwrap())
        .collect();
    assert_eq!(outcomes, ["success", "denied"]);
}
