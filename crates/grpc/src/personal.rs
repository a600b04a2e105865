//! The personal information form (`yigong.v1.PersonalInformation`) to and from the domain's
//! [`PersonalInfo`]: translation only, every value checked by the domain's parsers, every error
//! naming its field under the caller's `prefix` (`personal.` on create, `resident.personal.`
//! on update).

use std::collections::BTreeSet;

use tonic::Status;
use yigong_domain::personal::{
    BloodType, Contact, Disease, Ethnicity, FamilyHistory, Note, PastDisease, PastEvent,
    PastHistory, PersonName, PersonalError, PersonalInfo, Phone,
};
use yigong_proto::v1 as pb;

use crate::wire::{code, date, invalid, parse_code, parse_date};

/// The form on the wire, as the domain keeps it. An absent message is the empty form.
pub fn parse_personal(
    prefix: &str,
    p: Option<pb::PersonalInformation>,
) -> Result<PersonalInfo, Status> {
    let Some(p) = p else {
        return Ok(PersonalInfo::default());
    };
    let f = |name: &str| format!("{prefix}{name}");
    let bad = |name: &str| {
        let field = f(name);
        move |e: PersonalError| invalid(&field, e.to_string())
    };
    let contact = match p.contact {
        Some(c) if !(c.display_name.is_empty() && c.phone.is_empty()) => Some(Contact {
            name: PersonName::parse(&c.display_name).map_err(bad("contact.display_name"))?,
            phone: Phone::parse(&c.phone).map_err(bad("contact.phone"))?,
        }),
        _ => None,
    };
    let blood = p.blood_type.unwrap_or_default();
    Ok(PersonalInfo {
        name: optional(&p.display_name, PersonName::parse).map_err(bad("display_name"))?,
        phone: optional(&p.phone, Phone::parse).map_err(bad("phone"))?,
        contact,
        residence: optional_code(&f("residence_type"), &p.residence_type)?,
        ethnicity: optional(&p.ethnicity, Ethnicity::from_code).map_err(bad("ethnicity"))?,
        blood_type: BloodType {
            abo: optional_code(&f("blood_type.abo"), &blood.abo)?,
            rh: optional_code(&f("blood_type.rh"), &blood.rh)?,
        },
        payment: codes(&f("payment_types"), &p.payment_types)?,
        drug_allergies: codes(&f("drug_allergies"), &p.drug_allergies)?,
        other_drug_allergy: optional(&p.other_drug_allergy, Note::parse)
            .map_err(bad("other_drug_allergy"))?,
        past_history: past_history(&f("past_history"), p.past_history.unwrap_or_default())?,
        family_history: family_history(&f("family_history"), p.family_history.unwrap_or_default())?,
        disabilities: codes(&f("disabilities"), &p.disabilities)?,
    })
}

/// A list line's patient card ([`yigong_service::PatientCard`]).
pub fn card_to_wire(c: &yigong_service::PatientCard) -> pb::PatientCard {
    pb::PatientCard {
        display_name: c
            .name
            .as_ref()
            .map(|n| n.expose().to_owned())
            .unwrap_or_default(),
        phone: c
            .phone
            .as_ref()
            .map(|p| p.expose().to_owned())
            .unwrap_or_default(),
        grid: c
            .grid
            .as_ref()
            .map(|(id, _)| crate::wire::name("grids", *id))
            .unwrap_or_default(),
        grid_name: c.grid.as_ref().map(|(_, n)| n.clone()).unwrap_or_default(),
        area_name: c.area_name.clone().unwrap_or_default(),
    }
}

/// The form as the wire carries it, in full (the caller may see the record).
pub fn personal_to_wire(p: &PersonalInfo) -> pb::PersonalInformation {
    let events = |list: &[PastEvent]| {
        list.iter()
            .map(|e| pb::PastEvent {
                description: e.what.as_str().to_owned(),
                date: Some(date(e.on)),
            })
            .collect()
    };
    let h = &p.past_history;
    let fam = &p.family_history;
    pb::PersonalInformation {
        display_name: p
            .name
            .as_ref()
            .map(|n| n.expose().to_owned())
            .unwrap_or_default(),
        phone: p
            .phone
            .as_ref()
            .map(|n| n.expose().to_owned())
            .unwrap_or_default(),
        contact: p.contact.as_ref().map(|c| pb::Contact {
            display_name: c.name.expose().to_owned(),
            phone: c.phone.expose().to_owned(),
        }),
        residence_type: p.residence.map(|r| code(&r)).unwrap_or_default(),
        ethnicity: p.ethnicity.map(Ethnicity::code).unwrap_or_default(),
        ethnicity_name: p
            .ethnicity
            .map(|e| e.name_zh().to_owned())
            .unwrap_or_default(),
        blood_type: Some(pb::BloodType {
            abo: p.blood_type.abo.map(|a| code(&a)).unwrap_or_default(),
            rh: p.blood_type.rh.map(|r| code(&r)).unwrap_or_default(),
        }),
        payment_types: p.payment.iter().map(code).collect(),
        drug_allergies: p.drug_allergies.iter().map(code).collect(),
        other_drug_allergy: p
            .other_drug_allergy
            .as_ref()
            .map(|n| n.as_str().to_owned())
            .unwrap_or_default(),
        past_history: Some(pb::PastHistory {
            diseases: h
                .diseases
                .iter()
                .map(|d| pb::PastDisease {
                    disease: code(&d.disease),
                    detail: d
                        .detail
                        .as_ref()
                        .map(|n| n.as_str().to_owned())
                        .unwrap_or_default(),
                    diagnosed_date: Some(date(d.diagnosed_on)),
                })
                .collect(),
            operations: events(&h.operations),
            injuries: events(&h.injuries),
            transfusions: events(&h.transfusions),
        }),
        family_history: Some(pb::FamilyHistory {
            father: fam.father.iter().map(code).collect(),
            mother: fam.mother.iter().map(code).collect(),
            siblings: fam.siblings.iter().map(code).collect(),
            children: fam.children.iter().map(code).collect(),
        }),
        disabilities: p.disabilities.iter().map(code).collect(),
    }
}

/// Empty is absent; anything else must parse.
fn optional<T>(
    raw: &str,
    parse: impl Fn(&str) -> Result<T, PersonalError>,
) -> Result<Option<T>, PersonalError> {
    if raw.is_empty() {
        Ok(None)
    } else {
        parse(raw).map(Some)
    }
}

fn optional_code<T: serde::de::DeserializeOwned>(
    field: &str,
    raw: &str,
) -> Result<Option<T>, Status> {
    if raw.is_empty() {
        Ok(None)
    } else {
        parse_code(field, raw).map(Some)
    }
}

/// A set of codes; one listed twice is kept once.
fn codes<T: serde::de::DeserializeOwned + Ord>(
    field: &str,
    raw: &[String],
) -> Result<BTreeSet<T>, Status> {
    raw.iter()
        .enumerate()
        .map(|(i, c)| parse_code(&format!("{field}[{i}]"), c))
        .collect()
}

fn past_history(field: &str, h: pb::PastHistory) -> Result<PastHistory, Status> {
    let note = |f: String, raw: &str| Note::parse(raw).map_err(|e| invalid(&f, e.to_string()));
    let events = |list: &str, events: Vec<pb::PastEvent>| {
        events
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                let at = format!("{field}.{list}[{i}]");
                Ok(PastEvent {
                    what: note(format!("{at}.description"), &e.description)?,
                    on: parse_date(&format!("{at}.date"), e.date)?,
                })
            })
            .collect::<Result<Vec<_>, Status>>()
    };
    let diseases = h
        .diseases
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            let at = format!("{field}.diseases[{i}]");
            let disease: Disease = parse_code(&format!("{at}.disease"), &d.disease)?;
            let detail = if d.detail.is_empty() {
                None
            } else {
                Some(note(format!("{at}.detail"), &d.detail)?)
            };
            Ok(PastDisease {
                disease,
                detail,
                diagnosed_on: parse_date(&format!("{at}.diagnosed_date"), d.diagnosed_date)?,
            })
        })
        .collect::<Result<Vec<_>, Status>>()?;
    Ok(PastHistory {
        diseases,
        operations: events("operations", h.operations)?,
        injuries: events("injuries", h.injuries)?,
        transfusions: events("transfusions", h.transfusions)?,
    })
}

fn family_history(field: &str, h: pb::FamilyHistory) -> Result<FamilyHistory, Status> {
    Ok(FamilyHistory {
        father: codes(&format!("{field}.father"), &h.father)?,
        mother: codes(&format!("{field}.mother"), &h.mother)?,
        siblings: codes(&format!("{field}.siblings"), &h.siblings)?,
        children: codes(&format!("{field}.children"), &h.children)?,
    })
}
