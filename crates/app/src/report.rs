//! `yigong report`: an indicator report as a readable table or as CSV.

use std::fmt::Write as _;

use yigong_domain::grid::GridTally;
use yigong_domain::indicator::ReferralFigures;
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
    let rows: Vec<Vec<String>> = rows(report).into_iter().map(Vec::from).collect();
    let title = format!("{} on {}", report.scope, report.on);
    table_of(&title, &COLUMNS, &rows, true)
}

/// `rows` under `columns` with a rule under the header (and above the last row, a total,
/// when `total`): the first column left-aligned, the others right-aligned.
fn table_of(title: &str, columns: &[&str], rows: &[Vec<String>], total: bool) -> String {
    let mut widths: Vec<usize> = columns.iter().map(|c| c.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
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
    let mut out = format!("{title}\n");
    let header: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
    out.push_str(&line(&header));
    out.push('\n');
    out.push_str(&rule);
    out.push('\n');
    let (last, body) = match rows.split_last() {
        Some((t, g)) if total => (Some(t), g),
        _ => (None, rows),
    };
    for row in body {
        out.push_str(&line(row));
        out.push('\n');
    }
    if let Some(last) = last {
        out.push_str(&rule);
        out.push('\n');
        out.push_str(&line(last));
        out.push('\n');
    }
    out
}

/// RFC 4180 CSV with a header row; the last row is the total.
pub fn csv(report: &IndicatorReport) -> String {
    let rows: Vec<Vec<String>> = rows(report).into_iter().map(Vec::from).collect();
    csv_of(&COLUMNS, &rows)
}

fn csv_of(columns: &[&str], rows: &[Vec<String>]) -> String {
    let quote = |s: &str| {
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    };
    let header: Vec<String> = columns.iter().map(|c| (*c).to_owned()).collect();
    let mut out = String::new();
    for row in std::iter::once(&header).chain(rows) {
        let line: Vec<String> = row.iter().map(|c| quote(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

const REFERRAL_COLUMNS: [&str; 12] = [
    "referrals",
    "upward",
    "downward",
    "answered",
    "in time",
    "median min",
    "escalated",
    "rejected",
    "completed",
    "reported back",
    "recognised/repeated",
    "follow-ups done/due",
];

fn referral_rows(lines: &[(&str, &ReferralFigures)]) -> Vec<Vec<String>> {
    lines
        .iter()
        .map(|(name, f)| {
            vec![
                (*name).to_owned(),
                f.upward.to_string(),
                f.downward.to_string(),
                f.answered.to_string(),
                f.answered_in_time.to_string(),
                f.median_answer_minutes
                    .map_or_else(|| "-".to_owned(), |m| m.to_string()),
                f.escalated.to_string(),
                f.rejected.values().sum::<u32>().to_string(),
                f.completed.to_string(),
                f.reported_back.to_string(),
                format!("{}/{}", f.results_recognised, f.results_repeated),
                format!("{}/{}", f.follow_ups_done, f.follow_ups_due),
            ]
        })
        .collect()
}

/// The referral figures (`sent`, `received`, or a community's `all`) as a table, with the
/// rejections per reason under it.
pub fn referral_table(title: &str, lines: &[(&str, &ReferralFigures)]) -> String {
    let mut out = table_of(title, &REFERRAL_COLUMNS, &referral_rows(lines), false);
    for (name, f) in lines {
        for (reason, n) in &f.rejected {
            let _ = writeln!(out, "{name} rejected ({reason}): {n}");
        }
    }
    out
}

/// The referral figures as RFC 4180 CSV, one row per line of figures.
pub fn referral_csv(lines: &[(&str, &ReferralFigures)]) -> String {
    csv_of(&REFERRAL_COLUMNS, &referral_rows(lines))
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

    #[test]
    fn referral_figures_print_one_row_each_and_their_rejections() {
        let sent = ReferralFigures {
            upward: 4,
            answered: 3,
            answered_in_time: 2,
            median_answer_minutes: Some(120),
            rejected: [("no beds".to_owned(), 1)].into_iter().collect(),
            results_recognised: 1,
            results_repeated: 1,
            ..ReferralFigures::default()
        };
        let received = ReferralFigures::default();
        let t = referral_table(
            "institutions/x",
            &[("sent", &sent), ("received", &received)],
        );
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "institutions/x");
        assert!(
            lines[3].starts_with("sent") && lines[3].contains("120") && lines[3].contains("1/1")
        );
        assert!(lines[4].starts_with("received") && lines[4].contains(" - "));
        assert_eq!(lines[5], "sent rejected (no beds): 1");
        let c = referral_csv(&[("sent", &sent)]);
        assert!(
            c.split("\r\n")
                .nth(1)
                .unwrap()
                .starts_with("sent,4,0,3,2,120,0,1,0,0,1/1,0/0")
        );
    }
}
