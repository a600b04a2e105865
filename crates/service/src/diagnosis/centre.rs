//! Centres and their rosters, administered by the operators of the centre's institution.

use yigong_domain::diagnosis::{DiagnosisCentre, Grade, Modality};
use yigong_domain::event::DomainEvent;
use yigong_domain::ids::{DiagnosisCentreId, InstitutionId};
use yigong_ports::Versioned;

use super::DiagnosisService;
use crate::deps::audit_entry;
use crate::{Principal, ServiceError};

const OPEN: &str = "diagnosis.open_centre";
const APPOINT: &str = "diagnosis.appoint_reader";

impl DiagnosisService {
    /// Opens a centre of `institution` reading `modalities`: an operator administering the
    /// institution does (DX-CENTRE: a county-level institution in a community).
    pub async fn open_centre(
        &self,
        who: &Principal,
        institution: InstitutionId,
        name: &str,
        modalities: Vec<Modality>,
    ) -> Result<Versioned<DiagnosisCentre>, ServiceError> {
        let network = self.deps.network.current();
        let resource = format!("institutions/{institution}/diagnosis-centres");
        if !who.administers(institution, &network) {
            return Err(self
                .deps
                .forbidden(
                    None,
                    who,
                    OPEN,
                    resource,
                    None,
                    "only an operator of the institution opens its centres",
                )
                .await);
        }
        let id = DiagnosisCentreId::from_uuid(self.deps.ids.new_id());
        let centre = DiagnosisCentre::new(id, institution, name, modalities, &network)?;
        let now = self.deps.clock.now();
        let mut tx = self.deps.uow.begin().await?;
        let version = tx.insert_centre(&centre).await?;
        let entry = audit_entry(who, OPEN, format!("diagnosis-centres/{id}"), None, now);
        self.deps
            .commit(
                tx,
                Some(centre.community()),
                [DomainEvent::from(centre.opened())],
                entry,
            )
            .await?;
        Ok(Versioned {
            value: centre,
            version,
        })
    }

    /// Appoints `user` (a clinician of the centre's institution) a reader of `grade`, or
    /// regrades them.
    pub async fn appoint_reader(
        &self,
        who: &Principal,
        id: DiagnosisCentreId,
        user: &str,
        grade: Grade,
    ) -> Result<Versioned<DiagnosisCentre>, ServiceError> {
        let resource = format!("diagnosis-centres/{id}");
        let mut tx = self.deps.uow.begin().await?;
        let Some(loaded) = tx.load_centre(id).await? else {
            return Err(self
                .deps
                .unseen_in(tx, who, APPOINT, resource, None, format!("centre {id}"))
                .await);
        };
        let network = self.deps.network.current();
        let tx = self
            .deps
            .permitted(
                tx,
                who.administers(loaded.value.institution(), &network),
                who,
                APPOINT,
                resource.clone(),
                "only an operator of the centre's institution appoints its readers",
            )
            .await?;
        let (centre, events) = loaded.value.appoint(user, grade)?;
        let mut tx = tx;
        let version = if events.is_empty() {
            loaded.version
        } else {
            tx.update_centre(&centre, loaded.version).await?
        };
        let entry = audit_entry(who, APPOINT, resource, None, self.deps.clock.now());
        self.deps
            .commit(
                tx,
                Some(centre.community()),
                events.into_iter().map(DomainEvent::from),
                entry,
            )
            .await?;
        Ok(Versioned {
            value: centre,
            version,
        })
    }
}
