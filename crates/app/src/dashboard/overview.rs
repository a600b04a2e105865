//! The overview of an area on a day: its headline rates against their targets, its parts
//! (the areas directly under it, each the sum of its grids) to drill into, the grids directly
//! in it, and a chart of both; the county's root when no area is named.

use std::collections::BTreeSet;
use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use time::Date;
use yigong_domain::grid::{AreaNode, GridTally};
use yigong_domain::ids::{AreaNodeId, GridId};
use yigong_domain::indicator::{Headline, Rate};
use yigong_service::{IndicatorReport, Principal, ServiceError};

use super::i18n::{self, Lang, Words};
use super::session::{self, query_lang, render_page};
use super::{Dashboard, Refusal};

/// `?area=…&on=…&lang=…`.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct OverviewQuery {
    pub(crate) area: Option<String>,
    pub(crate) on: Option<String>,
    pub(crate) lang: Option<String>,
}

/// One line of a table: a part or a grid, its cells as `yigong report` writes them.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub(crate) href: Option<String>,
    pub(crate) cells: [String; 12],
}

/// One headline rate.
#[derive(Debug, Clone)]
pub(crate) struct HeadlineRow {
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    pub(crate) value: String,
    pub(crate) parts: String,
    pub(crate) target: String,
    /// `met`, `not-met` or `none`: the row's class.
    pub(crate) status: &'static str,
    pub(crate) status_text: &'static str,
}

/// What an overview shows, for the page and the exports alike.
pub(crate) struct Overview {
    pub(crate) area: AreaNode,
    pub(crate) crumbs: Vec<AreaNode>,
    pub(crate) on: Date,
    pub(crate) headlines: Vec<HeadlineRow>,
    pub(crate) parts: Vec<Line>,
    pub(crate) grids: Vec<Line>,
    pub(crate) total: Line,
    /// Per team: name, grids' due and overdue follow-ups, the overdue share.
    pub(crate) teams: Vec<[String; 4]>,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewPage<'a> {
    w: &'static Words,
    lang: Lang,
    q: &'static str,
    other_q: &'static str,
    user: &'a str,
    o: &'a Overview,
    columns: [&'static str; 12],
    chart: String,
}

#[derive(Template)]
#[template(path = "message.html")]
struct MessagePage {
    w: &'static Words,
    lang: Lang,
    q: &'static str,
    message: &'static str,
}

/// The table columns in `lang`, in `report::cells` order.
pub(crate) fn columns(w: &Words) -> [&'static str; 12] {
    [
        w.name,
        w.households,
        w.permanent,
        w.records,
        w.record_pct,
        w.dynamic_pct,
        w.contract_pct,
        w.key_population_pct,
        w.due,
        w.overdue,
        w.managed,
        w.control_pct,
    ]
}

/// A refusal as a page in the caller's language.
pub(crate) fn message(lang: Lang, status: StatusCode, message: &'static str) -> Response {
    let page = MessagePage {
        w: lang.words(),
        lang,
        q: query_lang(lang),
        message,
    };
    (status, render_page(&page)).into_response()
}

/// `GET /dashboard`.
pub(crate) async fn page(
    State(d): State<Arc<Dashboard>>,
    headers: HeaderMap,
    Query(q): Query<OverviewQuery>,
) -> Response {
    let lang = Lang::from_code(q.lang.as_deref());
    let who = match session::principal(&d, &headers, lang) {
        Ok(who) => who,
        Err(refusal) => return refusal.into_response(),
    };
    let o = match load(&d, &who, &q, lang).await {
        Ok(o) => o,
        Err(refusal) => return refusal.into_response(),
    };
    let w = lang.words();
    let chart = chart_data(&o, w);
    render_page(&OverviewPage {
        w,
        lang,
        q: query_lang(lang),
        other_q: query_lang(lang.other()),
        user: &who.user,
        o: &o,
        columns: columns(w),
        chart,
    })
}

/// Reads an overview for `who`: the report of the area (audited as one read), its parts
/// summed from the report's own grid lines.
pub(crate) async fn load(
    d: &Dashboard,
    who: &Principal,
    q: &OverviewQuery,
    lang: Lang,
) -> Result<Overview, Refusal> {
    let w = lang.words();
    let message = |lang, status, text| Refusal::Message(lang, status, text);
    let on = match q.on.as_deref().filter(|s| !s.is_empty()) {
        None => d.indicators.today(),
        Some(s) => {
            parse_date(s).ok_or_else(|| message(lang, StatusCode::BAD_REQUEST, w.bad_date))?
        }
    };
    let unavailable = |error: &dyn std::fmt::Display| {
        tracing::warn!(%error, "a dashboard page could not be read");
        message(lang, StatusCode::SERVICE_UNAVAILABLE, w.unavailable)
    };
    let not_found = || message(lang, StatusCode::NOT_FOUND, w.not_found);
    let area = match q.area.as_deref().filter(|s| !s.is_empty()) {
        Some(text) => {
            let id = text.parse::<AreaNodeId>().map_err(|_| not_found())?;
            d.directory
                .get_area(id)
                .await
                .map_err(|e| unavailable(&e))?
                .ok_or_else(not_found)?
        }
        None => d
            .indicators
            .county_area()
            .await
            .map_err(|e| unavailable(&e))?
            .ok_or_else(not_found)?,
    };
    let report = d
        .indicators
        .area_report(who, area.id, on, None)
        .await
        .map_err(|e| match &e {
            ServiceError::InvalidArgument { .. } => {
                message(lang, StatusCode::BAD_REQUEST, w.bad_date)
            }
            ServiceError::NotFound(_) => not_found(),
            ServiceError::Unavailable(_) => unavailable(&e),
            other => {
                tracing::error!(error = %other, "a dashboard report failed");
                message(lang, StatusCode::INTERNAL_SERVER_ERROR, w.unavailable)
            }
        })?;
    let mut crumbs = vec![area.clone()];
    while let Some(parent) = crumbs.last().and_then(|a| a.parent) {
        match d
            .directory
            .get_area(parent)
            .await
            .map_err(|e| unavailable(&e))?
        {
            Some(p) if crumbs.len() < 16 => crumbs.push(p),
            _ => break,
        }
    }
    crumbs.reverse();
    let (parts, in_parts) = parts(d, &area, &report, lang)
        .await
        .map_err(|e| unavailable(&e))?;
    let grids = report
        .grids
        .iter()
        .filter(|g| !in_parts.contains(&g.grid))
        .map(|g| Line {
            href: None,
            cells: crate::report::cells(&g.name, &g.tally),
        })
        .collect();
    let teams = d
        .indicators
        .teams_of(&report)
        .await
        .map_err(|e| unavailable(&e))?
        .into_iter()
        .map(|(team, name, t)| {
            let name = if team.is_some() {
                name
            } else {
                w.no_team.to_owned()
            };
            let share = Rate {
                numerator: t.follow_ups_overdue,
                denominator: t.follow_ups_due,
            };
            [
                name,
                t.follow_ups_due.to_string(),
                t.follow_ups_overdue.to_string(),
                percent(share).unwrap_or_else(|| "-".to_owned()),
            ]
        })
        .collect();
    let profile = d.indicators.profile();
    let headlines = Headline::all()
        .map(|h| headline_row(h, lang, &report.total, profile, on.year()))
        .collect();
    Ok(Overview {
        crumbs,
        on: report.on,
        headlines,
        parts,
        grids,
        teams,
        total: Line {
            href: None,
            cells: crate::report::cells(w.total, &report.total),
        },
        area,
    })
}

/// The parts of the report as lines linking to their own overviews, and the grids they hold.
async fn parts(
    d: &Dashboard,
    area: &AreaNode,
    report: &IndicatorReport,
    lang: Lang,
) -> Result<(Vec<Line>, BTreeSet<GridId>), ServiceError> {
    let (parts, held) = d.indicators.parts_of(area.id, report).await?;
    let lines = parts
        .iter()
        .map(|(child, tally)| Line {
            href: Some(format!(
                "/dashboard?area={}&on={}&lang={}",
                child.id,
                report.on,
                query_lang(lang)
            )),
            cells: crate::report::cells(&child.name, tally),
        })
        .collect();
    Ok((lines, held))
}

fn headline_row(
    h: Headline,
    lang: Lang,
    total: &GridTally,
    profile: &yigong_domain::profile::RuleProfile,
    year: i32,
) -> HeadlineRow {
    let w = lang.words();
    let rate = h.rate(total, profile);
    let target = h.target(year);
    let (status, status_text) = match target.and_then(|t| t.met_by(rate)) {
        Some(true) => ("met", w.met),
        Some(false) => ("not-met", w.not_met),
        None => ("none", ""),
    };
    HeadlineRow {
        code: h.code(),
        name: i18n::headline(lang, h),
        value: percent(rate).unwrap_or_else(|| w.no_data.to_owned()),
        parts: format!("{} / {}", rate.numerator, rate.denominator),
        target: target.map_or_else(String::new, |t| {
            let kind = match (t.national, t.by, lang) {
                (false, _, _) => w.reference.to_owned(),
                (true, None, _) => w.national_goal.to_owned(),
                (true, Some(by), Lang::Zh) => format!("{by}年{}", w.national_goal),
                (true, Some(by), Lang::En) => format!("{} by {by}", w.national_goal),
            };
            format!("≥ {}% ({kind})", t.percent)
        }),
        status,
        status_text,
    }
}

/// A rate in percent with two decimals, as `yigong report` writes it.
pub(crate) fn percent(rate: Rate) -> Option<String> {
    rate.basis_points()
        .map(|b| format!("{}.{:02}%", b / 100, b % 100))
}

/// `YYYY-MM-DD`, nothing else.
pub(crate) fn parse_date(s: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    (s.len() == 10)
        .then(|| Date::parse(s, &format).ok())
        .flatten()
}

/// The chart's data: each part (or each grid, when there are none) with its contract coverage
/// and control rate, as JSON for the page's script.
fn chart_data(o: &Overview, w: &Words) -> String {
    let lines = if o.parts.is_empty() {
        &o.grids
    } else {
        &o.parts
    };
    let number = |cell: &str| cell.parse::<f64>().ok();
    let value = serde_json::json!({
        "title": w.chart_title,
        "series": [w.contract_pct, w.control_pct],
        "names": lines.iter().map(|l| l.cells[0].clone()).collect::<Vec<_>>(),
        "contract": lines.iter().map(|l| number(&l.cells[6])).collect::<Vec<_>>(),
        "control": lines.iter().map(|l| number(&l.cells[11])).collect::<Vec<_>>(),
    });
    value.to_string()
}
