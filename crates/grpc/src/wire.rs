//! Wire ↔ use-case values shared by every RPC: resource names, etags, timestamps, and the
//! caller's principal. A malformed value is `INVALID_ARGUMENT` naming the request field.

use prost_types::Timestamp;
use time::OffsetDateTime;
use tonic::{Request, Status};
use tonic_types::{ErrorDetails, StatusExt};
use uuid::Uuid;
use yigong_domain::text::excerpt;
use yigong_proto::google::r#type as pb_date;

use crate::status::bounded;
use yigong_service::Principal;

/// `INVALID_ARGUMENT` with one `BadRequest` field violation.
pub fn invalid(field: &str, reason: impl Into<String>) -> Status {
    let reason = bounded(reason.into());
    Status::with_error_details(
        tonic::Code::InvalidArgument,
        bounded(format!("invalid {field}: {reason}")),
        ErrorDetails::with_bad_request_violation(field, reason),
    )
}

/// The id in a resource name `{collection}/{uuid}` (AIP-122).
pub fn parse_name(field: &str, collection: &str, name: &str) -> Result<Uuid, Status> {
    name.strip_prefix(collection)
        .and_then(|rest| rest.strip_prefix('/'))
        .and_then(|id| Uuid::try_parse(id).ok())
        .ok_or_else(|| {
            invalid(
                field,
                format!("expected `{collection}/{{uuid}}`, got {}", excerpt(name)),
            )
        })
}

/// An optional resource name: empty is `None`, anything else must be `{collection}/{uuid}`.
pub fn parse_optional_name(
    field: &str,
    collection: &str,
    name: &str,
) -> Result<Option<Uuid>, Status> {
    if name.is_empty() {
        Ok(None)
    } else {
        parse_name(field, collection, name).map(Some)
    }
}

/// A list's `page_size` (AIP-158): 0 asks for the default, negative is `INVALID_ARGUMENT`.
pub fn page_size(value: i32) -> Result<u32, Status> {
    u32::try_from(value).map_err(|_| invalid("page_size", "must not be negative"))
}

/// The resource name of an id in `collection`.
pub fn name(collection: &str, id: impl std::fmt::Display) -> String {
    format!("{collection}/{id}")
}

/// A resource version as its etag (AIP-154): opaque to clients, the stored version to us.
pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// The version an etag names; an empty etag asks for no check.
pub fn parse_etag(etag: &str) -> Result<Option<i64>, Status> {
    if etag.is_empty() {
        return Ok(None);
    }
    etag.strip_prefix('"')
        .and_then(|e| e.strip_suffix('"'))
        .and_then(|v| v.parse().ok())
        .map(Some)
        .ok_or_else(|| invalid("etag", "not an etag this API issued"))
}

/// A time as a protobuf timestamp.
pub fn timestamp(at: OffsetDateTime) -> Timestamp {
    Timestamp {
        seconds: at.unix_timestamp(),
        nanos: i32::try_from(at.nanosecond()).unwrap_or(0),
    }
}

/// A protobuf timestamp as a time; missing or out of range is `INVALID_ARGUMENT field`.
pub fn parse_timestamp(field: &str, t: Option<Timestamp>) -> Result<OffsetDateTime, Status> {
    let t = t.ok_or_else(|| invalid(field, "required"))?;
    let nanos = i128::from(t.seconds) * 1_000_000_000 + i128::from(t.nanos);
    if !(0..1_000_000_000).contains(&t.nanos) {
        return Err(invalid(field, "nanos out of range"));
    }
    OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| invalid(field, "out of range"))
}

/// A calendar date as a `google.type.Date`.
pub fn date(d: time::Date) -> pb_date::Date {
    pb_date::Date {
        year: d.year(),
        month: i32::from(u8::from(d.month())),
        day: i32::from(d.day()),
    }
}

/// A `google.type.Date` as a calendar date: all three parts are required (a year or month
/// alone is no day), and the day must exist; otherwise `INVALID_ARGUMENT field`.
pub fn parse_date(field: &str, d: Option<pb_date::Date>) -> Result<time::Date, Status> {
    let d = d.ok_or_else(|| invalid(field, "required"))?;
    // google.type.Date's own range: a year 0 ("no year") or beyond 9999 is no full date, and
    // the databases cannot hold every year `time` can (PostgreSQL stops at 4713 BC).
    if !(1..=9999).contains(&d.year) {
        return Err(invalid(field, format!("year {} is not 1-9999", d.year)));
    }
    let month = u8::try_from(d.month)
        .ok()
        .and_then(|m| time::Month::try_from(m).ok())
        .ok_or_else(|| invalid(field, format!("month {} is not 1-12", d.month)))?;
    let day = u8::try_from(d.day).map_err(|_| invalid(field, format!("day {}", d.day)))?;
    time::Date::from_calendar_date(d.year, month, day).map_err(|_| {
        invalid(
            field,
            format!("{}-{:02}-{:02} is not a date", d.year, d.month, d.day),
        )
    })
}

/// An optional date: unset is `None`, set must be valid.
pub fn parse_optional_date(
    field: &str,
    d: Option<pb_date::Date>,
) -> Result<Option<time::Date>, Status> {
    d.map(|d| parse_date(field, Some(d))).transpose()
}

/// A domain enumeration from its wire code (the domain's own snake_case name, e.g.
/// `chest_pain_or_tightness`); an unknown code is `INVALID_ARGUMENT field`.
pub fn parse_code<T: serde::de::DeserializeOwned>(field: &str, code: &str) -> Result<T, Status> {
    serde_json::from_value(serde_json::Value::String(code.to_owned()))
        .map_err(|_| invalid(field, format!("unknown code {}", excerpt(code))))
}

/// The wire code of a domain enumeration (its snake_case name).
pub fn code<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(code)) => code,
        _ => String::new(),
    }
}

/// The authenticated caller, put on the request by the authentication layer. Its absence is
/// `UNAUTHENTICATED`: no RPC but health runs without a verified principal.
pub fn principal<T>(request: &Request<T>) -> Result<Principal, Status> {
    request
        .extensions()
        .get::<Principal>()
        .cloned()
        .ok_or_else(|| Status::unauthenticated("a bearer token is required"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_only_in_their_collection() {
        let id = Uuid::from_u128(7);
        assert_eq!(
            parse_name("name", "referrals", &name("referrals", id)).unwrap(),
            id
        );
        for bad in [
            "",
            "referrals/",
            "referrals/x",
            "residents/00000000-0000-0000-0000-000000000007",
            "referrals00000000-0000-0000-0000-000000000007",
        ] {
            let status = parse_name("name", "referrals", bad).unwrap_err();
            assert_eq!(status.code(), tonic::Code::InvalidArgument, "{bad}");
            let bad_request = status.get_details_bad_request().unwrap();
            assert_eq!(bad_request.field_violations[0].field, "name");
        }
    }

    #[test]
    fn dates_outside_google_type_date_are_refused_naming_the_field() {
        let at = |year, month, day| pb_date::Date { year, month, day };
        assert_eq!(
            parse_date("on", Some(at(1, 1, 1))).unwrap(),
            time::Date::from_calendar_date(1, time::Month::January, 1).unwrap()
        );
        assert!(parse_date("on", Some(at(9999, 12, 31))).is_ok());
        for (year, month, day) in [(0, 1, 1), (-5000, 6, 1), (10_000, 1, 1), (2026, 2, 30)] {
            let status = parse_date("on", Some(at(year, month, day))).unwrap_err();
            assert_eq!(status.code(), tonic::Code::InvalidArgument, "{year}");
            let bad_request = status.get_details_bad_request().unwrap();
            assert_eq!(bad_request.field_violations[0].field, "on");
        }
    }

    #[test]
    fn etags_round_trip_and_a_foreign_etag_is_refused() {
        assert_eq!(parse_etag(&etag(3)).unwrap(), Some(3));
        assert_eq!(parse_etag("").unwrap(), None);
        for bad in ["3", "\"x\"", "W/\"3\"", "\""] {
            assert_eq!(
                parse_etag(bad).unwrap_err().code(),
                tonic::Code::InvalidArgument,
                "{bad}"
            );
        }
    }

    #[test]
    fn timestamps_round_trip_and_bad_ones_name_their_field() {
        let at = time::macros::datetime!(2026-03-02 9:00:00.123456789 UTC);
        assert_eq!(parse_timestamp("t", Some(timestamp(at))).unwrap(), at);
        assert_eq!(
            parse_timestamp("t", None).unwrap_err().code(),
            tonic::Code::InvalidArgument
        );
        let bad = Timestamp {
            seconds: i64::MAX,
            nanos: 0,
        };
        assert_eq!(
            parse_timestamp("t", Some(bad)).unwrap_err().code(),
            tonic::Code::InvalidArgument
        );
        let bad = Timestamp {
            seconds: 0,
            nanos: -1,
        };
        assert_eq!(
            parse_timestamp("t", Some(bad)).unwrap_err().code(),
            tonic::Code::InvalidArgument
        );
    }
}
