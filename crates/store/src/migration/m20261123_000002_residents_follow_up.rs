//! Residents (where each record is held, for authorization), enrolments, follow-up plans and
//! visits, with the indexes the worklist and the patient scope are served from.

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Resident {
    Table,
    Id,
    CommunityId,
    InstitutionId,
    HouseholdId,
    GridId,
    DocumentKey,
    Body,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Enrolment {
    Table,
    Id,
    PatientId,
    Condition,
    OpenCondition,
    TeamId,
    InstitutionId,
    EnrolledOn,
    Body,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FollowUpPlan {
    Table,
    Id,
    EnrolmentId,
    PatientId,
    TeamId,
    State,
    Due,
    RemindOn,
    Body,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FollowUpVisit {
    Table,
    Id,
    PlanId,
    PatientId,
    TeamId,
    VisitedOn,
    FaceToFace,
    Class,
    Body,
}

fn uuid(col: impl IntoIden) -> ColumnDef {
    ColumnDef::new(col).uuid().not_null().to_owned()
}

fn text(col: impl IntoIden, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).not_null().to_owned()
}

fn body_version_updated(
    table: TableCreateStatement,
    body: impl IntoIden,
    version: impl IntoIden,
    updated: impl IntoIden,
) -> TableCreateStatement {
    let mut t = table;
    t.col(ColumnDef::new(body).json_binary().not_null())
        .col(ColumnDef::new(version).big_integer().not_null())
        .col(
            ColumnDef::new(updated)
                .timestamp_with_time_zone()
                .not_null(),
        );
    t
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut resident = Table::create();
        resident
            .table(Resident::Table)
            .if_not_exists()
            .col(uuid(Resident::Id).primary_key())
            .col(ColumnDef::new(Resident::CommunityId).uuid().null())
            .col(uuid(Resident::InstitutionId))
            .col(ColumnDef::new(Resident::HouseholdId).uuid().null())
            .col(ColumnDef::new(Resident::GridId).uuid().null())
            // `<document kind>:<number>`: one record per person (a unique index).
            .col(text(Resident::DocumentKey, 64));
        manager
            .create_table(body_version_updated(
                resident,
                Resident::Body,
                Resident::Version,
                Resident::UpdatedAt,
            ))
            .await?;

        let mut enrolment = Table::create();
        enrolment
            .table(Enrolment::Table)
            .if_not_exists()
            .col(uuid(Enrolment::Id).primary_key())
            .col(uuid(Enrolment::PatientId))
            .col(text(Enrolment::Condition, 32))
            // The condition while the enrolment is open, NULL once closed: with a unique index
            // on (patient, open_condition), one open enrolment per condition.
            .col(
                ColumnDef::new(Enrolment::OpenCondition)
                    .string_len(32)
                    .null(),
            )
            .col(uuid(Enrolment::TeamId))
            .col(uuid(Enrolment::InstitutionId))
            .col(ColumnDef::new(Enrolment::EnrolledOn).date().not_null());
        manager
            .create_table(body_version_updated(
                enrolment,
                Enrolment::Body,
                Enrolment::Version,
                Enrolment::UpdatedAt,
            ))
            .await?;

        let mut plan = Table::create();
        plan.table(FollowUpPlan::Table)
            .if_not_exists()
            .col(uuid(FollowUpPlan::Id).primary_key())
            .col(uuid(FollowUpPlan::EnrolmentId))
            .col(uuid(FollowUpPlan::PatientId))
            .col(uuid(FollowUpPlan::TeamId))
            .col(text(FollowUpPlan::State, 16))
            .col(ColumnDef::new(FollowUpPlan::Due).date().not_null())
            .col(ColumnDef::new(FollowUpPlan::RemindOn).date().null())
            .foreign_key(
                ForeignKey::create()
                    .from(FollowUpPlan::Table, FollowUpPlan::EnrolmentId)
                    .to(Enrolment::Table, Enrolment::Id),
            );
        manager
            .create_table(body_version_updated(
                plan,
                FollowUpPlan::Body,
                FollowUpPlan::Version,
                FollowUpPlan::UpdatedAt,
            ))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FollowUpVisit::Table)
                    .if_not_exists()
                    .col(uuid(FollowUpVisit::Id).primary_key())
                    .col(uuid(FollowUpVisit::PlanId))
                    .col(uuid(FollowUpVisit::PatientId))
                    .col(uuid(FollowUpVisit::TeamId))
                    .col(ColumnDef::new(FollowUpVisit::VisitedOn).date().not_null())
                    .col(
                        ColumnDef::new(FollowUpVisit::FaceToFace)
                            .boolean()
                            .not_null(),
                    )
                    .col(text(FollowUpVisit::Class, 24))
                    .col(ColumnDef::new(FollowUpVisit::Body).json_binary().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(FollowUpVisit::Table, FollowUpVisit::PlanId)
                            .to(FollowUpPlan::Table, FollowUpPlan::Id),
                    )
                    .to_owned(),
            )
            .await?;

        for index in [
            Index::create()
                .name("ux_resident_document")
                .table(Resident::Table)
                .col(Resident::DocumentKey)
                .unique()
                .if_not_exists()
                .to_owned(),
            Index::create()
                .name("ix_resident_institution")
                .table(Resident::Table)
                .col(Resident::InstitutionId)
                .if_not_exists()
                .to_owned(),
            Index::create()
                .name("ix_resident_grid")
                .table(Resident::Table)
                .col(Resident::GridId)
                .if_not_exists()
                .to_owned(),
            Index::create()
                .name("ux_enrolment_open_condition")
                .table(Enrolment::Table)
                .col(Enrolment::PatientId)
                .col(Enrolment::OpenCondition)
                .unique()
                .if_not_exists()
                .to_owned(),
            // The overdue worklist: a team's waiting plans by due date.
            Index::create()
                .name("ix_plan_worklist")
                .table(FollowUpPlan::Table)
                .col(FollowUpPlan::TeamId)
                .col(FollowUpPlan::State)
                .col(FollowUpPlan::Due)
                .if_not_exists()
                .to_owned(),
            Index::create()
                .name("ix_plan_enrolment")
                .table(FollowUpPlan::Table)
                .col(FollowUpPlan::EnrolmentId)
                .if_not_exists()
                .to_owned(),
            Index::create()
                .name("ix_visit_patient")
                .table(FollowUpVisit::Table)
                .col(FollowUpVisit::PatientId)
                .col(FollowUpVisit::VisitedOn)
                .if_not_exists()
                .to_owned(),
            Index::create()
                .name("ix_visit_plan")
                .table(FollowUpVisit::Table)
                .col(FollowUpVisit::PlanId)
                .if_not_exists()
                .to_owned(),
        ] {
            manager.create_index(index).await?;
        }
        Ok(())
    }
}
