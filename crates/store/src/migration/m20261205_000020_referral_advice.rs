//! Referral advice (`referral_advice`): the advice as a JSON document, with the columns its
//! lists are read by: the patient's open advice (`ix_advice_patient`, what a referral closes),
//! the team's, the institution's and the desk's open lists (each by advice time and id), and
//! the emergencies waiting to escalate (`ix_advice_escalation`, set only while one waits).

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum ReferralAdvice {
    Table,
    Id,
    PatientId,
    InstitutionId,
    TeamId,
    CommunityId,
    Urgency,
    Open,
    AdvisedAt,
    EscalateAt,
    Body,
    Version,
}

use ReferralAdvice as A;

const INDEXES: &[(&str, &[A])] = &[
    ("ix_advice_patient", &[A::PatientId, A::Open]),
    ("ix_advice_team", &[A::TeamId, A::Open, A::AdvisedAt, A::Id]),
    (
        "ix_advice_institution",
        &[A::InstitutionId, A::Open, A::AdvisedAt, A::Id],
    ),
    (
        "ix_advice_desk",
        &[A::CommunityId, A::Urgency, A::Open, A::AdvisedAt, A::Id],
    ),
    ("ix_advice_escalation", &[A::EscalateAt, A::Id]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .if_not_exists()
                    .col(ColumnDef::new(A::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(A::PatientId).uuid().not_null())
                    .col(ColumnDef::new(A::InstitutionId).uuid().not_null())
                    .col(ColumnDef::new(A::TeamId).uuid().null())
                    .col(ColumnDef::new(A::CommunityId).uuid().null())
                    .col(ColumnDef::new(A::Urgency).string().not_null())
                    .col(ColumnDef::new(A::Open).boolean().not_null())
                    .col(
                        ColumnDef::new(A::AdvisedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(A::EscalateAt)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    .col(ColumnDef::new(A::Body).json_binary().not_null())
                    .col(ColumnDef::new(A::Version).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        for (name, columns) in INDEXES {
            let mut index = Index::create();
            index.name(*name).table(A::Table);
            for column in *columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(A::Table).to_owned())
            .await
    }
}
