//! A diagnosis centre (影像/心电/检验/病理中心): a department of a county-level institution
//! that reads a set of modalities for its medical community's members (DX-CENTRE; FHIR
//! `HealthcareService` of the institution's `Organization`). Its readers are appointed with
//! their grade: the roster is who may claim, report, verify and amend its requests.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::error::DiagnosisError;
use super::event::DiagnosisEvent;
use super::modality::{Grade, Modality};
use super::request::Reader;
use crate::ids::{CommunityId, DiagnosisCentreId, InstitutionId};
use crate::network::{Level, Network};

/// A centre.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiagnosisCentre {
    id: DiagnosisCentreId,
    institution: InstitutionId,
    community: CommunityId,
    name: String,
    modalities: BTreeSet<Modality>,
    readers: BTreeMap<String, Grade>,
}

impl DiagnosisCentre {
    /// A centre of `institution` (county level, in a community) reading `modalities`.
    pub fn new(
        id: DiagnosisCentreId,
        institution: InstitutionId,
        name: &str,
        modalities: impl IntoIterator<Item = Modality>,
        network: &Network,
    ) -> Result<DiagnosisCentre, DiagnosisError> {
        let held = network
            .open_institution(institution)
            .map_err(|_| DiagnosisError::CentreNotCounty)?;
        if held.level() != Level::County {
            return Err(DiagnosisError::CentreNotCounty);
        }
        let community = network
            .community_of(institution)
            .ok_or(DiagnosisError::CentreWithoutCommunity)?
            .id();
        let modalities: BTreeSet<Modality> = modalities.into_iter().collect();
        if modalities.is_empty() {
            return Err(DiagnosisError::NoModality);
        }
        Ok(DiagnosisCentre {
            id,
            institution,
            community,
            name: DiagnosisError::text("name", name, 100)?,
            modalities,
            readers: BTreeMap::new(),
        })
    }

    /// The event of a centre just opened.
    pub fn opened(&self) -> DiagnosisEvent {
        DiagnosisEvent::CentreOpened {
            centre: self.id,
            institution: self.institution,
            modalities: self.modalities.iter().copied().collect(),
        }
    }

    /// Appoints `user` a reader of `grade` (or regrades them).
    pub fn appoint(
        mut self,
        user: &str,
        grade: Grade,
    ) -> Result<(DiagnosisCentre, Vec<DiagnosisEvent>), DiagnosisError> {
        let user = DiagnosisError::text("user", user, 128)?;
        if self.readers.get(&user) == Some(&grade) {
            return Ok((self, Vec::new()));
        }
        self.readers.insert(user.clone(), grade);
        let event = DiagnosisEvent::ReaderAppointed {
            centre: self.id,
            reader: user,
            grade,
        };
        Ok((self, vec![event]))
    }

    /// `user` as a reader of the centre, with their grade; `None` off the roster.
    pub fn reader(&self, user: &str) -> Option<Reader> {
        self.readers.get(user).map(|grade| Reader {
            user: user.to_owned(),
            grade: *grade,
        })
    }

    /// The roster: user and grade.
    pub fn readers(&self) -> &BTreeMap<String, Grade> {
        &self.readers
    }

    /// Its id.
    pub fn id(&self) -> DiagnosisCentreId {
        self.id
    }

    /// The institution it is a department of.
    pub fn institution(&self) -> InstitutionId {
        self.institution
    }

    /// The community it serves.
    pub fn community(&self) -> CommunityId {
        self.community
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What it reads.
    pub fn modalities(&self) -> &BTreeSet<Modality> {
        &self.modalities
    }

    /// Whether it reads `modality`.
    pub fn reads(&self, modality: Modality) -> bool {
        self.modalities.contains(&modality)
    }
}
