//! Versioned, forward-only migrations (sea-orm-migration). One code path for SQLite and
//! PostgreSQL: tables are declared with sea-query, never as backend-specific SQL.
//!
//! A migration is never edited once released; a change is a new module, appended to
//! [`Migrator::migrations`].

use sea_orm_migration::prelude::*;

mod m20261123_000001_referral_outbox_audit;
mod m20261123_000002_residents_follow_up;
mod m20261123_000003_screening_result;
mod m20261123_000004_network_grids_teams;
mod m20261123_000005_worklist_position;
mod m20261123_000006_relay;
mod m20261123_000007_deadlines;
mod m20261123_000008_relay_watermark;
mod m20261203_000009_plan_state_codes;
mod m20261203_000010_request_keys_per_caller;
mod m20261203_000011_area_in_charge;
mod m20261203_000012_institution_closed;
mod m20261203_000013_plans_by_patient;
mod m20261203_000014_resident_key_id;
mod m20261204_000015_resident_search_terms;
mod m20261204_000016_referral_views;
mod m20261204_000017_referral_arrive_by;
mod m20261204_000018_specialist_sessions;
mod m20261204_000019_sessions_by_institution;
mod m20261205_000020_referral_advice;
mod m20261205_000021_glucose_hundredths;
mod m20261206_000022_opportunistic_screening;
mod m20261206_000023_elderly_check;
mod m20261206_000024_fed_back_and_glucose_kind;
mod m20261206_000025_two_cancer;
mod m20261207_000026_diagnosis;
mod m20261207_000027_diagnosis_by_centre;
mod m20261207_000028_consultation;
mod m20261207_000029_indicator_snapshot;

/// Applies the migrations in order, recording them in `seaql_migrations`.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_referral_outbox_audit::Migration),
            Box::new(m20261123_000002_residents_follow_up::Migration),
            Box::new(m20261123_000003_screening_result::Migration),
            Box::new(m20261123_000004_network_grids_teams::Migration),
            Box::new(m20261123_000005_worklist_position::Migration),
            Box::new(m20261123_000006_relay::Migration),
            Box::new(m20261123_000007_deadlines::Migration),
            Box::new(m20261123_000008_relay_watermark::Migration),
            Box::new(m20261203_000009_plan_state_codes::Migration),
            Box::new(m20261203_000010_request_keys_per_caller::Migration),
            Box::new(m20261203_000011_area_in_charge::Migration),
            Box::new(m20261203_000012_institution_closed::Migration),
            Box::new(m20261203_000013_plans_by_patient::Migration),
            Box::new(m20261203_000014_resident_key_id::Migration),
            Box::new(m20261204_000015_resident_search_terms::Migration),
            Box::new(m20261204_000016_referral_views::Migration),
            Box::new(m20261204_000017_referral_arrive_by::Migration),
            Box::new(m20261204_000018_specialist_sessions::Migration),
            Box::new(m20261204_000019_sessions_by_institution::Migration),
            Box::new(m20261205_000020_referral_advice::Migration),
            Box::new(m20261205_000021_glucose_hundredths::Migration),
            Box::new(m20261206_000022_opportunistic_screening::Migration),
            Box::new(m20261206_000023_elderly_check::Migration),
            Box::new(m20261206_000024_fed_back_and_glucose_kind::Migration),
            Box::new(m20261206_000025_two_cancer::Migration),
            Box::new(m20261207_000026_diagnosis::Migration),
            Box::new(m20261207_000027_diagnosis_by_centre::Migration),
            Box::new(m20261207_000028_consultation::Migration),
            Box::new(m20261207_000029_indicator_snapshot::Migration),
        ]
    }
}
