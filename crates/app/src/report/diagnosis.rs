//! A remote-diagnosis centre's figures as a table or CSV: the total, then one line per
//! modality, per requesting institution (by name) and per day or month.

use yigong_domain::diagnosis::Priority;
use yigong_domain::indicator::DiagnosisFigures;
use yigong_domain::network::Network;
use yigong_service::CentreFigures;

use super::{csv_of, table_of};

const COLUMNS: [&str; 11] = [
    "requests of",
    "requests",
    "cancelled",
    "verified",
    "positive",
    "p50/p90 min emergency",
    "p50/p90 min urgent",
    "p50/p90 min routine",
    "within target",
    "breached",
    "critical in time",
];

fn cells(name: String, f: &DiagnosisFigures) -> Vec<String> {
    let turnaround = |p: Priority| {
        let t = f.turnaround.get(&p);
        let minutes = |m: Option<i64>| m.map_or_else(|| "-".to_owned(), |m| m.to_string());
        t.map_or_else(
            || "-".to_owned(),
            |t| format!("{}/{}", minutes(t.p50_minutes), minutes(t.p90_minutes)),
        )
    };
    let within: u32 = f.turnaround.values().map(|t| t.within_target).sum();
    vec![
        name,
        f.requests.to_string(),
        f.cancelled.to_string(),
        f.verified.to_string(),
        f.positive.to_string(),
        turnaround(Priority::Emergency),
        turnaround(Priority::Urgent),
        turnaround(Priority::Routine),
        format!("{within}/{}", f.verified),
        f.breached.to_string(),
        format!("{}/{}", f.critical_in_time, f.critical),
    ]
}

fn rows(f: &CentreFigures, network: &Network) -> Vec<Vec<String>> {
    let mut rows = vec![cells("total".to_owned(), &f.total)];
    rows.extend(
        f.by_modality
            .iter()
            .map(|(m, x)| cells(m.code().to_owned(), x)),
    );
    rows.extend(f.by_institution.iter().map(|(i, x)| {
        let name = network
            .institution(*i)
            .map_or_else(|_| i.to_string(), |i| i.name.clone());
        cells(name, x)
    }));
    rows.extend(f.by_period.iter().map(|(d, x)| cells(d.to_string(), x)));
    rows
}

/// The centre's figures as a table, titled with its name, period and coverage.
pub fn diagnosis_table(f: &CentreFigures, network: &Network) -> String {
    let title = format!(
        "{} {} to {}: {} of {} township-level members served",
        f.centre.name(),
        f.from,
        f.to,
        f.coverage.0,
        f.coverage.1
    );
    table_of(&title, &COLUMNS, &rows(f, network), false)
}

/// Centres' figures as RFC 4180 CSV under one header, each row led by its centre's name.
pub fn diagnosis_csv(centres: &[CentreFigures], network: &Network) -> String {
    let columns: Vec<&str> = std::iter::once("centre").chain(COLUMNS).collect();
    let rows: Vec<Vec<String>> = centres
        .iter()
        .flat_map(|f| {
            rows(f, network).into_iter().map(|row| {
                std::iter::once(f.centre.name().to_owned())
                    .chain(row)
                    .collect()
            })
        })
        .collect();
    csv_of(&columns, &rows)
}
