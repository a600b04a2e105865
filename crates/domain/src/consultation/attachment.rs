//! What comes with a consultation's question (FHIR `Attachment`, or a reference to a
//! `DiagnosticReport`): a report of a Yigong remote-diagnosis request, or a document the
//! requester's systems hold, by its title, URL and media type.
//!
//! The domain does not fetch a document: it keeps what a reader needs to open it, and checks
//! the URL and the media type by their grammar (an absolute URI, RFC 3986 §3; `type/subtype`,
//! RFC 6838 §4.2) so a viewer is never handed a relative path or a malformed type
//! (CONSULT-ATTACH).

use serde::{Deserialize, Serialize};

use super::error::ConsultationError;
use crate::ids::DiagnosisRequestId;
use crate::text;
use crate::vocabulary::codes;

/// The most attachments a consultation holds.
pub const MAX_ATTACHMENTS: usize = 10;

/// The longest URL kept, in characters.
pub const MAX_URL: usize = 2048;

/// The longest title kept, in characters.
const MAX_TITLE: usize = 200;

/// The longest type or subtype name of a media type (RFC 6838 §4.2).
const MAX_MEDIA_NAME: usize = 127;

/// One attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Attachment {
    /// The report of a remote-diagnosis request (a `DiagnosticReport` reference).
    DiagnosticReport {
        /// The request whose report it is.
        request: DiagnosisRequestId,
    },
    /// A document (`Attachment.title`, `url`, `contentType`).
    Document {
        /// What it is, as a reader sees it (1–200 characters, trimmed).
        title: String,
        /// Where it is: an absolute URI, the scheme in lower case (at most [`MAX_URL`]).
        url: String,
        /// Its media type, `type/subtype` in lower case, without parameters.
        media_type: String,
    },
}

codes!(Attachment by kind {
    Attachment::DiagnosticReport { .. } => "diagnostic_report",
    Attachment::Document { .. } => "document",
});

fn bad(field: &'static str, reason: impl ToString) -> ConsultationError {
    ConsultationError::InvalidAttachment {
        field,
        reason: reason.to_string(),
    }
}

/// Whether `c` may follow a URI scheme's first letter (RFC 3986 §3.1).
fn is_scheme_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')
}

/// `raw` trimmed as an absolute URI: a scheme (a letter, then letters, digits, `+`, `-`,
/// `.`), `:`, and a rest that is not empty and holds no whitespace or control character. The
/// scheme is kept in lower case, its canonical form, so one document has one spelling.
fn absolute_uri(raw: &str) -> Result<String, ConsultationError> {
    let field = "attachments.url";
    let url = text::trim(raw);
    if url.is_empty() {
        return Err(bad(field, "required"));
    }
    if url.chars().count() > MAX_URL {
        return Err(bad(field, format!("longer than {MAX_URL} characters")));
    }
    let Some((scheme, rest)) = url.split_once(':') else {
        return Err(bad(field, "an absolute URI starts with a scheme and `:`"));
    };
    let mut letters = scheme.chars();
    let scheme_ok =
        letters.next().is_some_and(|c| c.is_ascii_alphabetic()) && letters.all(is_scheme_char);
    if !scheme_ok {
        return Err(bad(
            field,
            "the scheme is a letter, then letters, digits, `+`, `-` or `.`",
        ));
    }
    if rest.is_empty() {
        return Err(bad(field, "nothing follows the scheme"));
    }
    if rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad(field, "holds whitespace or a control character"));
    }
    Ok(format!("{}:{rest}", scheme.to_ascii_lowercase()))
}

/// Whether `name` is an RFC 6838 restricted name: a letter or digit, then letters, digits and
/// `!#$&-^_.+`, at most 127 in all.
fn is_restricted_name(name: &str) -> bool {
    let mut chars = name.chars();
    name.len() <= MAX_MEDIA_NAME
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| {
            c.is_ascii_alphanumeric()
                || matches!(c, '!' | '#' | '$' | '&' | '-' | '^' | '_' | '.' | '+')
        })
}

/// `raw` trimmed as a media type `type/subtype` (RFC 6838 §4.2), in lower case (media types
/// compare without case).
fn media_type(raw: &str) -> Result<String, ConsultationError> {
    let field = "attachments.media_type";
    let value = text::trim(raw);
    if value.is_empty() {
        return Err(bad(field, "required"));
    }
    let well_formed = value
        .split_once('/')
        .is_some_and(|(ty, sub)| is_restricted_name(ty) && is_restricted_name(sub));
    if !well_formed {
        return Err(bad(
            field,
            format!(
                "{} is not `type/subtype` (each a letter or digit, then letters, digits or !#$&-^_.+, at most {MAX_MEDIA_NAME}; no parameters)",
                text::excerpt(value)
            ),
        ));
    }
    Ok(value.to_ascii_lowercase())
}

impl Attachment {
    /// The attachment with its texts checked, as [`AttachmentForm::validate`] would have made
    /// it: what an aggregate holds, however the value was built.
    pub(super) fn checked(self) -> Result<Attachment, ConsultationError> {
        Ok(match self {
            Attachment::DiagnosticReport { request } => Attachment::DiagnosticReport { request },
            Attachment::Document {
                title,
                url,
                media_type: media,
            } => Attachment::Document {
                title: ConsultationError::text("attachments.title", &title, MAX_TITLE)?,
                url: absolute_uri(&url)?,
                media_type: media_type(&media)?,
            },
        })
    }

    /// Whether `other` is the same attachment: the same report, or a document at the same URL
    /// (a second title does not make a second document).
    fn repeats(&self, other: &Attachment) -> bool {
        match (self, other) {
            (
                Attachment::DiagnosticReport { request: a },
                Attachment::DiagnosticReport { request: b },
            ) => a == b,
            (Attachment::Document { url: a, .. }, Attachment::Document { url: b, .. }) => a == b,
            _ => false,
        }
    }
}

/// A consultation's attachments, checked (CONSULT-ATTACH): at most [`MAX_ATTACHMENTS`], each
/// well formed, none repeating an earlier one.
pub(super) fn checked_all(
    attachments: Vec<Attachment>,
) -> Result<Vec<Attachment>, ConsultationError> {
    if attachments.len() > MAX_ATTACHMENTS {
        return Err(ConsultationError::TooManyAttachments {
            count: attachments.len(),
        });
    }
    let checked = attachments
        .into_iter()
        .map(Attachment::checked)
        .collect::<Result<Vec<_>, _>>()?;
    for (index, a) in checked.iter().enumerate() {
        if checked[..index].iter().any(|b| b.repeats(a)) {
            return Err(ConsultationError::DuplicateAttachment { index });
        }
    }
    Ok(checked)
}

/// An attachment as a client states it: the fields it gives, unchecked. A diagnostic report
/// is named by its request's id; a document by its title, URL and media type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentForm {
    /// The remote-diagnosis request whose report is attached (a UUID), or empty.
    pub diagnostic_report: String,
    /// The document's title.
    pub title: String,
    /// The document's URL.
    pub url: String,
    /// The document's media type.
    pub media_type: String,
}

impl AttachmentForm {
    /// The attachment: a report when `diagnostic_report` is given (and then no document field),
    /// else a document with all three fields required and checked.
    pub fn validate(&self) -> Result<Attachment, ConsultationError> {
        let report = text::trim(&self.diagnostic_report);
        if report.is_empty() {
            return Attachment::Document {
                title: self.title.clone(),
                url: self.url.clone(),
                media_type: self.media_type.clone(),
            }
            .checked();
        }
        let document = [
            ("attachments.title", &self.title),
            ("attachments.url", &self.url),
            ("attachments.media_type", &self.media_type),
        ];
        if let Some((field, _)) = document.iter().find(|(_, v)| !text::trim(v).is_empty()) {
            return Err(bad(
                field,
                "a diagnostic report attachment has no document fields",
            ));
        }
        let request = report.parse::<DiagnosisRequestId>().map_err(|_| {
            bad(
                "attachments.diagnostic_report",
                format!("{} is not a request id (a UUID)", text::excerpt(report)),
            )
        })?;
        Ok(Attachment::DiagnosticReport { request })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::tests::check_kinds;

    fn field(r: Result<String, ConsultationError>) -> Option<&'static str> {
        r.err().and_then(|e| e.field())
    }

    #[test]
    fn a_url_is_an_absolute_uri_of_at_most_2048_characters() {
        for good in [
            "https://pacs.county.example/studies/1.2.3?frame=1#top",
            "urn:oid:1.2.840.10008",
            "a:b",
            "x-ftp+v1.2:/share/报告.pdf",
            "  HTTPS://Example.org/A  ",
        ] {
            assert!(absolute_uri(good).is_ok(), "{good}");
        }
        assert_eq!(
            absolute_uri("HTTPS://Example.org/A").unwrap(),
            "https://Example.org/A",
            "the scheme is lower-cased, the rest kept"
        );
        let longest = format!("https://{}", "a".repeat(MAX_URL - 8));
        assert_eq!(longest.chars().count(), MAX_URL);
        assert!(absolute_uri(&longest).is_ok());
        for bad in [
            "",
            "   ",
            "/relative/path",
            "report.pdf",
            "https:",
            ":no-scheme",
            "1http://x",
            "ht tp://x",
            "ht_tp://x",
            "https://x/a b",
            "https://x/a\tb",
            "https://x/\u{7}a",
            "https://x/\u{85}a",
            &format!("{longest}a"),
        ] {
            assert_eq!(field(absolute_uri(bad)), Some("attachments.url"), "{bad:?}");
        }
    }

    #[test]
    fn a_media_type_is_type_slash_subtype_of_restricted_names() {
        for good in [
            "application/pdf",
            "image/jpeg",
            "application/dicom",
            "application/vnd.ms-excel",
            "application/fhir+json",
            "Text/Plain",
            "a/b",
            "x!#$&-^_.+/0",
        ] {
            assert!(media_type(good).is_ok(), "{good}");
        }
        assert_eq!(media_type(" Image/PNG ").unwrap(), "image/png");
        let longest = format!("a{}", "b".repeat(MAX_MEDIA_NAME - 1));
        assert!(media_type(&format!("{longest}/{longest}")).is_ok());
        for bad in [
            "",
            "pdf",
            "application/",
            "/pdf",
            "application//pdf",
            "application/pdf/x",
            "text/plain; charset=utf-8",
            "-text/plain",
            "text/.plain",
            "te xt/plain",
            "图像/png",
            &format!("{longest}b/pdf"),
            &format!("application/{longest}b"),
        ] {
            assert_eq!(
                field(media_type(bad)),
                Some("attachments.media_type"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_form_is_a_report_or_a_document_never_both() {
        let report = AttachmentForm {
            diagnostic_report: " 00000000-0000-0000-0000-000000000007 ".to_owned(),
            ..AttachmentForm::default()
        };
        assert_eq!(
            report.validate(),
            Ok(Attachment::DiagnosticReport {
                request: DiagnosisRequestId::from_u128(7)
            })
        );
        let both = AttachmentForm {
            url: "https://x/y".to_owned(),
            ..report.clone()
        };
        assert_eq!(
            both.validate().unwrap_err().field(),
            Some("attachments.url")
        );
        let not_an_id = AttachmentForm {
            diagnostic_report: "diagnosis-requests/7".to_owned(),
            ..AttachmentForm::default()
        };
        assert_eq!(
            not_an_id.validate().unwrap_err().field(),
            Some("attachments.diagnostic_report")
        );
        let document = AttachmentForm {
            title: " 心电图报告 ".to_owned(),
            url: "https://ecg.county.example/r/1".to_owned(),
            media_type: "application/pdf".to_owned(),
            ..AttachmentForm::default()
        };
        assert!(matches!(
            document.validate(),
            Ok(Attachment::Document { ref title, .. }) if title == "心电图报告"
        ));
        for (blank, field) in [
            (
                AttachmentForm {
                    title: "\u{200B} ".to_owned(),
                    ..document.clone()
                },
                "attachments.title",
            ),
            (
                AttachmentForm {
                    title: "题".repeat(MAX_TITLE + 1),
                    ..document.clone()
                },
                "attachments.title",
            ),
            (
                AttachmentForm {
                    url: String::new(),
                    ..document.clone()
                },
                "attachments.url",
            ),
            (
                AttachmentForm {
                    media_type: String::new(),
                    ..document.clone()
                },
                "attachments.media_type",
            ),
        ] {
            assert_eq!(blank.validate().unwrap_err().field(), Some(field));
        }
        let title_at_limit = AttachmentForm {
            title: "题".repeat(MAX_TITLE),
            ..document
        };
        assert!(title_at_limit.validate().is_ok());
    }

    #[test]
    fn each_kind_is_its_serde_tag() {
        check_kinds(
            &[
                Attachment::DiagnosticReport {
                    request: DiagnosisRequestId::from_u128(1),
                },
                Attachment::Document {
                    title: "t".to_owned(),
                    url: "a:b".to_owned(),
                    media_type: "a/b".to_owned(),
                },
            ],
            Attachment::CODES,
            Attachment::code,
            "kind",
        );
    }

    #[test]
    fn an_error_quotes_no_more_than_an_excerpt() {
        let long = format!("{}/pdf", "x ".repeat(3000));
        let e = media_type(&long).unwrap_err().to_string();
        assert!(e.len() < 400, "{e}");
    }
}
