//! A centre's figures over a period (§12 indicators): the domain's tally of its requests, in
//! total, per requesting institution, per modality and per day or month, with its coverage of
//! the community's township-level members. For the centre's readers and the operators
//! administering its institution; audited as one read.

use std::collections::BTreeMap;

use time::{Date, OffsetDateTime, Time};
use yigong_domain::diagnosis::{DiagnosisCentre, DiagnosisRequest, Modality};
use yigong_domain::ids::{DiagnosisCentreId, InstitutionId};
use yigong_domain::indicator::DiagnosisFigures;

use super::DiagnosisService;
use crate::deps::audit_entry;
use crate::{Principal, ServiceError};

const FIGURES: &str = "diagnosis.figures";

/// The longest period one call covers.
pub const MAX_FIGURES_DAYS: i64 = 366;

/// How the figures are broken down over time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    /// Per day (UTC) a request was made.
    Day,
    /// Per calendar month.
    Month,
}

/// A centre's figures from one day to another (both included, by the day a request was made).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CentreFigures {
    /// The centre.
    pub centre: DiagnosisCentre,
    /// The first day.
    pub from: Date,
    /// The last day.
    pub to: Date,
    /// All its requests.
    pub total: DiagnosisFigures,
    /// `(used, members)`: the community's township-level members that asked in the period.
    pub coverage: (u32, u32),
    /// Per requesting institution.
    pub by_institution: BTreeMap<InstitutionId, DiagnosisFigures>,
    /// Per modality.
    pub by_modality: BTreeMap<Modality, DiagnosisFigures>,
    /// Per day or month (its first day), only those with requests.
    pub by_period: BTreeMap<Date, DiagnosisFigures>,
}

impl DiagnosisService {
    /// The figures of `centre` for requests made from `from` to `to`.
    pub async fn figures(
        &self,
        who: &Principal,
        centre: DiagnosisCentreId,
        from: Date,
        to: Date,
        interval: Interval,
    ) -> Result<CentreFigures, ServiceError> {
        if to < from {
            return Err(ServiceError::invalid("to_date", "is before from_date"));
        }
        if (to - from).whole_days() >= MAX_FIGURES_DAYS {
            return Err(ServiceError::invalid(
                "to_date",
                format!("at most {MAX_FIGURES_DAYS} days from from_date"),
            ));
        }
        let resource = format!("diagnosis-centres/{centre}/figures");
        let network = self.deps.network.current();
        let found = self.diagnosis.get_centre(centre).await?;
        let Some(found) = found.filter(|c| {
            who.reader_at(&c.value).is_some() || who.administers(c.value.institution(), &network)
        }) else {
            return Err(self
                .deps
                .unseen(
                    who,
                    FIGURES,
                    resource,
                    None,
                    format!("diagnosis centre {centre}"),
                )
                .await);
        };
        let start = |d: Date| OffsetDateTime::new_utc(d, Time::MIDNIGHT);
        let until = to
            .next_day()
            .map_or_else(|| OffsetDateTime::new_utc(to, Time::MAX), start);
        let requests = self
            .diagnosis
            .requests_of_centre(centre, start(from), until)
            .await?;
        let profile = &self.deps.profile;
        let tally = |of: &[&DiagnosisRequest]| DiagnosisFigures::tally(of.iter().copied(), profile);
        let total = DiagnosisFigures::tally(&requests, profile);
        let coverage = total.coverage(&network, found.value.community());
        let by_institution = by(&requests, |r| r.requester().institution, &tally);
        let by_modality = by(&requests, DiagnosisRequest::modality, &tally);
        let by_period = by(
            &requests,
            |r| {
                let day = r.requested_at().date();
                match interval {
                    Interval::Day => day,
                    Interval::Month => day.replace_day(1).unwrap_or(day),
                }
            },
            &tally,
        );
        let entry = audit_entry(who, FIGURES, resource, None, self.deps.clock.now());
        self.deps.audit.record(&entry).await?;
        Ok(CentreFigures {
            centre: found.value,
            from,
            to,
            total,
            coverage,
            by_institution,
            by_modality,
            by_period,
        })
    }
}

/// The tally of `requests` grouped by `key`.
fn by<K: Ord>(
    requests: &[DiagnosisRequest],
    key: impl Fn(&DiagnosisRequest) -> K,
    tally: &dyn Fn(&[&DiagnosisRequest]) -> DiagnosisFigures,
) -> BTreeMap<K, DiagnosisFigures> {
    let mut groups: BTreeMap<K, Vec<&DiagnosisRequest>> = BTreeMap::new();
    for r in requests {
        groups.entry(key(r)).or_default().push(r);
    }
    groups.into_iter().map(|(k, rs)| (k, tally(&rs))).collect()
}
