//! Referral flows (双向转诊) over a span of days: for every institution of the network, what
//! it sent and received upward and downward, how it answered (in time, how fast), what
//! escalated, what was completed and reported back; the county's totals; exported like every
//! table. The counts are the domain's (`ReferralFigures`), read by `ReferralService::flows`.

use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use time::{Date, Duration};
use yigong_domain::indicator::{Rate, ReferralFigures};
use yigong_service::{Principal, ReferralFlow, ServiceError};

use super::export::{Sheet, download};
use super::i18n::{Lang, Words};
use super::overview::{parse_date, percent};
use super::session::{self, query_lang, render_page};
use super::{Dashboard, Refusal};

/// The longest span a page counts: a year (a leap one included).
const MAX_SPAN_DAYS: i64 = 366;

/// `?from=…&to=…&lang=…`, and for an export `&format=csv|xlsx`.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct FlowQuery {
    from: Option<String>,
    to: Option<String>,
    lang: Option<String>,
    format: Option<String>,
}

/// What the page and its export show.
struct Flows {
    from: Date,
    to: Date,
    /// Per institution, then the total: the cells in [`columns`] order.
    lines: Vec<[String; 11]>,
    total: [String; 11],
}

#[derive(Template)]
#[template(path = "referrals.html")]
struct FlowPage<'a> {
    w: &'static Words,
    q: &'static str,
    other_q: &'static str,
    lang: Lang,
    user: &'a str,
    f: &'a Flows,
    columns: [&'static str; 11],
}

fn columns(w: &Words) -> [&'static str; 11] {
    [
        w.institution,
        w.sent_up,
        w.sent_down,
        w.received_up,
        w.received_down,
        w.answered,
        w.in_time_pct,
        w.median_answer,
        w.escalated,
        w.completed,
        w.reported_back,
    ]
}

/// One line's cells: the sent counts from `sent`, the rest from `received` (the receiver
/// answers, completes and reports back).
fn cells(name: &str, sent: &ReferralFigures, received: &ReferralFigures) -> [String; 11] {
    let in_time = Rate {
        numerator: u64::from(received.answered_in_time),
        denominator: u64::from(received.answered),
    };
    [
        name.to_owned(),
        sent.upward.to_string(),
        sent.downward.to_string(),
        received.upward.to_string(),
        received.downward.to_string(),
        received.answered.to_string(),
        percent(in_time).unwrap_or_else(|| "-".to_owned()),
        received
            .median_answer_minutes
            .map_or_else(|| "-".to_owned(), |m| m.to_string()),
        received.escalated.to_string(),
        received.completed.to_string(),
        received.reported_back.to_string(),
    ]
}

/// The county's sent and received figures: every institution's summed (no median).
fn total(flows: &[ReferralFlow]) -> (ReferralFigures, ReferralFigures) {
    (
        ReferralFigures::sum(flows.iter().map(|f| &f.sent)),
        ReferralFigures::sum(flows.iter().map(|f| &f.received)),
    )
}

/// The span asked for: the 30 days to today when none is named.
fn span(q: &FlowQuery, today: Date) -> Option<(Date, Date)> {
    let day = |s: &Option<String>| match s.as_deref().filter(|s| !s.is_empty()) {
        None => Some(None),
        Some(s) => parse_date(s).map(Some),
    };
    let to = day(&q.to)?.unwrap_or(today);
    let from = match day(&q.from)? {
        Some(from) => from,
        None => to.checked_sub(Duration::days(29))?,
    };
    (from <= to && (to - from).whole_days() < MAX_SPAN_DAYS).then_some((from, to))
}

/// The flows `who` asked for, or why not, in `lang`.
async fn load(d: &Dashboard, who: &Principal, q: &FlowQuery, lang: Lang) -> Result<Flows, Refusal> {
    let w = lang.words();
    let message = |status, text| Refusal::Message(lang, status, text);
    let (from, to) =
        span(q, d.indicators.today()).ok_or(message(StatusCode::BAD_REQUEST, w.bad_span))?;
    let flows = d
        .referrals
        .flows(who, from, to)
        .await
        .map_err(|e| match e {
            ServiceError::InvalidArgument { .. } => message(StatusCode::BAD_REQUEST, w.bad_span),
            ServiceError::Unavailable(error) => {
                tracing::warn!(%error, "the referral flows could not be read");
                message(StatusCode::SERVICE_UNAVAILABLE, w.unavailable)
            }
            other => {
                tracing::error!(error = %other, "the referral flows failed");
                message(StatusCode::INTERNAL_SERVER_ERROR, w.unavailable)
            }
        })?;
    let (sent, received) = total(&flows);
    let lines = flows
        .iter()
        .map(|f| cells(&f.institution.name, &f.sent, &f.received))
        .collect();
    let total = cells(w.total, &sent, &received);
    Ok(Flows {
        from,
        to,
        lines,
        total,
    })
}

/// `GET /dashboard/referrals`.
pub(crate) async fn page(
    State(d): State<Arc<Dashboard>>,
    headers: HeaderMap,
    Query(q): Query<FlowQuery>,
) -> Response {
    let lang = Lang::from_code(q.lang.as_deref());
    let loaded = match session::principal(&d, &headers, lang) {
        Ok(who) => load(&d, &who, &q, lang).await.map(|f| (who.user, f)),
        Err(refusal) => Err(refusal),
    };
    let (user, f) = match loaded {
        Ok(loaded) => loaded,
        Err(refusal) => return refusal.into_response(),
    };
    let w = lang.words();
    render_page(&FlowPage {
        w,
        q: query_lang(lang),
        other_q: query_lang(lang.other()),
        lang,
        user: &user,
        f: &f,
        columns: columns(w),
    })
}

/// `GET /dashboard/referrals/export`.
pub(crate) async fn export(
    State(d): State<Arc<Dashboard>>,
    headers: HeaderMap,
    Query(q): Query<FlowQuery>,
) -> Response {
    let lang = Lang::from_code(q.lang.as_deref());
    let who = match session::principal(&d, &headers, lang) {
        Ok(who) => who,
        Err(refusal) => return refusal.into_response(),
    };
    let format = q.format.as_deref().unwrap_or("csv");
    if !matches!(format, "csv" | "xlsx") {
        return (StatusCode::BAD_REQUEST, "format: csv or xlsx").into_response();
    }
    let f = match load(&d, &who, &q, lang).await {
        Ok(loaded) => loaded,
        Err(refusal) => return refusal.into_response(),
    };
    let w = lang.words();
    let sheet = Sheet {
        name: "referrals",
        header: columns(w).iter().map(|c| (*c).to_owned()).collect(),
        rows: f
            .lines
            .iter()
            .chain([&f.total])
            .map(|l| l.to_vec())
            .collect(),
    };
    let file = format!("yigong-referrals-{}-{}", f.from, f.to);
    let title = format!("{} · {} – {}", w.referrals, f.from, f.to);
    download(&sheet, &file, &title, format == "xlsx")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn q(from: &str, to: &str) -> FlowQuery {
        FlowQuery {
            from: Some(from.to_owned()),
            to: Some(to.to_owned()),
            ..FlowQuery::default()
        }
    }

    #[test]
    fn the_span_is_the_thirty_days_to_today_unless_named_and_at_most_a_year() {
        let today = date!(2026 - 12 - 07);
        assert_eq!(
            span(&FlowQuery::default(), today),
            Some((date!(2026 - 11 - 08), today))
        );
        let leap = q("2028-01-01", "2028-12-31");
        assert_eq!(
            span(&leap, today),
            Some((date!(2028 - 01 - 01), date!(2028 - 12 - 31)))
        );
        assert_eq!(span(&q("2026-01-01", "2027-01-02"), today), None);
        assert_eq!(span(&q("2026-12-02", "2026-12-01"), today), None);
        assert_eq!(span(&q("2026-12-1", ""), today), None);
        assert_eq!(
            span(&q("2026-12-01", ""), today),
            Some((date!(2026 - 12 - 01), today))
        );
    }

    #[test]
    fn the_total_sums_counts_and_takes_its_in_time_rate_from_the_sums() {
        let a = ReferralFigures {
            answered: 3,
            answered_in_time: 3,
            median_answer_minutes: Some(10),
            upward: 1,
            ..ReferralFigures::default()
        };
        let b = ReferralFigures {
            answered: 1,
            answered_in_time: 0,
            median_answer_minutes: Some(500),
            downward: 2,
            ..ReferralFigures::default()
        };
        let (sent, received) = total(&[flow(a.clone(), a.clone()), flow(b.clone(), b.clone())]);
        let line = cells("合计", &sent, &received);
        assert_eq!(line[1..8], ["1", "2", "1", "2", "4", "75.00%", "-"]);
    }

    fn flow(sent: ReferralFigures, received: ReferralFigures) -> ReferralFlow {
        ReferralFlow {
            institution: yigong_domain::network::Institution {
                id: yigong_domain::ids::InstitutionId::from_u128(1),
                name: "x".into(),
                kind: yigong_domain::network::InstitutionKind::TownshipHealthCenter,
            },
            sent,
            received,
        }
    }
}
