//! A centre's figures on the wire.

use yigong_domain::indicator::DiagnosisFigures;
use yigong_proto::v1 as pb;
use yigong_service::{CentreFigures, Interval};

use crate::wire::{code, date, invalid};

/// `day` or `month`; empty is `month`.
pub(super) fn interval(raw: &str) -> Result<Interval, tonic::Status> {
    match raw {
        "" | "month" => Ok(Interval::Month),
        "day" => Ok(Interval::Day),
        _ => Err(invalid("interval", "`day` or `month`")),
    }
}

pub(super) fn report(f: &CentreFigures) -> pb::DiagnosisFiguresReport {
    use pb::diagnosis_figures_report::{InstitutionFigures, ModalityFigures, PeriodFigures};
    pb::DiagnosisFiguresReport {
        centre: format!("diagnosis-centres/{}", f.centre.id()),
        from_date: Some(date(f.from)),
        to_date: Some(date(f.to)),
        total: Some(figures(&f.total)),
        members_served: f.coverage.0,
        members: f.coverage.1,
        by_institution: f
            .by_institution
            .iter()
            .map(|(i, x)| InstitutionFigures {
                institution: format!("institutions/{i}"),
                figures: Some(figures(x)),
            })
            .collect(),
        by_modality: f
            .by_modality
            .iter()
            .map(|(m, x)| ModalityFigures {
                modality: m.code().to_owned(),
                figures: Some(figures(x)),
            })
            .collect(),
        by_period: f
            .by_period
            .iter()
            .map(|(d, x)| PeriodFigures {
                start_date: Some(date(*d)),
                figures: Some(figures(x)),
            })
            .collect(),
    }
}

fn figures(f: &DiagnosisFigures) -> pb::DiagnosisFigures {
    pb::DiagnosisFigures {
        requests: f.requests,
        cancelled: f.cancelled,
        verified: f.verified,
        positive: f.positive,
        turnaround_breached: f.breached,
        turnaround: f
            .turnaround
            .iter()
            .map(|(p, t)| pb::TurnaroundFigures {
                priority: code(p),
                verified: t.verified,
                within_target: t.within_target,
                p50_minutes: t.p50_minutes,
                p90_minutes: t.p90_minutes,
            })
            .collect(),
        critical_values: f.critical,
        critical_values_acknowledged_in_time: f.critical_in_time,
        requesting_institutions: u32::try_from(f.members.len()).unwrap_or(u32::MAX),
    }
}
