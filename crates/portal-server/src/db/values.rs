//! Column values that each database stores in its own type: timestamps are
//! fixed-width UTC text in SQLite (so text order is time order) and
//! `timestamptz` in PostgreSQL; ids are text in SQLite and `uuid` in
//! PostgreSQL. The shared queries bind and read these wrappers; each backend
//! module says how its database encodes them.

use time::{OffsetDateTime, format_description::BorrowedFormatItem, macros::format_description};
use uuid::Uuid;

use super::{DbError, DbResult};

/// A point in time as a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ts(pub OffsetDateTime);

/// An id as a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uid(pub Uuid);

const TEXT_FORMAT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

impl Ts {
    /// As the API shows it.
    pub fn rfc3339(self) -> String {
        self.0
            .format(&time::format_description::well_known::Rfc3339)
            .expect("formattable timestamp")
    }

    pub(crate) fn to_text(self) -> String {
        self.0
            .to_offset(time::UtcOffset::UTC)
            .format(TEXT_FORMAT)
            .expect("formattable timestamp")
    }

    pub(crate) fn from_text(text: &str) -> Result<Self, time::error::Parse> {
        time::PrimitiveDateTime::parse(text, TEXT_FORMAT).map(|t| Ts(t.assume_utc()))
    }
}

impl From<OffsetDateTime> for Ts {
    fn from(at: OffsetDateTime) -> Self {
        Ts(at)
    }
}

/// Ids of every kind are uuids underneath.
macro_rules! uid_from {
    ($($id:ty),*) => {$(
        impl From<$id> for Uid {
            fn from(id: $id) -> Self {
                Uid(id.0)
            }
        }
        impl From<Uid> for $id {
            fn from(id: Uid) -> Self {
                Self(id.0)
            }
        }
    )*};
}
uid_from!(portal_types::UserId, portal_types::DeviceId, portal_types::CommandId);

/// A stored text that does not parse as its type: the database was written by
/// something else.
pub fn bad_value(column: &str, value: &str) -> DbError {
    DbError::Other(anyhow::anyhow!("bad {column} {value:?} in database"))
}

/// Parses a text column into a domain enum.
pub fn parsed<T>(column: &str, value: &str, parse: impl FnOnce(&str) -> Option<T>) -> DbResult<T> {
    parse(value).ok_or_else(|| bad_value(column, value))
}

#[cfg(test)]
mod tests {
    use super::Ts;

    #[test]
    fn text_timestamps_sort_as_time() {
        let earlier = Ts(time::macros::datetime!(2026-01-02 03:04:05.5 +02:00));
        let later = Ts(time::macros::datetime!(2026-01-02 02:04:05.6 +00:00));
        assert!(earlier.to_text() < later.to_text());
        assert_eq!(Ts::from_text(&earlier.to_text()).unwrap(), earlier);
    }
}
