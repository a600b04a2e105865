//! `yigong audit`: the audit log as an operator reads it at the console, a table or CSV.

use time::format_description::well_known::Rfc3339;
use yigong_ports::LoggedEntry;

const COLUMNS: [&str; 9] = [
    "sequence",
    "time",
    "user",
    "role",
    "institution",
    "action",
    "resource",
    "patient",
    "outcome",
];

fn row(e: &LoggedEntry) -> [String; 9] {
    let entry = &e.entry;
    [
        e.sequence.to_string(),
        entry
            .at
            .format(&Rfc3339)
            .unwrap_or_else(|_| entry.at.to_string()),
        entry.actor.user.clone(),
        entry.actor.role.clone(),
        entry.actor.institution.to_string(),
        entry.action.clone(),
        entry.resource.clone(),
        entry.patient.map(|p| p.to_string()).unwrap_or_default(),
        match &entry.break_glass {
            Some(reason) => format!("{} (break glass: {reason})", entry.outcome.as_str()),
            None => entry.outcome.as_str().to_owned(),
        },
    ]
}

/// RFC 4180 CSV with a header row.
pub fn csv(entries: &[LoggedEntry]) -> Result<String, csv::Error> {
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    out.write_record(COLUMNS)?;
    for e in entries {
        out.write_record(row(e))?;
    }
    let bytes = out.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// One line an entry, tab-separated under a header.
pub fn table(entries: &[LoggedEntry]) -> String {
    let mut out = COLUMNS.join("\t");
    out.push('\n');
    for e in entries {
        out.push_str(&row(e).join("\t"));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use time::macros::datetime;
    use yigong_domain::ids::{InstitutionId, ResidentId};
    use yigong_ports::{Actor, AuditEntry, AuditOutcome};

    use super::*;

    #[test]
    fn a_denied_read_is_one_csv_row_with_its_reason_quoted() {
        let entry = LoggedEntry {
            sequence: 7,
            entry: AuditEntry {
                actor: Actor {
                    user: "dr-li".into(),
                    role: "clinician".into(),
                    institution: InstitutionId::from_u128(10),
                },
                action: "resident.get_break_glass".into(),
                resource: "residents/x".into(),
                patient: Some(ResidentId::from_u128(42)),
                at: datetime!(2026-03-02 9:00 UTC),
                outcome: AuditOutcome::Denied,
                break_glass: Some("chest pain, \"unconscious\"".into()),
            },
        };
        let text = csv(std::slice::from_ref(&entry)).unwrap();
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(lines[0], COLUMNS.join(","));
        assert!(
            lines[1].starts_with("7,2026-03-02T09:00:00Z,dr-li,clinician,"),
            "{text}"
        );
        assert!(
            lines[1].ends_with("\"denied (break glass: chest pain, \"\"unconscious\"\")\""),
            "{text}"
        );
        assert_eq!(table(&[entry]).lines().count(), 2);
    }
}
