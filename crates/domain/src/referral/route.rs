//! Which way a referral goes and how urgently, and the two ends the network rules look at.

use serde::{Deserialize, Serialize};

use crate::ids::{CommunityId, InstitutionId};
use crate::network::{Institution, MedicalCommunity, Network, NetworkError};
use crate::vocabulary::codes;

/// Upward (to a higher level) or downward (to a lower one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// 上转.
    Upward,
    /// 下转.
    Downward,
}

codes!(Direction {
    Upward => "upward",
    Downward => "downward",
});

/// Emergency (green channel) or routine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// 绿色通道: the patient may arrive before acceptance.
    Emergency,
    /// Waits for acceptance within the response deadline.
    Routine,
}

codes!(Urgency {
    Emergency => "emergency",
    Routine => "routine",
});

/// Where a referral goes: both ends with what the direction rules need to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The sender.
    pub from: Institution,
    /// The sender's community, if in the network.
    pub from_community: Option<MedicalCommunity>,
    /// The receiver.
    pub to: Institution,
    /// The receiver's community, if in the network.
    pub to_community: Option<MedicalCommunity>,
}

impl Route {
    /// Looks both ends up in the network.
    pub fn in_network(
        network: &Network,
        from: InstitutionId,
        to: InstitutionId,
    ) -> Result<Route, NetworkError> {
        Ok(Route {
            from: network.open_institution(from)?.clone(),
            from_community: network.community_of(from).cloned(),
            to: network.open_institution(to)?.clone(),
            to_community: network.community_of(to).cloned(),
        })
    }

    /// The direction the levels give, if they differ.
    pub fn direction(&self) -> Option<Direction> {
        match self.to.level().cmp(&self.from.level()) {
            std::cmp::Ordering::Greater => Some(Direction::Upward),
            std::cmp::Ordering::Less => Some(Direction::Downward),
            std::cmp::Ordering::Equal => None,
        }
    }

    /// The community whose referral desk oversees the referral.
    pub fn community(&self) -> Option<CommunityId> {
        self.from_community
            .as_ref()
            .or(self.to_community.as_ref())
            .map(MedicalCommunity::id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::tests::check_unit;

    #[test]
    fn direction_and_urgency_codes_are_the_serde_names_and_parse_back() {
        check_unit(Direction::ALL, Direction::code, Direction::from_code);
        check_unit(Urgency::ALL, Urgency::code, Urgency::from_code);
    }
}
