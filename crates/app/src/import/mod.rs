//! `yigong import`: CSV files of households, residents or screening results, read as a stream
//! and written through the batch use cases (every row checked by the rules), with a report of
//! every refused line.
//!
//! Batches are all or nothing (the use cases' rule): a batch with a bad line writes nothing and
//! its bad lines are reported; the other batches go in. Each batch's request id is derived from
//! the batch's own lines and number, so running the file again after a crash or after fixing
//! the reported lines creates nothing twice: batches that went in are recognised as retries,
//! and only the fixed ones are written.
//!
//! The county's network and area tree are imported line by line instead
//! ([`import_institutions`], [`import_areas`]): each line is matched to what is stored by name,
//! so a re-run changes nothing that is already there.
//!
//! Columns (a header row is required; column order is free; extra columns are refused):
//! - households: `grid,address`
//! - residents: `citizen_id,household,grid,resident_since`, or for another document
//!   `document_kind,document_number,birth_date,sex` in place of `citizen_id`; optionally the
//!   personal information form's `name,phone,residence_type,ethnicity,disabilities`
//!   (`disabilities`: `;`-separated codes such as `visual;hearing`)
//! - screening: `resident,screen_date,systolic,diastolic,family_history,high_salt_diet,`
//!   `heavy_drinking` for blood pressure, optionally with `height_cm,weight_kg,bmi,waist_cm`
//!   (one decimal; the BMI follows from height and weight when both are given), or `resident,screen_date,glucose_mmol_l,glucose_kind,`
//!   `symptoms` for glucose (a file may mix both: empty cells are absent)
//! - institutions: `name,kind,leads,member_of` (`leads`: the community it founds and leads;
//!   `member_of`: the community it joins, by name)
//! - areas: `path,kind,institution,grid` (`path`: names from the root joined by `/`, parents
//!   before children; `institution`: the one in charge, by name, on a township or subdistrict;
//!   `grid`: a grid over the node, by name)
//! - teams: `team,worker,role,lead,grids`, one line per member (`worker`: a UUID or the
//!   institution's staff code; `lead`: `yes` on the lead's line; `grids`: `;`-separated grids
//!   the team serves from today, each `area/path/grid name`), matched by team name
//! - contracts: `citizen_id` (or `document_kind,document_number`)`,team,doctor,package,`
//!   `start_date,months` (`team`: by name; `doctor`: as `worker`; `months` optional)
//!
//! A `grid` is its UUID or, as the areas file wrote it, its area path and its name joined by
//! `/` (`Anping County/Qiaotou/East Village/East Village grid`); a resident's `household` is
//! its UUID or its address within the line's `grid` (names are resolved once per import).

use std::collections::HashMap;
use std::io::Read;

use places::Places;
use sha2::{Digest, Sha256};
use time::Date;
use uuid::Uuid;
use yigong_domain::identity::{DocumentKind, Sex};
use yigong_domain::ids::{GridId, HouseholdId, ResidentId};
use yigong_domain::measure::{Bmi, Glucose, Height, Weight};
use yigong_domain::personal::{Ethnicity, PersonName, PersonalError, PersonalInfo, Phone};
use yigong_domain::screening::GlucoseKind;
use yigong_service::{
    BodySize, DocumentInput, GridService, HouseholdRow, Principal, ResidentRow, ResidentService,
    RowError, RowReading, ScreeningRow, ScreeningService, ServiceError,
};

mod network;
mod places;
mod teams;

pub use network::{import_areas, import_institutions};
pub use teams::{import_contracts, import_teams};

/// What `yigong import` reads: records in batches, or the county's network or area tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportTarget {
    /// Households, residents or screening results, batch by batch.
    Records(ImportKind),
    /// Institutions and their communities ([`import_institutions`]).
    Institutions,
    /// The area tree and its grids ([`import_areas`]).
    Areas,
    /// An institution's family doctor teams and the grids they serve ([`import_teams`]).
    Teams,
    /// Residents' contracts with an institution's teams ([`import_contracts`]).
    Contracts,
}

/// What a file of records holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// Households of grids.
    Households,
    /// Residents' health records.
    Residents,
    /// Screening results.
    Screening,
}

impl ImportKind {
    fn columns(self) -> &'static [&'static str] {
        match self {
            ImportKind::Households => &["grid", "address"],
            ImportKind::Residents => &[
                "citizen_id",
                "document_kind",
                "document_number",
                "birth_date",
                "sex",
                "household",
                "grid",
                "resident_since",
                "name",
                "phone",
                "residence_type",
                "ethnicity",
                "disabilities",
            ],
            ImportKind::Screening => &[
                "resident",
                "screen_date",
                "systolic",
                "diastolic",
                "family_history",
                "high_salt_diet",
                "heavy_drinking",
                "height_cm",
                "weight_kg",
                "bmi",
                "waist_cm",
                "glucose_mmol_l",
                "glucose_kind",
                "symptoms",
            ],
        }
    }
}

/// A refused line: its number in the file (the header is line 1), the column, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line number (records spanning lines count from their first).
    pub line: u64,
    /// The column at fault.
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Data lines read.
    pub lines: u64,
    /// Rows written (lines of batches that went in).
    pub written: u64,
    /// Batches held back because one of their lines was refused.
    pub batches_refused: u64,
    /// Every refused line, in file order.
    pub errors: Vec<LineError>,
}

/// Why an import could not run at all (a bad line is a [`LineError`], not this).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not CSV with the expected header.
    #[error("{0}")]
    Format(String),
    /// A use case refused a whole batch (permissions, storage).
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// One parsed line, ready for its batch.
enum Row {
    Household(HouseholdRow),
    /// Boxed: a resident's row carries its whole personal information form.
    Resident(Box<ResidentRow>),
    Screening(ScreeningRow),
}

/// Reads `input` and imports it in batches of `batch` rows as `who`; `progress` is told the
/// number of lines read after each batch.
pub async fn import(
    deps: &yigong_service::Deps,
    who: &Principal,
    kind: ImportKind,
    input: impl Read,
    batch: usize,
    progress: &dyn Fn(u64),
) -> Result<ImportSummary, ImportError> {
    let (mut reader, index) = open_csv(input, kind.columns())?;
    let mut summary = ImportSummary::default();
    let mut hasher = Sha256::new();
    let mut pending: Vec<(u64, Row)> = Vec::new();
    let mut batch_errors: Vec<LineError> = Vec::new();
    let mut batch_no = 0u64;
    let mut record = csv::StringRecord::new();
    let mut places = Places::new(GridService::new(deps.clone()));
    loop {
        let more = reader
            .read_record(&mut record)
            .map_err(|e| ImportError::Format(e.to_string()))?;
        if more {
            summary.lines += 1;
            let line = record.position().map_or(summary.lines + 1, |p| p.line());
            if pending.is_empty() && batch_errors.is_empty() {
                hasher = Sha256::new();
            }
            for field in record.iter() {
                hasher.update(field.as_bytes());
                hasher.update([0x1f]);
            }
            hasher.update([0x1e]);
            let cells = Cells {
                record: &record,
                index: &index,
            };
            let refs = resolve(&mut places, who, kind, &cells).await?;
            match refs.and_then(|refs| parse(kind, &cells, refs)) {
                Ok(row) => pending.push((line, row)),
                Err((field, reason)) => batch_errors.push(LineError {
                    line,
                    field: field.to_owned(),
                    reason,
                }),
            }
        }
        let filled = pending.len() + batch_errors.len();
        if filled == batch || (!more && filled > 0) {
            if !batch_errors.is_empty() {
                // All or nothing: a batch with a bad line waits for the fix.
                summary.errors.append(&mut batch_errors);
                summary.batches_refused += 1;
                pending.clear();
                batch_no += 1;
                progress(summary.lines);
                if more {
                    continue;
                }
                break;
            }
            // The batch's id: its own lines and its number, so a re-run gives the same id to an
            // unchanged batch (a retry: nothing written twice) and a new one to a fixed batch.
            let digest = hasher.clone().finalize();
            let request_id = format!(
                "import/{kind:?}/{batch_no}/{}",
                Uuid::from_slice(&digest[..16]).unwrap_or_default().simple()
            );
            batch_no += 1;
            let lines: Vec<u64> = pending.iter().map(|(l, _)| *l).collect();
            let rows: Vec<Row> = pending.drain(..).map(|(_, r)| r).collect();
            let refused = write(deps, who, &request_id, rows).await?;
            if refused.is_empty() {
                summary.written += u64::try_from(lines.len()).unwrap_or(u64::MAX);
            } else {
                summary.batches_refused += 1;
            }
            summary
                .errors
                .extend(refused.into_iter().map(|e| LineError {
                    line: lines.get(e.row).copied().unwrap_or(0),
                    field: column(e.field).to_owned(),
                    reason: e.reason,
                }));
            progress(summary.lines);
        }
        if !more {
            break;
        }
    }
    summary.errors.sort_by_key(|e| e.line);
    Ok(summary)
}

/// A CSV reader of `input` past its header, and each column's index; a column not in `known`
/// refuses the file.
fn open_csv<R: Read>(
    input: R,
    known: &[&str],
) -> Result<(csv::Reader<R>, HashMap<String, usize>), ImportError> {
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(input);
    let headers = reader
        .headers()
        .map_err(|e| ImportError::Format(format!("header: {e}")))?
        .clone();
    let mut index = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let h = h.trim();
        if !known.contains(&h) {
            return Err(ImportError::Format(format!(
                "unknown column {h:?}; this import takes {}",
                known.join(", ")
            )));
        }
        index.insert(h.to_owned(), i);
    }
    Ok((reader, index))
}

/// Writes one batch; returns the use case's row errors (empty when the batch went in).
async fn write(
    deps: &yigong_service::Deps,
    who: &Principal,
    request_id: &str,
    rows: Vec<Row>,
) -> Result<Vec<RowError>, ServiceError> {
    let mut households = Vec::new();
    let mut residents = Vec::new();
    let mut screenings = Vec::new();
    for row in rows {
        match row {
            Row::Household(h) => households.push(h),
            Row::Resident(r) => residents.push(*r),
            Row::Screening(s) => screenings.push(s),
        }
    }
    if !households.is_empty() {
        return Ok(GridService::new(deps.clone())
            .import_households(who, request_id, &households)
            .await?
            .errors);
    }
    if !residents.is_empty() {
        return Ok(ResidentService::new(deps.clone())
            .import_residents(who, request_id, residents)
            .await?
            .errors);
    }
    Ok(ScreeningService::new(deps.clone())
        .import_batch(who, request_id, &screenings)
        .await?
        .errors)
}

pub(crate) type Refusal = (&'static str, String);

/// The file's column for a use case's field name.
fn column(field: &str) -> &str {
    match field {
        "sbp" => "systolic",
        "dbp" => "diastolic",
        "glucose" => "glucose_mmol_l",
        "on" => "screen_date",
        "height" => "height_cm",
        "weight" => "weight_kg",
        "waist" => "waist_cm",
        other => other,
    }
}

/// A line's cells by column name; a missing column reads as empty.
pub(crate) struct Cells<'a> {
    record: &'a csv::StringRecord,
    index: &'a HashMap<String, usize>,
}

impl<'a> Cells<'a> {
    pub(crate) fn get(&self, name: &str) -> &'a str {
        self.index
            .get(name)
            .and_then(|i| self.record.get(*i))
            .map(str::trim)
            .unwrap_or("")
    }
}

fn uuid_in(field: &'static str, text: &str) -> Result<Uuid, Refusal> {
    Uuid::try_parse(text).map_err(|_| (field, format!("{text:?} is not a UUID")))
}

fn date_in(field: &'static str, text: &str) -> Result<Date, Refusal> {
    Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| (field, format!("{text:?} is not a YYYY-MM-DD date")))
}

fn number_in(field: &'static str, text: &str) -> Result<u16, Refusal> {
    text.parse()
        .map_err(|_| (field, format!("{text:?} is not a whole number")))
}

/// An optional decimal cell as the tenths of `T` (its range checked by the domain).
fn tenths_in<T>(field: &'static str, text: &str) -> Result<Option<u16>, Refusal>
where
    T: std::str::FromStr<Err = yigong_domain::measure::MeasureError> + Into<u16>,
{
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<T>()
        .map(|v| Some(v.into()))
        .map_err(|e| (field, e.to_string()))
}

fn flag_in(field: &'static str, text: &str) -> Result<bool, Refusal> {
    match text.to_ascii_lowercase().as_str() {
        "" | "0" | "false" | "no" | "n" => Ok(false),
        "1" | "true" | "yes" | "y" => Ok(true),
        _ => Err((field, format!("{text:?} is not yes/no"))),
    }
}

pub(crate) fn code_in<T: serde::de::DeserializeOwned>(
    field: &'static str,
    text: &str,
) -> Result<T, Refusal> {
    serde_json::from_value(serde_json::Value::String(text.to_owned()))
        .map_err(|_| (field, format!("unknown code {text:?}")))
}

/// The columns of the personal information form a resident file may carry. A refused name or
/// phone is named, never quoted: both are sensitive.
fn personal_in(cells: &Cells<'_>) -> Result<PersonalInfo, Refusal> {
    let cell = |name: &str| cells.get(name);
    let secret = |field: &'static str| move |e: PersonalError| (field, e.to_string());
    let name = cell("name");
    let phone = cell("phone");
    Ok(PersonalInfo {
        name: (!name.is_empty())
            .then(|| PersonName::parse(name))
            .transpose()
            .map_err(secret("name"))?,
        phone: (!phone.is_empty())
            .then(|| Phone::parse(phone))
            .transpose()
            .map_err(secret("phone"))?,
        residence: (!cell("residence_type").is_empty())
            .then(|| code_in("residence_type", cell("residence_type")))
            .transpose()?,
        ethnicity: (!cell("ethnicity").is_empty())
            .then(|| Ethnicity::from_code(cell("ethnicity")))
            .transpose()
            .map_err(secret("ethnicity"))?,
        // `;`-separated codes, e.g. `visual;hearing`.
        disabilities: cell("disabilities")
            .split(';')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(|c| code_in("disabilities", c))
            .collect::<Result<_, _>>()?,
        ..PersonalInfo::default()
    })
}

/// The grid and household a line names, by UUID or by name ([`Places`]).
#[derive(Default)]
struct Refs {
    grid: Option<GridId>,
    household: Option<HouseholdId>,
}

async fn resolve(
    places: &mut Places,
    who: &Principal,
    kind: ImportKind,
    cells: &Cells<'_>,
) -> Result<Result<Refs, Refusal>, ImportError> {
    if kind == ImportKind::Screening {
        return Ok(Ok(Refs::default()));
    }
    let grid = match places.grid("grid", cells.get("grid")).await? {
        Ok(g) => g,
        Err(r) => return Ok(Err(r)),
    };
    if kind == ImportKind::Households {
        return Ok(Ok(Refs {
            grid,
            household: None,
        }));
    }
    Ok(places
        .household(who, "household", cells.get("household"), grid)
        .await?
        .map(|household| Refs { grid, household }))
}

fn parse(kind: ImportKind, cells: &Cells<'_>, refs: Refs) -> Result<Row, Refusal> {
    let cell = |name: &str| cells.get(name);
    match kind {
        ImportKind::Households => Ok(Row::Household(HouseholdRow {
            grid: refs.grid.ok_or(("grid", "required".to_owned()))?,
            address: cell("address").to_owned(),
        })),
        ImportKind::Residents => {
            let document = if cell("citizen_id").is_empty() {
                let kind: DocumentKind = code_in("document_kind", cell("document_kind"))?;
                let sex = match cell("sex").to_ascii_lowercase().as_str() {
                    "male" | "m" => Sex::Male,
                    "female" | "f" => Sex::Female,
                    other => return Err(("sex", format!("{other:?} is not male or female"))),
                };
                DocumentInput::Other {
                    kind,
                    number: cell("document_number").to_owned(),
                    birth_date: date_in("birth_date", cell("birth_date"))?,
                    sex,
                }
            } else {
                DocumentInput::CitizenId(cell("citizen_id").to_owned())
            };
            Ok(Row::Resident(Box::new(ResidentRow {
                document,
                household: refs.household,
                grid: refs.grid,
                resident_since: date_in("resident_since", cell("resident_since"))?,
                personal: personal_in(cells)?,
            })))
        }
        ImportKind::Screening => {
            let reading = if !cell("systolic").is_empty() {
                RowReading::BloodPressure {
                    sbp: number_in("systolic", cell("systolic"))?,
                    dbp: number_in("diastolic", cell("diastolic"))?,
                    body: BodySize {
                        height_tenths: tenths_in::<Height>("height_cm", cell("height_cm"))?,
                        weight_tenths: tenths_in::<Weight>("weight_kg", cell("weight_kg"))?,
                        bmi_tenths: tenths_in::<Bmi>("bmi", cell("bmi"))?,
                        waist_cm: (!cell("waist_cm").is_empty())
                            .then(|| number_in("waist_cm", cell("waist_cm")))
                            .transpose()?,
                    },
                    family_history: flag_in("family_history", cell("family_history"))?,
                    high_salt_diet: flag_in("high_salt_diet", cell("high_salt_diet"))?,
                    heavy_drinking: flag_in("heavy_drinking", cell("heavy_drinking"))?,
                }
            } else if !cell("glucose_mmol_l").is_empty() {
                let glucose: Glucose = cell("glucose_mmol_l").parse().map_err(
                    |e: yigong_domain::measure::MeasureError| ("glucose_mmol_l", e.to_string()),
                )?;
                let kind = if cell("glucose_kind").is_empty() {
                    GlucoseKind::Fasting
                } else {
                    code_in("glucose_kind", cell("glucose_kind"))?
                };
                RowReading::Glucose {
                    hundredths: u32::from(glucose.hundredths()),
                    kind,
                    symptoms: flag_in("symptoms", cell("symptoms"))?,
                }
            } else {
                return Err((
                    "systolic",
                    "a blood pressure (systolic, diastolic) or a glucose_mmol_l is required"
                        .to_owned(),
                ));
            };
            Ok(Row::Screening(ScreeningRow {
                resident: ResidentId::from_uuid(uuid_in("resident", cell("resident"))?),
                on: date_in("screen_date", cell("screen_date"))?,
                reading,
            }))
        }
    }
}
