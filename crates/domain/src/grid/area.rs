//! The area tree (township → village → group, subdistrict → … → unit, the county above), and
//! who is in charge of each area.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{GridError, GridEvent};
use crate::ids::{AreaNodeId, InstitutionId};
use crate::network::{InstitutionKind, Network};

/// Levels of the area tree: the county over both, rural (township → village → villager group)
/// and urban (subdistrict → community → estate → building → unit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaKind {
    /// 乡镇 (rural root).
    Township,
    /// 行政村.
    Village,
    /// 村民小组.
    VillagerGroup,
    /// 街道 (urban root).
    Subdistrict,
    /// 社区 (urban residents' community).
    Community,
    /// 小区 (estate).
    Estate,
    /// 楼栋 (building).
    Building,
    /// 单元 (unit, stairwell).
    Unit,
    /// 县 (the county): above its townships and subdistricts, so county-wide figures roll up
    /// the tree; administered county-wide, in no institution's charge.
    County,
}

impl AreaKind {
    /// Whether a node of this kind may hang under `parent` (`None`: as a root). A township or
    /// subdistrict is a root or hangs under the county; the county is a root.
    pub fn fits_under(self, parent: Option<AreaKind>) -> bool {
        match self {
            AreaKind::Township | AreaKind::Subdistrict => {
                matches!(parent, None | Some(AreaKind::County))
            }
            other => other.parent_kind() == parent,
        }
    }

    /// Whether the institution in charge is named on nodes of this kind (the jurisdictions a
    /// township or community health centre serves); nodes below inherit it.
    pub const fn names_its_charge(self) -> bool {
        matches!(self, AreaKind::Township | AreaKind::Subdistrict)
    }

    /// The kind a node of this kind hangs under below the jurisdiction roots; `None` for the
    /// county, townships and subdistricts (see [`AreaKind::fits_under`]).
    pub const fn parent_kind(self) -> Option<AreaKind> {
        match self {
            AreaKind::Township | AreaKind::Subdistrict | AreaKind::County => None,
            AreaKind::Village => Some(AreaKind::Township),
            AreaKind::VillagerGroup => Some(AreaKind::Village),
            AreaKind::Community => Some(AreaKind::Subdistrict),
            AreaKind::Estate => Some(AreaKind::Community),
            AreaKind::Building => Some(AreaKind::Estate),
            AreaKind::Unit => Some(AreaKind::Building),
        }
    }
}

/// A node of the area tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaNode {
    /// Its id.
    pub id: AreaNodeId,
    /// Its name.
    pub name: String,
    /// Its level.
    pub kind: AreaKind,
    /// The node above it; `None` for a township or subdistrict.
    pub parent: Option<AreaNodeId>,
    /// The primary institution in charge of the area (BPHS is delivered by the township or
    /// community health centre of its jurisdiction): named on a root, the same on every node
    /// below. `None`: an area no institution is in charge of, administered county-wide.
    #[serde(default)]
    pub institution: Option<InstitutionId>,
}

/// Checks that a team based at `team_institution` may serve a grid of an area in the charge of
/// `in_charge`: a team of that institution or of its medical community (a village clinic's, the
/// lead hospital's). Any team may serve an area no institution is in charge of.
pub fn team_may_serve(
    team_institution: InstitutionId,
    in_charge: Option<InstitutionId>,
    network: &Network,
) -> Result<(), GridError> {
    let Some(in_charge) = in_charge else {
        return Ok(());
    };
    let same_community = match (
        network.community_of(team_institution),
        network.community_of(in_charge),
    ) {
        (Some(a), Some(b)) => a.id() == b.id(),
        _ => false,
    };
    if team_institution == in_charge || same_community {
        Ok(())
    } else {
        Err(GridError::TeamOutsideCommunity)
    }
}

/// Checks that an institution of `kind` may be in charge of an area: a township or community
/// health centre (乡镇卫生院, 社区卫生服务中心). A hospital, a clinic or an elderly-care
/// institution is not.
pub fn may_be_in_charge(kind: InstitutionKind) -> Result<(), GridError> {
    if matches!(
        kind,
        InstitutionKind::TownshipHealthCenter | InstitutionKind::CommunityHealthCenter
    ) {
        Ok(())
    } else {
        Err(GridError::NotInCharge(kind))
    }
}

/// The jurisdiction's area tree.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AreaTree {
    nodes: BTreeMap<AreaNodeId, AreaNode>,
}

impl AreaTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a node; its kind must fit under its parent's kind (roots have no parent). A
    /// township or subdistrict names the institution in charge (or none: the county's); a
    /// node below it is in the same charge; the county is in none.
    pub fn add(&mut self, node: AreaNode) -> Result<Vec<GridEvent>, GridError> {
        if self.nodes.contains_key(&node.id) {
            return Err(GridError::Duplicate(format!("area node {}", node.id)));
        }
        let parent = match node.parent {
            Some(p) => Some(self.node(p)?),
            None => None,
        };
        let parent_kind = parent.map(|p| p.kind);
        if !node.kind.fits_under(parent_kind) {
            return Err(GridError::AreaShape {
                child: node.kind,
                parent: parent_kind,
            });
        }
        let inherits = !node.kind.names_its_charge() && node.kind != AreaKind::County;
        let differs = match parent {
            Some(p) if inherits => p.institution != node.institution,
            _ => node.kind == AreaKind::County && node.institution.is_some(),
        };
        if differs {
            return Err(GridError::InChargeDiffers { node: node.id });
        }
        let event = GridEvent::AreaNodeAdded {
            node: node.id,
            kind: node.kind,
            parent: node.parent,
        };
        self.nodes.insert(node.id, node);
        Ok(vec![event])
    }

    /// A node by id.
    pub fn node(&self, id: AreaNodeId) -> Result<&AreaNode, GridError> {
        self.nodes.get(&id).ok_or(GridError::UnknownArea(id))
    }

    /// The node and every node above it, nearest first.
    pub fn ancestors_and_self(&self, id: AreaNodeId) -> impl Iterator<Item = AreaNodeId> + '_ {
        std::iter::successors(Some(id), |n| self.nodes.get(n).and_then(|node| node.parent))
            .take_while(|n| self.nodes.contains_key(n))
    }

    /// The institution in charge of a node's area (`None`: administered county-wide).
    pub fn in_charge(&self, id: AreaNodeId) -> Result<Option<InstitutionId>, GridError> {
        Ok(self.node(id)?.institution)
    }

    /// Whether `node` lies in the subtree rooted at `root` (a node is in its own subtree).
    pub fn is_within(&self, node: AreaNodeId, root: AreaNodeId) -> bool {
        self.ancestors_and_self(node).any(|n| n == root)
    }

    /// All nodes.
    pub fn nodes(&self) -> impl Iterator<Item = &AreaNode> {
        self.nodes.values()
    }
}
