//! The sender's and the community desk's referral lists, each in request order from its own
//! index (`ix_referral_sent`: from institution, requested, id; `ix_referral_community`:
//! community, requested, id), as the inbox has `ix_referral_inbox`.

// async-trait expands the trait signature with elided lifetimes; the impl must match it.
#![allow(elided_lifetimes_in_paths)]

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[derive(DeriveIden)]
enum Referral {
    Table,
    Id,
    FromInstitution,
    CommunityId,
    RequestedAt,
}

const SENT: &str = "ix_referral_sent";
const COMMUNITY: &str = "ix_referral_community";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, party) in [
            (SENT, Referral::FromInstitution),
            (COMMUNITY, Referral::CommunityId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Referral::Table)
                        .col(party)
                        .col(Referral::RequestedAt)
                        .col(Referral::Id)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [SENT, COMMUNITY] {
            manager
                .drop_index(Index::drop().name(name).table(Referral::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}
