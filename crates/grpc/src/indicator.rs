//! `yigong.v1.IndicatorService` over `IndicatorService` (the use cases): translation only.

use tonic::{Request, Response, Status};
use yigong_domain::grid::GridTally;
use yigong_domain::ids::{AreaNodeId, CommunityId, InstitutionId};
use yigong_domain::indicator::{AssessedRate, PeriodKind};
use yigong_domain::measure::Percentage;
use yigong_domain::profile::RuleProfile;
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

fn period_of(field: &str, raw: i32) -> Result<Option<PeriodKind>, Status> {
    match pb::ReportPeriod::try_from(raw) {
        Ok(pb::ReportPeriod::Unspecified) => Ok(None),
        Ok(pb::ReportPeriod::Month) => Ok(Some(PeriodKind::Month)),
        Ok(pb::ReportPeriod::Quarter) => Ok(Some(PeriodKind::Quarter)),
        Ok(pb::ReportPeriod::Year) => Ok(Some(PeriodKind::Year)),
        Err(_) => Err(crate::wire::invalid(
            field,
            format!("{raw} is not a report period"),
        )),
    }
}

fn period_to_wire(kind: PeriodKind) -> pb::ReportPeriod {
    match kind {
        PeriodKind::Month => pb::ReportPeriod::Month,
        PeriodKind::Quarter => pb::ReportPeriod::Quarter,
        PeriodKind::Year => pb::ReportPeriod::Year,
    }
}

fn rates(t: &GridTally, profile: &RuleProfile, year: i32) -> Vec<pb::AssessedRate> {
    AssessedRate::ALL
        .iter()
        .map(|&which| {
            let rate = which.of(&t.assessed, profile);
            #[allow(clippy::cast_precision_loss)] // basis points of real counts, far below 2^52
            pb::AssessedRate {
                rate: which.code().to_owned(),
                numerator: rate.numerator,
                denominator: rate.denominator,
                percent: rate.basis_points().map(|bp| bp as f64 / 100.0),
                rule: which.rule().code().to_owned(),
                national_goal_percent: which.national_goal_percent(year).map(f64::from),
            }
        })
        .collect()
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

fn indicators(t: &GridTally, profile: &RuleProfile, year: i32) -> pb::Indicators {
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
        rates: rates(t, profile, year),
    }
}

fn to_wire(r: IndicatorReport, profile: &RuleProfile) -> pb::IndicatorReport {
    pb::IndicatorReport {
        scope: r.scope,
        date: Some(date(r.on)),
        total: Some(indicators(&r.total, profile, r.on.year())),
        period: r
            .period
            .map_or(pb::ReportPeriod::Unspecified, |p| period_to_wire(p.kind))
            as i32,
        period_first: r.period.map(|p| date(p.first)),
        period_last: r.period.map(|p| date(p.last)),
        grids: r
            .grids
            .iter()
            .map(|g| pb::GridIndicators {
                grid: name("grids", g.grid),
                display_name: g.name.clone(),
                team: g.team.map(|t| name("teams", t)).unwrap_or_default(),
                indicators: Some(indicators(&g.tally, profile, r.on.year())),
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
        let period = period_of("period", r.period)?;
        let report = self
            .indicators
            .area_report(&who, area, on, period)
            .await
            .map_err(status)?;
        Ok(Response::new(to_wire(report, self.indicators.profile())))
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
        let period = period_of("period", r.period)?;
        let report = self
            .indicators
            .institution_report(&who, institution, on, period)
            .await
            .map_err(status)?;
        Ok(Response::new(to_wire(report, self.indicators.profile())))
    }

    async fn get_community_indicators(
        &self,
        request: Request<pb::GetCommunityIndicatorsRequest>,
    ) -> Result<Response<pb::IndicatorReport>, Status> {
        let who = principal(&request)?;
        let r = request.into_inner();
        let community =
            CommunityId::from_uuid(parse_name("community", "communities", &r.community)?);
        let on = parse_optional_date("date", r.date)?.unwrap_or_else(|| self.indicators.today());
        let period = period_of("period", r.period)?;
        let report = self
            .indicators
            .community_report(&who, community, on, period)
            .await
            .map_err(status)?;
        Ok(Response::new(to_wire(report, self.indicators.profile())))
    }
}
