//! Remote-diagnosis values as their messages.

use yigong_domain::diagnosis::{
    Acquisition, DiagnosisCentre, DiagnosisRequest, ReportForm, ReportVersion,
};
use yigong_domain::profile::RuleProfile;
use yigong_ports::Versioned;
use yigong_proto::v1 as pb;

use crate::wire::{etag, name, timestamp};

pub(super) fn centre(v: &Versioned<DiagnosisCentre>) -> pb::DiagnosisCentre {
    let c = &v.value;
    pb::DiagnosisCentre {
        name: name("diagnosis-centres", c.id()),
        institution: name("institutions", c.institution()),
        community: name("communities", c.community()),
        display_name: c.name().to_owned(),
        modalities: c.modalities().iter().map(|m| m.code().to_owned()).collect(),
        readers: c
            .readers()
            .iter()
            .map(|(user, grade)| pb::CentreReader {
                user: user.clone(),
                grade: grade.code().to_owned(),
            })
            .collect(),
        etag: etag(v.version),
    }
}

pub(super) fn content(r: &ReportForm) -> pb::ReportContent {
    pb::ReportContent {
        findings: r.findings.clone(),
        impression: r.impression.clone(),
        positive: r.positive,
        critical_finding: r.critical.clone().unwrap_or_default(),
    }
}

pub(super) fn version(v: &ReportVersion) -> pb::ReportVersion {
    pb::ReportVersion {
        version: u32::from(v.version),
        report: Some(content(&v.report)),
        author: v.author.user.clone(),
        author_grade: v.author.grade.code().to_owned(),
        verifier: v.verifier.user.clone(),
        verifier_grade: v.verifier.grade.code().to_owned(),
        time: Some(timestamp(v.at)),
        reason: v.reason.clone().unwrap_or_default(),
    }
}

fn acquisition(a: &Acquisition, at: time::OffsetDateTime) -> pb::Acquisition {
    let mut m = pb::Acquisition {
        acquired_time: Some(timestamp(at)),
        ..pb::Acquisition::default()
    };
    match a {
        Acquisition::ImagingStudy {
            study_uid,
            accession,
        } => {
            m.kind = "imaging_study".to_owned();
            m.study_instance_uid = study_uid.as_str().to_owned();
            m.accession_number = accession.clone();
        }
        Acquisition::EcgFile { file_id } => {
            m.kind = "ecg_file".to_owned();
            m.ecg_file_id = file_id.clone();
        }
        Acquisition::Specimen { specimen_id } => {
            m.kind = "specimen".to_owned();
            m.specimen_id = specimen_id.clone();
        }
    }
    m
}

pub(super) fn request(
    v: &Versioned<DiagnosisRequest>,
    profile: &RuleProfile,
) -> pb::DiagnosisRequest {
    let r = &v.value;
    pb::DiagnosisRequest {
        name: name("diagnosis-requests", r.id()),
        patient: name("residents", r.patient()),
        centre: name("diagnosis-centres", r.centre()),
        requester: name("institutions", r.requester().institution),
        requester_clinician: r.requester().clinician.clone(),
        modality: r.modality().code().to_owned(),
        exam_item: r.exam_item().to_owned(),
        clinical_info: r.clinical_info().to_owned(),
        priority: r.priority().code().to_owned(),
        status: r.status().code().to_owned(),
        requested_time: Some(timestamp(r.requested_at())),
        acquisition: r.acquisition().map(|(a, at)| acquisition(a, *at)),
        reader: r
            .claim_holder()
            .map(|(reader, _)| reader.user.clone())
            .unwrap_or_default(),
        preliminary: r.preliminary().map(|(p, _)| content(p)),
        reports: r.reports().iter().map(version).collect(),
        acknowledged_by: r
            .acknowledged()
            .map(|(by, _)| by.clone())
            .unwrap_or_default(),
        acknowledged_time: r.acknowledged().map(|(_, at)| timestamp(*at)),
        cancel_reason: r
            .cancelled()
            .map(|(reason, _)| reason.clone())
            .unwrap_or_default(),
        critical: r.critical().map(|c| pb::CriticalValue {
            finding: c.finding.clone(),
            flagged_time: Some(timestamp(c.flagged_at)),
            acknowledged_by: c
                .acknowledged
                .as_ref()
                .map(|(by, _)| by.clone())
                .unwrap_or_default(),
            acknowledged_time: c.acknowledged.as_ref().map(|(_, at)| timestamp(*at)),
            escalations: c
                .escalated
                .iter()
                .map(|(level, at)| pb::CriticalEscalation {
                    level: level.code().to_owned(),
                    time: Some(timestamp(*at)),
                })
                .collect(),
        }),
        turnaround_due_time: r.turnaround_due(profile).map(timestamp),
        turnaround_breached_time: r.turnaround_breached().map(timestamp),
        within_target: r.within_target(profile),
        etag: etag(v.version),
    }
}

/// The request's report: the latest verified version, or the preliminary one; `None` before
/// any report was written.
pub(crate) fn report(r: &DiagnosisRequest) -> Option<pb::DiagnosticReport> {
    let (status, current) = match (r.reports().last(), r.preliminary()) {
        (Some(v), _) => (
            if v.version > 1 { "amended" } else { "final" },
            content(&v.report),
        ),
        (None, Some((p, _))) => ("preliminary", content(p)),
        (None, None) => return None,
    };
    Some(pb::DiagnosticReport {
        request: name("diagnosis-requests", r.id()),
        status: status.to_owned(),
        report: Some(current),
        versions: r.reports().iter().rev().map(version).collect(),
    })
}
