//! The demo county's remote consultations (远程会诊): over the last two weeks each township's
//! clinicians asked their lead hospital's specialists for opinions on their patients, with the
//! patient's documents attached, and the hospital scheduled a specialist, answered in writing
//! or declined; one was cancelled when the patient was referred instead. The last few days'
//! are still open (requested or scheduled), so the hospital's inbox has content.
//!
//! Drawn from a generator of its own, so the rest of the county is what it was before it.

use time::{Date, Duration};
use yigong_domain::consultation::AttachmentForm;
use yigong_domain::ids::InstitutionId;
use yigong_service::{
    ConsultationInput, ConsultationService, ConsultationStep, Principal, Role, ServiceError,
};

use super::{DemoClock, Person, Rng, Township, at};

/// Consultations a township asked, one every three days, the last yesterday.
const ASKED: i64 = 5;

/// What a township asks, by department: the department, the question.
const QUESTIONS: [(&str, &str); 5] = [
    (
        "心内科",
        "高血压多年，三种降压药联用血压仍在160/100mmHg左右，是否考虑继发性高血压，需做哪些检查？",
    ),
    (
        "内分泌科",
        "2型糖尿病，二甲双胍联合格列美脲，空腹血糖仍在9-10mmol/L，是否加用胰岛素及起始剂量？",
    ),
    (
        "神经内科",
        "反复头晕伴一过性言语不清两次，每次持续数分钟，头颅CT未见异常，是否需上转进一步检查？",
    ),
    (
        "呼吸内科",
        "慢性咳嗽咳痰十余年，近一月活动后气促加重，是否需行肺功能检查，用药如何调整？",
    ),
    (
        "精神科",
        "精神分裂症维持治疗中，近两周睡眠差、自言自语增多，家属担心复发，药物是否需要调整？",
    ),
];

/// The written answers, by department.
const ANSWERS: [&str; 5] = [
    "建议查肾素、醛固酮、皮质醇及肾动脉超声排查继发性高血压；暂将氨氯地平加至10mg qd，两周后复测。",
    "建议加用甘精胰岛素睡前10U起始，每3天根据空腹血糖调整2U，目标空腹4.4-7.0mmol/L；注意低血糖。",
    "考虑短暂性脑缺血发作可能，建议尽快上转神经内科行头颈部血管评估，期间启动阿司匹林100mg qd。",
    "建议行肺功能检查明确慢阻肺分级，可先予噻托溴铵吸入，症状加重或血氧下降及时上转。",
    "考虑病情波动，建议奥氮平由10mg加至15mg qn，一周后复诊评估；如出现冲动行为立即上转。",
];

/// What was built.
#[derive(Debug, Default)]
pub(super) struct Built {
    pub consultations: usize,
    pub answered: usize,
}

/// Lays out two weeks of consultations from `townships` to their lead hospitals.
pub(super) async fn seed(
    service: &ConsultationService,
    network: &yigong_domain::network::Network,
    clock: &DemoClock,
    townships: &[Township],
    people: &[Vec<Person>],
    today: Date,
) -> Result<Built, ServiceError> {
    let mut rng = Rng(0xC025_0000_0000_0005);
    let mut built = Built::default();
    for (t, township) in townships.iter().enumerate() {
        let Some(lead) = network.community_of(township.center).map(|c| c.lead()) else {
            continue;
        };
        let residents = &people[t];
        if residents.is_empty() {
            continue;
        }
        for d in (0..ASKED).rev().map(|k| 1 + 3 * k) {
            let day = today - Duration::days(d);
            let person = &residents[rng.range(0, bound(residents)) as usize];
            let (q, (department, question)) = {
                let q = rng.range(0, 4) as usize;
                (q, QUESTIONS[q])
            };
            let asked_at = at(day, 9) + Duration::minutes(i64::from(rng.range(0, 300)));
            clock.set(asked_at);
            let asker = &township.clinician[person.team];
            let attachments = if rng.chance(50) {
                vec![AttachmentForm {
                    title: "门诊病历及近期化验单".to_owned(),
                    url: format!("https://his.demo.example/{t}/{d}/record.pdf"),
                    media_type: "application/pdf".to_owned(),
                    ..AttachmentForm::default()
                }]
            } else {
                Vec::new()
            };
            let proposed = at(day + Duration::days(1), 15);
            let asked = service
                .ask(
                    asker,
                    &format!("demo/consultation/{t}/{d}"),
                    ConsultationInput {
                        patient: person.id,
                        consultant: lead,
                        department: department.to_owned(),
                        question: question.to_owned(),
                        attachments,
                        proposed_at: proposed,
                    },
                )
                .await?;
            built.consultations += 1;
            let id = asked.value.id();
            let community = network.community_of(lead).map(|c| c.id());
            let specialist = clinician(lead, community, &format!("specialist-{q}"));
            let desk = clinician(lead, community, "desk");
            // The last days' stay open: asked yesterday, or scheduled.
            if d == 1 {
                continue;
            }
            clock.set(asked_at + Duration::hours(2));
            let roll = rng.range(0, 9);
            if roll == 0 {
                service
                    .step(
                        &desk,
                        id,
                        None,
                        ConsultationStep::Decline("该问题建议直接转诊至专科门诊面诊".to_owned()),
                    )
                    .await?;
                continue;
            }
            if roll == 1 {
                service
                    .step(
                        asker,
                        id,
                        None,
                        ConsultationStep::Cancel("患者已直接转诊至县医院".to_owned()),
                    )
                    .await?;
                continue;
            }
            service
                .step(
                    &desk,
                    id,
                    None,
                    ConsultationStep::Schedule {
                        specialist: Some(specialist.user.clone()),
                        at: proposed,
                    },
                )
                .await?;
            if d <= 4 {
                continue;
            }
            clock.set(proposed + Duration::minutes(40));
            service
                .step(
                    &specialist,
                    id,
                    None,
                    ConsultationStep::Answer(ANSWERS[q].to_owned()),
                )
                .await?;
            built.answered += 1;
        }
    }
    Ok(built)
}

/// A clinician `who` of `hospital`'s consultation service.
fn clinician(
    hospital: InstitutionId,
    community: Option<yigong_domain::ids::CommunityId>,
    who: &str,
) -> Principal {
    Principal {
        user: format!("demo-consult-{who}"),
        role: Role::Clinician,
        institution: hospital,
        community,
        team: None,
    }
}

/// `0..=len-1` as the generator's bound.
fn bound(v: &[Person]) -> u32 {
    u32::try_from(v.len().saturating_sub(1)).unwrap_or(0)
}
