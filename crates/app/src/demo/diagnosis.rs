//! The demo county's remote diagnosis centres (影像中心、心电中心、检验中心): each lead
//! hospital opens an imaging, an ECG and a laboratory centre for its own community (DX-CENTRE)
//! and appoints a reader of every grade to each; over the last month its townships asked for
//! X-rays, ultrasounds, CTs, ECGs and laboratory work, and the readers claimed, reported and
//! verified them.
//!
//! Every request is walked step by step at its own time, and before each step the deadlines it
//! passed run as the deadline jobs would have run them then, so the late reports carry their
//! turnaround breach and the critical values left waiting their escalations. Yesterday's last
//! requests stop part of the way (requested, acquired, in reading, preliminary), so the
//! readers' worklists have content; the month before ends verified, acknowledged, amended or
//! cancelled.
//!
//! Drawn from a generator of its own, so the rest of the county is what it was before it.

use std::sync::Arc;

use time::{Date, Duration, OffsetDateTime};
use yigong_domain::diagnosis::{
    AcquisitionForm, DiagnosisRequest, Grade, Modality, Priority, ReportForm, Status,
};
use yigong_domain::ids::{DiagnosisCentreId, InstitutionId};
use yigong_ports::{DiagnosisQueries, Versioned};
use yigong_service::{DiagnosisService, Principal, RequestInput, Role, ServiceError, Transition};
use yigong_store::Store;

use super::{DemoClock, Person, Rng, Township, at};

/// The reader `TOKEN_READER` stands for: an attending of the first hospital's ECG centre.
pub(super) const READER: &str = "demo-ecg-1-attending";

/// The centres each lead hospital opens: what the user name says, the name, what they read.
const CENTRES: [(&str, &str, &[Modality]); 3] = [
    (
        "imaging",
        "Imaging Centre 影像中心",
        &[
            Modality::Dr,
            Modality::Ct,
            Modality::Mr,
            Modality::Ultrasound,
        ],
    ),
    ("ecg", "ECG Centre 心电中心", &[Modality::Ecg]),
    (
        "lab",
        "Laboratory Centre 检验中心",
        &[Modality::Laboratory, Modality::Pathology],
    ),
];

/// Days of history.
const DAYS: u32 = 30;

/// What was built.
#[derive(Debug, Default)]
pub(super) struct Built {
    pub centres: usize,
    pub requests: usize,
    pub breaches: usize,
    pub escalations: usize,
}

/// One centre and its roster, as principals.
struct Centre {
    id: DiagnosisCentreId,
    modalities: &'static [Modality],
    /// One reader per grade, lowest first.
    readers: Vec<(Grade, Principal)>,
}

/// Opens the centres of `hospitals` and lays out a month of requests from `townships`.
pub(super) async fn seed(
    deps: &yigong_service::Deps,
    store: Arc<Store>,
    clock: &DemoClock,
    hospitals: &[InstitutionId; 2],
    townships: &[Township],
    people: &[Vec<Person>],
    today: Date,
) -> Result<Built, ServiceError> {
    let mut rng = Rng(0xD1A6_0000_0000_0003);
    let mut built = Built::default();
    let service = DiagnosisService::new(deps.clone(), store.clone());
    let network = deps.network.current();
    clock.set(at(today - Duration::days(i64::from(DAYS) + 5), 8));
    let mut centres = Vec::new();
    for (h, hospital) in hospitals.iter().enumerate() {
        let community = network.community_of(*hospital).map(|c| c.id());
        let operator = Principal {
            user: "demo-operator".to_owned(),
            role: Role::Operator,
            institution: *hospital,
            community,
            team: None,
        };
        let mut of_hospital = Vec::new();
        for (kind, name, modalities) in CENTRES {
            let id = service
                .open_centre(&operator, *hospital, name, modalities.to_vec())
                .await?
                .value
                .id();
            built.centres += 1;
            let mut readers = Vec::new();
            for grade in Grade::ALL.iter().copied() {
                let user = format!("demo-{kind}-{}-{}", h + 1, grade.code());
                service.appoint_reader(&operator, id, &user, grade).await?;
                readers.push((
                    grade,
                    Principal {
                        user,
                        role: Role::Clinician,
                        institution: *hospital,
                        community,
                        team: None,
                    },
                ));
            }
            of_hospital.push(Centre {
                id,
                modalities,
                readers,
            });
        }
        centres.push(of_hospital);
    }

    let walk = Walk {
        service: &service,
        store: &store,
        clock,
        deps,
        cutoff: at(today, 0),
    };
    let mut criticals = 0u32;
    for (t, township) in townships.iter().enumerate() {
        let lead = network
            .community_of(township.center)
            .map(|c| c.lead())
            .and_then(|lead| hospitals.iter().position(|h| *h == lead))
            .unwrap_or(0);
        let residents = &people[t];
        if residents.is_empty() {
            continue;
        }
        for d in (1..=DAYS).rev() {
            let day = today - Duration::days(i64::from(d));
            // Yesterday's last four stop in each unfinished state in turn.
            let count = if d == 1 { 4 } else { rng.range(1, 2) };
            for n in 0..count {
                let person = &residents[rng.range(0, len(residents)) as usize];
                let modality = modality(&mut rng);
                let Some(centre) = centres[lead]
                    .iter()
                    .find(|c| c.modalities.contains(&modality))
                else {
                    continue;
                };
                let mut plan = Plan::draw(&mut rng, modality, day, (d == 1).then_some(n));
                if plan.critical {
                    // Half are acknowledged within the profile's 15 minutes; of the rest, half
                    // after the duty desk was told, half after the community's desk too.
                    criticals += 1;
                    plan.critical_ack_minutes = match criticals % 4 {
                        1 => rng.range(17, 29),
                        2 => rng.range(32, 90),
                        _ => plan.critical_ack_minutes,
                    };
                }
                let requester = &township.clinician[person.team];
                let outcome = walk
                    .request(
                        &mut rng,
                        &format!("demo/diagnosis/{t}/{d}/{n}"),
                        requester,
                        person,
                        centre,
                        &plan,
                    )
                    .await?;
                built.requests += 1;
                built.breaches += usize::from(outcome.turnaround_breached().is_some());
                built.escalations += outcome.critical().map_or(0, |c| c.escalated.len());
            }
        }
    }
    Ok(built)
}

/// `0..=len-1` as the generator's bound.
fn len(v: &[Person]) -> u32 {
    u32::try_from(v.len().saturating_sub(1)).unwrap_or(0)
}

/// What the townships ask for most: ECGs and chest films, then ultrasound and the laboratory.
fn modality(rng: &mut Rng) -> Modality {
    match rng.range(0, 99) {
        0..=29 => Modality::Ecg,
        30..=54 => Modality::Dr,
        55..=69 => Modality::Ultrasound,
        70..=79 => Modality::Ct,
        80..=82 => Modality::Mr,
        83..=96 => Modality::Laboratory,
        _ => Modality::Pathology,
    }
}

/// How one request's story goes, drawn before it starts.
struct Plan {
    modality: Modality,
    priority: Priority,
    requested: OffsetDateTime,
    /// Where it stops short (yesterday's last requests), if anywhere.
    stops_at: Option<Status>,
    cancelled: bool,
    /// Minutes from acquisition to verification (some past the target).
    read_minutes: i64,
    positive: bool,
    critical: bool,
    /// Minutes from flagging to the requester's acknowledgment of a critical value.
    critical_ack_minutes: u32,
    acknowledged: bool,
    amended: bool,
}

impl Plan {
    /// `unfinished`: the request's place among yesterday's last, which stop short.
    fn draw(rng: &mut Rng, modality: Modality, day: Date, unfinished: Option<u32>) -> Plan {
        let priority = match rng.range(0, 99) {
            0..=5 => Priority::Emergency,
            6..=24 => Priority::Urgent,
            _ => Priority::Routine,
        };
        let target: i64 = match priority {
            Priority::Emergency => 30,
            Priority::Urgent => 120,
            Priority::Routine => 1440,
        };
        // One in eight is read late, the rest within the target.
        let read_minutes = if rng.chance(12) {
            target + i64::from(rng.range(10, 180))
        } else {
            i64::from(rng.range(8, 90)).min(target * 8 / 10) + i64::from(rng.range(0, 5))
        };
        let critical_odds = if priority == Priority::Emergency {
            30
        } else {
            6
        };
        let critical = modality != Modality::Pathology && rng.chance(critical_odds);
        let requested = at(day, 8) + Duration::minutes(i64::from(rng.range(0, 540)));
        // Those that stop short were picked up within the hour, so they got that far.
        let read_minutes = if unfinished.is_some() {
            read_minutes.min(60)
        } else {
            read_minutes
        };
        Plan {
            modality,
            priority,
            requested,
            stops_at: unfinished.map(|n| {
                [
                    Status::Requested,
                    Status::Acquired,
                    Status::InReading,
                    Status::Preliminary,
                ][n as usize % 4]
            }),
            cancelled: rng.chance(4),
            read_minutes,
            positive: critical || rng.chance(30),
            critical,
            critical_ack_minutes: rng.range(3, 14),
            acknowledged: rng.chance(90),
            amended: rng.chance(4),
        }
    }
}

/// Walks requests through the service with the clock at each step's time.
struct Walk<'a> {
    service: &'a DiagnosisService,
    store: &'a Store,
    clock: &'a DemoClock,
    deps: &'a yigong_service::Deps,
    /// Nothing happens at or after this (the start of today).
    cutoff: OffsetDateTime,
}

impl Walk<'_> {
    async fn request(
        &self,
        rng: &mut Rng,
        request_id: &str,
        requester: &Principal,
        person: &Person,
        centre: &Centre,
        plan: &Plan,
    ) -> Result<DiagnosisRequest, ServiceError> {
        let texts = Texts::of(plan.modality);
        let mut now = plan.requested;
        self.clock.set(now);
        let mut r = self
            .service
            .create_request(
                requester,
                request_id,
                RequestInput {
                    patient: person.id,
                    centre: centre.id,
                    modality: plan.modality,
                    exam_item: texts.exam_item.to_owned(),
                    clinical_info: texts.clinical_info.to_owned(),
                    priority: plan.priority,
                },
            )
            .await?;
        if plan.stops_at == Some(Status::Requested) {
            return Ok(r.value);
        }
        if plan.cancelled && plan.stops_at.is_none() {
            now += Duration::minutes(i64::from(rng.range(20, 120)));
            let cancel = Transition::Cancel("患者拒绝检查".to_owned());
            return Ok(self.step(r, now, requester, cancel).await?.value);
        }
        now += Duration::minutes(i64::from(rng.range(5, 60)));
        let acquired = now;
        let form = acquisition(&r.value);
        r = self
            .at(r, now, requester, Transition::Acquire(form))
            .await?;
        if plan.stops_at == Some(Status::Acquired) || now >= self.cutoff {
            return self.finish(r).await;
        }
        // A reader below the verifying grade reads most; an attending some.
        let (author, verifier) = if rng.chance(70) {
            (
                &centre.readers[0],
                &centre.readers[1 + rng.range(0, 2) as usize],
            )
        } else {
            (
                &centre.readers[1],
                &centre.readers[2 + rng.range(0, 1) as usize],
            )
        };
        let verified = acquired + Duration::minutes(plan.read_minutes);
        let span = (verified - acquired).whole_minutes().max(4);
        now = acquired + Duration::minutes(span / 4);
        r = self.at(r, now, &author.1, Transition::Claim).await?;
        if plan.stops_at == Some(Status::InReading) {
            return self.finish(r).await;
        }
        now = acquired + Duration::minutes(span * 3 / 4);
        let report = texts.report(plan.positive, plan.critical);
        r = self
            .at(r, now, &author.1, Transition::Report(report))
            .await?;
        let flagged = now;
        let mut critical_open = plan.critical;
        if plan.stops_at == Some(Status::Preliminary) {
            return self.finish(r).await;
        }
        let critical_ack = flagged + Duration::minutes(i64::from(plan.critical_ack_minutes));
        if critical_open && critical_ack <= verified {
            r = self
                .at(r, critical_ack, requester, Transition::AcknowledgeCritical)
                .await?;
            critical_open = false;
        }
        r = self
            .at(r, verified, &verifier.1, Transition::Verify)
            .await?;
        if critical_open {
            r = self
                .at(r, critical_ack, requester, Transition::AcknowledgeCritical)
                .await?;
        }
        now = verified.max(critical_ack) + Duration::minutes(i64::from(rng.range(20, 600)));
        if plan.amended {
            let chief = &centre.readers[3].1;
            r = self
                .at(
                    r,
                    now,
                    chief,
                    Transition::Amend {
                        report: texts.report(true, false),
                        reason: "复核后补充所见".to_owned(),
                    },
                )
                .await?;
            now += Duration::minutes(i64::from(rng.range(20, 300)));
        }
        if plan.acknowledged {
            r = self.at(r, now, requester, Transition::Acknowledge).await?;
        }
        self.finish(r).await
    }

    /// Runs the deadlines passed before `when`, then `transition` at `when` (unless that is
    /// today, which has not happened yet).
    async fn at(
        &self,
        r: Versioned<DiagnosisRequest>,
        when: OffsetDateTime,
        who: &Principal,
        transition: Transition,
    ) -> Result<Versioned<DiagnosisRequest>, ServiceError> {
        if when >= self.cutoff {
            return Ok(r);
        }
        let r = self.deadlines_until(r, when).await?;
        self.step(r, when, who, transition).await
    }

    async fn step(
        &self,
        r: Versioned<DiagnosisRequest>,
        when: OffsetDateTime,
        who: &Principal,
        transition: Transition,
    ) -> Result<Versioned<DiagnosisRequest>, ServiceError> {
        self.clock.set(when);
        self.service
            .transition(who, r.value.id(), Some(r.version), transition)
            .await
    }

    /// Runs each deadline of `r` that falls before `until`, at its time (a minute after it, as
    /// a job polling would find it).
    async fn deadlines_until(
        &self,
        mut r: Versioned<DiagnosisRequest>,
        until: OffsetDateTime,
    ) -> Result<Versioned<DiagnosisRequest>, ServiceError> {
        let profile = &self.deps.profile;
        while let Some(due) = r.value.next_deadline(profile) {
            let when = due + Duration::minutes(1);
            if when >= until {
                break;
            }
            self.clock.set(when);
            self.service.run_deadlines_of(r.value.id()).await?;
            r = self.reload(r.value.id()).await?;
        }
        Ok(r)
    }

    /// The deadlines passed by the end of the history, then the request as stored.
    async fn finish(
        &self,
        r: Versioned<DiagnosisRequest>,
    ) -> Result<DiagnosisRequest, ServiceError> {
        Ok(self.deadlines_until(r, self.cutoff).await?.value)
    }

    async fn reload(
        &self,
        id: yigong_domain::ids::DiagnosisRequestId,
    ) -> Result<Versioned<DiagnosisRequest>, ServiceError> {
        self.store
            .get_request(id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(format!("diagnosis request {id}")))
    }
}

/// The acquisition's identifiers, by modality: a UUID-derived DICOM UID (ISO/IEC 9834-8
/// `2.25.` root) and an accession number, an ECG file id, or a specimen barcode.
fn acquisition(r: &DiagnosisRequest) -> AcquisitionForm {
    let id = r.id().as_uuid();
    let short = &id.simple().to_string()[24..];
    match r.modality() {
        Modality::Ecg => AcquisitionForm {
            ecg_file_id: format!("ECG-{short}"),
            ..AcquisitionForm::default()
        },
        Modality::Laboratory | Modality::Pathology => AcquisitionForm {
            specimen_id: format!("S{short}"),
            ..AcquisitionForm::default()
        },
        _ => AcquisitionForm {
            study_instance_uid: format!("2.25.{}", id.as_u128()),
            accession_number: format!("A{short}"),
            ..AcquisitionForm::default()
        },
    }
}

/// What a modality's request and reports say.
struct Texts {
    exam_item: &'static str,
    clinical_info: &'static str,
    normal: (&'static str, &'static str),
    abnormal: (&'static str, &'static str),
    /// Findings, impression and the critical value.
    critical: (&'static str, &'static str, &'static str),
}

impl Texts {
    fn of(modality: Modality) -> Texts {
        match modality {
            Modality::Ecg => Texts {
                exam_item: "常规十二导联心电图",
                clinical_info: "胸闷、心悸2天",
                normal: ("窦性心律，心率72次/分，各导联未见异常", "正常心电图"),
                abnormal: ("窦性心律，II、III、aVF导联T波低平", "ST-T改变"),
                critical: (
                    "窦性心律，V1-V4导联ST段抬高0.3mV",
                    "急性前壁心肌梗死可能",
                    "急性心肌梗死",
                ),
            },
            Modality::Dr => Texts {
                exam_item: "胸部正位片",
                clinical_info: "咳嗽、咳痰1周",
                normal: ("双肺纹理清晰，心影大小正常", "胸部未见明显异常"),
                abnormal: ("右下肺野见斑片状模糊影", "右下肺炎症可能"),
                critical: (
                    "左侧胸腔积气，肺组织压缩约40%",
                    "左侧气胸",
                    "气胸，肺压缩大于30%",
                ),
            },
            Modality::Ultrasound => Texts {
                exam_item: "腹部彩超（肝胆胰脾）",
                clinical_info: "右上腹隐痛3天",
                normal: ("肝胆胰脾形态大小正常，回声均匀", "腹部超声未见明显异常"),
                abnormal: ("胆囊内见强回声伴声影", "胆囊结石"),
                critical: ("脾周见不规则液性暗区，腹腔积液", "脾破裂可能", "腹腔内出血"),
            },
            Modality::Ct => Texts {
                exam_item: "头颅CT平扫",
                clinical_info: "头痛、头晕伴恶心半天",
                normal: ("脑实质未见异常密度影，中线结构居中", "头颅CT未见异常"),
                abnormal: ("左侧基底节区见小片状低密度影", "腔隙性脑梗死"),
                critical: (
                    "右侧颞顶叶见团片状高密度影，中线左移约6mm",
                    "脑出血",
                    "急性脑出血伴中线移位",
                ),
            },
            Modality::Mr => Texts {
                exam_item: "腰椎MRI平扫",
                clinical_info: "腰痛伴左下肢麻木1月",
                normal: ("腰椎序列正常，椎间盘未见突出", "腰椎MRI未见明显异常"),
                abnormal: ("L4/5椎间盘向左后方突出，压迫硬膜囊", "L4/5椎间盘突出"),
                critical: (
                    "T12椎体压缩变形，椎管内占位压迫脊髓",
                    "脊髓压迫",
                    "急性脊髓压迫",
                ),
            },
            Modality::Laboratory => Texts {
                exam_item: "血常规+肝肾功能+电解质",
                clinical_info: "乏力、纳差1周，高血压病史",
                normal: ("各项指标均在参考范围内", "检验结果未见异常"),
                abnormal: ("空腹血糖8.2 mmol/L，糖化血红蛋白7.5%", "血糖升高"),
                critical: ("血钾6.8 mmol/L", "高钾血症", "血钾6.8 mmol/L"),
            },
            Modality::Pathology => Texts {
                exam_item: "宫颈活检病理",
                clinical_info: "两癌筛查阴道镜检查异常",
                normal: ("宫颈黏膜慢性炎症", "慢性宫颈炎"),
                abnormal: ("宫颈鳞状上皮低级别病变", "CIN1"),
                critical: ("宫颈鳞状上皮高级别病变", "CIN3", "高级别病变"),
            },
        }
    }

    fn report(&self, positive: bool, critical: bool) -> ReportForm {
        let (findings, impression, critical) = match (critical, positive) {
            (true, _) => (self.critical.0, self.critical.1, Some(self.critical.2)),
            (false, true) => (self.abnormal.0, self.abnormal.1, None),
            (false, false) => (self.normal.0, self.normal.1, None),
        };
        ReportForm {
            findings: findings.to_owned(),
            impression: impression.to_owned(),
            positive,
            critical: critical.map(str::to_owned),
        }
    }
}
