//! `yigong report`: an indicator report as a readable table or as CSV.

mod diagnosis;

pub use diagnosis::{diagnosis_csv, diagnosis_table};

use std::fmt::Write as _;

use unicode_width::UnicodeWidthStr as _;

use yigong_domain::grid::GridTally;
use yigong_domain::indicator::{AssessedRate, Rate, ReferralFigures};
use yigong_domain::measure::Percentage;
use yigong_domain::profile::RuleProfile;
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

pub(crate) fn cells(name: &str, t: &GridTally) -> [String; 12] {
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

fn title(report: &IndicatorReport) -> String {
    match report.period {
        None => format!("{} on {}", report.scope, report.on),
        Some(p) => {
            // A closed period's figures are as kept, and say since when (IND-SNAPSHOT).
            let kept = report.kept_at.map_or(String::new(), |at| {
                let at = at
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default();
                format!(" (closed; kept as computed at {at})")
            });
            format!(
                "{} {} {} to {}, counted to {}{kept}",
                report.scope,
                p.kind.code(),
                p.first,
                p.last,
                report.on
            )
        }
    }
}

/// A fixed-width table: names left, figures right, a rule under the header and above the
/// total; then the total's assessed rates.
pub fn table(report: &IndicatorReport, profile: &RuleProfile) -> String {
    let rows: Vec<Vec<String>> = rows(report).into_iter().map(Vec::from).collect();
    let mut out = table_of(&title(report), &COLUMNS, &rows, true);
    out.push('\n');
    let total: Vec<Vec<String>> = AssessedRate::ALL
        .iter()
        .map(|&which| rate_cells(None, which, &report.total, profile, report.on.year()))
        .collect();
    out.push_str(&table_of(
        "考核指标 assessed rates (TOTAL)",
        &RATE_COLUMNS[1..],
        &total,
        false,
    ));
    out
}

const RATE_COLUMNS: [&str; 8] = [
    "grid",
    "rate",
    "指标",
    "numerator",
    "denominator",
    "%",
    "goal %",
    "rule",
];

/// The rate's name as a county's assessment names it.
pub(crate) fn label(which: AssessedRate) -> &'static str {
    match which {
        AssessedRate::HypertensionManagement => "高血压患者管理率",
        AssessedRate::HypertensionStandardizedManagement => "高血压患者规范管理率",
        AssessedRate::HypertensionControl => "高血压患者血压控制率",
        AssessedRate::DiabetesManagement => "2型糖尿病患者管理率",
        AssessedRate::DiabetesStandardizedManagement => "2型糖尿病患者规范管理率",
        AssessedRate::DiabetesControl => "2型糖尿病患者血糖控制率",
        AssessedRate::MentalDisorderStable => "严重精神障碍患者病情稳定率",
        AssessedRate::ElderlyManagement => "老年人健康管理率",
        AssessedRate::ElderlyCheckCoverage => "老年人健康体检覆盖率",
        AssessedRate::BloodPressureScreeningCoverage => "35岁及以上居民血压筛查覆盖率",
        AssessedRate::CervicalScreeningCoverage => "适龄妇女宫颈癌筛查覆盖率",
        AssessedRate::BreastScreeningCoverage => "适龄妇女乳腺癌筛查覆盖率",
        AssessedRate::ContractRenewal => "家庭医生签约续约率",
    }
}

/// Basis points as a percent with two decimals; a management rate may pass 100.
fn bp(rate: Rate) -> String {
    rate.basis_points()
        .map(|b| format!("{}.{:02}", b / 100, b % 100))
        .unwrap_or_else(|| "-".to_owned())
}

/// One rate's cells, led by the grid's name when given.
fn rate_cells(
    grid: Option<&str>,
    which: AssessedRate,
    t: &GridTally,
    profile: &RuleProfile,
    year: i32,
) -> Vec<String> {
    let rate = which.of(&t.assessed, profile);
    grid.map(str::to_owned)
        .into_iter()
        .chain([
            which.code().to_owned(),
            label(which).to_owned(),
            rate.numerator.to_string(),
            rate.denominator.to_string(),
            bp(rate),
            which
                .national_goal_percent(year)
                .map_or_else(|| "-".to_owned(), |g| g.to_string()),
            which.rule().code().to_owned(),
        ])
        .collect()
}

fn rate_rows(report: &IndicatorReport, profile: &RuleProfile) -> Vec<Vec<String>> {
    let lines = report
        .grids
        .iter()
        .map(|g| (g.name.as_str(), &g.tally))
        .chain([("TOTAL", &report.total)]);
    lines
        .flat_map(|(name, t)| {
            AssessedRate::ALL
                .iter()
                .map(move |&which| rate_cells(Some(name), which, t, profile, report.on.year()))
        })
        .collect()
}

/// The assessed rates of every grid and the total, one row per grid and rate.
pub fn rates_table(report: &IndicatorReport, profile: &RuleProfile) -> String {
    table_of(
        &title(report),
        &RATE_COLUMNS,
        &rate_rows(report, profile),
        false,
    )
}

/// The assessed rates as RFC 4180 CSV, one row per grid and rate, the total's last.
pub fn rates_csv(report: &IndicatorReport, profile: &RuleProfile) -> String {
    csv_of(&RATE_COLUMNS, &rate_rows(report, profile))
}

/// `rows` under `columns` with a rule under the header (and above the last row, a total,
/// when `total`): the first column left-aligned, the others right-aligned, by the columns a
/// terminal gives each character (a Chinese character takes two).
fn table_of(title: &str, columns: &[&str], rows: &[Vec<String>], total: bool) -> String {
    let mut widths: Vec<usize> = columns.iter().map(|c| c.width()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            let pad = w.saturating_sub(cell.width());
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
        let mut tally = tally;
        tally.assessed.hypertension = yigong_domain::grid::ConditionCounts {
            managed: 4,
            standardized: 3,
            controlled: 2,
        };
        tally.assessed.adults = 20;
        IndicatorReport {
            scope: "institutions/x".to_owned(),
            on: time::macros::date!(2026 - 11 - 23),
            period: None,
            total: tally,
            grids: vec![GridLine {
                grid: GridId::from_u128(1),
                name: "East, \"old\" grid".to_owned(),
                team: None,
                tally,
            }],
            kept_at: None,
        }
    }

    #[test]
    fn the_table_aligns_figures_and_ends_with_the_total() {
        let t = table(&report(), &RuleProfile::bphs3());
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines[0], "institutions/x on 2026-11-23");
        assert!(lines[1].starts_with("grid"));
        assert!(lines[5].starts_with("TOTAL"));
        // 27 of 30 records is 90.00%; 3 of 4 controlled is 75.00%; no key population is "-".
        assert!(lines[3].contains("90.00") && lines[3].contains("75.00"));
        assert!(lines[3].contains(" - "));
        let widths: Vec<usize> = [lines[1], lines[3]].map(|l| l.chars().count()).to_vec();
        assert_eq!(widths[0], widths[1]);
    }

    #[test]
    fn the_assessed_rates_follow_with_counts_goal_and_rule() {
        let p = RuleProfile::bphs3();
        let t = table(&report(), &p);
        // 4 managed of 20 adults × 23.2% = 4.64, estimated 5: 80.00%; 3 of 4 standardized.
        let line = |code: &str| t.lines().find(|l| l.starts_with(code)).unwrap().to_owned();
        let management = line("hypertension_management");
        assert!(management.contains("高血压患者管理率") && management.contains("80.00"));
        assert!(management.ends_with("IND-MANAGEMENT"), "{management}");
        let standardized = line("hypertension_standardized_management");
        assert!(standardized.contains("75.00") && standardized.contains(" 65 "));
        // A Chinese label takes two columns: the rows stay aligned.
        assert_eq!(management.width(), standardized.width());
        assert!(line("elderly_management").contains(" - "));
        let c = rates_csv(&report(), &p);
        let rows: Vec<&str> = c.split("\r\n").collect();
        assert_eq!(
            rows[0],
            "grid,rate,指标,numerator,denominator,%,goal %,rule"
        );
        assert_eq!(rows.len(), 1 + 2 * AssessedRate::ALL.len() + 1);
        assert!(rows[rows.len() - 2].starts_with("TOTAL,contract_renewal,"));
        assert!(
            rows[2].starts_with("\"East, \"\"old\"\" grid\",hypertension_standardized_management,")
        );
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
