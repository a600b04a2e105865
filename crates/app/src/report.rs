//! `yigong report`: an indicator report as a readable table or as CSV.

use std::fmt::Write as _;

use yigong_domain::grid::GridTally;
use yigong_domain::measure::Percentage;
use yigong_service::IndicatorReport;

const COLUMNS: [&str; 12] = [
    "grid",
    "households",
    "permanent",
    "records",
    "record %",
    "dynamic %",
    "contract %",
    "key pop. %",
    "due",
    "overdue",
    "managed",
    "control %",
];

fn pct(p: Option<Percentage>) -> String {
    p.map(|p| format!("{}.{:02}", p.basis_points() / 100, p.basis_points() % 100))
        .unwrap_or_else(|| "-".to_owned())
}

fn cells(name: &str, t: &GridTally) -> [String; 12] {
    [
        name.to_owned(),
        t.households.to_string(),
        t.permanent_residents.to_string(),
        t.records.to_string(),
        pct(t.record_coverage()),
        pct(t.dynamic_record_rate()),
        pct(t.contract_coverage()),
        pct(t.key_population_coverage()),
        t.follow_ups_due.to_string(),
        t.follow_ups_overdue.to_string(),
        t.managed.to_string(),
        pct(t.control_rate()),
    ]
}

fn rows(report: &IndicatorReport) -> Vec<[String; 12]> {
    let mut rows: Vec<[String; 12]> = report
        .grids
        .iter()
        .map(|g| cells(&g.name, &g.tally))
        .collect();
    rows.push(cells("TOTAL", &report.total));
    rows
}

/// A fixed-width table: names left, figures right, a rule under the header and above the total.
pub fn table(report: &IndicatorReport) -> String {
    let rows = rows(report);
    let mut widths = COLUMNS.map(str::len);
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            let pad = w.saturating_sub(cell.chars().count());
            if i == 0 {
                let _ = write!(out, "{cell}{}", " ".repeat(pad));
            } else {
                let _ = write!(out, "  {}{cell}", " ".repeat(pad));
            }
        }
        out.trim_end().to_owned()
    };
    let rule = "-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1));
    let mut out = format!("{} on {}\n", report.scope, report.on);
    out.push_str(&line(&COLUMNS.map(str::to_owned)));
    out.push('\n');
    out.push_str(&rule);
    out.push('\n');
    let (total, grids) = rows
        .split_last()
        .map_or((None, &rows[..]), |(t, g)| (Some(t), g));
    for row in grids {
        out.push_str(&line(row));
        out.push('\n');
    }
    if let Some(total) = total {
        out.push_str(&rule);
        out.push('\n');
        out.push_str(&line(total));
        out.push('\n');
    }
    out
}

/// RFC 4180 CSV with a header row; the last row is the total.
pub fn csv(report: &IndicatorReport) -> String {
    let quote = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    };
    let mut out = String::new();
    for row in std::iter::once(COLUMNS.map(str::to_owned)).chain(rows(report)) {
        let line: Vec<String> = row.iter().map(|c| quote(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use yigong_domain::ids::GridId;
    use yigong_service::GridLine;

    fn report() -> IndicatorReport {
        let tally = GridTally {
            households: 10,
            permanent_residents: 30,
            records: 27,
            contracted: 15,
            managed: 4,
            controlled: 3,
            ..GridTally::default()
        };
        IndicatorReport {
            scope: "institutions/x".to_owned(),
            on: time::macros::date!(2026 - 11 - 23),
            total: tally,
            grids: vec![GridLine {
                grid: GridId::from_u128(1),
                name: "East, \"old\" grid".to_owned(),
                team: None,
                tally,
            }],
        }
    }

    #[test]
    fn the_table_aligns_figures_and_ends_with_the_total() {
        let t = table(&report());
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "institutions/x on 2026-11-23");
        assert!(lines[1].starts_with("grid"));
        assert!(lines.last().unwrap().starts_with("TOTAL"));
        // 27 of 30 records is 90.00%; 3 of 4 controlled is 75.00%; no key population is "-".
        assert!(lines[3].contains("90.00") && lines[3].contains("75.00"));
        assert!(lines[3].contains(" - "));
        let widths: Vec<usize> = [lines[1], lines[3]].map(|l| l.chars().count()).to_vec();
        assert_eq!(widths[0], widths[1]);
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let c = csv(&report());
        let lines: Vec<&str> = c.split("\r\n").collect();
        assert_eq!(lines[0].split(',').count(), 12);
        assert!(lines[1].starts_with("\"East, \"\"old\"\" grid\",10,30,27,90.00"));
        assert!(lines[2].starts_with("TOTAL,10,"));
    }
}
