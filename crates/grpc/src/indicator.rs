//! `yigong.v1.IndicatorService` over `IndicatorService` (the use cases): translation only.

use tonic::{Request, Response, Status};
use yigong_domain::grid::GridTally;
use yigong_domain::ids::{AreaNodeId, InstitutionId};
use yigong_domain::measure::Percentage;
use yigong_proto::v1 as pb;
use yigong_proto::v1::indicator_service_server::IndicatorService as Api;
use yigong_service::{IndicatorReport, IndicatorService, ServiceError};

use crate::status::to_status;
use crate::wire::{date, name, parse_name, parse_optional_date, principal};

/// The indicator RPCs.
pub struct IndicatorApi {
    indicators: IndicatorService,
}

impl IndicatorApi {
    /// Serves the use cases.
    pub fn new(indicators: IndicatorService) -> Self {
        Self { indicators }
    }
}

fn status(e: ServiceError) -> Status {
    to_status(e, |f| match f {
        "on" => "date".to_owned(),
        other => other.to_owned(),
    })
}

fn percent(p: Option<Percentage>) -> Option<f64> {
    p.map(|p| f64::from(p.basis_points()) / 100.0)
}

fn indicators(t: &GridTally) -> pb::Indicators {
    pb::Indicators {
        households: t.households,
        permanent_residents: t.permanent_residents,
        records: t.records,
        dynamic_records: t.dynamic_records,
        contracted: t.contracted,
        key_population: t.key_population,
        key_population_contracted: t.key_population_contracted,
        follow_ups_due: t.follow_ups_due,
        follow_ups_overdue: t.follow_ups_overdue,
        managed: t.managed,
        controlled: t.controlled,
        record_coverage_percent: percent(t.record_coverage()),
        dynamic_record_percent: percent(t.dynamic_record_rate()),
        contract_coverage_percent: percent(t.contract_coverage()),
        key_population_coverage_percent: percent(t.key_population_coverage()),
        control_percent: percent(t.control_rate()),
    }
}

fn to_wire(r: IndicatorReport) -> pb::IndicatorReport {
    pb::IndicatorReport {
        scope: r.scope,
        date: Some(date(r.on)),
        total: Some(indicators(&r.total)),
        grids: r
            .grids
            .iter()
            .map(|g| pb::GridIndicators {
                grid: name("grids", g.grid),
                display_name: g.name.clone(),
                team: g.team.map(|t| name("teams", t)).unwrap_or_default(),
                indicators: Some(indicators(&g.tally)),
            })
            .collect(),
    }
}

#[tonic::async_trait]
impl Api for IndicatorApi {
    async fn get_area_indicators(
        &self,
        request: Request<pb::GetAreaIndicatorsRequest>,
    ) -> Result<Response<pb::IndicatorReport>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let area = AreaNodeId::from_uuid(parse_name("area", "areas", &r.area)?);
        let on = parse_optional_date("date", r.date)?.unwrap_or_else(|| self.indicators.today());
        let report = self
            .indicators
            .area_report(&who, area, on)
            .await
            .map_err(status)?;
        Ok(Response::new(to_wire(report)))
    }

    async fn get_institution_indicators(
        &self,
        request: Request<pb::GetInstitutionIndicatorsRequest>,
    ) -> Result<Response<pb::IndicatorReport>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let institution =
            InstitutionId::from_uuid(parse_name("institution", "institutions", &r.institution)?);
        let on = parse_optional_date("date", r.date)?.unwrap_or_else(|| self.indicators.today());
        let report = self
            .indicators
            .institution_report(&who, institution, on)
            .await
            .map_err(status)?;
        Ok(Response::new(to_wire(report)))
    }
}
