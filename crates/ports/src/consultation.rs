//! Remote consultation (远程会诊): a consultation through its states, read by either party.

use async_trait::async_trait;
use time::OffsetDateTime;
use yigong_domain::consultation::Consultation;
use yigong_domain::ids::{ConsultationId, InstitutionId};

use crate::{StoreError, Version, Versioned};

/// Whose consultations a list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsultationParty {
    /// Those an institution asked.
    Requester(InstitutionId),
    /// Those an institution was asked.
    Consultant(InstitutionId),
}

/// Where a list page starts: after this consultation in (requested at, id) order, latest
/// first.
pub type ConsultationCursor = (OffsetDateTime, ConsultationId);

/// Consultations inside a transaction.
#[async_trait]
pub trait ConsultationRepository: Send {
    /// Inserts a consultation at version 1. MUST return `Duplicate { constraint:
    /// Constraint::Id }` on a taken id.
    async fn insert_consultation(
        &mut self,
        consultation: &Consultation,
    ) -> Result<Version, StoreError>;

    /// A consultation, read in the transaction (its version guards the update).
    async fn load_consultation(
        &mut self,
        id: ConsultationId,
    ) -> Result<Option<Versioned<Consultation>>, StoreError>;

    /// Updates a consultation loaded at `expected`; `Conflict` when the stored version differs.
    async fn update_consultation(
        &mut self,
        consultation: &Consultation,
        expected: Version,
    ) -> Result<Version, StoreError>;
}

/// Reads of consultations (no transaction).
#[async_trait]
pub trait ConsultationQueries: Send + Sync {
    /// A consultation.
    async fn get_consultation(
        &self,
        id: ConsultationId,
    ) -> Result<Option<Versioned<Consultation>>, StoreError>;

    /// A party's consultations, latest first; only the open ones (requested, scheduled) when
    /// `open_only`; after `after`, at most `limit`.
    async fn consultations(
        &self,
        party: ConsultationParty,
        open_only: bool,
        after: Option<ConsultationCursor>,
        limit: u64,
    ) -> Result<Vec<Versioned<Consultation>>, StoreError>;
}
