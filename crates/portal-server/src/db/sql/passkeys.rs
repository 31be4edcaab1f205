//! Passkeys and the WebAuthn ceremonies under way.

use async_trait::async_trait;
use portal_types::UserId;
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Store, commit_audited, commit_with_audit, other, uid};
use crate::{
    db::{
        AuditEvent, Ceremony, CeremonyKind, DbResult, PasskeyRecord, PasskeyStore,
        values::{Ts, Uid},
    },
    live::Notice,
};

#[derive(sqlx::FromRow)]
struct PasskeyRow {
    id: Uid,
    user_id: Uid,
    name: String,
    credential: String,
    created_at: Ts,
    last_used_at: Option<Ts>,
}

impl From<PasskeyRow> for PasskeyRecord {
    fn from(row: PasskeyRow) -> Self {
        PasskeyRecord {
            id: row.id.0,
            user_id: row.user_id.into(),
            name: row.name,
            credential: row.credential,
            created_at: row.created_at.0,
            last_used_at: row.last_used_at.map(|at| at.0),
        }
    }
}

const PASSKEY_COLUMNS: &str = "SELECT id, user_id, name, credential, created_at, last_used_at FROM passkeys";

#[async_trait]
impl PasskeyStore for Store {
    async fn passkeys_of(&self, user_id: UserId) -> DbResult<Vec<PasskeyRecord>> {
        let rows: Vec<PasskeyRow> =
            sqlx::query_as(&format!("{PASSKEY_COLUMNS} WHERE user_id = $1 ORDER BY created_at"))
                .bind(uid(user_id))
                .fetch_all(&self.pool)
                .await
                .map_err(other)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    async fn passkey_by_credential(&self, credential_id: &str) -> DbResult<Option<PasskeyRecord>> {
        let row: Option<PasskeyRow> = sqlx::query_as(&format!("{PASSKEY_COLUMNS} WHERE credential_id = $1"))
            .bind(credential_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(other)?;
        Ok(row.map(Into::into))
    }

    async fn add_passkey(&self, passkey: PasskeyRecord, credential_id: &str, audit: AuditEvent) -> DbResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO passkeys (id, user_id, credential_id, name, credential, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(Uid(passkey.id))
        .bind(uid(passkey.user_id))
        .bind(credential_id)
        .bind(&passkey.name)
        .bind(&passkey.credential)
        .bind(Ts(passkey.created_at))
        .execute(&mut *tx)
        .await
        .map_err(other)?;
        commit_with_audit(tx, &audit).await
    }

    async fn passkey_used(&self, id: Uuid, checked: &str, updated: &str, now: OffsetDateTime) -> DbResult<bool> {
        let _turn = self.single_write().await;
        let done =
            sqlx::query("UPDATE passkeys SET credential = $1, last_used_at = $2 WHERE id = $3 AND credential = $4")
                .bind(updated)
                .bind(Ts(now))
                .bind(Uid(id))
                .bind(checked)
                .execute(&self.pool)
                .await
                .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }

    async fn remove_passkey(&self, user_id: UserId, id: Uuid, keep: &str, audit: AuditEvent) -> DbResult<bool> {
        let mut tx = self.begin().await?;
        let removed = sqlx::query("DELETE FROM passkeys WHERE id = $1 AND user_id = $2")
            .bind(Uid(id))
            .bind(uid(user_id))
            .execute(&mut *tx)
            .await
            .map_err(other)?
            .rows_affected();
        if removed == 1 {
            super::users::end_sessions_but(&mut tx, user_id, keep).await?;
            tx.notify(Notice::Account { user: user_id });
        }
        commit_audited(tx, removed, &audit).await
    }

    async fn save_ceremony(
        &self,
        id: Uuid,
        kind: CeremonyKind,
        ceremony: Ceremony,
        now: OffsetDateTime,
    ) -> DbResult<()> {
        let _turn = self.single_write().await;
        sqlx::query("DELETE FROM webauthn_ceremonies WHERE expires_at <= $1 OR (kind = $2 AND user_id = $3)")
            .bind(Ts(now))
            .bind(kind.as_str())
            .bind(ceremony.user_id.map(uid))
            .execute(&self.pool)
            .await
            .map_err(other)?;
        sqlx::query(
            "INSERT INTO webauthn_ceremonies (id, kind, user_id, state, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(Uid(id))
        .bind(kind.as_str())
        .bind(ceremony.user_id.map(uid))
        .bind(&ceremony.state)
        .bind(Ts(ceremony.expires_at))
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(())
    }

    async fn take_ceremony(&self, id: Uuid, kind: CeremonyKind) -> DbResult<Option<Ceremony>> {
        let _turn = self.single_write().await;
        let row: Option<(Option<Uid>, String, Ts)> = sqlx::query_as(
            "DELETE FROM webauthn_ceremonies WHERE id = $1 AND kind = $2 RETURNING user_id, state, expires_at",
        )
        .bind(Uid(id))
        .bind(kind.as_str())
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        Ok(row.map(|(user_id, state, expires_at)| Ceremony {
            user_id: user_id.map(Into::into),
            state,
            expires_at: expires_at.0,
        }))
    }
}
