//! Remote actions queued for devices, along their timeline.

use async_trait::async_trait;
use portal_types::{AppPackage, Command, CommandKind, CommandState, DeviceCommand, DeviceId};
use time::OffsetDateTime;

use sqlx::FromRow;

use super::{Key, Later, Query, Store, Tx, catalog, devices, other, uid};
use crate::{
    commands::rules,
    db::{
        Actor, AuditEvent, CommandStore, DbError, DbResult, NewCommand, QueueOutcome, RemoveOutcome, StateChange,
        WipeOutcome,
        values::{Ts, Uid, parsed},
    },
    live::Notice,
};

const COMMAND_FIELDS: &str = "id, device_id, user_id, kind, state, lock_message, lock_phone, app_id, app_name, app_version, \
                              requested_at, delivered_at, acknowledged_at, finished_at, expires_at, failure_reason, \
                              requested_by, reason";

#[derive(sqlx::FromRow)]
struct CommandRow {
    id: Uid,
    device_id: Uid,
    user_id: Uid,
    kind: String,
    state: String,
    lock_message: Option<String>,
    lock_phone: Option<String>,
    app_id: Option<String>,
    app_name: Option<String>,
    app_version: Option<String>,
    requested_at: Ts,
    delivered_at: Option<Ts>,
    acknowledged_at: Option<Ts>,
    finished_at: Option<Ts>,
    expires_at: Ts,
    failure_reason: Option<String>,
    requested_by: Option<String>,
    reason: Option<String>,
}

impl CommandRow {
    /// As it stands at `now`, expired if its time ran out untaken.
    fn standing_at(mut self, now: OffsetDateTime) -> Self {
        let state = CommandState::parse(&self.state);
        let kind = CommandKind::parse(&self.kind);
        if let (Some(state), Some(kind)) = (state, kind)
            && rules::expired_by(kind, state, self.expires_at.0, now)
        {
            self.state = CommandState::Expired.as_str().into();
            self.finished_at = Some(self.expires_at);
        }
        self
    }

    /// The app an Install or Uninstall is for.
    fn package(&self) -> Option<AppPackage> {
        Some(AppPackage {
            app_id: self.app_id.clone()?,
            name: self.app_name.clone().unwrap_or_default(),
            version: self.app_version.clone().unwrap_or_default(),
        })
    }

    fn for_device(self) -> DbResult<DeviceCommand> {
        Ok(DeviceCommand {
            id: self.id.into(),
            kind: parsed("kind", &self.kind, CommandKind::parse)?,
            app: self.package(),
            lock_message: self.lock_message,
            lock_phone: self.lock_phone,
        })
    }
}

impl TryFrom<CommandRow> for Command {
    type Error = DbError;
    fn try_from(row: CommandRow) -> DbResult<Self> {
        Ok(Command {
            id: row.id.into(),
            device_id: row.device_id.into(),
            kind: parsed("kind", &row.kind, CommandKind::parse)?,
            state: parsed("state", &row.state, CommandState::parse)?,
            lock_message: row.lock_message,
            lock_phone: row.lock_phone,
            app_name: row.app_name,
            requested_at: row.requested_at.rfc3339(),
            delivered_at: row.delivered_at.map(Ts::rfc3339),
            acknowledged_at: row.acknowledged_at.map(Ts::rfc3339),
            finished_at: row.finished_at.map(Ts::rfc3339),
            expires_at: row.expires_at.rfc3339(),
            failure_reason: row.failure_reason,
            requested_by: row.requested_by,
            reason: row.reason,
        })
    }
}

/// What the command's idempotency key already stands for, if anything: the
/// command queued with it, or a refusal when that was another device's or
/// another action (another kind, or another app). Looked at in the transaction that would insert it.
pub(super) async fn repeated(tx: &mut Tx<'_>, command: &NewCommand) -> DbResult<Option<QueueOutcome>> {
    let Some(key) = &command.idempotency_key else {
        return Ok(None);
    };
    let existing: Option<CommandRow> = sqlx::query_as(&format!(
        "SELECT {COMMAND_FIELDS} FROM commands WHERE user_id = $1 AND idempotency_key = $2"
    ))
    .bind(uid(command.user_id))
    .bind(key)
    .fetch_optional(&mut **tx)
    .await
    .map_err(other)?;
    let Some(row) = existing else { return Ok(None) };
    let app = command.app.as_ref().map(|app| app.app_id.as_str());
    if row.device_id != uid(command.device_id) || row.kind != command.kind.as_str() || row.app_id.as_deref() != app {
        return Ok(Some(QueueOutcome::KeyReused));
    }
    Ok(Some(QueueOutcome::Queued(Box::new(Command::try_from(row)?))))
}

/// Inserts the command; a concurrent request on another device that took
/// its idempotency key first makes it a refusal.
pub(super) async fn insert_keyed(tx: &mut Tx<'_>, command: &NewCommand, audit: &AuditEvent) -> DbResult<QueueOutcome> {
    match insert_command(tx, command, audit).await {
        Ok(queued) => Ok(QueueOutcome::Queued(Box::new(queued))),
        Err(DbError::Conflict) if command.idempotency_key.is_some() => Ok(QueueOutcome::KeyReused),
        Err(error) => Err(error),
    }
}

/// The device's command of this kind on its way (queued, delivered or being
/// carried out) at `now`, if any.
async fn on_its_way(tx: &mut Tx<'_>, device_id: DeviceId, kind: CommandKind, now: OffsetDateTime) -> DbResult<bool> {
    let found: Option<i32> = sqlx::query_scalar(
        "SELECT 1 FROM commands WHERE device_id = $1 AND kind = $2
         AND state IN ('requested', 'delivered', 'acknowledged') AND expires_at > $3",
    )
    .bind(uid(device_id))
    .bind(kind.as_str())
    .bind(Ts(now))
    .fetch_optional(&mut **tx)
    .await
    .map_err(other)?;
    Ok(found.is_some())
}

/// SQL: whether a Remove device of the device `{device}` (a column or a
/// parameter) is under way: waiting for the device, or out of time and
/// about to be carried out all the same by the sweep (`rules::removes_device`).
pub(super) fn removal_pending(device: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM commands r WHERE r.device_id = {device} AND r.kind = 'retire'
                 AND r.state IN ('requested', 'delivered', 'acknowledged', 'expired'))"
    )
}

async fn being_removed(tx: &mut Tx<'_>, device_id: DeviceId) -> DbResult<bool> {
    sqlx::query_scalar(&format!("SELECT {}", removal_pending("$1")))
        .bind(uid(device_id))
        .fetch_one(&mut **tx)
        .await
        .map_err(other)
}

/// Why the device takes no command now, if it does not: it was reset, is
/// only registered, or is being removed.
pub(super) async fn refusal(tx: &mut Tx<'_>, command: &NewCommand) -> DbResult<Option<QueueOutcome>> {
    if let Some(standing) = devices::standing(tx, command.device_id, None).await? {
        if standing.wiped {
            return Ok(Some(QueueOutcome::DeviceWiped));
        }
        if !rules::takes_commands(standing.management) {
            return Ok(Some(QueueOutcome::NotManaged));
        }
    }
    let removing = being_removed(tx, command.device_id).await?;
    Ok(removing.then_some(QueueOutcome::BeingRemoved))
}

/// Inserts a requested command with its audit entry, and reads it back.
pub(super) async fn insert_command(tx: &mut Tx<'_>, command: &NewCommand, audit: &AuditEvent) -> DbResult<Command> {
    let mut inserted = insert_commands(tx, &[(command.clone(), audit.clone())]).await?;
    Ok(inserted.pop().expect("one row inserted"))
}

/// Inserts requested commands with their audit entries, a few statements
/// for any number of them, and reads them back.
pub(super) async fn insert_commands(tx: &mut Tx<'_>, queued: &[(NewCommand, AuditEvent)]) -> DbResult<Vec<Command>> {
    let mut inserted = Vec::with_capacity(queued.len());
    for chunk in queued.chunks(super::ROWS_PER_INSERT) {
        let sql = format!("{} RETURNING {COMMAND_FIELDS}", commands_insert(chunk.len()));
        let query = chunk
            .iter()
            .fold(sqlx::query(&sql), |query, (command, _)| bind_command(query, command));
        for row in query.fetch_all(&mut **tx).await.map_err(other)? {
            inserted.push(CommandRow::from_row(&row).map_err(other)?);
        }
    }
    queued_with(tx, queued).await?;
    inserted.into_iter().map(Command::try_from).collect()
}

/// Queues requested commands with their audit entries, sent at commit
/// (nothing in the transaction reads them after).
pub(super) async fn queue_commands(tx: &mut Tx<'_>, queued: &[(NewCommand, AuditEvent)]) -> DbResult<()> {
    for chunk in queued.chunks(super::ROWS_PER_INSERT) {
        let commands: Vec<NewCommand> = chunk.iter().map(|(command, _)| command.clone()).collect();
        tx.later(Later::new(
            commands_insert(chunk.len()),
            15 * chunk.len(),
            move |query| commands.iter().fold(query, bind_command),
        ));
    }
    queued_with(tx, queued).await
}

/// What goes with queued commands: their audit entries, their apps' rows
/// on the devices, and the notices.
async fn queued_with(tx: &mut Tx<'_>, queued: &[(NewCommand, AuditEvent)]) -> DbResult<()> {
    for (_, audit) in queued {
        tx.audit(audit);
    }
    let commands: Vec<&NewCommand> = queued.iter().map(|(command, _)| command).collect();
    catalog::track_commands(tx, &commands).await?;
    for (command, _) in queued {
        tx.notify(Notice::Wake {
            device: command.device_id,
        });
        tx.notify(Notice::commands_changed(command.user_id, command.device_id));
    }
    Ok(())
}

/// The INSERT of `rows` requested commands, their values as [`bind_command`] binds them.
fn commands_insert(rows: usize) -> String {
    format!(
        "INSERT INTO commands (id, device_id, user_id, kind, state, lock_message, lock_phone, app_id, app_name,
                               app_version, idempotency_key, requested_at, expires_at, requested_by, reason)
         VALUES {}",
        super::value_rows(rows, 15)
    )
}

fn bind_command<'q>(query: Query<'q>, command: &NewCommand) -> Query<'q> {
    let app = command.app.as_ref();
    query
        .bind(uid(command.id))
        .bind(uid(command.device_id))
        .bind(uid(command.user_id))
        .bind(command.kind.as_str())
        .bind(CommandState::Requested.as_str())
        .bind(command.lock_message.clone())
        .bind(command.lock_phone.clone())
        .bind(app.map(|a| a.app_id.clone()))
        .bind(app.map(|a| a.name.clone()))
        .bind(app.map(|a| a.version.clone()))
        .bind(command.idempotency_key.clone())
        .bind(Ts(command.requested_at))
        .bind(Ts(command.expires_at))
        .bind(command.requested_by.clone())
        .bind(command.reason.clone())
}

/// The audit entry of a command of `device` reaching `reached` with nobody
/// acting: time expired it, or its device took it.
fn unattended_step(kind: CommandKind, reached: CommandState, device: DeviceId, at: OffsetDateTime) -> AuditEvent {
    AuditEvent::new(at, rules::audit_action(kind, reached), reached.as_str()).subject(device.to_string())
}

/// Marks expired what expired by `now`, on one device or on every one, and
/// settles the installs those commands were for, in the caller's write
/// transaction: a write sees the queue as reads show it.
pub(super) async fn expire_due(tx: &mut Tx<'_>, device: Option<DeviceId>, now: OffsetDateTime) -> DbResult<usize> {
    // The rule of `rules::expired_by`, for every row at once.
    let expired: Vec<(Uid, Uid, String)> = sqlx::query_as(
        "UPDATE commands SET state = 'expired', finished_at = expires_at
         WHERE ($1 IS NULL OR device_id = $1) AND expires_at <= $2
           AND (state IN ('requested', 'delivered') OR (state = 'acknowledged' AND kind <> 'wipe'))
         RETURNING device_id, user_id, kind",
    )
    .bind(device.map(uid))
    .bind(Ts(now))
    .fetch_all(&mut **tx)
    .await
    .map_err(other)?;
    let count = expired.len();
    let mut devices = Vec::with_capacity(count);
    for (device, owner, kind) in expired {
        // Written when seen, so that a day's log once read stays as read.
        let kind = parsed("kind", &kind, CommandKind::parse)?;
        tx.audit(&unattended_step(kind, CommandState::Expired, device.into(), now));
        devices.push((device, owner));
    }
    devices.sort();
    devices.dedup();
    for (device, owner) in devices {
        catalog::settle_installs(tx, device.into(), now).await?;
        tx.notify(Notice::commands_changed(owner.into(), device.into()));
    }
    Ok(count)
}

/// The requested commands, oldest first, marked delivered in the caller's
/// transaction (see [`CommandStore::take_pending`]).
pub(super) async fn take(
    tx: &mut Tx<'_>,
    device_id: DeviceId,
    now: OffsetDateTime,
    redeliver: bool,
) -> DbResult<Vec<DeviceCommand>> {
    // Commands queued in this transaction (a check-in's required apps) go too.
    tx.send_kept().await?;
    expire_due(tx, Some(device_id), now).await?;
    // Those delivered before go again as they were: they were delivered then.
    let mut rows: Vec<CommandRow> = if redeliver {
        sqlx::query_as(&format!(
            "SELECT {COMMAND_FIELDS} FROM commands WHERE device_id = $1 AND state = 'delivered'"
        ))
        .bind(uid(device_id))
        .fetch_all(&mut **tx)
        .await
        .map_err(other)?
    } else {
        Vec::new()
    };
    let delivered: Vec<CommandRow> = sqlx::query_as(&format!(
        "UPDATE commands SET state = 'delivered', delivered_at = $1
         WHERE device_id = $2 AND state = 'requested'
         RETURNING {COMMAND_FIELDS}"
    ))
    .bind(Ts(now))
    .bind(uid(device_id))
    .fetch_all(&mut **tx)
    .await
    .map_err(other)?;
    if let Some(row) = delivered.first() {
        tx.notify(Notice::commands_changed(row.user_id.into(), device_id));
    }
    for row in &delivered {
        let kind = parsed("kind", &row.kind, CommandKind::parse)?;
        if rules::audited(kind, CommandState::Delivered) {
            tx.audit(&unattended_step(kind, CommandState::Delivered, device_id, now));
        }
    }
    rows.extend(delivered);
    rows.sort_by_key(|row| row.requested_at);
    rows.into_iter().map(CommandRow::for_device).collect()
}

/// Cancels the device's commands not yet taken, for the reason given:
/// nothing queued before `command` runs after it. Audited as `audit`'s actor's.
async fn cancel_waiting(tx: &mut Tx<'_>, command: &NewCommand, reason: &str, audit: &AuditEvent) -> DbResult<()> {
    let cancelled: Vec<String> = sqlx::query_scalar(
        "UPDATE commands SET state = 'cancelled', finished_at = $1, failure_reason = $2
         WHERE device_id = $3 AND state = 'requested' RETURNING kind",
    )
    .bind(Ts(command.requested_at))
    .bind(reason)
    .bind(uid(command.device_id))
    .fetch_all(&mut **tx)
    .await
    .map_err(other)?;
    if !cancelled.is_empty() {
        catalog::settle_installs(tx, command.device_id, command.requested_at).await?;
    }
    audit_replaced(tx, &cancelled, audit)
}

/// The audit entries of commands a Reset or a removal cancelled (`kinds`),
/// each `audit`'s actor's, who asked for what replaced them.
fn audit_replaced(tx: &mut Tx<'_>, kinds: &[String], audit: &AuditEvent) -> DbResult<()> {
    for kind in kinds {
        let kind = parsed("kind", kind, CommandKind::parse)?;
        tx.audit(&AuditEvent {
            action: rules::audit_action(kind, CommandState::Cancelled),
            outcome: CommandState::Cancelled.as_str().into(),
            // The reason was for what replaced them.
            detail: None,
            ..audit.clone()
        });
    }
    Ok(())
}

#[async_trait]
impl CommandStore for Store {
    async fn queue_command(&self, command: NewCommand, audit: AuditEvent) -> DbResult<QueueOutcome> {
        let mut tx = self.begin_locked(&[Key::Device(&command.device_id)]).await?;
        if let Some(repeat) = repeated(&mut tx, &command).await? {
            return Ok(repeat);
        }
        if let Some(refusal) = refusal(&mut tx, &command).await? {
            return Ok(refusal);
        }
        let outcome = insert_keyed(&mut tx, &command, &audit).await?;
        if matches!(outcome, QueueOutcome::Queued(_)) {
            tx.commit().await?;
        }
        Ok(outcome)
    }

    async fn commands_of(&self, device_id: DeviceId, now: OffsetDateTime) -> DbResult<Vec<Command>> {
        let rows: Vec<CommandRow> = sqlx::query_as(&format!(
            "SELECT {COMMAND_FIELDS} FROM commands WHERE device_id = $1 ORDER BY requested_at DESC, id"
        ))
        .bind(uid(device_id))
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        rows.into_iter()
            .map(|row| Command::try_from(row.standing_at(now)))
            .collect()
    }

    async fn expire_commands(&self, now: OffsetDateTime) -> DbResult<usize> {
        let devices: Vec<Uid> = sqlx::query_scalar(
            "SELECT DISTINCT device_id FROM commands WHERE expires_at <= $1
             AND (state IN ('requested', 'delivered') OR (state = 'acknowledged' AND kind <> 'wipe'))",
        )
        .bind(Ts(now))
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        let mut expired = 0;
        // A device at a time, beside the device's own writes and in their order.
        for device in devices {
            let device = DeviceId::from(device);
            let mut tx = self.begin_locked(&[Key::Device(&device)]).await?;
            expired += expire_due(&mut tx, Some(device), now).await?;
            tx.commit().await?;
        }
        // A Remove device out of time (`rules::removes_device`): the device
        // never came back for it, and is removed all the same.
        let out_of_time: Vec<Uid> =
            sqlx::query_scalar("SELECT DISTINCT device_id FROM commands WHERE kind = 'retire' AND state = 'expired'")
                .fetch_all(&self.pool)
                .await
                .map_err(other)?;
        for device in out_of_time {
            let device = DeviceId::from(device);
            let mut tx = self.begin_locked(&[Key::Device(&device)]).await?;
            // Another node's sweep may have removed it first.
            if devices::delete_device(&mut tx, device, now).await? {
                tx.audit(
                    &AuditEvent::new(now, rules::DEVICE_REMOVED, CommandState::Expired.as_str())
                        .subject(device.to_string()),
                );
            }
            tx.commit().await?;
        }
        Ok(expired)
    }

    async fn take_pending(
        &self,
        device_id: DeviceId,
        now: OffsetDateTime,
        redeliver: bool,
    ) -> DbResult<Vec<DeviceCommand>> {
        let mut tx = self.begin().await?;
        let commands = take(&mut tx, device_id, now, redeliver).await?;
        tx.commit().await?;
        Ok(commands)
    }

    async fn advance_command(
        &self,
        device_id: DeviceId,
        change: StateChange<'_>,
        now: OffsetDateTime,
        audit: Option<Actor>,
    ) -> DbResult<Option<Command>> {
        let StateChange { id, from, to, reason } = change;
        let allowed = from
            .iter()
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let step = match to {
            CommandState::Delivered => "delivered_at = $1",
            CommandState::Acknowledged => "acknowledged_at = $1",
            // "Not now": back in the queue, to be delivered again.
            CommandState::Requested => "delivered_at = NULL, acknowledged_at = NULL",
            _ => "finished_at = $1",
        };
        // Beside the device's other writes: a completed Remove device deletes it.
        let mut tx = self.begin_locked(&[Key::Device(&device_id)]).await?;
        expire_due(&mut tx, Some(device_id), now).await?;
        let row: Option<CommandRow> = sqlx::query_as(&format!(
            "UPDATE commands SET state = $2, {step}, failure_reason = COALESCE($3, failure_reason)
             WHERE id = $4 AND device_id = $5 AND state IN ({allowed})
             RETURNING {COMMAND_FIELDS}"
        ))
        .bind(Ts(now))
        .bind(to.as_str())
        .bind(reason)
        .bind(uid(id))
        .bind(uid(device_id))
        .fetch_optional(&mut *tx)
        .await
        .map_err(other)?;
        let Some(row) = row else { return Ok(None) };
        tx.notify(Notice::commands_changed(row.user_id.into(), device_id));
        let package = row.package();
        let command = Command::try_from(row)?;
        if rules::erases_device(command.kind, to) {
            devices::mark_wiped(&mut tx, device_id, now).await?;
        }
        catalog::follow_command(&mut tx, &command, package.as_ref(), now).await?;
        if rules::removes_device(command.kind, to) {
            devices::delete_device(&mut tx, device_id, now).await?;
        }
        if let Some(actor) = audit.filter(|_| rules::audited(command.kind, to)) {
            let event = AuditEvent::new(now, rules::audit_action(command.kind, to), to.as_str())
                .actor(actor.user)
                .subject(device_id.to_string())
                .source(actor.source);
            tx.audit(&event);
        }
        tx.commit().await?;
        Ok(Some(command))
    }

    async fn queue_wipe(&self, command: NewCommand, audit: AuditEvent) -> DbResult<WipeOutcome> {
        // One Reset at a time: the check and the insert see the same queue.
        let mut tx = self.begin_locked(&[Key::Device(&command.device_id)]).await?;
        if let Some(standing) = devices::standing(&mut tx, command.device_id, None).await? {
            if standing.wiped {
                return Ok(WipeOutcome::AlreadyWiped);
            }
            if !rules::takes_commands(standing.management) {
                return Ok(WipeOutcome::NotManaged);
            }
        }
        expire_due(&mut tx, Some(command.device_id), command.requested_at).await?;
        if on_its_way(&mut tx, command.device_id, CommandKind::Wipe, command.requested_at).await? {
            return Ok(WipeOutcome::AlreadyPending);
        }
        cancel_waiting(&mut tx, &command, rules::REPLACED_BY_RESET, &audit).await?;
        // A removal under way gives way too, even one the device has taken:
        // the lost device must be erased, not merely let go.
        let removals: Vec<String> = sqlx::query_scalar(
            "UPDATE commands SET state = 'cancelled', finished_at = $1, failure_reason = $2
             WHERE device_id = $3 AND kind = 'retire' AND state IN ('delivered', 'acknowledged', 'expired')
             RETURNING kind",
        )
        .bind(Ts(command.requested_at))
        .bind(rules::REPLACED_BY_RESET)
        .bind(uid(command.device_id))
        .fetch_all(&mut *tx)
        .await
        .map_err(other)?;
        audit_replaced(&mut tx, &removals, &audit)?;
        let queued = insert_command(&mut tx, &command, &audit).await?;
        tx.commit().await?;
        Ok(WipeOutcome::Queued(Box::new(queued)))
    }

    async fn queue_retire(&self, command: NewCommand, audit: AuditEvent) -> DbResult<RemoveOutcome> {
        let (device_id, now) = (command.device_id, command.requested_at);
        // Beside a reset being queued, so that one of the two sees the other.
        let mut tx = self.begin_locked(&[Key::Device(&device_id)]).await?;
        let Some(standing) = devices::standing(&mut tx, device_id, Some(command.user_id)).await? else {
            return Ok(RemoveOutcome::NotFound);
        };
        if rules::removed_at_once(standing.wiped, standing.management) {
            devices::delete_device(&mut tx, device_id, now).await?;
            let audit = AuditEvent {
                action: rules::DEVICE_REMOVED.into(),
                ..audit
            };
            tx.audit(&audit);
            tx.commit().await?;
            return Ok(RemoveOutcome::Removed);
        }
        expire_due(&mut tx, Some(device_id), now).await?;
        // Removing it would revoke the certificate the Reset is waiting to reach.
        if on_its_way(&mut tx, device_id, CommandKind::Wipe, now).await? {
            return Ok(RemoveOutcome::ResetWaiting);
        }
        if being_removed(&mut tx, device_id).await? {
            return Ok(RemoveOutcome::AlreadyPending);
        }
        cancel_waiting(&mut tx, &command, rules::REPLACED_BY_REMOVE, &audit).await?;
        let queued = insert_command(&mut tx, &command, &audit).await?;
        tx.commit().await?;
        Ok(RemoveOutcome::Queued(Box::new(queued)))
    }
}
