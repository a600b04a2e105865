//! Use-case errors as gRPC rich status (AIP-193): the code a client branches on, a message a
//! person reads, and `google.rpc` details a program reads — `BadRequest` field violations for
//! bad input, `ErrorInfo` plus a `PreconditionFailure` with the rule id for a refused rule.
//! Nothing a client sent maps to `INTERNAL`.

use std::collections::HashMap;

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};
use yigong_service::ServiceError;

/// The `ErrorInfo.domain` of every Yigong error.
pub const ERROR_DOMAIN: &str = "yigong.v1";

/// The `ErrorInfo.reason` of a refused business rule; its `rule` metadata holds the rule id.
pub const RULE_REASON: &str = "RULE_VIOLATED";

/// The `PreconditionFailure` violation type of a refused business rule.
pub const RULE_VIOLATION: &str = "RULE";

/// The most bytes of a status message or of one detail's text. gRPC clients refuse trailers
/// over 16 KiB (grpcio, grpc-go and grpc-java by default), and a message and its details
/// travel there; values are quoted as short excerpts before this, so this cap only ever
/// cuts a message that a bug made too long.
pub const MAX_TEXT_BYTES: usize = 1024;

/// `text` cut to [`MAX_TEXT_BYTES`] at a character boundary, marked with `…` when cut.
pub fn bounded(mut text: String) -> String {
    if text.len() > MAX_TEXT_BYTES {
        let mut end = MAX_TEXT_BYTES - '…'.len_utf8();
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

/// Maps a use-case error to its status. `field` renames a use-case field to its wire path
/// where the two differ (the use cases name their inputs, the RPC names its request fields).
pub fn to_status(error: ServiceError, field: impl Fn(&'static str) -> String) -> Status {
    let message = bounded(error.to_string());
    match error {
        ServiceError::InvalidArgument { field: f, reason } => Status::with_error_details(
            Code::InvalidArgument,
            message,
            ErrorDetails::with_bad_request_violation(field(f), bounded(reason)),
        ),
        ServiceError::InvalidPath { path, reason } => Status::with_error_details(
            Code::InvalidArgument,
            message,
            ErrorDetails::with_bad_request_violation(path, bounded(reason)),
        ),
        ServiceError::InvalidElement {
            list,
            index,
            field: f,
            reason,
        } => Status::with_error_details(
            Code::InvalidArgument,
            message,
            ErrorDetails::with_bad_request_violation(
                yigong_service::element_path(&field(list), index, f),
                bounded(reason),
            ),
        ),
        ServiceError::Rule { rule, message: why } => {
            let mut details = ErrorDetails::new();
            details
                .set_error_info(
                    RULE_REASON,
                    ERROR_DOMAIN,
                    HashMap::from([
                        ("rule".to_owned(), rule.code().to_owned()),
                        ("source".to_owned(), rule.source().to_owned()),
                    ]),
                )
                .add_precondition_failure_violation(RULE_VIOLATION, rule.code(), bounded(why));
            Status::with_error_details(Code::FailedPrecondition, message, details)
        }
        ServiceError::NotFound(_) => Status::not_found(message),
        ServiceError::AlreadyExists {
            existing: Some(resource),
            ..
        } => {
            let kind = resource.split('/').next().unwrap_or_default().to_owned();
            let mut details = ErrorDetails::new();
            details.set_resource_info(kind, resource, "", "the existing resource");
            Status::with_error_details(Code::AlreadyExists, message, details)
        }
        ServiceError::AlreadyExists { existing: None, .. } => Status::already_exists(message),
        ServiceError::PermissionDenied(_) => Status::permission_denied(message),
        ServiceError::Conflict(_) => Status::aborted(message),
        ServiceError::Unavailable(_) => Status::unavailable(message),
    }
}

/// Field names as the use cases give them: for RPCs whose request fields carry the same names.
pub fn same_name(field: &'static str) -> String {
    field.to_owned()
}

/// Field names renamed by a `(use-case field, wire path)` table, so a module states its renames
/// in one place; a field not in the table keeps its name.
pub fn renamed(table: &'static [(&'static str, &'static str)]) -> impl Fn(&'static str) -> String {
    move |field| {
        table
            .iter()
            .find(|(from, _)| *from == field)
            .map_or(field, |(_, to)| to)
            .to_owned()
    }
}

#[cfg(test)]
mod tests {
    use yigong_domain::rule::RuleId;

    use super::*;

    #[test]
    fn bad_input_names_the_wire_field_in_a_bad_request() {
        let status = to_status(
            ServiceError::InvalidArgument {
                field: "to",
                reason: "not in the network".into(),
            },
            |f| {
                if f == "to" {
                    "to_institution".into()
                } else {
                    f.into()
                }
            },
        );
        assert_eq!(status.code(), Code::InvalidArgument);
        let bad = status.get_details_bad_request().expect("a BadRequest");
        assert_eq!(bad.field_violations.len(), 1);
        assert_eq!(bad.field_violations[0].field, "to_institution");
        assert_eq!(bad.field_violations[0].description, "not in the network");
    }

    #[test]
    fn a_rename_table_renames_its_fields_and_keeps_every_other() {
        const TABLE: &[(&str, &str)] = &[("start", "start_date"), ("package.code", "package")];
        let field = renamed(TABLE);
        assert_eq!(field("start"), "start_date");
        assert_eq!(field("package.code"), "package");
        assert_eq!(field("resident"), "resident");
        let status = to_status(
            ServiceError::InvalidArgument {
                field: "package.code",
                reason: "must have 1 to 64 characters".into(),
            },
            renamed(TABLE),
        );
        let bad = status.get_details_bad_request().expect("a BadRequest");
        assert_eq!(bad.field_violations[0].field, "package");
    }

    #[test]
    fn a_refused_rule_is_a_failed_precondition_with_its_rule_id() {
        let rule = RuleId::ReferralOneOpenPerDirection;
        let status = to_status(
            ServiceError::Rule {
                rule,
                message: "an open referral exists".into(),
            },
            same_name,
        );
        assert_eq!(status.code(), Code::FailedPrecondition);
        let info = status.get_details_error_info().expect("an ErrorInfo");
        assert_eq!(info.reason, RULE_REASON);
        assert_eq!(info.domain, ERROR_DOMAIN);
        assert_eq!(
            info.metadata.get("rule").map(String::as_str),
            Some(rule.code())
        );
        let failure = status
            .get_details_precondition_failure()
            .expect("a PreconditionFailure");
        assert_eq!(failure.violations[0].subject, rule.code());
    }

    #[test]
    fn no_message_or_detail_passes_the_cap() {
        let status = to_status(
            ServiceError::InvalidArgument {
                field: "name",
                reason: "名".repeat(5000),
            },
            same_name,
        );
        assert!(status.message().len() <= MAX_TEXT_BYTES);
        let bad = status.get_details_bad_request().expect("a BadRequest");
        let description = &bad.field_violations[0].description;
        assert!(description.len() <= MAX_TEXT_BYTES && description.ends_with('…'));
        assert_eq!(bounded("short".into()), "short");
    }

    #[test]
    fn every_other_error_has_its_own_code_and_none_is_internal() {
        let cases = [
            (ServiceError::NotFound("referral x".into()), Code::NotFound),
            (
                ServiceError::AlreadyExists {
                    message: "r".into(),
                    existing: None,
                },
                Code::AlreadyExists,
            ),
            (
                ServiceError::PermissionDenied("no".into()),
                Code::PermissionDenied,
            ),
            (ServiceError::Conflict("v1".into()), Code::Aborted),
            (ServiceError::Unavailable("db".into()), Code::Unavailable),
        ];
        for (error, code) in cases {
            let status = to_status(error.clone(), same_name);
            assert_eq!(status.code(), code, "{error}");
            assert_ne!(status.code(), Code::Internal);
            assert_eq!(status.message(), error.to_string());
        }
    }
}
