//! Specialist sessions in storage: loaded and saved in a command's transaction (a booking
//! updates the session at the version it loaded, so of two racing for the last slot one wins),
//! and read by where and when they are held.

use async_trait::async_trait;
use time::Date;
use yigong_domain::ids::{InstitutionId, SessionId};
use yigong_domain::schedule::SpecialistSession;

use crate::{Page, StoreError, Version, Versioned};

/// Sessions inside a transaction.
#[async_trait]
pub trait SessionRepository: Send {
    /// A session with its version.
    async fn load_session(
        &mut self,
        id: SessionId,
    ) -> Result<Option<Versioned<SpecialistSession>>, StoreError>;

    /// Inserts a session at version 1. MUST return `Duplicate { constraint: Constraint::Id }`
    /// on a taken id.
    async fn insert_session(&mut self, session: &SpecialistSession) -> Result<Version, StoreError>;

    /// Updates a session loaded at `expected`; `Conflict` when the stored version differs.
    async fn update_session(
        &mut self,
        session: &SpecialistSession,
        expected: Version,
    ) -> Result<Version, StoreError>;
}

/// Which sessions a schedule lists, each from its own index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionPlace {
    /// Held at the institution (its own and visiting experts' sessions).
    HeldAt(InstitutionId),
    /// The institution's experts' sessions, wherever held.
    Of(InstitutionId),
}

/// Sessions read outside a transaction.
#[async_trait]
pub trait SessionQueries: Send + Sync {
    /// A session with its version.
    async fn get_session(
        &self,
        id: SessionId,
    ) -> Result<Option<Versioned<SpecialistSession>>, StoreError>;

    /// The sessions of `place` from `from` to `to` (both included), by day then id, `limit`
    /// per page after `after` (an opaque page token; `NotFound` for one this list did not
    /// issue).
    async fn list_sessions(
        &self,
        place: SessionPlace,
        from: Date,
        to: Date,
        limit: u32,
        after: Option<String>,
    ) -> Result<Page<Versioned<SpecialistSession>>, StoreError>;
}
