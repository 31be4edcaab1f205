//! The append-only audit log.

use async_trait::async_trait;
use portal_types::{DeviceId, UserId};
use sqlx::QueryBuilder;

use super::{Db, Store, other, uid};
use crate::db::{
    AuditEvent, AuditQuery, AuditRecord, AuditStore, DbResult,
    values::{Ts, Uid},
};

/// An entry as stored.
#[derive(sqlx::FromRow)]
struct AuditRow {
    at: Ts,
    actor_id: Option<Uid>,
    action: String,
    subject: Option<String>,
    source: Option<String>,
    outcome: String,
    detail: Option<String>,
}

impl From<AuditRow> for AuditEvent {
    fn from(row: AuditRow) -> Self {
        AuditEvent {
            at: row.at.0,
            actor: row.actor_id.map(UserId::from),
            action: row.action,
            subject: row.subject,
            source: row.source,
            outcome: row.outcome,
            detail: row.detail,
        }
    }
}

/// An entry with its place in the log and its actor's email and name.
const RECORD_FIELDS: &str = "a.id, a.at, a.actor_id, a.action, a.subject, a.source, a.outcome, a.detail,
     u.email, u.display_name
     FROM audit_events a LEFT JOIN users u ON u.id = a.actor_id";

#[derive(sqlx::FromRow)]
struct RecordRow {
    id: i64,
    #[sqlx(flatten)]
    event: AuditRow,
    email: Option<String>,
    display_name: Option<String>,
}

impl From<RecordRow> for AuditRecord {
    fn from(row: RecordRow) -> Self {
        AuditRecord {
            id: row.id,
            event: row.event.into(),
            actor_email: row.email,
            actor_name: row.display_name,
        }
    }
}

#[async_trait]
impl AuditStore for Store {
    async fn activity(&self, user_id: UserId, limit: u32) -> DbResult<Vec<AuditRecord>> {
        let rows: Vec<RecordRow> = sqlx::query_as(&format!(
            "SELECT {RECORD_FIELDS} WHERE a.actor_id = $1
                OR a.subject IN (SELECT CAST(id AS TEXT) FROM devices WHERE user_id = $1
                                 UNION ALL SELECT CAST(id AS TEXT) FROM former_devices WHERE user_id = $1)
             ORDER BY a.id DESC LIMIT $2"
        ))
        .bind(uid(user_id))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        Ok(rows.into_iter().map(AuditRecord::from).collect())
    }

    async fn record_audit(&self, event: AuditEvent) -> DbResult<()> {
        let mut tx = self.begin().await?;
        tx.audit(&event);
        tx.commit().await
    }

    async fn audit_events(&self, limit: u32) -> DbResult<Vec<AuditEvent>> {
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT at, actor_id, action, subject, source, outcome, detail FROM audit_events ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        Ok(rows.into_iter().map(AuditEvent::from).collect())
    }

    async fn audit_log(&self, query: &AuditQuery) -> DbResult<Vec<AuditRecord>> {
        // A user's devices, and those removed, by their ids as the log names them.
        let mut devices = Vec::new();
        if let Some(email) = &query.user {
            let ids: Vec<Uid> = sqlx::query_scalar(
                "SELECT d.id FROM devices d JOIN users u ON u.id = d.user_id WHERE lower(u.email) = $1
                 UNION ALL
                 SELECT f.id FROM former_devices f JOIN users u ON u.id = f.user_id WHERE lower(u.email) = $1",
            )
            .bind(email)
            .fetch_all(&self.pool)
            .await
            .map_err(other)?;
            devices = ids.into_iter().map(|id| DeviceId::from(id).to_string()).collect();
        }
        let mut sql = QueryBuilder::<Db>::new(format!("SELECT {RECORD_FIELDS} WHERE TRUE"));
        if let Some(email) = &query.actor {
            sql.push(" AND a.actor_id IN (SELECT id FROM users WHERE lower(email) = ")
                .push_bind(email.clone())
                .push(")");
        }
        if let Some(action) = &query.action {
            sql.push(" AND a.action = ").push_bind(action.clone());
        }
        if let Some(device) = query.device {
            // The device, or one of its apps (`device/app`).
            sql.push(" AND (a.subject = ")
                .push_bind(device.to_string())
                .push(" OR a.subject LIKE ")
                .push_bind(format!("{device}/%"))
                .push(")");
        }
        if let Some(email) = &query.user {
            // Their account, their devices and their devices' apps.
            sql.push(" AND (lower(a.subject) = ").push_bind(email.clone());
            for device in devices {
                sql.push(" OR a.subject = ")
                    .push_bind(device.clone())
                    .push(" OR a.subject LIKE ")
                    .push_bind(format!("{device}/%"));
            }
            sql.push(")");
        }
        if let Some(from) = query.from {
            sql.push(" AND a.at >= ").push_bind(Ts(from));
        }
        if let Some(to) = query.to {
            sql.push(" AND a.at < ").push_bind(Ts(to));
        }
        if let Some(before) = query.before {
            sql.push(" AND a.id < ").push_bind(before);
        }
        sql.push(" ORDER BY a.id DESC LIMIT ").push_bind(i64::from(query.limit));
        let rows: Vec<RecordRow> = sql.build_query_as().fetch_all(&self.pool).await.map_err(other)?;
        Ok(rows.into_iter().map(AuditRecord::from).collect())
    }
}
