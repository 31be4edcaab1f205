//! All devices: the organisation's devices, filtered, sorted and paged by
//! key (a page costs the same wherever it is in the list).

use async_trait::async_trait;
use portal_types::{ComplianceState, FleetDevice, FleetSort, ManagedBy, Ownership, Platform};

use super::{Store, catalog::contains_pattern, dialect, other, uid};
use crate::db::{
    DbResult, FleetKey, FleetQuery, FleetStore,
    values::{Ts, Uid, parsed},
};

#[derive(sqlx::FromRow)]
struct FleetRow {
    id: Uid,
    name: String,
    email: String,
    display_name: String,
    platform: String,
    os_version: String,
    model: String,
    ownership: String,
    compliance: String,
    last_seen: Ts,
    wiped_at: Option<Ts>,
    /// The sort column's value, where it is text.
    sort_key: Option<String>,
}

impl FleetRow {
    fn into_device(self, sort: FleetSort) -> DbResult<(FleetDevice, FleetKey)> {
        let key = match sort {
            FleetSort::LastSeen => FleetKey::Time(self.last_seen.0),
            _ => FleetKey::Text(self.sort_key.unwrap_or_default()),
        };
        let device = FleetDevice {
            id: self.id.into(),
            name: self.name,
            user_email: self.email,
            user_name: self.display_name,
            platform: parsed("platform", &self.platform, Platform::parse)?,
            os_version: self.os_version,
            model: self.model,
            ownership: parsed("ownership", &self.ownership, Ownership::parse)?,
            compliance: parsed("compliance", &self.compliance, ComplianceState::parse)?,
            // Devices come through the portal alone until the on-premises sync.
            managed_by: ManagedBy::Portal,
            last_seen: self.last_seen.rfc3339(),
            wiped_at: self.wiped_at.map(Ts::rfc3339),
        };
        Ok((device, key))
    }
}

const LAST_SEEN: &str = "COALESCE(d.last_check_in, d.enrolled_at)";

/// The column's expression; text sorts without regard to case.
fn sort_column(sort: FleetSort) -> &'static str {
    match sort {
        FleetSort::Name => "lower(d.name)",
        FleetSort::User => "lower(u.email)",
        FleetSort::Platform => "d.platform",
        FleetSort::OsVersion => "d.os_version",
        FleetSort::Ownership => "d.ownership",
        FleetSort::Compliance => "d.compliance",
        FleetSort::LastSeen => LAST_SEEN,
    }
}

/// `$1` to `$5`: search pattern, platforms and compliance states (JSON
/// arrays), ownership, last seen before.
fn filter() -> String {
    format!(
        "($1 IS NULL OR lower(d.name) LIKE $1 ESCAPE '\\' OR lower(u.email) LIKE $1 ESCAPE '\\'
              OR lower(COALESCE(d.serial_number, '')) LIKE $1 ESCAPE '\\' OR lower(d.model) LIKE $1 ESCAPE '\\')
         AND ($2 IS NULL OR d.platform IN ({}))
         AND ($3 IS NULL OR d.compliance IN ({}))
         AND ($4 IS NULL OR d.ownership = $4)
         AND ($5 IS NULL OR {LAST_SEEN} < $5)",
        dialect::json_strings(2),
        dialect::json_strings(3),
    )
}

fn json_names<T>(values: &[T], name: impl Fn(&T) -> &'static str) -> Option<String> {
    (!values.is_empty()).then(|| {
        let names: Vec<&str> = values.iter().map(name).collect();
        serde_json::to_string(&names).expect("strings serialize")
    })
}

#[async_trait]
impl FleetStore for Store {
    async fn fleet(&self, query: &FleetQuery) -> DbResult<(Vec<(FleetDevice, FleetKey)>, u64)> {
        let search = query.search.as_deref().map(contains_pattern);
        let platforms = json_names(&query.platforms, |p| p.as_str());
        let compliance = json_names(&query.compliance, |c| c.as_str());
        let ownership = query.ownership.map(Ownership::as_str);
        let seen_before = query.seen_before.map(Ts);

        let total: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM devices d JOIN users u ON u.id = d.user_id WHERE {}",
            filter()
        ))
        .bind(&search)
        .bind(&platforms)
        .bind(&compliance)
        .bind(ownership)
        .bind(seen_before)
        .fetch_one(&self.pool)
        .await
        .map_err(other)?;

        let column = sort_column(query.sort);
        let (direction, beyond) = if query.descending { ("DESC", "<") } else { ("ASC", ">") };
        let after = if query.after.is_some() {
            format!("AND ({column}, d.id) {beyond} ($7, $8)")
        } else {
            String::new()
        };
        let sort_key = if query.sort == FleetSort::LastSeen {
            "NULL"
        } else {
            column
        };
        let sql = format!(
            "SELECT d.id, d.name, u.email, u.display_name, d.platform, d.os_version, d.model, d.ownership,
                    d.compliance, {LAST_SEEN} AS last_seen, d.wiped_at, {sort_key} AS sort_key
             FROM devices d JOIN users u ON u.id = d.user_id
             WHERE {} {after}
             ORDER BY {column} {direction}, d.id {direction}
             LIMIT $6",
            filter()
        );
        let mut rows = sqlx::query_as::<_, FleetRow>(&sql)
            .bind(&search)
            .bind(&platforms)
            .bind(&compliance)
            .bind(ownership)
            .bind(seen_before)
            .bind(i64::from(query.per_page));
        if let Some((key, id)) = &query.after {
            rows = match key {
                FleetKey::Text(text) => rows.bind(text.clone()),
                FleetKey::Time(at) => rows.bind(Ts(*at)),
            }
            .bind(uid(*id));
        }
        let rows = rows.fetch_all(&self.pool).await.map_err(other)?;
        let devices = rows
            .into_iter()
            .map(|row| row.into_device(query.sort))
            .collect::<DbResult<_>>()?;
        Ok((devices, total.try_into().unwrap_or_default()))
    }
}
