//! The append-only audit log.

use async_trait::async_trait;
use portal_types::UserId;

use super::{Store, other, uid};
use crate::db::{
    AuditEvent, AuditStore, DbResult,
    values::{Ts, Uid},
};

type AuditRow = (Ts, Option<Uid>, String, Option<String>, Option<String>, String);

fn audit_from_row((at, actor, action, subject, source, outcome): AuditRow) -> AuditEvent {
    AuditEvent {
        at: at.0,
        actor: actor.map(UserId::from),
        action,
        subject,
        source,
        outcome,
    }
}

#[async_trait]
impl AuditStore for Store {
    async fn activity(&self, user_id: UserId, limit: u32) -> DbResult<Vec<AuditEvent>> {
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT at, actor_id, action, subject, source, outcome FROM audit_events
             WHERE actor_id = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(uid(user_id))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        Ok(rows.into_iter().map(audit_from_row).collect())
    }

    async fn record_audit(&self, event: AuditEvent) -> DbResult<()> {
        let mut tx = self.begin().await?;
        tx.audit(&event);
        tx.commit().await
    }

    async fn audit_events(&self, limit: u32) -> DbResult<Vec<AuditEvent>> {
        let rows: Vec<AuditRow> = sqlx::query_as(
            "SELECT at, actor_id, action, subject, source, outcome FROM audit_events ORDER BY id DESC LIMIT $1",
        )
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        Ok(rows.into_iter().map(audit_from_row).collect())
    }
}
