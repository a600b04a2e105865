//! `yigong.v1.ResidentService` over `ResidentService` (the use cases): translation only.
//! Identity numbers go in, never out: records carry the masked number.

use std::collections::BTreeSet;

use tonic::{Request, Response, Status};
use yigong_domain::identity::{DocumentKind, Sex};
use yigong_domain::ids::{GridId, HouseholdId, ResidentId};
use yigong_domain::personal::{PersonalField, Phone, ResidentQuery};
use yigong_ports::{PatientRecord, Versioned};
use yigong_proto::v1 as pb;
use yigong_proto::v1::resident_service_server::ResidentService as Api;
use yigong_service::{
    DocumentInput, NewResident, ResidentService, ResidentUpdate, Roster, ServiceError,
};

use crate::personal::{parse_personal, personal_to_wire};
use crate::status::to_status;
use crate::wire::{
    code, date, etag, invalid, name, page_size, parse_code, parse_date, parse_etag, parse_name,
    parse_optional_name, principal,
};

/// The resident RPCs.
pub struct ResidentApi {
    residents: ResidentService,
}

impl ResidentApi {
    /// Serves the use cases.
    pub fn new(residents: ResidentService) -> Self {
        Self { residents }
    }

    /// A search by identity document: at most one record, never a next page.
    async fn by_document(
        &self,
        who: &yigong_service::Principal,
        kind: DocumentKind,
        number: &str,
        field: &'static str,
    ) -> Result<Response<pb::SearchResidentsResponse>, Status> {
        let found = self
            .residents
            .search_by_document(who, kind, number)
            .await
            .map_err(|e| {
                to_status(e, |f| {
                    if f == "document_number" {
                        field.to_owned()
                    } else {
                        f.to_owned()
                    }
                })
            })?;
        Ok(Response::new(pb::SearchResidentsResponse {
            residents: found.into_iter().map(to_wire).collect(),
            next_page_token: String::new(),
        }))
    }
}

/// Use-case field names as the resident RPCs spell them.
fn field(f: &'static str) -> String {
    match f {
        "birth_date" => "other_document.birth_date".to_owned(),
        "document_number" => "other_document.number".to_owned(),
        other => other.to_owned(),
    }
}

fn status(e: ServiceError) -> Status {
    to_status(e, field)
}

fn sex(s: i32) -> Result<Sex, Status> {
    match pb::Sex::try_from(s) {
        Ok(pb::Sex::Male) => Ok(Sex::Male),
        Ok(pb::Sex::Female) => Ok(Sex::Female),
        _ => Err(invalid("other_document.sex", "MALE or FEMALE")),
    }
}

/// The form fields a mask path names: `personal` is all of them, `personal.<field>` one.
fn personal_fields(path: &str) -> Option<Vec<PersonalField>> {
    match path.strip_prefix("personal") {
        Some("") => Some(PersonalField::ALL.to_vec()),
        Some(rest) => {
            let field = rest.strip_prefix('.')?;
            // `other_drug_allergy` travels with `drug_allergies`, as the form keeps them.
            let field = if field == "other_drug_allergy" {
                "drug_allergies"
            } else {
                field
            };
            PersonalField::from_code(field).map(|f| vec![f])
        }
        None => None,
    }
}

pub(crate) fn to_wire(v: Versioned<PatientRecord>) -> pb::Resident {
    let r = &v.value.resident;
    pb::Resident {
        name: name("residents", r.id()),
        document_kind: code(&r.document().kind()),
        masked_document: r.document().masked(),
        birth_date: Some(date(r.birth_date())),
        sex: match r.sex() {
            Sex::Male => pb::Sex::Male,
            Sex::Female => pb::Sex::Female,
        } as i32,
        household: r
            .household()
            .map(|h| name("households", h))
            .unwrap_or_default(),
        grid: v
            .value
            .scope
            .grid
            .map(|g| name("grids", g))
            .unwrap_or_default(),
        institution: name("institutions", v.value.scope.institution),
        resident_since: Some(date(r.resident_since())),
        etag: etag(v.version),
        moved_out_date: r.moved_out_on().map(date),
        death_date: r.died_on().map(date),
        personal: Some(personal_to_wire(r.personal())),
    }
}

#[tonic::async_trait]
impl Api for ResidentApi {
    async fn search_residents(
        &self,
        request: Request<pb::SearchResidentsRequest>,
    ) -> Result<Response<pb::SearchResidentsResponse>, Status> {
        use pb::search_residents_request::Query;
        let who = principal(&request)?;
        let r = request.into_inner();
        let size = page_size(r.page_size)?;
        let token = (!r.page_token.is_empty()).then_some(r.page_token.as_str());
        let query = match r.query {
            Some(Query::CitizenId(number)) => {
                return self
                    .by_document(&who, DocumentKind::CitizenId, &number, "citizen_id")
                    .await;
            }
            Some(Query::OtherDocument(d)) => {
                let kind: DocumentKind = parse_code("other_document.kind", &d.kind)?;
                if kind == DocumentKind::CitizenId {
                    return Err(invalid(
                        "other_document.kind",
                        "a citizen identity number goes in citizen_id",
                    ));
                }
                return self
                    .by_document(&who, kind, &d.number, "other_document.number")
                    .await;
            }
            Some(Query::Phone(raw)) => ResidentQuery::Phone(
                Phone::parse(&raw).map_err(|e| invalid("phone", e.to_string()))?,
            ),
            Some(Query::NamePrefix(raw)) => ResidentQuery::name_prefix(&raw)
                .map_err(|e| invalid("name_prefix", e.to_string()))?,
            None => {
                return Err(invalid(
                    "query",
                    "a citizen_id, other_document, phone or name_prefix",
                ));
            }
        };
        let page = self
            .residents
            .search(&who, &query, size, token)
            .await
            .map_err(|e| to_status(e, str::to_owned))?;
        Ok(Response::new(pb::SearchResidentsResponse {
            residents: page.items.into_iter().map(to_wire).collect(),
            next_page_token: page.next.unwrap_or_default(),
        }))
    }

    async fn list_residents(
        &self,
        request: Request<pb::ListResidentsRequest>,
    ) -> Result<Response<pb::ListResidentsResponse>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let size = page_size(r.page_size)?;
        let token = (!r.page_token.is_empty()).then_some(r.page_token.as_str());
        let of = if r.parent.starts_with("households/") {
            Roster::Household(HouseholdId::from_uuid(parse_name(
                "parent",
                "households",
                &r.parent,
            )?))
        } else if r.parent.starts_with("grids/") {
            Roster::Grid(GridId::from_uuid(parse_name("parent", "grids", &r.parent)?))
        } else {
            return Err(invalid(
                "parent",
                "expected `grids/{uuid}` or `households/{uuid}`",
            ));
        };
        let page = self
            .residents
            .roster(&who, of, size, token)
            .await
            .map_err(|e| to_status(e, str::to_owned))?;
        Ok(Response::new(pb::ListResidentsResponse {
            residents: page.items.into_iter().map(to_wire).collect(),
            next_page_token: page.next.unwrap_or_default(),
        }))
    }

    async fn update_resident(
        &self,
        request: Request<pb::UpdateResidentRequest>,
    ) -> Result<Response<pb::Resident>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let resident = r.resident.ok_or_else(|| invalid("resident", "required"))?;
        let id = ResidentId::from_uuid(parse_name("resident.name", "residents", &resident.name)?);
        let paths = r.update_mask.map(|m| m.paths).unwrap_or_default();
        if paths.is_empty() {
            return Err(invalid("update_mask", "name the fields to change"));
        }
        let mut change = ResidentUpdate::default();
        let mut form_fields = BTreeSet::new();
        for path in &paths {
            match path.as_str() {
                "household" => {
                    change.household = Some(HouseholdId::from_uuid(parse_name(
                        "resident.household",
                        "households",
                        &resident.household,
                    )?));
                }
                "moved_out_date" => {
                    change.moved_out_on = Some(parse_date(
                        "resident.moved_out_date",
                        resident.moved_out_date,
                    )?);
                }
                "death_date" => {
                    change.died_on = Some(parse_date("resident.death_date", resident.death_date)?);
                }
                other => {
                    let fields = personal_fields(other).ok_or_else(|| {
                        invalid(
                            "update_mask",
                            format!(
                                "{} cannot be updated: household, moved_out_date, death_date, \
                                 personal or personal.<field>",
                                yigong_domain::text::excerpt(other)
                            ),
                        )
                    })?;
                    form_fields.extend(fields);
                }
            }
        }
        if !form_fields.is_empty() {
            let form = parse_personal("resident.personal.", resident.personal)?;
            change.personal = Some((form, form_fields));
        }
        let expected = parse_etag(&resident.etag)?;
        let record = self
            .residents
            .update(&who, id, change, expected)
            .await
            .map_err(|e| {
                to_status(e, |f| match f {
                    "household" => "resident.household".to_owned(),
                    "moved_out_on" => "resident.moved_out_date".to_owned(),
                    "died_on" => "resident.death_date".to_owned(),
                    f if f.starts_with("personal.") => format!("resident.{f}"),
                    other => other.to_owned(),
                })
            })?;
        Ok(Response::new(to_wire(record)))
    }

    async fn create_resident(
        &self,
        request: Request<pb::CreateResidentRequest>,
    ) -> Result<Response<pb::Resident>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let document = match r.document {
            Some(pb::create_resident_request::Document::CitizenId(id)) => {
                DocumentInput::CitizenId(id)
            }
            Some(pb::create_resident_request::Document::OtherDocument(d)) => {
                let kind: DocumentKind = parse_code("other_document.kind", &d.kind)?;
                if kind == DocumentKind::CitizenId {
                    return Err(invalid(
                        "other_document.kind",
                        "a citizen identity number goes in citizen_id",
                    ));
                }
                DocumentInput::Other {
                    kind,
                    number: d.number,
                    birth_date: parse_date("other_document.birth_date", d.birth_date)?,
                    sex: sex(d.sex)?,
                }
            }
            None => {
                return Err(invalid(
                    "document",
                    "citizen_id or other_document is required",
                ));
            }
        };
        let cmd = NewResident {
            request_id: r.request_id,
            document,
            household: parse_optional_name("household", "households", &r.household)?
                .map(HouseholdId::from_uuid),
            grid: parse_optional_name("grid", "grids", &r.grid)?.map(GridId::from_uuid),
            resident_since: parse_date("resident_since", r.resident_since)?,
            personal: parse_personal("personal.", r.personal)?,
        };
        let record = self.residents.register(&who, cmd).await.map_err(status)?;
        Ok(Response::new(to_wire(record)))
    }

    async fn get_resident(
        &self,
        request: Request<pb::GetResidentRequest>,
    ) -> Result<Response<pb::Resident>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let id = ResidentId::from_uuid(parse_name("name", "residents", &r.name)?);
        let record = if r.break_glass_reason.is_empty() {
            self.residents.get(&who, id).await
        } else {
            self.residents
                .get_break_glass(&who, id, &r.break_glass_reason)
                .await
        }
        .map_err(status)?;
        Ok(Response::new(to_wire(record)))
    }
}
