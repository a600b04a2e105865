//! The patient as a list line shows them (a worklist entry, an inbox referral): the display
//! name, the phone for those who call the patient, and where they live (the grid and the area
//! it lies in), so a village doctor can act on a line without opening every record.
//!
//! A card is given only for a patient the caller may see ([`Access::visible`], the rule of a
//! read); the phone only to a clinician of the holding institution or of the team serving the
//! patient's grid ([`Access::may_call`]). The lines themselves are audited as the list's read.

use std::collections::HashMap;

use yigong_domain::ids::{GridId, ResidentId};
use yigong_domain::personal::{PersonName, Phone};

use crate::{Deps, Principal, ServiceError};

/// A patient on a list line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PatientCard {
    /// The display name, when the record has one.
    pub name: Option<PersonName>,
    /// The resident's phone, for those who call them.
    pub phone: Option<Phone>,
    /// The responsibility grid, with its name.
    pub grid: Option<(GridId, String)>,
    /// The area the grid lies in (a village, a residents' community).
    pub area_name: Option<String>,
}

impl Deps {
    /// The cards of `patients` that `who` may see, each grid and area read once.
    pub(crate) async fn patient_cards(
        &self,
        who: &Principal,
        patients: &[ResidentId],
    ) -> Result<HashMap<ResidentId, PatientCard>, ServiceError> {
        let mut ids = patients.to_vec();
        ids.sort_unstable();
        ids.dedup();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let records = self.follow_ups.get_residents(&ids).await?;
        let access = self.access();
        let seen = access
            .visible(who, records.into_iter().map(|r| r.value).collect())
            .await?;
        let mut places: HashMap<GridId, Option<(String, Option<String>)>> = HashMap::new();
        let mut cards = HashMap::with_capacity(seen.len());
        for (id, record) in seen {
            let form = record.resident.personal();
            let phone = if access.may_call(who, &record.scope).await? {
                form.phone.clone()
            } else {
                None
            };
            let mut card = PatientCard {
                name: form.name.clone(),
                phone,
                ..PatientCard::default()
            };
            if let Some(grid) = record.scope.grid {
                if let std::collections::hash_map::Entry::Vacant(slot) = places.entry(grid) {
                    let place = match self.directory.get_grid(grid).await? {
                        Some(g) => {
                            let area = self.directory.get_area(g.value.area()).await?;
                            Some((g.value.name().to_owned(), area.map(|a| a.name)))
                        }
                        None => None,
                    };
                    slot.insert(place);
                }
                if let Some((name, area)) = &places[&grid] {
                    card.grid = Some((grid, name.clone()));
                    card.area_name.clone_from(area);
                }
            }
            cards.insert(id, card);
        }
        Ok(cards)
    }
}
