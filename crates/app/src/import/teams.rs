//! `yigong import teams|contracts`: the family doctor teams of an institution with the grids
//! they serve, and residents' contracts with them, from CSV, through the team and grid use
//! cases (every rule checked there).
//!
//! Like the network files, teams are matched to what is stored by name (a team of that name at
//! the institution is left as it is, a grid already served by it is not assigned again), so a
//! re-run creates nothing twice. A contract line's request id is derived from the line, so a
//! re-run of a line that went in is recognised as its retry.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use time::Date;
use uuid::Uuid;
use yigong_domain::contract::{Package, TeamMember, TeamRole};
use yigong_domain::identity::DocumentKind;
use yigong_domain::ids::{InstitutionId, TeamId, WorkerId};
use yigong_service::{
    Deps, GridService, NewContract, NewTeam, Principal, ResidentService, TeamService,
};

use super::network::{read_lines, refusal, refused, request_id};
use super::places::Places;
use super::{Cells, ImportError, ImportSummary, LineError, code_in, date_in};

/// Workers are named by a UUID, or by the institution's own staff code: a code becomes the
/// UUID v5 of the institution and the code, so the same code always names the same worker.
fn worker_in(institution: InstitutionId, text: &str) -> Result<WorkerId, (&'static str, String)> {
    if text.is_empty() {
        return Err(("worker", "a UUID or a staff code".to_owned()));
    }
    let id = Uuid::try_parse(text).unwrap_or_else(|_| {
        Uuid::new_v5(&institution.as_uuid(), format!("worker/{text}").as_bytes())
    });
    Ok(WorkerId::from_uuid(id))
}

/// One team as its lines describe it.
#[derive(Default)]
struct TeamLines {
    first_line: u64,
    lead: Option<WorkerId>,
    members: Vec<TeamMember>,
    /// Each grid it serves, with the line that named it first.
    grids: BTreeMap<String, u64>,
}

/// Imports `team,worker,role,lead,grids` lines, one per member (`lead`: `yes` on the lead's
/// line; `grids`: `;`-separated grids the team serves from today, each the area path and the
/// grid's name joined by `/`, as in the areas file), teams of `institution`.
pub async fn import_teams(
    deps: &Deps,
    who: &Principal,
    institution: InstitutionId,
    input: impl Read,
    progress: &dyn Fn(u64),
) -> Result<ImportSummary, ImportError> {
    let (lines, index) = read_lines(input, &["team", "worker", "role", "lead", "grids"])?;
    let mut summary = ImportSummary {
        lines: lines.len() as u64,
        ..ImportSummary::default()
    };
    let mut teams: BTreeMap<String, TeamLines> = BTreeMap::new();
    for (line, record) in &lines {
        let cells = Cells {
            record,
            index: &index,
        };
        let name = cells.get("team");
        if name.is_empty() {
            summary
                .errors
                .push(refused(*line, ("team", "required".to_owned())));
            continue;
        }
        let member = worker_in(institution, cells.get("worker")).and_then(|worker| {
            let role: TeamRole = code_in("role", cells.get("role"))?;
            let lead = match cells.get("lead").to_ascii_lowercase().as_str() {
                "" | "no" => false,
                "yes" => true,
                other => return Err(("lead", format!("{other:?} is not yes or no"))),
            };
            Ok((TeamMember { worker, role }, lead))
        });
        let team = teams.entry(name.to_owned()).or_insert_with(|| TeamLines {
            first_line: *line,
            ..TeamLines::default()
        });
        match member {
            Ok((m, lead)) => {
                if lead {
                    team.lead = Some(m.worker);
                }
                team.members.push(m);
            }
            Err(r) => summary.errors.push(refused(*line, r)),
        }
        for grid in cells.get("grids").split(';').map(str::trim) {
            if !grid.is_empty() {
                team.grids.entry(grid.to_owned()).or_insert(*line);
            }
        }
    }
    let service = TeamService::new(deps.clone());
    let grids = GridService::new(deps.clone());
    let mut places = Places::new(GridService::new(deps.clone()));
    let stored = service.teams_of(institution).await?;
    let mut done = 0;
    for (name, team) in &teams {
        let line = team.first_line;
        let id = if let Some(t) = stored.iter().find(|t| t.value.name() == name) {
            let ours: BTreeSet<_> = team.members.iter().map(|m| (m.worker, m.role)).collect();
            let theirs: BTreeSet<_> = t
                .value
                .members()
                .iter()
                .map(|m| (m.worker, m.role))
                .collect();
            if ours != theirs {
                summary.errors.push(refused(
                    line,
                    (
                        "worker",
                        format!("team {name:?} is stored with other members"),
                    ),
                ));
                continue;
            }
            t.value.id()
        } else {
            let Some(lead) = team.lead else {
                summary.errors.push(refused(
                    line,
                    ("lead", format!("team {name:?} names no lead (lead = yes)")),
                ));
                continue;
            };
            let cmd = NewTeam {
                request_id: request_id("team", &[&institution.to_string(), name]),
                name: name.clone(),
                institution,
                lead,
                members: team.members.clone(),
            };
            match service.form_team(who, cmd).await {
                Ok(t) => {
                    summary.written += 1;
                    t.value.id()
                }
                Err(e) => {
                    summary.errors.push(refusal(line, "team", e)?);
                    continue;
                }
            }
        };
        for (grid, named_on) in &team.grids {
            if let Err(e) =
                serve(&grids, &mut places, who, id, grid, *named_on, &mut summary).await?
            {
                summary.errors.push(e);
            }
        }
        done += 1;
        progress(done * summary.lines / teams.len().max(1) as u64);
    }
    summary.errors.sort_by_key(|e| e.line);
    Ok(summary)
}

/// Makes `team` serve the grid at `path` (`area/path/grid name`) from today, unless it does.
async fn serve(
    grids: &GridService,
    places: &mut Places,
    who: &Principal,
    team: TeamId,
    path: &str,
    line: u64,
    summary: &mut ImportSummary,
) -> Result<Result<(), LineError>, ImportError> {
    let Some((grid, serving)) = places.grid_at(path).await? else {
        return Ok(Err(refused(
            line,
            (
                "grids",
                format!("no grid {path:?} (the area path, then the grid's name)"),
            ),
        )));
    };
    if serving == Some(team) {
        return Ok(Ok(()));
    }
    match grids
        .assign_team(who, grid, team, grids.today(), None)
        .await
    {
        Ok(_) => {
            summary.written += 1;
            Ok(Ok(()))
        }
        Err(e) => Ok(Err(refusal(line, "grids", e)?)),
    }
}

/// Imports `citizen_id,team,doctor,package,start_date,months` lines (or `document_kind,
/// document_number` in place of `citizen_id`): each resident, found by its document among
/// those the caller sees, signs with the institution's team of that name (`doctor`: a member's
/// UUID or staff code, optional; `package`: `basic` or a personalized package's code;
/// `months`: optional, the profile's default otherwise).
pub async fn import_contracts(
    deps: &Deps,
    who: &Principal,
    institution: InstitutionId,
    input: impl Read,
    progress: &dyn Fn(u64),
) -> Result<ImportSummary, ImportError> {
    let (lines, index) = read_lines(
        input,
        &[
            "citizen_id",
            "document_kind",
            "document_number",
            "team",
            "doctor",
            "package",
            "start_date",
            "months",
        ],
    )?;
    let mut summary = ImportSummary {
        lines: lines.len() as u64,
        ..ImportSummary::default()
    };
    let residents = ResidentService::new(deps.clone());
    let service = TeamService::new(deps.clone());
    let teams = service.teams_of(institution).await?;
    for (n, (line, record)) in lines.iter().enumerate() {
        let cells = Cells {
            record,
            index: &index,
        };
        match contract_line(
            &residents,
            &service,
            &teams,
            who,
            institution,
            &cells,
            *line,
        )
        .await?
        {
            Ok(true) => summary.written += 1,
            Ok(false) => {}
            Err(e) => summary.errors.push(e),
        }
        progress(n as u64 + 1);
    }
    Ok(summary)
}

/// One contract line: `Ok(Ok(true))` signed, `Ok(Ok(false))` already there, `Ok(Err(..))`
/// refused; `Err` stops the import.
async fn contract_line(
    residents: &ResidentService,
    service: &TeamService,
    teams: &[yigong_ports::Versioned<yigong_domain::contract::Team>],
    who: &Principal,
    institution: InstitutionId,
    cells: &Cells<'_>,
    line: u64,
) -> Result<Result<bool, LineError>, ImportError> {
    let (kind, number, column) = if cells.get("citizen_id").is_empty() {
        match code_in::<DocumentKind>("document_kind", cells.get("document_kind")) {
            Ok(k) => (k, cells.get("document_number"), "document_number"),
            Err(r) => return Ok(Err(refused(line, r))),
        }
    } else {
        (
            DocumentKind::CitizenId,
            cells.get("citizen_id"),
            "citizen_id",
        )
    };
    let found = match residents.search_by_document(who, kind, number).await {
        Ok(found) => found,
        Err(e) => return Ok(Err(refusal(line, column, e)?)),
    };
    let Some(resident) = found.first() else {
        return Ok(Err(refused(
            line,
            (
                column,
                "no resident the institution keeps has this document".to_owned(),
            ),
        )));
    };
    let team_name = cells.get("team");
    let Some(team) = teams.iter().find(|t| t.value.name() == team_name) else {
        return Ok(Err(refused(
            line,
            (
                "team",
                format!("no team of the institution is named {team_name:?}"),
            ),
        )));
    };
    let parsed = (|| {
        let doctor = match cells.get("doctor") {
            "" => None,
            d => Some(worker_in(institution, d).map_err(|(_, r)| ("doctor", r))?),
        };
        let package = match cells.get("package") {
            "" => return Err(("package", "`basic` or a package code".to_owned())),
            p => Package::from_code(p),
        };
        let start: Date = date_in("start_date", cells.get("start_date"))?;
        let months = match cells.get("months") {
            "" => None,
            m => Some(
                m.parse::<u8>()
                    .map_err(|_| ("months", format!("{m:?} is not a number of months")))?,
            ),
        };
        Ok((doctor, package, start, months))
    })();
    let (doctor, package, start, months) = match parsed {
        Ok(p) => p,
        Err(r) => return Ok(Err(refused(line, r))),
    };
    // A contract with this team from this day is the line's, signed before: nothing to do.
    let patient = resident.value.resident.id();
    let signed = match service.contracts_of(who, patient).await {
        Ok(c) => c,
        Err(e) => return Ok(Err(refusal(line, column, e)?)),
    };
    if signed
        .iter()
        .any(|c| c.value.team() == team.value.id() && c.value.start() == start)
    {
        return Ok(Ok(false));
    }
    let record = cells.record.iter().collect::<Vec<_>>();
    let cmd = NewContract {
        request_id: request_id("contract", &record),
        resident: patient,
        team: team.value.id(),
        doctor,
        package,
        start,
        months,
    };
    match service.sign(who, cmd).await {
        Ok(_) => Ok(Ok(true)),
        Err(e) => Ok(Err(refusal(line, "team", e)?)),
    }
}
