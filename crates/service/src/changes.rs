//! The change feed: the outbox read in sequence order, for systems that sync incrementally
//! (a cursor, no timestamps). Events carry ids, never names or identity numbers.

use std::sync::Arc;

use yigong_ports::{AuditEntry, AuditOutcome, ChangeFeed, StoredEvent};

use crate::deps::page_limit;
use crate::{Deps, Principal, Role, ServiceError};

/// A page of changes and the cursor to continue from.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangePage {
    /// The caller's community's events (and network-wide ones), in sequence order.
    pub events: Vec<StoredEvent>,
    /// The last sequence read: the next call's `after` (it moves even when every event read
    /// belonged to another community, so a client never re-reads them).
    pub next: i64,
}

/// Change feed use cases.
pub struct ChangeService {
    deps: Deps,
    feed: Arc<dyn ChangeFeed>,
}

impl ChangeService {
    /// Builds the service over its ports and the outbox's change feed.
    pub fn new(deps: Deps, feed: Arc<dyn ChangeFeed>) -> Self {
        Self { deps, feed }
    }

    /// The events after `after` that concern the caller's community (or no community). For
    /// integrating systems: operators and referral desks only, since events name patients by
    /// id. Each page is audited as one read.
    #[tracing::instrument(skip_all, fields(user = %who.user, after))]
    pub async fn changes(
        &self,
        who: &Principal,
        after: i64,
        page_size: u32,
    ) -> Result<ChangePage, ServiceError> {
        if !matches!(who.role, Role::Operator | Role::ReferralDesk) {
            return Err(ServiceError::PermissionDenied(
                "the change feed is for operators and referral desks".to_owned(),
            ));
        }
        let Some(community) = who.community else {
            return Err(ServiceError::PermissionDenied(
                "the change feed is read per community".to_owned(),
            ));
        };
        if after < 0 {
            return Err(ServiceError::InvalidArgument {
                field: "page_token",
                reason: "a cursor is never negative".to_owned(),
            });
        }
        let read = self
            .feed
            .changes_since(after, page_limit(page_size))
            .await?;
        let next = read.last().map_or(after, |e| e.sequence);
        let events = read
            .into_iter()
            .filter(|e| e.event.community.is_none_or(|c| c == community))
            .collect();
        self.deps
            .audit
            .record(&AuditEntry {
                actor: who.actor(),
                action: "change_feed.list".to_owned(),
                resource: format!("communities/{community}/changes"),
                patient: None,
                at: self.deps.clock.now(),
                outcome: AuditOutcome::Success,
                break_glass: None,
            })
            .await?;
        Ok(ChangePage { events, next })
    }
}
