//! `yigong import institutions|areas`: the county's own network and area tree from CSV, line
//! by line through the network and grid use cases (every rule checked there).
//!
//! These files are small (hundreds of lines) and their lines refer to each other by name (a
//! member to its community, a village to its township), so each line is matched to what is
//! stored by name: what exists is left as it is, what is missing is created. A re-run after a
//! crash or a fix creates nothing twice, and a line that contradicts what is stored (another
//! kind, another lead) is reported, never applied.

use std::collections::HashMap;
use std::io::Read;

use sha2::{Digest, Sha256};
use uuid::Uuid;
use yigong_domain::grid::AreaKind;
use yigong_domain::ids::{AreaNodeId, InstitutionId};
use yigong_domain::network::{InstitutionKind, Network};
use yigong_service::{
    CreateGrid, Deps, GridService, NetworkService, NewArea, NewCommunity, NewInstitution,
    Principal, ServiceError,
};

use super::{Cells, ImportError, ImportSummary, LineError, Refusal, code_in, open_csv};

/// A file's data lines with their line numbers, and each column's index.
type Lines = (Vec<(u64, csv::StringRecord)>, HashMap<String, usize>);

/// Every data line of a small CSV file with its line number (the header is line 1), and each
/// column's index: these files are read whole, their lines referring to each other.
pub(super) fn read_lines(input: impl Read, known: &[&str]) -> Result<Lines, ImportError> {
    let (mut reader, index) = open_csv(input, known)?;
    let mut lines = Vec::new();
    let mut record = csv::StringRecord::new();
    while reader
        .read_record(&mut record)
        .map_err(|e| ImportError::Format(e.to_string()))?
    {
        let line = record
            .position()
            .map_or(lines.len() as u64 + 2, |p| p.line());
        lines.push((line, record.clone()));
    }
    Ok((lines, index))
}

/// A request id for what `line` asks: the same line gives the same id on a re-run.
pub(super) fn request_id(what: &str, line: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for cell in line {
        hasher.update(cell.as_bytes());
        hasher.update([0x1f]);
    }
    let digest = hasher.finalize();
    format!(
        "import/{what}/{}",
        Uuid::from_slice(&digest[..16]).unwrap_or_default().simple()
    )
}

/// A use case's refusal of one line, reported under its column (`column` when the use case
/// names none); a refusal of the whole import (permissions, storage) stops it.
pub(super) fn refusal(line: u64, column: &str, e: ServiceError) -> Result<LineError, ImportError> {
    let (field, reason) = match e {
        ServiceError::InvalidArgument { field, reason } => (field.to_owned(), reason),
        ServiceError::Rule { message, .. }
        | ServiceError::NotFound(message)
        | ServiceError::AlreadyExists { message, .. }
        | ServiceError::Conflict(message) => (column.to_owned(), message),
        other => return Err(other.into()),
    };
    Ok(LineError {
        line,
        field,
        reason,
    })
}

pub(super) fn refused(line: u64, (field, reason): Refusal) -> LineError {
    LineError {
        line,
        field: field.to_owned(),
        reason,
    }
}

/// The one institution named `name`, if any; two of one name cannot be referred to by it.
fn by_name(
    network: &Network,
    name: &str,
    column: &'static str,
) -> Result<Option<InstitutionId>, Refusal> {
    let mut found = network.institutions().filter(|i| i.name == name);
    match (found.next(), found.next()) {
        (Some(i), None) => Ok(Some(i.id)),
        (None, _) => Ok(None),
        (Some(_), Some(_)) => Err((column, format!("two institutions are named {name:?}"))),
    }
}

/// One line of an institutions file.
struct InstitutionLine {
    line: u64,
    name: String,
    kind: InstitutionKind,
    leads: String,
    member_of: String,
}

/// Imports `name,kind,leads,member_of` lines: the institutions first, then the communities
/// they lead, then the memberships, so a file may list members before their lead.
pub async fn import_institutions(
    deps: &Deps,
    who: &Principal,
    input: impl Read,
    progress: &dyn Fn(u64),
) -> Result<ImportSummary, ImportError> {
    let (lines, index) = read_lines(input, &["name", "kind", "leads", "member_of"])?;
    let network = NetworkService::new(deps.clone());
    let mut summary = ImportSummary {
        lines: lines.len() as u64,
        ..ImportSummary::default()
    };
    let mut rows = Vec::new();
    for (line, record) in &lines {
        let line = *line;
        let cells = Cells {
            record,
            index: &index,
        };
        match code_in("kind", cells.get("kind")) {
            Ok(kind) => rows.push(InstitutionLine {
                line,
                name: cells.get("name").to_owned(),
                kind,
                leads: cells.get("leads").to_owned(),
                member_of: cells.get("member_of").to_owned(),
            }),
            Err(r) => summary.errors.push(refused(line, r)),
        }
    }

    let mut ids: HashMap<u64, InstitutionId> = HashMap::new();
    for row in &rows {
        let known = network.network();
        match by_name(&known, &row.name, "name") {
            Err(r) => summary.errors.push(refused(row.line, r)),
            Ok(Some(id)) => match known.institution(id) {
                Ok(i) if i.kind != row.kind => summary.errors.push(LineError {
                    line: row.line,
                    field: "kind".to_owned(),
                    reason: format!("{:?} is registered as another kind", row.name),
                }),
                _ => {
                    ids.insert(row.line, id);
                }
            },
            Ok(None) => {
                let cmd = NewInstitution {
                    request_id: request_id("institution", &[&row.name]),
                    name: row.name.clone(),
                    kind: row.kind,
                };
                match network.register_institution(who, cmd).await {
                    Ok(i) => {
                        ids.insert(row.line, i.id);
                        summary.written += 1;
                    }
                    Err(e) => summary.errors.push(refusal(row.line, "name", e)?),
                }
            }
        }
    }
    progress(summary.lines / 3);

    for row in rows.iter().filter(|r| !r.leads.is_empty()) {
        let Some(id) = ids.get(&row.line).copied() else {
            continue;
        };
        let known = network.network();
        match known.communities().find(|c| c.name() == row.leads) {
            Some(c) if c.lead() == id => {}
            Some(_) => summary.errors.push(LineError {
                line: row.line,
                field: "leads".to_owned(),
                reason: format!("community {:?} has another lead", row.leads),
            }),
            None => {
                let cmd = NewCommunity {
                    request_id: request_id("community", &[&row.leads]),
                    name: row.leads.clone(),
                    lead: id,
                };
                match network.found_community(who, cmd).await {
                    Ok(_) => summary.written += 1,
                    Err(e) => summary.errors.push(refusal(row.line, "leads", e)?),
                }
            }
        }
    }
    progress(summary.lines * 2 / 3);

    for row in rows.iter().filter(|r| !r.member_of.is_empty()) {
        let Some(id) = ids.get(&row.line).copied() else {
            continue;
        };
        let known = network.network();
        let Some(community) = known.communities().find(|c| c.name() == row.member_of) else {
            summary.errors.push(LineError {
                line: row.line,
                field: "member_of".to_owned(),
                reason: format!("no community is named {:?}", row.member_of),
            });
            continue;
        };
        if community.contains(id) {
            continue;
        }
        match network.join_community(who, community.id(), id).await {
            Ok(_) => summary.written += 1,
            Err(e) => summary.errors.push(refusal(row.line, "member_of", e)?),
        }
    }
    progress(summary.lines);
    summary.errors.sort_by_key(|e| e.line);
    Ok(summary)
}

/// Area nodes by path (`County/Township/Village`), looked up in storage once each.
struct Paths<'a> {
    grids: &'a GridService,
    known: HashMap<String, (AreaNodeId, AreaKind)>,
}

impl Paths<'_> {
    /// The node at `path` (names from the root), if it exists.
    async fn find(
        &mut self,
        path: &[&str],
    ) -> Result<Option<(AreaNodeId, AreaKind)>, ServiceError> {
        let mut parent = None;
        for depth in 1..=path.len() {
            let key = path[..depth].join("/");
            let found = match self.known.get(&key) {
                Some(node) => Some(*node),
                None => self
                    .grids
                    .areas_under(parent)
                    .await?
                    .into_iter()
                    .find(|a| a.name == path[depth - 1])
                    .map(|a| (a.id, a.kind)),
            };
            let Some(node) = found else {
                return Ok(None);
            };
            self.known.insert(key, node);
            parent = Some(node.0);
        }
        Ok(self.known.get(&path.join("/")).copied())
    }
}

/// Imports `path,kind,institution,grid` lines in order (parents before children): each area
/// node missing is created under its parent, and the grid a line names over it.
pub async fn import_areas(
    deps: &Deps,
    who: &Principal,
    input: impl Read,
    progress: &dyn Fn(u64),
) -> Result<ImportSummary, ImportError> {
    let (lines, index) = read_lines(input, &["path", "kind", "institution", "grid"])?;
    let grids = GridService::new(deps.clone());
    let network = NetworkService::new(deps.clone());
    let mut paths = Paths {
        grids: &grids,
        known: HashMap::new(),
    };
    let mut summary = ImportSummary::default();
    for (line, record) in &lines {
        let line = *line;
        summary.lines += 1;
        let cells = Cells {
            record,
            index: &index,
        };
        if let Err(e) = import_area(
            &grids,
            &network,
            &mut paths,
            who,
            line,
            &cells,
            &mut summary,
        )
        .await?
        {
            summary.errors.push(e);
        }
        progress(summary.lines);
    }
    Ok(summary)
}

/// One line of an areas file; `Ok(Err(..))` is a refused line, `Err` stops the import.
async fn import_area(
    grids: &GridService,
    network: &NetworkService,
    paths: &mut Paths<'_>,
    who: &Principal,
    line: u64,
    cells: &Cells<'_>,
    summary: &mut ImportSummary,
) -> Result<Result<(), LineError>, ImportError> {
    let path: Vec<&str> = cells.get("path").split('/').map(str::trim).collect();
    if path.iter().any(|p| p.is_empty()) {
        return Ok(Err(refused(
            line,
            (
                "path",
                "names from the root joined by /, none empty".to_owned(),
            ),
        )));
    }
    let kind: AreaKind = match code_in("kind", cells.get("kind")) {
        Ok(k) => k,
        Err(r) => return Ok(Err(refused(line, r))),
    };
    let institution = match cells.get("institution") {
        "" => None,
        name => match by_name(&network.network(), name, "institution") {
            Ok(Some(id)) => Some(id),
            Ok(None) => {
                return Ok(Err(refused(
                    line,
                    ("institution", format!("no institution is named {name:?}")),
                )));
            }
            Err(r) => return Ok(Err(refused(line, r))),
        },
    };
    let (name, above) = path.split_last().unwrap_or((&"", &[]));
    let parent = if above.is_empty() {
        None
    } else {
        match paths.find(above).await? {
            Some((id, _)) => Some(id),
            None => {
                return Ok(Err(refused(
                    line,
                    (
                        "path",
                        format!(
                            "{:?} is not there yet: list parents before children",
                            above.join("/")
                        ),
                    ),
                )));
            }
        }
    };
    let node = match paths.find(&path).await? {
        Some((_, stored)) if stored != kind => {
            return Ok(Err(refused(
                line,
                (
                    "kind",
                    format!("{:?} is stored as another kind", path.join("/")),
                ),
            )));
        }
        Some((id, _)) => id,
        None => {
            let cmd = NewArea {
                request_id: request_id("area", &[&path.join("/")]),
                name: (*name).to_owned(),
                kind,
                parent,
                institution,
            };
            match grids.add_area_node(who, cmd).await {
                Ok(n) => {
                    summary.written += 1;
                    paths.known.insert(path.join("/"), (n.id, n.kind));
                    n.id
                }
                Err(e) => return Ok(Err(refusal(line, "path", e)?)),
            }
        }
    };
    let grid = cells.get("grid");
    if grid.is_empty()
        || grids
            .grids_within(node)
            .await?
            .iter()
            .any(|g| g.value.area() == node && g.value.name() == grid)
    {
        return Ok(Ok(()));
    }
    let cmd = CreateGrid {
        request_id: request_id("grid", &[&path.join("/"), grid]),
        name: grid.to_owned(),
        area: node,
    };
    match grids.create_grid(who, cmd).await {
        Ok(_) => {
            summary.written += 1;
            Ok(Ok(()))
        }
        Err(e) => Ok(Err(refusal(line, "grid", e)?)),
    }
}
