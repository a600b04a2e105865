//! The network, the area tree, grids and households, teams and contracts: the repositories
//! inside a transaction and the read-side queries.

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use time::{Date, OffsetDateTime};
use uuid::Uuid;
use yigong_domain::contract::{Contract, Team};
use yigong_domain::grid::{AreaNode, Grid};
use yigong_domain::ids::{
    AreaNodeId, CommunityId, ContractId, GridId, HouseholdId, InstitutionId, ResidentId, TeamId,
};
use yigong_domain::network::{Institution, MedicalCommunity, Network};
use yigong_ports::{
    GridRepository, HouseholdRecord, NetworkQueries, NetworkRepository, StoreError, TeamRepository,
    Version, Versioned,
};

use crate::Store;
use crate::convert::{
    InsertRow, corrupt, db_err, enum_from, enum_name, from_json, to_json, update_versioned,
};
use crate::entity::{
    area_closure, area_node, community, contract, grid, household, institution, resident, team,
};
use crate::tx::SeaTransaction;

/// Rows per multi-row statement: far under SQLite's bound-parameter limit at these widths.
const CHUNK: usize = 1000;

async fn load_network(db: &impl ConnectionTrait) -> Result<Network, StoreError> {
    let institutions = institution::Entity::find()
        .order_by_asc(institution::Column::Id)
        .all(db)
        .await
        .map_err(db_err)?;
    let communities = community::Entity::find()
        .order_by_asc(community::Column::Id)
        .all(db)
        .await
        .map_err(db_err)?;
    let broken = |e: yigong_domain::network::NetworkError| corrupt("network", e.to_string());
    let mut network = Network::new();
    for m in &institutions {
        network
            .add_institution(Institution {
                id: InstitutionId::from_uuid(m.id),
                name: m.name.clone(),
                kind: enum_from("institution", m.kind.clone())?,
            })
            .map_err(broken)?;
    }
    for c in communities {
        network
            .found_community(
                CommunityId::from_uuid(c.id),
                &c.name,
                InstitutionId::from_uuid(c.lead_id),
            )
            .map_err(broken)?;
    }
    for m in &institutions {
        if let Some(c) = m.community_id {
            let id = InstitutionId::from_uuid(m.id);
            if network.community_of(id).is_none() {
                network
                    .join(CommunityId::from_uuid(c), id)
                    .map_err(broken)?;
            }
        }
    }
    // Closed last: a closed institution keeps the membership it had.
    for m in institutions {
        if let Some(on) = m.closed_on {
            network
                .close(InstitutionId::from_uuid(m.id), on)
                .map_err(broken)?;
        }
    }
    Ok(network)
}

/// Sets an institution's community if it has none (one conditional update: of two
/// concurrent joins only one finds it free), stamped `now`.
async fn claim_membership(
    db: &impl ConnectionTrait,
    institution: InstitutionId,
    community: CommunityId,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let update = institution::Entity::update_many()
        .col_expr(
            institution::Column::CommunityId,
            Expr::value(community.as_uuid()),
        )
        .filter(institution::Column::CommunityId.is_null());
    change_institution(db, institution, update, now).await
}

#[async_trait]
impl NetworkRepository for SeaTransaction {
    async fn load_network(&mut self) -> Result<Network, StoreError> {
        load_network(&self.tx).await
    }

    async fn insert_institution(&mut self, i: &Institution) -> Result<(), StoreError> {
        institution::ActiveModel {
            id: Set(i.id.as_uuid()),
            name: Set(i.name.clone()),
            kind: Set(enum_name("institution", &i.kind)?),
            community_id: Set(None),
            closed_on: Set(None),
            version: Set(1),
            updated_at: Set(self.now()),
        }
        .insert_into(&self.tx)
        .await
    }

    async fn insert_community(&mut self, c: &MedicalCommunity) -> Result<(), StoreError> {
        let now = self.now();
        community::ActiveModel {
            id: Set(c.id().as_uuid()),
            name: Set(c.name().to_owned()),
            lead_id: Set(c.lead().as_uuid()),
            updated_at: Set(now),
        }
        .insert_into(&self.tx)
        .await?;
        claim_membership(&self.tx, c.lead(), c.id(), now).await
    }

    async fn join_community(
        &mut self,
        institution: InstitutionId,
        community: CommunityId,
    ) -> Result<(), StoreError> {
        claim_membership(&self.tx, institution, community, self.now()).await
    }

    async fn rename_institution(
        &mut self,
        institution: InstitutionId,
        name: &str,
    ) -> Result<(), StoreError> {
        let update = institution::Entity::update_many()
            .col_expr(institution::Column::Name, Expr::value(name.to_owned()));
        change_institution(&self.tx, institution, update, self.now()).await
    }

    async fn close_institution(
        &mut self,
        institution: InstitutionId,
        on: Date,
    ) -> Result<(), StoreError> {
        let update = institution::Entity::update_many()
            .col_expr(institution::Column::ClosedOn, Expr::value(on))
            .filter(institution::Column::ClosedOn.is_null());
        change_institution(&self.tx, institution, update, self.now()).await
    }

    async fn leave_community(
        &mut self,
        institution: InstitutionId,
        community: CommunityId,
    ) -> Result<(), StoreError> {
        let update = institution::Entity::update_many()
            .col_expr(
                institution::Column::CommunityId,
                Expr::value(Option::<Uuid>::None),
            )
            .filter(institution::Column::CommunityId.eq(community.as_uuid()));
        change_institution(&self.tx, institution, update, self.now()).await
    }
}

/// Runs a conditional update of one institution row, bumping its version and stamp: no row
/// changed means the condition no longer held (a concurrent command won), a `Conflict`.
async fn change_institution(
    db: &impl ConnectionTrait,
    institution: InstitutionId,
    update: sea_orm::UpdateMany<institution::Entity>,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let result = update
        .col_expr(
            institution::Column::Version,
            Expr::col(institution::Column::Version).add(1),
        )
        .col_expr(institution::Column::UpdatedAt, Expr::value(now))
        .filter(institution::Column::Id.eq(institution.as_uuid()))
        .exec(db)
        .await
        .map_err(db_err)?;
    if result.rows_affected == 1 {
        Ok(())
    } else {
        Err(StoreError::Conflict {
            entity: "institution",
            id: institution.to_string(),
            expected: 1,
        })
    }
}

fn household_from(m: household::Model) -> HouseholdRecord {
    HouseholdRecord {
        id: HouseholdId::from_uuid(m.id),
        grid: GridId::from_uuid(m.grid_id),
        address: m.address,
    }
}

fn node_from(m: area_node::Model) -> Result<AreaNode, StoreError> {
    Ok(AreaNode {
        id: AreaNodeId::from_uuid(m.id),
        name: m.name,
        kind: enum_from("area_node", m.kind)?,
        parent: m.parent_id.map(AreaNodeId::from_uuid),
        institution: m.institution_id.map(InstitutionId::from_uuid),
    })
}

fn grid_row(
    g: &Grid,
    version: Version,
    now: OffsetDateTime,
) -> Result<grid::ActiveModel, StoreError> {
    let current = g
        .assignments()
        .last()
        .filter(|a| a.until.is_none())
        .map(|a| a.team.as_uuid());
    Ok(grid::ActiveModel {
        id: Set(g.id().as_uuid()),
        name: Set(g.name().to_owned()),
        area_id: Set(g.area().as_uuid()),
        team_id: Set(current),
        retired_on: Set(g.retired_on()),
        body: Set(to_json("grid", g)?),
        version: Set(version),
        updated_at: Set(now),
    })
}

fn grid_from(m: grid::Model) -> Result<Versioned<Grid>, StoreError> {
    Ok(Versioned {
        value: from_json("grid", m.body)?,
        version: m.version,
    })
}

fn uuids<T>(ids: &[T], f: impl Fn(&T) -> Uuid) -> Vec<Uuid> {
    ids.iter().map(f).collect()
}

#[async_trait]
impl GridRepository for SeaTransaction {
    async fn area_path(&mut self, node: AreaNodeId) -> Result<Vec<AreaNode>, StoreError> {
        let links = area_closure::Entity::find()
            .filter(area_closure::Column::DescendantId.eq(node.as_uuid()))
            .order_by_desc(area_closure::Column::Depth)
            .all(&self.tx)
            .await
            .map_err(db_err)?;
        let ids: Vec<Uuid> = links.iter().map(|l| l.ancestor_id).collect();
        let mut nodes = area_node::Entity::find()
            .filter(area_node::Column::Id.is_in(ids.clone()))
            .all(&self.tx)
            .await
            .map_err(db_err)?;
        // Root first, as the closure's depths say.
        nodes.sort_by_key(|n| ids.iter().position(|i| *i == n.id));
        nodes.into_iter().map(node_from).collect()
    }

    async fn insert_area_node(
        &mut self,
        node: &AreaNode,
        ancestors: &[AreaNodeId],
    ) -> Result<(), StoreError> {
        area_node::ActiveModel {
            id: Set(node.id.as_uuid()),
            name: Set(node.name.clone()),
            kind: Set(enum_name("area_node", &node.kind)?),
            parent_id: Set(node.parent.map(|p| p.as_uuid())),
            institution_id: Set(node.institution.map(|i| i.as_uuid())),
        }
        .insert_into(&self.tx)
        .await?;
        let links = std::iter::once(node.id)
            .chain(ancestors.iter().copied())
            .enumerate()
            .map(|(depth, ancestor)| area_closure::ActiveModel {
                ancestor_id: Set(ancestor.as_uuid()),
                descendant_id: Set(node.id.as_uuid()),
                // The tree is at most five levels deep.
                depth: Set(i16::try_from(depth).unwrap_or(i16::MAX)),
            });
        area_closure::Entity::insert_many(links)
            .exec_without_returning(&self.tx)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn load_grids(&mut self, ids: &[GridId]) -> Result<Vec<Versioned<Grid>>, StoreError> {
        grid::Entity::find()
            .filter(grid::Column::Id.is_in(uuids(ids, GridId::as_uuid)))
            .all(&self.tx)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(grid_from)
            .collect()
    }

    async fn load_households(
        &mut self,
        households: &[HouseholdId],
    ) -> Result<Vec<HouseholdRecord>, StoreError> {
        let mut found = Vec::with_capacity(households.len());
        for chunk in households.chunks(CHUNK) {
            let rows = household::Entity::find()
                .filter(household::Column::Id.is_in(uuids(chunk, HouseholdId::as_uuid)))
                .all(&self.tx)
                .await
                .map_err(db_err)?;
            found.extend(rows.into_iter().map(household_from));
        }
        Ok(found)
    }

    async fn households_of(&mut self, g: GridId) -> Result<Vec<HouseholdId>, StoreError> {
        Ok(household::Entity::find()
            .filter(household::Column::GridId.eq(g.as_uuid()))
            .all(&self.tx)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(|h| HouseholdId::from_uuid(h.id))
            .collect())
    }

    async fn insert_grid(&mut self, g: &Grid) -> Result<Version, StoreError> {
        grid_row(g, 1, self.now())?.insert_into(&self.tx).await?;
        Ok(1)
    }

    async fn update_grid(&mut self, g: &Grid, expected: Version) -> Result<Version, StoreError> {
        let mut row = grid_row(g, expected + 1, self.now())?;
        row.id = sea_orm::NotSet;
        update_versioned::<grid::Entity>(
            &self.tx,
            row,
            (grid::Column::Id, g.id().as_uuid()),
            grid::Column::Version,
            expected,
            "grid",
        )
        .await
    }

    async fn insert_households(&mut self, rows: &[HouseholdRecord]) -> Result<(), StoreError> {
        let now = self.now();
        for chunk in rows.chunks(CHUNK) {
            household::Entity::insert_many(chunk.iter().map(|h| household::ActiveModel {
                id: Set(h.id.as_uuid()),
                grid_id: Set(h.grid.as_uuid()),
                address: Set(h.address.clone()),
                updated_at: Set(now),
            }))
            .exec_without_returning(&self.tx)
            .await
            .map_err(db_err)?;
        }
        Ok(())
    }

    async fn move_households(
        &mut self,
        households: &[HouseholdId],
        to: GridId,
    ) -> Result<(), StoreError> {
        let now = self.now();
        for chunk in households.chunks(CHUNK) {
            let ids = uuids(chunk, HouseholdId::as_uuid);
            household::Entity::update_many()
                .col_expr(household::Column::GridId, Expr::value(to.as_uuid()))
                .col_expr(household::Column::UpdatedAt, Expr::value(now))
                .filter(household::Column::Id.is_in(ids.clone()))
                .exec(&self.tx)
                .await
                .map_err(db_err)?;
            resident::Entity::update_many()
                .col_expr(resident::Column::GridId, Expr::value(to.as_uuid()))
                .filter(resident::Column::HouseholdId.is_in(ids))
                .exec(&self.tx)
                .await
                .map_err(db_err)?;
        }
        Ok(())
    }
}

fn contract_row(
    c: &Contract,
    version: Version,
    now: OffsetDateTime,
) -> Result<contract::ActiveModel, StoreError> {
    Ok(contract::ActiveModel {
        id: Set(c.id().as_uuid()),
        resident_id: Set(c.resident().as_uuid()),
        team_id: Set(c.team().as_uuid()),
        start_on: Set(c.start()),
        end_on: Set(c.end()),
        status: Set(c.status().code().to_owned()),
        body: Set(to_json("contract", c)?),
        version: Set(version),
        updated_at: Set(now),
    })
}

pub(crate) fn contract_from(m: contract::Model) -> Result<Versioned<Contract>, StoreError> {
    Ok(Versioned {
        value: from_json("contract", m.body)?,
        version: m.version,
    })
}

fn team_from(m: team::Model) -> Result<Versioned<Team>, StoreError> {
    Ok(Versioned {
        value: from_json("team", m.body)?,
        version: m.version,
    })
}

async fn find_team(
    db: &impl ConnectionTrait,
    id: TeamId,
) -> Result<Option<Versioned<Team>>, StoreError> {
    team::Entity::find_by_id(id.as_uuid())
        .one(db)
        .await
        .map_err(db_err)?
        .map(team_from)
        .transpose()
}

#[async_trait]
impl TeamRepository for SeaTransaction {
    async fn load_team(&mut self, id: TeamId) -> Result<Option<Versioned<Team>>, StoreError> {
        find_team(&self.tx, id).await
    }

    async fn insert_team(&mut self, t: &Team) -> Result<Version, StoreError> {
        team::ActiveModel {
            id: Set(t.id().as_uuid()),
            institution_id: Set(t.institution().as_uuid()),
            name: Set(t.name().to_owned()),
            body: Set(to_json("team", t)?),
            version: Set(1),
            updated_at: Set(self.now()),
        }
        .insert_into(&self.tx)
        .await?;
        Ok(1)
    }

    async fn load_contract(
        &mut self,
        id: ContractId,
    ) -> Result<Option<Versioned<Contract>>, StoreError> {
        contract::Entity::find_by_id(id.as_uuid())
            .one(&self.tx)
            .await
            .map_err(db_err)?
            .map(contract_from)
            .transpose()
    }

    async fn latest_contract(
        &mut self,
        resident: ResidentId,
    ) -> Result<Option<Versioned<Contract>>, StoreError> {
        contract::Entity::find()
            .filter(contract::Column::ResidentId.eq(resident.as_uuid()))
            .order_by_desc(contract::Column::StartOn)
            .one(&self.tx)
            .await
            .map_err(db_err)?
            .map(contract_from)
            .transpose()
    }

    async fn insert_contract(&mut self, c: &Contract) -> Result<Version, StoreError> {
        contract_row(c, 1, self.now())?
            .insert_into(&self.tx)
            .await?;
        Ok(1)
    }

    async fn update_contract(
        &mut self,
        c: &Contract,
        expected: Version,
    ) -> Result<Version, StoreError> {
        let mut row = contract_row(c, expected + 1, self.now())?;
        row.id = sea_orm::NotSet;
        update_versioned::<contract::Entity>(
            &self.tx,
            row,
            (contract::Column::Id, c.id().as_uuid()),
            contract::Column::Version,
            expected,
            "contract",
        )
        .await
    }
}

#[async_trait]
impl NetworkQueries for Store {
    async fn network(&self) -> Result<Network, StoreError> {
        load_network(&self.db).await
    }

    async fn grids_within(&self, area: AreaNodeId) -> Result<Vec<Versioned<Grid>>, StoreError> {
        let subtree = Query::select()
            .column(area_closure::Column::DescendantId)
            .from(area_closure::Entity)
            .and_where(Expr::col(area_closure::Column::AncestorId).eq(area.as_uuid()))
            .to_owned();
        grid::Entity::find()
            .filter(Expr::col(grid::Column::AreaId).in_subquery(subtree))
            .filter(grid::Column::RetiredOn.is_null())
            .order_by_asc(grid::Column::Name)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(grid_from)
            .collect()
    }

    async fn get_household(&self, id: HouseholdId) -> Result<Option<HouseholdRecord>, StoreError> {
        Ok(household::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(household_from))
    }

    async fn households_in(&self, grid: GridId) -> Result<Vec<HouseholdRecord>, StoreError> {
        Ok(household::Entity::find()
            .filter(household::Column::GridId.eq(grid.as_uuid()))
            .order_by_asc(household::Column::Address)
            .order_by_asc(household::Column::Id)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(household_from)
            .collect())
    }

    async fn get_area(&self, id: AreaNodeId) -> Result<Option<AreaNode>, StoreError> {
        area_node::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(node_from)
            .transpose()
    }

    async fn areas_under(&self, parent: Option<AreaNodeId>) -> Result<Vec<AreaNode>, StoreError> {
        let under = match parent {
            Some(p) => area_node::Column::ParentId.eq(p.as_uuid()),
            None => area_node::Column::ParentId.is_null(),
        };
        area_node::Entity::find()
            .filter(under)
            .order_by_asc(area_node::Column::Name)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(node_from)
            .collect()
    }

    async fn grids_of_team(&self, t: TeamId) -> Result<Vec<Versioned<Grid>>, StoreError> {
        grid::Entity::find()
            .filter(grid::Column::TeamId.eq(t.as_uuid()))
            .filter(grid::Column::RetiredOn.is_null())
            .order_by_asc(grid::Column::Name)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(grid_from)
            .collect()
    }

    async fn get_grid(&self, id: GridId) -> Result<Option<Versioned<Grid>>, StoreError> {
        grid::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .map_err(db_err)?
            .map(grid_from)
            .transpose()
    }

    async fn get_team(&self, id: TeamId) -> Result<Option<Versioned<Team>>, StoreError> {
        find_team(&self.db, id).await
    }

    async fn teams_of(
        &self,
        institution: InstitutionId,
    ) -> Result<Vec<Versioned<Team>>, StoreError> {
        team::Entity::find()
            .filter(team::Column::InstitutionId.eq(institution.as_uuid()))
            .order_by_asc(team::Column::Name)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(team_from)
            .collect()
    }

    async fn contracts_of(
        &self,
        resident: ResidentId,
    ) -> Result<Vec<Versioned<Contract>>, StoreError> {
        contract::Entity::find()
            .filter(contract::Column::ResidentId.eq(resident.as_uuid()))
            .order_by_desc(contract::Column::StartOn)
            .all(&self.db)
            .await
            .map_err(db_err)?
            .into_iter()
            .map(contract_from)
            .collect()
    }
}
