//! The app catalog and the managed apps on each device.

use async_trait::async_trait;
use portal_types::{
    App, AppInput, AppInstall, AppPackage, AppsPage, Command, CommandKind, CommandState, DeviceId, InstallState,
    ManagedApp, Platform, UserId,
};
use time::OffsetDateTime;

use super::{
    Db, ENROLLED, Key, Later, Store, Tx,
    commands::{self, expire_due, insert_keyed, queue_commands, repeated},
    commit_audited, dialect, other, uid,
};
use crate::{
    catalog::rules,
    commands::rules as command_rules,
    db::{
        AppQuery, AuditEvent, CatalogStore, DbResult, NewCommand, QueueOutcome,
        values::{Ts, Uid, bad_value, parsed},
    },
};

fn app_columns() -> String {
    format!(
        "SELECT a.id, a.name, a.publisher, a.version, a.size_bytes, a.description, a.category,
                a.featured, a.required, a.web_url, a.icon_color,
                (SELECT {} FROM app_platforms WHERE app_id = a.id) AS platforms
         FROM apps a",
        dialect::comma_joined("platform")
    )
}

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
            .map(|p| parsed("platform", p, Platform::parse))
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

/// `LIKE` with the user's `%`, `_` and `\` taken literally, lower-cased:
/// matched against lower-cased text, it finds any case in both databases.
pub(super) fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

fn filter() -> String {
    format!(
        "a.retired_at IS NULL
         AND ($1 IS NULL OR lower(a.name) LIKE $1 ESCAPE '\\' OR lower(a.publisher) LIKE $1 ESCAPE '\\'
              OR lower(a.description) LIKE $1 ESCAPE '\\')
         AND ($2 IS NULL OR a.category = $2)
         AND ($3 IS NULL OR a.featured = $3)
         AND ($4 IS NULL OR EXISTS (SELECT 1 FROM app_platforms p
                                    WHERE p.app_id = a.id AND p.platform IN ({})))",
        dialect::json_strings(4)
    )
}

async fn app(executor: impl sqlx::Executor<'_, Database = Db>, id: &str) -> DbResult<Option<App>> {
    let row: Option<AppRow> = sqlx::query_as(&format!("{} WHERE a.id = $1 AND a.retired_at IS NULL", app_columns()))
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
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12)"
    } else {
        "UPDATE apps SET name = $1, publisher = $2, version = $3, size_bytes = $4, description = $5, category = $6,
                         featured = $7, required = $8, web_url = $9, icon_color = $10, updated_at = $11
         WHERE id = $12 AND retired_at IS NULL"
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
        .bind(Ts(now))
        .bind(id)
        .execute(&mut **tx)
        .await
        .map_err(other)?;
    if written.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM app_platforms WHERE app_id = $1")
        .bind(id)
        .execute(&mut **tx)
        .await
        .map_err(other)?;
    for platform in &app.platforms {
        sqlx::query("INSERT INTO app_platforms (app_id, platform) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(platform.as_str())
            .execute(&mut **tx)
            .await
            .map_err(other)?;
    }
    Ok(true)
}

/// Which devices and apps to match required apps for.
pub(super) enum Assignment<'a> {
    /// A device that just enrolled or reported its apps: the caller holds
    /// [`Key::CatalogShared`] (and the device's key, for a device others see).
    Device(DeviceId),
    /// An app that was just saved: the caller holds [`Key::Catalog`].
    App(&'a str),
}

/// The devices (`d`) a required app (`app`) reaches: enrolled, managed (not
/// only registered), not reset, not on their way out of management (they get
/// nothing more), and without a record of the app yet.
fn reached(app: &str) -> String {
    format!(
        "d.wiped_at IS NULL AND d.{ENROLLED} AND d.management = 'managed' AND NOT {removing}
         AND NOT EXISTS (SELECT 1 FROM device_apps da WHERE da.device_id = d.id AND da.app_id = {app})",
        removing = commands::removal_pending("d.id")
    )
}

/// Queues an Install of each required app on each supported device that has
/// no record of it yet, in the caller's transaction.
pub(super) async fn assign_required(
    tx: &mut Tx<'_>,
    assignment: Assignment<'_>,
    now: OffsetDateTime,
    expires_at: Option<OffsetDateTime>,
) -> DbResult<()> {
    // The organisation's plan installs no apps.
    let Some(expires_at) = expires_at else {
        return Ok(());
    };
    let filter = match assignment {
        Assignment::Device(_) => "d.id = $1",
        Assignment::App(_) => "a.id = $1",
    };
    let sql = format!(
        "SELECT d.id, d.user_id, a.id, a.name, a.version FROM devices d
         JOIN app_platforms p ON p.platform = d.platform
         JOIN apps a ON a.id = p.app_id
         WHERE a.required AND a.retired_at IS NULL AND {filter} AND {reached}
         ORDER BY d.id, a.name",
        reached = reached("a.id")
    );
    let query = sqlx::query_as(&sql);
    let query = match assignment {
        Assignment::Device(id) => query.bind(uid(id)),
        Assignment::App(id) => query.bind(id),
    };
    let rows: Vec<(Uid, Uid, String, String, String)> = query.fetch_all(&mut **tx).await.map_err(other)?;
    let installs: Vec<_> = rows
        .into_iter()
        .map(|(device, owner, app_id, name, version)| {
            let app = AppPackage { app_id, name, version };
            rules::required_install(device.into(), owner.into(), app, now, expires_at)
        })
        .collect();
    queue_commands(tx, &installs).await
}

/// The apps' rows on the devices follow newly queued Installs and Uninstalls.
pub(super) async fn track_commands(tx: &mut Tx<'_>, commands: &[&NewCommand]) -> DbResult<()> {
    let with_app = |kind| {
        commands
            .iter()
            .filter(move |command| command.kind == kind)
            .filter_map(|command| Some((*command, command.app.as_ref()?)))
    };
    // Sent at commit: nothing reads them before.
    let installs = with_app(CommandKind::Install).map(|(command, app)| {
        (
            uid(command.device_id),
            app.app_id.clone(),
            uid(command.id),
            Ts(command.requested_at),
        )
    });
    for rows in super::runs(installs, super::ROWS_PER_INSERT) {
        let sql = format!(
            "INSERT INTO device_apps (device_id, app_id, command_id, updated_at, state) VALUES {}
             ON CONFLICT (device_id, app_id) DO UPDATE
             SET state = excluded.state, command_id = excluded.command_id, reason = NULL,
                 updated_at = excluded.updated_at",
            super::value_rows(rows.len(), 5)
        );
        tx.later(Later::new(sql, 5 * rows.len(), move |query| {
            rows.into_iter().fold(query, |query, (device, app, command, at)| {
                query.bind(device).bind(app).bind(command).bind(at).bind("pending")
            })
        }));
    }
    for (command, app) in with_app(CommandKind::Uninstall) {
        sqlx::query(
            "UPDATE device_apps SET state = 'uninstalling', command_id = $3, reason = NULL, updated_at = $4
             WHERE device_id = $1 AND app_id = $2",
        )
        .bind(uid(command.device_id))
        .bind(&app.app_id)
        .bind(uid(command.id))
        .bind(Ts(command.requested_at))
        .execute(&mut **tx)
        .await
        .map_err(other)?;
    }
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
        (CommandKind::Install, CommandState::Requested) => "UPDATE device_apps SET state = 'pending', updated_at = $5",
        (CommandKind::Install, CommandState::Acknowledged) => {
            "UPDATE device_apps SET state = 'installing', updated_at = $5"
        }
        (CommandKind::Install, CommandState::Completed) => {
            "UPDATE device_apps SET state = 'installed', version = $4, reason = NULL, updated_at = $5"
        }
        (CommandKind::Uninstall, CommandState::Completed) => "DELETE FROM device_apps",
        (_, CommandState::Failed | CommandState::Cancelled | CommandState::Expired) => {
            return settle_installs(tx, command.device_id, now).await;
        }
        _ => return Ok(()),
    };
    let statement = format!("{sql} WHERE device_id = $1 AND app_id = $2 AND command_id = $3");
    let mut q = sqlx::query(&statement)
        .bind(uid(command.device_id))
        .bind(&app.app_id)
        .bind(uid(command.id));
    if statement.starts_with("UPDATE") {
        q = q.bind(&app.version).bind(Ts(now));
    }
    q.execute(&mut **tx).await.map_err(other)?;
    Ok(())
}

/// Installs whose command failed, was cancelled or expired end Failed, with
/// the reason; uninstalls that did are Installed again.
pub(super) async fn settle_installs(tx: &mut Tx<'_>, device_id: DeviceId, now: OffsetDateTime) -> DbResult<()> {
    sqlx::query(
        "UPDATE device_apps SET
            state = CASE WHEN state = 'uninstalling' THEN 'installed' ELSE 'failed' END,
            reason = (SELECT CASE c.state
                        WHEN 'expired' THEN $3
                        WHEN 'cancelled' THEN COALESCE(c.failure_reason, $4)
                        ELSE COALESCE(c.failure_reason, $5) END
                      FROM commands c WHERE c.id = device_apps.command_id),
            updated_at = $1
         WHERE device_id = $2 AND state IN ('pending', 'installing', 'uninstalling')
           AND command_id IN (SELECT id FROM commands
                              WHERE device_id = $2 AND state IN ('failed', 'cancelled', 'expired'))",
    )
    .bind(Ts(now))
    .bind(uid(device_id))
    .bind(rules::EXPIRED_REASON)
    .bind(rules::CANCELLED_REASON)
    .bind(rules::NO_REASON)
    .execute(&mut **tx)
    .await
    .map_err(other)?;
    Ok(())
}

/// The catalog apps the device reports, in the caller's transaction (which
/// holds the catalog's shared lock and the device's).
pub(super) async fn record_apps(
    tx: &mut Tx<'_>,
    device_id: DeviceId,
    apps: &[ManagedApp],
    now: OffsetDateTime,
    installs_expire_at: Option<OffsetDateTime>,
) -> DbResult<()> {
    expire_due(tx, Some(device_id), now).await?;
    for app in apps {
        sqlx::query(
            "INSERT INTO device_apps (device_id, app_id, state, version, updated_at)
             SELECT $1, id, 'installed', $3, $4 FROM apps WHERE id = $2
             ON CONFLICT (device_id, app_id) DO UPDATE
             SET state = 'installed', version = excluded.version, reason = NULL, updated_at = excluded.updated_at
             WHERE device_apps.state = 'failed'
                OR (device_apps.state = 'installed' AND device_apps.version IS DISTINCT FROM excluded.version)",
        )
        .bind(uid(device_id))
        .bind(&app.app_id)
        .bind(&app.version)
        .bind(Ts(now))
        .execute(&mut **tx)
        .await
        .map_err(other)?;
    }
    let reported: Vec<&str> = apps.iter().map(|a| a.app_id.as_str()).collect();
    sqlx::query(&format!(
        "DELETE FROM device_apps WHERE device_id = $1 AND state = 'installed' AND app_id NOT IN ({})",
        dialect::json_strings(2)
    ))
    .bind(uid(device_id))
    .bind(serde_json::to_string(&reported).expect("strings serialize"))
    .execute(&mut **tx)
    .await
    .map_err(other)?;
    // Required means kept installed: one removed on the device comes back.
    assign_required(tx, Assignment::Device(device_id), now, installs_expire_at).await
}

enum InstallsOf<'a> {
    Device(DeviceId),
    UserApp(UserId, &'a str),
}

async fn installs(store: &Store, of: InstallsOf<'_>, now: OffsetDateTime) -> DbResult<Vec<AppInstall>> {
    let filter = match of {
        InstallsOf::Device(_) => "da.device_id = $1",
        InstallsOf::UserApp(..) => "d.user_id = $1 AND da.app_id = $2",
    };
    let sql = format!(
        "SELECT da.device_id, da.app_id, a.name, a.icon_color, a.required, da.state, da.reason, da.updated_at,
                c.kind AS command_kind, c.state AS command_state, c.expires_at AS command_expires_at
         FROM device_apps da JOIN apps a ON a.id = da.app_id JOIN devices d ON d.id = da.device_id
         LEFT JOIN commands c ON c.id = da.command_id
         WHERE {filter} ORDER BY lower(a.name), lower(d.name)"
    );
    let query = sqlx::query_as(&sql);
    let query = match of {
        InstallsOf::Device(id) => query.bind(uid(id)),
        InstallsOf::UserApp(user, app) => query.bind(uid(user)).bind(app),
    };
    let rows: Vec<InstallRow> = query.fetch_all(&store.pool).await.map_err(other)?;
    rows.into_iter().map(|row| row.standing_at(now)).collect()
}

#[derive(sqlx::FromRow)]
struct InstallRow {
    device_id: Uid,
    app_id: String,
    name: String,
    icon_color: String,
    required: bool,
    state: String,
    reason: Option<String>,
    updated_at: Ts,
    /// The command it waits for, if any.
    command_kind: Option<String>,
    command_state: Option<String>,
    command_expires_at: Option<Ts>,
}

impl InstallRow {
    /// As it stands at `now`: settled if the command it waits for expired.
    fn standing_at(self, now: OffsetDateTime) -> DbResult<AppInstall> {
        let mut state = parsed("state", &self.state, InstallState::parse)?;
        let (mut reason, mut updated_at) = (self.reason, self.updated_at);
        let command = self.command_state.as_deref().and_then(CommandState::parse);
        let kind = self.command_kind.as_deref().and_then(CommandKind::parse);
        if let (Some(command), Some(kind), Some(expires_at)) = (command, kind, self.command_expires_at)
            && state.is_in_progress()
            && command_rules::expired_by(kind, command, expires_at.0, now)
        {
            let (settled, why) = rules::after_expiry(state);
            (state, reason, updated_at) = (settled, why.map(Into::into), expires_at);
        }
        Ok(AppInstall {
            device_id: self.device_id.into(),
            app_id: self.app_id,
            app_name: self.name,
            icon_color: self.icon_color,
            required: self.required,
            state,
            reason,
            updated_at: updated_at.rfc3339(),
        })
    }
}

#[async_trait]
impl CatalogStore for Store {
    async fn seed_catalog(&self, apps: &[(String, AppInput)], now: OffsetDateTime) -> DbResult<bool> {
        // Two nodes starting at once seed once.
        let mut tx = self.begin_locked(&[Key::Catalog]).await?;
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
        tx.commit().await?;
        Ok(true)
    }

    async fn apps(&self, query: &AppQuery) -> DbResult<AppsPage> {
        let search = query.search.as_deref().map(contains_pattern);
        let platforms = (!query.platforms.is_empty()).then(|| {
            let names: Vec<_> = query.platforms.iter().map(|p| p.as_str()).collect();
            serde_json::to_string(&names).expect("strings serialize")
        });
        let filter = if query.web_only {
            format!("{} AND a.web_url IS NOT NULL", filter())
        } else {
            filter()
        };
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM apps a WHERE {filter}"))
            .bind(&search)
            .bind(&query.category)
            .bind(query.featured)
            .bind(&platforms)
            .fetch_one(&self.pool)
            .await
            .map_err(other)?;
        let rows: Vec<AppRow> = sqlx::query_as(&format!(
            "{} WHERE {filter} ORDER BY lower(a.name), a.id LIMIT $5 OFFSET $6",
            app_columns(),
        ))
        .bind(&search)
        .bind(&query.category)
        .bind(query.featured)
        .bind(&platforms)
        .bind(i64::from(query.per_page))
        .bind(i64::from(query.page.saturating_sub(1)) * i64::from(query.per_page))
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        Ok(AppsPage {
            apps: rows.into_iter().map(App::try_from).collect::<DbResult<_>>()?,
            total: total.try_into().unwrap_or_default(),
            page: query.page,
            per_page: query.per_page,
            not_offered: None,
        })
    }

    async fn required_reach(&self, app: Option<&str>, platforms: &[Platform]) -> DbResult<u64> {
        if platforms.is_empty() {
            return Ok(0);
        }
        let names: Vec<_> = platforms.iter().map(|p| p.as_str()).collect();
        let count: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM devices d WHERE d.platform IN ({}) AND {}",
            dialect::json_strings(1),
            reached("$2")
        ))
        .bind(serde_json::to_string(&names).expect("strings serialize"))
        .bind(app.unwrap_or(""))
        .fetch_one(&self.pool)
        .await
        .map_err(other)?;
        Ok(count.try_into().unwrap_or_default())
    }

    async fn app(&self, id: &str) -> DbResult<Option<App>> {
        app(&self.pool, id).await
    }

    async fn save_app(
        &self,
        id: &str,
        app: &AppInput,
        created: bool,
        audit: AuditEvent,
        installs_expire_at: Option<OffsetDateTime>,
    ) -> DbResult<Option<App>> {
        // Its required installs: beside no enrollment or check-in assigning the catalog's.
        let mut tx = self.begin_locked(&[Key::Catalog]).await?;
        if !write_app(&mut tx, id, app, created, audit.at).await? {
            return Ok(None);
        }
        tx.audit(&audit);
        assign_required(&mut tx, Assignment::App(id), audit.at, installs_expire_at).await?;
        let saved = self::app(&mut *tx, id).await?.ok_or_else(|| bad_value("app", id))?;
        tx.commit().await?;
        Ok(Some(saved))
    }

    async fn retire_app(&self, id: &str, audit: AuditEvent) -> DbResult<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE apps SET retired_at = $1 WHERE id = $2 AND retired_at IS NULL")
            .bind(Ts(audit.at))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        commit_audited(tx, done.rows_affected(), &audit).await
    }

    async fn installs_of_app(&self, user_id: UserId, app_id: &str, now: OffsetDateTime) -> DbResult<Vec<AppInstall>> {
        installs(self, InstallsOf::UserApp(user_id, app_id), now).await
    }

    async fn device_apps(&self, device_id: DeviceId, now: OffsetDateTime) -> DbResult<Vec<AppInstall>> {
        installs(self, InstallsOf::Device(device_id), now).await
    }

    async fn queue_app_command(&self, command: NewCommand, audit: AuditEvent) -> DbResult<QueueOutcome> {
        let app_id = command.app.as_ref().map(|a| a.app_id.clone()).unwrap_or_default();
        // The app's state and the queued command agree.
        let mut tx = self.begin_locked(&[Key::Device(&command.device_id)]).await?;
        if let Some(repeat) = repeated(&mut tx, &command).await? {
            return Ok(repeat);
        }
        if let Some(refusal) = commands::refusal(&mut tx, &command).await? {
            return Ok(refusal);
        }
        expire_due(&mut tx, Some(command.device_id), command.requested_at).await?;
        let state: Option<String> =
            sqlx::query_scalar("SELECT state FROM device_apps WHERE device_id = $1 AND app_id = $2")
                .bind(uid(command.device_id))
                .bind(&app_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(other)?;
        let state = state.as_deref().and_then(InstallState::parse);
        if let Some(refusal) = rules::refusal(command.kind, state) {
            return Ok(refusal);
        }
        let outcome = insert_keyed(&mut tx, &command, &audit).await?;
        if matches!(outcome, QueueOutcome::Queued(_)) {
            tx.commit().await?;
        }
        Ok(outcome)
    }

    async fn record_app_inventory(
        &self,
        device_id: DeviceId,
        apps: &[ManagedApp],
        now: OffsetDateTime,
        installs_expire_at: Option<OffsetDateTime>,
    ) -> DbResult<()> {
        let mut tx = self
            .begin_locked(&[Key::CatalogShared, Key::Device(&device_id)])
            .await?;
        record_apps(&mut tx, device_id, apps, now, installs_expire_at).await?;
        tx.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::contains_pattern;

    #[test]
    fn search_text_is_matched_literally() {
        assert_eq!(contains_pattern("Mail"), "%mail%");
        assert_eq!(contains_pattern("100%_\\"), "%100\\%\\_\\\\%");
    }
}
