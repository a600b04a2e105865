//! Remote diagnosis (远程诊断): `diagnosis_centre`, one row per centre with its roster in
//! `body`, read by community (`ix_diagnosis_centre_community`); `diagnosis_request`, one row per
//! request, the request in `body` and beside it the columns its lists are read by: the readers'
//! worklist (`ix_diagnosis_worklist`: the centre, the priority's rank while the request waits
//! for a reader and NULL otherwise, acquisition time, id; `ix_diagnosis_worklist_modality` for
//! one modality), the requester's list (`ix_diagnosis_requester`) and the deadline jobs
//! (`ix_diagnosis_deadline`: the next turnaround or critical-value deadline, NULL when none).

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum DiagnosisCentre {
    Table,
    Id,
    InstitutionId,
    CommunityId,
    Name,
    Body,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DiagnosisRequest {
    Table,
    Id,
    CentreId,
    PatientId,
    RequesterInstitutionId,
    Modality,
    Status,
    WorklistRank,
    AcquiredAt,
    RequestedAt,
    NextDeadlineAt,
    Body,
    Version,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use DiagnosisCentre as C;
        use DiagnosisRequest as R;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(C::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(C::InstitutionId).uuid().not_null())
                    .col(ColumnDef::new(C::CommunityId).uuid().not_null())
                    .col(ColumnDef::new(C::Name).string_len(100).not_null())
                    .col(ColumnDef::new(C::Body).json_binary().not_null())
                    .col(ColumnDef::new(C::Version).big_integer().not_null())
                    .col(
                        ColumnDef::new(C::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_diagnosis_centre_community")
                    .table(C::Table)
                    .col(C::CommunityId)
                    .col(C::Name)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(R::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(R::CentreId).uuid().not_null())
                    .col(ColumnDef::new(R::PatientId).uuid().not_null())
                    .col(ColumnDef::new(R::RequesterInstitutionId).uuid().not_null())
                    .col(ColumnDef::new(R::Modality).string_len(16).not_null())
                    .col(ColumnDef::new(R::Status).string_len(16).not_null())
                    .col(ColumnDef::new(R::WorklistRank).small_integer().null())
                    .col(
                        ColumnDef::new(R::AcquiredAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(R::RequestedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(R::NextDeadlineAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(R::Body).json_binary().not_null())
                    .col(ColumnDef::new(R::Version).big_integer().not_null())
                    .col(
                        ColumnDef::new(R::UpdatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in [
            (
                "ix_diagnosis_worklist",
                vec![R::CentreId, R::WorklistRank, R::AcquiredAt, R::Id],
            ),
            (
                "ix_diagnosis_worklist_modality",
                vec![
                    R::CentreId,
                    R::Modality,
                    R::WorklistRank,
                    R::AcquiredAt,
                    R::Id,
                ],
            ),
            (
                "ix_diagnosis_requester",
                vec![R::RequesterInstitutionId, R::RequestedAt, R::Id],
            ),
            ("ix_diagnosis_deadline", vec![R::NextDeadlineAt]),
            ("ix_diagnosis_patient", vec![R::PatientId, R::RequestedAt]),
        ] {
            let mut index = Index::create();
            index.name(name).table(R::Table);
            for c in columns {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DiagnosisRequest::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(DiagnosisCentre::Table).to_owned())
            .await
    }
}
