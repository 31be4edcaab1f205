//! The app catalog and the managed apps on each device, in SQLite.

use portal_types::{
    App, AppInput, AppInstall, AppPackage, AppsPage, Command, CommandKind, CommandState, DeviceId, InstallState,
    ManagedApp, Platform, UserId,
};
use sqlx::{SqliteExecutor, SqlitePool};
use time::OffsetDateTime;

use super::{Tx, bad_value, insert_audit, insert_command, is_wiped, other, parse_uuid, rfc3339, ts};
use crate::db::{AppCommandOutcome, AppQuery, Assigned, AuditEvent, DbResult, NewCommand};

const APP_COLUMNS: &str = "SELECT a.id, a.name, a.publisher, a.version, a.size_bytes, a.description, a.category,
    a.featured, a.required, a.web_url, a.icon_color,
    (SELECT group_concat(platform) FROM app_platforms WHERE app_id = a.id) AS platforms
    FROM apps a";

#[derive(sqlx::FromRow)]
struct AppRow {
    id: String,
    name: String,
    publisher: String,
    version: String,
    size_bytes: i64,
    description: String,
    category: String,
    featured: bool,
    required: bool,
    web_url: Option<String>,
    icon_color: String,
    platforms: Option<String>,
}

impl TryFrom<AppRow> for App {
    type Error = crate::db::DbError;
    fn try_from(row: AppRow) -> DbResult<Self> {
        let mut platforms = row
            .platforms
            .unwrap_or_default()
            .split(',')
            .filter(|p| !p.is_empty())
            .map(|p| Platform::parse(p).ok_or_else(|| bad_value("platform", p)))
            .collect::<DbResult<Vec<_>>>()?;
        platforms.sort();
        Ok(App {
            id: row.id,
            name: row.name,
            publisher: row.publisher,
            version: row.version,
            size_bytes: row.size_bytes.try_into().unwrap_or_default(),
            description: row.description,
            category: row.category,
            platforms,
            featured: row.featured,
            required: row.required,
            web_url: row.web_url,
            icon_color: row.icon_color,
        })
    }
}

/// `LIKE` with the user's `%`, `_` and `\` taken literally.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

const FILTER: &str = "a.retired_at IS NULL
    AND (?1 IS NULL OR a.name LIKE ?1 ESCAPE '\\' OR a.publisher LIKE ?1 ESCAPE '\\'
         OR a.description LIKE ?1 ESCAPE '\\')
    AND (?2 IS NULL OR a.category = ?2)
    AND (?3 IS NULL OR a.featured = ?3)
    AND (?4 IS NULL OR EXISTS (SELECT 1 FROM app_platforms p
                               WHERE p.app_id = a.id AND p.platform IN (SELECT value FROM json_each(?4))))";

pub(super) async fn apps(pool: &SqlitePool, query: &AppQuery) -> DbResult<AppsPage> {
    let search = query.search.as_deref().map(contains_pattern);
    let platforms = (!query.platforms.is_empty()).then(|| {
        let names: Vec<_> = query.platforms.iter().map(|p| p.as_str()).collect();
        serde_json::to_string(&names).expect("strings serialize")
    });
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM apps a WHERE {FILTER}"))
        .bind(&search)
        .bind(&query.category)
        .bind(query.featured)
        .bind(&platforms)
        .fetch_one(pool)
        .await
        .map_err(other)?;
    let rows: Vec<AppRow> = sqlx::query_as(&format!(
        "{APP_COLUMNS} WHERE {FILTER} ORDER BY a.name COLLATE NOCASE, a.id LIMIT ?5 OFFSET ?6"
    ))
    .bind(&search)
    .bind(&query.category)
    .bind(query.featured)
    .bind(&platforms)
    .bind(query.per_page)
    .bind(i64::from(query.page.saturating_sub(1)) * i64::from(query.per_page))
    .fetch_all(pool)
    .await
    .map_err(other)?;
    Ok(AppsPage {
        apps: rows.into_iter().map(App::try_from).collect::<DbResult<_>>()?,
        total: total.try_into().unwrap_or_default(),
        page: query.page,
        per_page: query.per_page,
    })
}

pub(super) async fn app(executor: impl SqliteExecutor<'_>, id: &str) -> DbResult<Option<App>> {
    let row: Option<AppRow> = sqlx::query_as(&format!("{APP_COLUMNS} WHERE a.id = ? AND a.retired_at IS NULL"))
        .bind(id)
        .fetch_optional(executor)
        .await
        .map_err(other)?;
    row.map(App::try_from).transpose()
}

/// Inserts the app, or updates it unless retired; false when there was none to update.
async fn write_app(tx: &mut Tx<'_>, id: &str, app: &AppInput, insert: bool, now: OffsetDateTime) -> DbResult<bool> {
    let sql = if insert {
        "INSERT INTO apps (name, publisher, version, size_bytes, description, category, featured, required, web_url,
                           icon_color, created_at, updated_at, id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12)"
    } else {
        "UPDATE apps SET name = ?1, publisher = ?2, version = ?3, size_bytes = ?4, description = ?5, category = ?6,
                         featured = ?7, required = ?8, web_url = ?9, icon_color = ?10, updated_at = ?11
         WHERE id = ?12 AND retired_at IS NULL"
    };
    let written = sqlx::query(sql)
        .bind(app.name.trim())
        .bind(app.publisher.trim())
        .bind(app.version.trim())
        .bind(i64::try_from(app.size_bytes).unwrap_or(i64::MAX))
        .bind(app.description.trim())
        .bind(&app.category)
        .bind(app.featured)
        .bind(app.required)
        .bind(&app.web_url)
        .bind(&app.icon_color)
        .bind(ts(now))
        .bind(id)
        .execute(&mut **tx)
        .await
        .map_err(other)?;
    if written.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM app_platforms WHERE app_id = ?")
        .bind(id)
        .execute(&mut **tx)
        .await
        .map_err(other)?;
    for platform in &app.platforms {
        sqlx::query("INSERT OR IGNORE INTO app_platforms (app_id, platform) VALUES (?, ?)")
            .bind(id)
            .bind(platform.as_str())
            .execute(&mut **tx)
            .await
            .map_err(other)?;
    }
    Ok(true)
}

pub(super) async fn seed(pool: &SqlitePool, apps: &[(String, AppInput)], now: OffsetDateTime) -> DbResult<bool> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(other)?;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM apps")
        .fetch_one(&mut *tx)
        .await
        .map_err(other)?;
    if count > 0 {
        return Ok(false);
    }
    for (id, app) in apps {
        write_app(&mut tx, id, app, true, now).await?;
    }
    tx.commit().await.map_err(other)?;
    Ok(true)
}

pub(super) async fn save(
    pool: &SqlitePool,
    id: &str,
    app: &AppInput,
    created: bool,
    audit: AuditEvent,
    installs_expire_at: OffsetDateTime,
) -> DbResult<Option<(App, Vec<Assigned>)>> {
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(other)?;
    if !write_app(&mut tx, id, app, created, audit.at).await? {
        return Ok(None);
    }
    insert_audit(&mut tx, &audit).await?;
    let assigned = assign_required(&mut tx, Assignment::App(id), audit.at, installs_expire_at).await?;
    let saved = self::app(&mut *tx, id).await?.ok_or_else(|| bad_value("app", id))?;
    tx.commit().await.map_err(other)?;
    Ok(Some((saved, assigned)))
}

/// Which devices and apps to match required apps for.
pub(super) enum Assignment<'a> {
    /// A device that just enrolled.
    Device(DeviceId),
    /// An app that was just saved.
    App(&'a str),
}

/// Queues an Install of each required app on each supported device that has
/// no record of it yet, in the caller's transaction.
pub(super) async fn assign_required(
    tx: &mut Tx<'_>,
    assignment: Assignment<'_>,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> DbResult<Vec<Assigned>> {
    let (filter, key) = match assignment {
        Assignment::Device(id) => ("d.id = ?", id.to_string()),
        Assignment::App(id) => ("a.id = ?", id.to_string()),
    };
    let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(&format!(
        "SELECT d.id, d.user_id, a.id, a.name, a.version FROM devices d
         JOIN app_platforms p ON p.platform = d.platform
         JOIN apps a ON a.id = p.app_id
         WHERE a.required = 1 AND a.retired_at IS NULL AND d.wiped_at IS NULL AND {filter}
           AND NOT EXISTS (SELECT 1 FROM device_apps da WHERE da.device_id = d.id AND da.app_id = a.id)
         ORDER BY d.id, a.name"
    ))
    .bind(key)
    .fetch_all(&mut **tx)
    .await
    .map_err(other)?;
    let mut assigned = Vec::with_capacity(rows.len());
    for (device, user, app_id, name, version) in rows {
        let device_id = DeviceId(parse_uuid(&device)?);
        let user_id = UserId(parse_uuid(&user)?);
        let command = NewCommand {
            app: Some(AppPackage {
                app_id: app_id.clone(),
                name,
                version,
            }),
            ..NewCommand::requested(device_id, user_id, CommandKind::Install, now, expires_at)
        };
        // Nobody asked: the organisation requires it.
        let audit = AuditEvent {
            at: now,
            actor: None,
            action: "install_requested".into(),
            subject: Some(format!("{device}/{app_id}")),
            source: None,
            outcome: "required".into(),
        };
        insert_command(tx, &command, &audit).await?;
        assigned.push(Assigned { device_id, user_id });
    }
    Ok(assigned)
}

/// The app's row on the device follows a newly queued Install or Uninstall.
pub(super) async fn track_command(tx: &mut Tx<'_>, command: &NewCommand) -> DbResult<()> {
    let Some(app) = &command.app else { return Ok(()) };
    let sql = match command.kind {
        CommandKind::Install => {
            "INSERT INTO device_apps (device_id, app_id, state, command_id, updated_at)
             VALUES (?1, ?2, 'pending', ?3, ?4)
             ON CONFLICT (device_id, app_id) DO UPDATE
             SET state = 'pending', command_id = ?3, reason = NULL, updated_at = ?4"
        }
        CommandKind::Uninstall => {
            "UPDATE device_apps SET state = 'uninstalling', command_id = ?3, reason = NULL, updated_at = ?4
             WHERE device_id = ?1 AND app_id = ?2"
        }
        _ => return Ok(()),
    };
    sqlx::query(sql)
        .bind(command.device_id.to_string())
        .bind(&app.app_id)
        .bind(command.id.to_string())
        .bind(ts(command.requested_at))
        .execute(&mut **tx)
        .await
        .map_err(other)?;
    Ok(())
}

/// The app's row on the device follows its command along the timeline.
pub(super) async fn follow_command(
    tx: &mut Tx<'_>,
    command: &Command,
    app: Option<&AppPackage>,
    now: OffsetDateTime,
) -> DbResult<()> {
    let Some(app) = app else { return Ok(()) };
    let sql = match (command.kind, command.state) {
        (CommandKind::Install, CommandState::Requested) => "UPDATE device_apps SET state = 'pending'",
        (CommandKind::Install, CommandState::Acknowledged) => "UPDATE device_apps SET state = 'installing'",
        (CommandKind::Install, CommandState::Completed) => {
            "UPDATE device_apps SET state = 'installed', version = ?4, reason = NULL"
        }
        (CommandKind::Uninstall, CommandState::Completed) => "DELETE FROM device_apps",
        (_, CommandState::Failed | CommandState::Cancelled | CommandState::Expired) => {
            return settle_installs(&mut **tx, command.device_id, now).await;
        }
        _ => return Ok(()),
    };
    let set_time = if sql.starts_with("UPDATE") {
        ", updated_at = ?5"
    } else {
        ""
    };
    sqlx::query(&format!(
        "{sql}{set_time} WHERE device_id = ?1 AND app_id = ?2 AND command_id = ?3"
    ))
    .bind(command.device_id.to_string())
    .bind(&app.app_id)
    .bind(command.id.to_string())
    .bind(&app.version)
    .bind(ts(now))
    .execute(&mut **tx)
    .await
    .map_err(other)?;
    Ok(())
}

/// Installs whose command failed, was cancelled or expired end Failed, with
/// the reason; uninstalls that did are Installed again.
pub(super) async fn settle_installs(
    executor: impl SqliteExecutor<'_>,
    device_id: DeviceId,
    now: OffsetDateTime,
) -> DbResult<()> {
    sqlx::query(
        "UPDATE device_apps SET
            state = CASE WHEN state = 'uninstalling' THEN 'installed' ELSE 'failed' END,
            reason = (SELECT CASE c.state
                        WHEN 'expired' THEN 'The device did not take it before it expired.'
                        WHEN 'cancelled' THEN COALESCE(c.failure_reason, 'Cancelled.')
                        ELSE COALESCE(c.failure_reason, 'No reason given.') END
                      FROM commands c WHERE c.id = device_apps.command_id),
            updated_at = ?1
         WHERE device_id = ?2 AND state IN ('pending', 'installing', 'uninstalling')
           AND command_id IN (SELECT id FROM commands
                              WHERE device_id = ?2 AND state IN ('failed', 'cancelled', 'expired'))",
    )
    .bind(ts(now))
    .bind(device_id.to_string())
    .execute(executor)
    .await
    .map_err(other)?;
    Ok(())
}

pub(super) enum InstallsOf<'a> {
    Device(DeviceId),
    UserApp(UserId, &'a str),
}

pub(super) async fn installs(pool: &SqlitePool, of: InstallsOf<'_>) -> DbResult<Vec<AppInstall>> {
    let (filter, first, second) = match of {
        InstallsOf::Device(id) => ("da.device_id = ?1", id.to_string(), None),
        InstallsOf::UserApp(user, app) => ("d.user_id = ?1 AND da.app_id = ?2", user.to_string(), Some(app)),
    };
    let rows: Vec<(String, String, String, String, bool, String, Option<String>, String)> = sqlx::query_as(&format!(
        "SELECT da.device_id, da.app_id, a.name, a.icon_color, a.required, da.state, da.reason, da.updated_at
             FROM device_apps da JOIN apps a ON a.id = da.app_id JOIN devices d ON d.id = da.device_id
             WHERE {filter} ORDER BY a.name COLLATE NOCASE, d.name"
    ))
    .bind(first)
    .bind(second)
    .fetch_all(pool)
    .await
    .map_err(other)?;
    rows.into_iter()
        .map(
            |(device, app_id, app_name, icon_color, required, state, reason, updated_at)| {
                Ok(AppInstall {
                    device_id: DeviceId(parse_uuid(&device)?),
                    app_id,
                    app_name,
                    icon_color,
                    required,
                    state: InstallState::parse(&state).ok_or_else(|| bad_value("state", &state))?,
                    reason,
                    updated_at: rfc3339(&updated_at)?,
                })
            },
        )
        .collect()
}

pub(super) async fn queue_app_command(
    pool: &SqlitePool,
    command: NewCommand,
    audit: AuditEvent,
) -> DbResult<AppCommandOutcome> {
    if let Some(existing) = super::command_with_key(pool, &command).await? {
        return Ok(AppCommandOutcome::Queued(Box::new(existing)));
    }
    let app_id = command.app.as_ref().map(|a| a.app_id.clone()).unwrap_or_default();
    let device = command.device_id.to_string();
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(other)?;
    if is_wiped(&mut tx, command.device_id).await? {
        return Ok(AppCommandOutcome::DeviceWiped);
    }
    let state: Option<String> = sqlx::query_scalar("SELECT state FROM device_apps WHERE device_id = ? AND app_id = ?")
        .bind(&device)
        .bind(&app_id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(other)?;
    let state = state.as_deref().and_then(InstallState::parse);
    let refusal = match (command.kind, state) {
        (_, Some(s)) if s.is_in_progress() => Some(AppCommandOutcome::InProgress),
        (CommandKind::Install, Some(InstallState::Installed)) => Some(AppCommandOutcome::AlreadyInstalled),
        (CommandKind::Uninstall, None | Some(InstallState::Failed)) => Some(AppCommandOutcome::NotInstalled),
        _ => None,
    };
    if let Some(refusal) = refusal {
        return Ok(refusal);
    }
    let queued = insert_command(&mut tx, &command, &audit).await?;
    tx.commit().await.map_err(other)?;
    Ok(AppCommandOutcome::Queued(Box::new(queued)))
}

pub(super) async fn record_inventory(
    pool: &SqlitePool,
    device_id: DeviceId,
    apps: &[ManagedApp],
    now: OffsetDateTime,
    installs_expire_at: OffsetDateTime,
) -> DbResult<()> {
    let device = device_id.to_string();
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.map_err(other)?;
    for app in apps {
        sqlx::query(
            "INSERT INTO device_apps (device_id, app_id, state, version, updated_at)
             SELECT ?1, id, 'installed', ?3, ?4 FROM apps WHERE id = ?2
             ON CONFLICT (device_id, app_id) DO UPDATE
             SET state = 'installed', version = excluded.version, reason = NULL, updated_at = excluded.updated_at
             WHERE device_apps.state = 'failed'
                OR (device_apps.state = 'installed' AND device_apps.version IS NOT excluded.version)",
        )
        .bind(&device)
        .bind(&app.app_id)
        .bind(&app.version)
        .bind(ts(now))
        .execute(&mut *tx)
        .await
        .map_err(other)?;
    }
    let reported: Vec<&str> = apps.iter().map(|a| a.app_id.as_str()).collect();
    sqlx::query(
        "DELETE FROM device_apps WHERE device_id = ? AND state = 'installed'
           AND app_id NOT IN (SELECT value FROM json_each(?))",
    )
    .bind(&device)
    .bind(serde_json::to_string(&reported).expect("strings serialize"))
    .execute(&mut *tx)
    .await
    .map_err(other)?;
    // Required means kept installed: one removed on the device comes back.
    assign_required(&mut tx, Assignment::Device(device_id), now, installs_expire_at).await?;
    tx.commit().await.map_err(other)
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn search_text_is_matched_literally() {
        assert_eq!(contains_pattern("mail"), "%mail%");
        assert_eq!(contains_pattern("100%_\\"), "%100\\%\\_\\\\%");
    }
}
