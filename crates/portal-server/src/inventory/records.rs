//! A snapshot's records read (JSON or CSV) and checked one by one: a bad
//! record is refused with its line and field, and does not stop the others.

use std::collections::HashMap;

use portal_types::{InventoryRecord, OnMissing, Platform, RowError, SnapshotKind};
use serde::Deserialize;
use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// A record that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnPremDevice {
    pub line: u64,
    pub onprem_id: String,
    pub name: String,
    pub platform: Platform,
    pub os_version: String,
    pub model: String,
    pub manufacturer: Option<String>,
    pub serial_number: Option<String>,
    pub domain: Option<String>,
    /// Lower case.
    pub primary_user: Option<String>,
    pub last_seen: Option<OffsetDateTime>,
    /// Of every field: an unchanged record is recognised and left alone.
    pub digest: String,
}

/// A snapshot read: its kind and each record, checked.
#[derive(Debug)]
pub struct Snapshot {
    pub kind: SnapshotKind,
    pub on_missing: OnMissing,
    pub records: Vec<Result<OnPremDevice, RowError>>,
}

impl Snapshot {
    /// A JSON snapshot (`InventorySnapshot`); a record that does not fit the
    /// record's shape is refused alone. Fails only when the whole is unreadable.
    pub fn from_json(body: &[u8]) -> Result<Snapshot, String> {
        #[derive(Deserialize)]
        struct Loose {
            snapshot: SnapshotKind,
            #[serde(default)]
            on_missing: OnMissing,
            devices: Vec<serde_json::Value>,
        }
        let loose: Loose =
            serde_json::from_slice(body).map_err(|e| format!("The snapshot is not readable JSON: {e}."))?;
        let records = loose
            .devices
            .into_iter()
            .zip(1..)
            .map(|(value, line)| {
                let record: InventoryRecord = serde_json::from_value(value).map_err(|e| RowError {
                    line,
                    field: quoted_field(&e.to_string()).unwrap_or_default(),
                    message: e.to_string(),
                })?;
                check(line, record)
            })
            .collect();
        Ok(Snapshot {
            kind: loose.snapshot,
            on_missing: loose.on_missing,
            records,
        })
    }

    /// A CSV snapshot whose header names the record's fields (any order;
    /// `primary_user` and the rest may be left out).
    pub fn from_csv(body: &[u8], kind: SnapshotKind, on_missing: OnMissing) -> Result<Snapshot, String> {
        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_reader(body);
        let headers = reader
            .headers()
            .map_err(|e| format!("The CSV header is not readable: {e}."))?
            .clone();
        for required in ["onprem_id", "name", "os", "os_build"] {
            if !headers.iter().any(|h| h == required) {
                return Err(format!("The CSV header has no {required} column."));
            }
        }
        let records = reader
            .records()
            .zip(2..)
            .map(|(row, line)| {
                let row = row.map_err(|e| RowError {
                    line: e.position().map_or(line, |p| p.line()),
                    field: String::new(),
                    message: format!("The row is not readable CSV: {e}."),
                })?;
                let field = |name: &str| {
                    headers
                        .iter()
                        .position(|h| h == name)
                        .and_then(|i| row.get(i))
                        .map(str::to_owned)
                };
                let optional = |name: &str| field(name).filter(|v| !v.is_empty());
                let record = InventoryRecord {
                    onprem_id: field("onprem_id").unwrap_or_default(),
                    name: field("name").unwrap_or_default(),
                    os: field("os").unwrap_or_default(),
                    os_build: field("os_build").unwrap_or_default(),
                    primary_user: optional("primary_user"),
                    model: optional("model"),
                    manufacturer: optional("manufacturer"),
                    serial_number: optional("serial_number"),
                    domain: optional("domain"),
                    last_seen: optional("last_seen"),
                };
                check(line, record)
            })
            .collect();
        Ok(Snapshot {
            kind,
            on_missing,
            records,
        })
    }

    /// Refuses the second and later records of one device: which applies is unclear.
    pub fn refuse_repeats(&mut self) {
        let mut first: HashMap<String, u64> = HashMap::new();
        for record in &mut self.records {
            let Ok(device) = record else { continue };
            if let Some(line) = first.get(&device.onprem_id) {
                *record = Err(RowError {
                    line: device.line,
                    field: "onprem_id".into(),
                    message: format!("The device {} is on line {line} already.", device.onprem_id),
                });
            } else {
                first.insert(device.onprem_id.clone(), device.line);
            }
        }
    }
}

/// The field serde names in backticks, as in "missing field `name`".
fn quoted_field(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let end = start + message[start..].find('`')?;
    Some(message[start..end].to_string())
}

/// The platform an on-premises operating system name stands for.
pub fn platform_of(os: &str) -> Option<Platform> {
    let os = os.to_lowercase();
    let has = |word: &str| os.contains(word);
    Some(if has("windows server") {
        Platform::WindowsServer
    } else if has("windows phone") || has("windows mobile") {
        Platform::WindowsPhone
    } else if has("windows 8.1") {
        Platform::Windows81
    } else if has("windows") {
        Platform::Windows
    } else if has("macos") || has("mac os") || has("os x") {
        Platform::Macos
    } else if [
        "linux", "ubuntu", "debian", "red hat", "rhel", "suse", "centos", "fedora",
    ]
    .iter()
    .any(|w| has(w))
    {
        Platform::Linux
    } else if has("ipados") || has("ios") {
        Platform::Ios
    } else if has("android") {
        Platform::Android
    } else {
        return None;
    })
}

/// Checks one record: the first field that fails is reported.
pub fn check(line: u64, record: InventoryRecord) -> Result<OnPremDevice, RowError> {
    let refuse = |field: &str, message: String| RowError {
        line,
        field: field.into(),
        message,
    };
    let text = |field: &str, value: &str, max: usize| -> Result<String, RowError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(refuse(field, "Fill this in.".into()));
        }
        if value.chars().count() > max || value.chars().any(char::is_control) {
            return Err(refuse(field, format!("Use at most {max} printable characters.")));
        }
        Ok(value.to_string())
    };
    let optional = |field: &str, value: &Option<String>, max: usize| -> Result<Option<String>, RowError> {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| text(field, v, max))
            .transpose()
    };
    let digest = crate::digest::sha256_hex(serde_json::to_string(&record).expect("a record serialises"));
    let onprem_id = text("onprem_id", &record.onprem_id, 64)?;
    let name = text("name", &record.name, 128)?;
    let os = text("os", &record.os, 128)?;
    let platform = platform_of(&os).ok_or_else(|| {
        refuse(
            "os",
            format!(
                "{os:?} is not an operating system the portal knows: Windows, Windows Server, macOS or Linux, say."
            ),
        )
    })?;
    let os_version = text("os_build", &record.os_build, 32)?;
    if !portal_types::policy::is_version(&os_version) {
        return Err(refuse(
            "os_build",
            "Use a version such as 10.0.22631: digits and dots.".into(),
        ));
    }
    let primary_user = optional("primary_user", &record.primary_user, 254)?.map(|u| u.to_lowercase());
    if let Some(user) = &primary_user
        && !user
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
    {
        return Err(refuse(
            "primary_user",
            "Use the user's email address, e.g. ada@example.com.".into(),
        ));
    }
    let last_seen = optional("last_seen", &record.last_seen, 64)?
        .map(|at| OffsetDateTime::parse(&at, &Rfc3339))
        .transpose()
        .map_err(|_| refuse("last_seen", "Use an RFC 3339 time, e.g. 2026-12-01T08:30:00Z.".into()))?;
    Ok(OnPremDevice {
        line,
        onprem_id,
        name,
        platform,
        os_version,
        model: optional("model", &record.model, 128)?.unwrap_or_else(|| "Unknown model".into()),
        manufacturer: optional("manufacturer", &record.manufacturer, 128)?,
        serial_number: optional("serial_number", &record.serial_number, 64)?,
        domain: optional("domain", &record.domain, 255)?,
        primary_user,
        last_seen,
        digest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operating_systems_map_to_platforms() {
        for (os, platform) in [
            ("Microsoft Windows 11 Enterprise", Platform::Windows),
            ("Microsoft Windows 10 Pro", Platform::Windows),
            ("Microsoft Windows Server 2022 Datacenter", Platform::WindowsServer),
            ("Ubuntu 22.04.4 LTS", Platform::Linux),
            ("Red Hat Enterprise Linux 9", Platform::Linux),
            ("macOS 14.6", Platform::Macos),
        ] {
            assert_eq!(platform_of(os), Some(platform), "{os}");
        }
        assert_eq!(platform_of("OS/2 Warp"), None);
    }

    #[test]
    fn a_csv_row_that_fails_is_reported_with_its_line_and_field_and_the_rest_are_read() {
        let csv = "onprem_id,name,os,os_build,primary_user,serial_number\n\
                   16777220,ADA-DESKTOP,Microsoft Windows 11 Enterprise,10.0.22631,Ada@Example.com,PF3A1\n\
                   16777221,,Microsoft Windows 11 Enterprise,10.0.22631,,\n\
                   16777222,BUILD-01,Microsoft Windows Server 2022,10.0.20348,not-an-email,\n\
                   16777223,\"quoted, name\",Ubuntu 24.04,6.8,,\n";
        let snapshot = Snapshot::from_csv(csv.as_bytes(), SnapshotKind::Partial, OnMissing::Stale).unwrap();
        let [first, second, third, fourth] = &snapshot.records[..] else {
            panic!("{snapshot:?}")
        };
        let first = first.as_ref().unwrap();
        assert_eq!((first.line, first.platform), (2, Platform::Windows));
        assert_eq!(first.primary_user.as_deref(), Some("ada@example.com"));
        assert_eq!(
            second.as_ref().unwrap_err(),
            &RowError {
                line: 3,
                field: "name".into(),
                message: "Fill this in.".into()
            }
        );
        let third = third.as_ref().unwrap_err();
        assert_eq!((third.line, third.field.as_str()), (4, "primary_user"));
        assert_eq!(fourth.as_ref().unwrap().name, "quoted, name");
    }

    #[test]
    fn a_json_record_of_the_wrong_shape_is_refused_alone() {
        let body = br#"{"snapshot": "full", "on_missing": "remove", "devices": [
            {"onprem_id": "1", "name": "A", "os": "Windows 11", "os_build": "10.0.22631"},
            {"onprem_id": "2", "os": "Windows 11", "os_build": "10.0.22631"},
            {"onprem_id": "1", "name": "B", "os": "Windows 11", "os_build": "10.0.22631"}
        ]}"#;
        let mut snapshot = Snapshot::from_json(body).unwrap();
        snapshot.refuse_repeats();
        assert_eq!(
            (snapshot.kind, snapshot.on_missing),
            (SnapshotKind::Full, OnMissing::Remove)
        );
        assert!(snapshot.records[0].is_ok());
        let missing = snapshot.records[1].as_ref().unwrap_err();
        assert_eq!((missing.line, missing.field.as_str()), (2, "name"));
        let repeated = snapshot.records[2].as_ref().unwrap_err();
        assert_eq!((repeated.line, repeated.field.as_str()), (3, "onprem_id"));
        assert!(Snapshot::from_json(b"{").is_err());
    }

    #[test]
    fn the_same_record_has_the_same_digest() {
        let record = |name: &str| InventoryRecord {
            onprem_id: "1".into(),
            name: name.into(),
            os: "Windows 11".into(),
            os_build: "10.0.22631".into(),
            primary_user: None,
            model: None,
            manufacturer: None,
            serial_number: None,
            domain: None,
            last_seen: None,
        };
        let digest = |name| check(1, record(name)).unwrap().digest;
        assert_eq!(digest("A"), digest("A"));
        assert_ne!(digest("A"), digest("B"));
    }
}
