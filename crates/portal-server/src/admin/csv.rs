//! CSV as spreadsheets read it (RFC 4180), for exports an administrator
//! opens in one.

use axum::{
    body::{Body, Bytes},
    http::header,
    response::{IntoResponse, Response},
};
use futures_util::Stream;
use portal_types::{AuditEntry, FleetDevice};

use crate::db::DbError;

/// A CSV download of what `body` streams, saved under `filename`.
pub fn attachment(filename: &str, body: impl Stream<Item = Result<Bytes, DbError>> + Send + 'static) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// All devices' columns, as the export's first row names them.
pub const FLEET_HEADER: [&str; 11] = [
    "Name",
    "User",
    "User name",
    "Platform",
    "OS version",
    "Model",
    "Ownership",
    "Compliance",
    "Managed by",
    "Last seen",
    "Wiped",
];

pub fn fleet_row(device: &FleetDevice) -> String {
    row([
        device.name.as_str(),
        &device.user_email,
        &device.user_name,
        device.platform.label(),
        &device.os_version,
        &device.model,
        device.ownership.label(),
        device.compliance.label(),
        device.managed_by.label(),
        &device.last_seen,
        device.wiped_at.as_deref().unwrap_or(""),
    ])
}

/// The audit log's columns.
pub const AUDIT_HEADER: [&str; 8] = [
    "Entry", "Time", "Actor", "Action", "Subject", "Source", "Outcome", "Reason",
];

pub fn audit_row(entry: &AuditEntry) -> String {
    row([
        entry.id.to_string().as_str(),
        &entry.at,
        entry.actor.as_deref().unwrap_or(""),
        &entry.action,
        entry.subject.as_deref().unwrap_or(""),
        entry.source.as_deref().unwrap_or(""),
        &entry.outcome,
        entry.detail.as_deref().unwrap_or(""),
    ])
}

/// One line: each field quoted where it needs to be, ended by CRLF.
pub fn row<'a>(fields: impl IntoIterator<Item = &'a str>) -> String {
    let mut line = fields.into_iter().map(field).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// A field as a spreadsheet takes it: text that would start a formula
/// (a device named `=HYPERLINK(…)`) is kept as text, and a field with a
/// comma, quote or line break is quoted.
fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::row;

    #[test]
    fn quotes_what_needs_quoting_and_keeps_formulas_as_text() {
        assert_eq!(
            row(["plain", "a,b", "say \"hi\"", "two\nlines"]),
            "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n"
        );
        assert_eq!(
            row(["=1+1", "-3", "@SUM(A1)", "+x", "ok-"]),
            "'=1+1,'-3,'@SUM(A1),'+x,ok-\r\n"
        );
    }
}
