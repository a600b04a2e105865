//! Every table of the overview as CSV (UTF-8 with a byte-order mark, which Excel needs to read
//! Chinese) or as an Excel workbook (`rust_xlsxwriter`), with the page's columns and cells.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Deserialize;

use super::Dashboard;
use super::i18n::{Lang, Words};
use super::overview::{self, Overview, OverviewQuery};
use super::session;

/// `?area=…&on=…&lang=…&table=lines|headlines|teams&format=csv|xlsx`.
#[derive(Debug, Deserialize)]
pub(crate) struct ExportQuery {
    area: Option<String>,
    on: Option<String>,
    lang: Option<String>,
    table: Option<String>,
    format: Option<String>,
}

/// A table as its header and rows.
pub(crate) struct Sheet {
    pub(crate) name: &'static str,
    pub(crate) header: Vec<String>,
    pub(crate) rows: Vec<Vec<String>>,
}

fn lines(o: &Overview, w: &Words) -> Sheet {
    Sheet {
        name: "lines",
        header: overview::columns(w)
            .iter()
            .map(|c| (*c).to_owned())
            .collect(),
        rows: o
            .parts
            .iter()
            .chain(&o.grids)
            .chain([&o.total])
            .map(|l| l.cells.to_vec())
            .collect(),
    }
}

fn teams(o: &Overview, w: &Words) -> Sheet {
    Sheet {
        name: "teams",
        header: [w.team, w.due, w.overdue, w.overdue_share]
            .iter()
            .map(|c| (*c).to_owned())
            .collect(),
        rows: o.teams.iter().map(|t| t.to_vec()).collect(),
    }
}

fn headlines(o: &Overview, w: &Words) -> Sheet {
    Sheet {
        name: "headlines",
        header: vec![
            "code".to_owned(),
            w.rate.to_owned(),
            w.value.to_owned(),
            w.fraction.to_owned(),
            w.target.to_owned(),
            String::new(),
        ],
        rows: o
            .headlines
            .iter()
            .map(|h| {
                vec![
                    h.code.to_owned(),
                    h.name.to_owned(),
                    h.value.clone(),
                    h.parts.clone(),
                    h.target.clone(),
                    h.status_text.to_owned(),
                ]
            })
            .collect(),
    }
}

/// `GET /dashboard/export`.
pub(crate) async fn table(
    State(d): State<Arc<Dashboard>>,
    headers: HeaderMap,
    Query(q): Query<ExportQuery>,
) -> Response {
    let lang = Lang::from_code(q.lang.as_deref());
    let who = match session::principal(&d, &headers, lang) {
        Ok(who) => who,
        Err(refusal) => return refusal.into_response(),
    };
    let w = lang.words();
    let bad = |what: &'static str| (StatusCode::BAD_REQUEST, what).into_response();
    let table = q.table.as_deref().unwrap_or("lines");
    let format = q.format.as_deref().unwrap_or("csv");
    if !matches!(table, "lines" | "headlines" | "teams") {
        return bad("table: lines, headlines or teams");
    }
    if !matches!(format, "csv" | "xlsx") {
        return bad("format: csv or xlsx");
    }
    let query = OverviewQuery {
        area: q.area,
        on: q.on,
        lang: q.lang,
    };
    let o = match overview::load(&d, &who, &query, lang).await {
        Ok(o) => o,
        Err(refusal) => return refusal.into_response(),
    };
    let sheet = match table {
        "lines" => lines(&o, w),
        "teams" => teams(&o, w),
        _ => headlines(&o, w),
    };
    let file = format!("yigong-{}-{}-{}", sheet.name, o.area.id, o.on);
    let title = format!("{} · {} {}", o.area.name, w.as_of, o.on);
    download(&sheet, &file, &title, format == "xlsx")
}

/// `sheet` as an attachment named `file`: a workbook headed by `title` when `xlsx`, else CSV.
pub(crate) fn download(sheet: &Sheet, file: &str, title: &str, xlsx: bool) -> Response {
    let disposition = |ext: &str| format!("attachment; filename=\"{file}.{ext}\"");
    if !xlsx {
        return (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, disposition("csv")),
            ],
            csv(sheet),
        )
            .into_response();
    }
    match workbook(sheet, title) {
        Ok(bytes) => (
            [
                (
                    header::CONTENT_TYPE,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_owned(),
                ),
                (header::CONTENT_DISPOSITION, disposition("xlsx")),
            ],
            bytes,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(%error, "an export failed to build");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// RFC 4180, after a byte-order mark.
fn csv(sheet: &Sheet) -> String {
    let quote = |s: &str| {
        // A name a spreadsheet would run as a formula is kept as text (OWASP CSV injection);
        // a number, or the lone "-" of no data, is not one.
        let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']) && s != "-";
        let s = &if formula && s.parse::<f64>().is_err() {
            format!("'{s}")
        } else {
            s.to_owned()
        };
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    };
    let mut out = String::from('\u{feff}');
    for row in std::iter::once(&sheet.header).chain(&sheet.rows) {
        let cells: Vec<String> = row.iter().map(|c| quote(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

/// One worksheet: a title row, the header in bold, then the rows; counts and percentages as
/// numbers so a spreadsheet can sum and chart them.
fn workbook(sheet: &Sheet, title: &str) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(sheet.name)?;
    let bold = Format::new().set_bold();
    ws.write_string_with_format(0, 0, title, &bold)?;
    for (c, name) in sheet.header.iter().enumerate() {
        ws.write_string_with_format(2, col(c), name, &bold)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = u32::try_from(r + 3).unwrap_or(u32::MAX);
        for (c, cell) in row.iter().enumerate() {
            match cell.parse::<f64>() {
                Ok(n) if c > 0 => ws.write_number(r, col(c), n)?,
                _ => ws.write_string(r, col(c), cell)?,
            };
        }
    }
    ws.set_column_width(0, 24)?;
    book.save_to_buffer()
}

fn col(c: usize) -> u16 {
    u16::try_from(c).unwrap_or(u16::MAX)
}
