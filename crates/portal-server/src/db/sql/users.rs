//! Users, sessions and second factors.

use async_trait::async_trait;
use portal_types::{Role, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Store, Tx, commit_with_audit, other, uid};
use crate::{
    db::{
        AuditEvent, DbResult, FactorGuess, LockFor, NewUser, SecondFactor, SessionRecord, UserRecord, UserStore,
        read_cache::ReadCache,
        values::{Ts, Uid, parsed},
    },
    live::Notice,
};

#[derive(sqlx::FromRow)]
struct UserRow {
    id: Uid,
    email: String,
    display_name: String,
    role: String,
    password_hash: String,
}

impl TryFrom<UserRow> for UserRecord {
    type Error = crate::db::DbError;
    fn try_from(row: UserRow) -> DbResult<Self> {
        Ok(UserRecord {
            id: row.id.into(),
            email: row.email,
            display_name: row.display_name,
            role: parsed("role", &row.role, Role::parse)?,
            password_hash: row.password_hash,
        })
    }
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: UserRow,
    created_at: Ts,
    last_seen_at: Ts,
    expires_at: Ts,
    authenticated_at: Option<Ts>,
}

async fn delete_recovery_codes(tx: &mut Tx<'_>, user_id: UserId) -> DbResult<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
        .bind(uid(user_id))
        .execute(&mut **tx)
        .await
        .map_err(other)?;
    Ok(())
}

/// Ends the user's sessions but `keep`: after a change to how they sign in.
pub(super) async fn end_sessions_but(tx: &mut Tx<'_>, user_id: UserId, keep: &str) -> DbResult<()> {
    sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(uid(user_id))
        .bind(keep)
        .execute(&mut **tx)
        .await
        .map_err(other)?;
    Ok(())
}

const USER_COLUMNS: &str = "SELECT id, email, display_name, role, password_hash FROM users";

#[async_trait]
impl UserStore for Store {
    async fn create_user(&self, user: NewUser, now: OffsetDateTime) -> DbResult<UserId> {
        let id = UserId(Uuid::new_v4());
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO users (id, email, display_name, role, password_hash, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(uid(id))
        .bind(user.email.trim())
        .bind(&user.display_name)
        .bind(user.role.as_str())
        .bind(&user.password_hash)
        .bind(Ts(now))
        .execute(&mut *tx)
        .await
        .map_err(other)?;
        // The on-premises inventory's devices whose primary user this is.
        sqlx::query("UPDATE devices SET user_id = $1 WHERE user_id IS NULL AND primary_user = lower($2)")
            .bind(uid(id))
            .bind(user.email.trim())
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        tx.commit().await?;
        Ok(id)
    }

    async fn user_by_email(&self, email: &str) -> DbResult<Option<UserRecord>> {
        let row: Option<UserRow> = sqlx::query_as(&format!("{USER_COLUMNS} WHERE lower(email) = lower($1)"))
            .bind(email.trim())
            .fetch_optional(&self.pool)
            .await
            .map_err(other)?;
        row.map(UserRecord::try_from).transpose()
    }

    async fn user_by_id(&self, id: UserId) -> DbResult<Option<UserRecord>> {
        let row: Option<UserRow> = sqlx::query_as(&format!("{USER_COLUMNS} WHERE id = $1"))
            .bind(uid(id))
            .fetch_optional(&self.pool)
            .await
            .map_err(other)?;
        row.map(UserRecord::try_from).transpose()
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user_id: UserId,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
        second_factor: bool,
        audit: AuditEvent,
    ) -> DbResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, last_seen_at, expires_at, authenticated_at, second_factor)
             VALUES ($1, $2, $3, $3, $4, $3, $5)",
        )
        .bind(token_hash)
        .bind(uid(user_id))
        .bind(Ts(now))
        .bind(Ts(expires_at))
        .bind(second_factor)
        .execute(&mut *tx)
        .await
        .map_err(other)?;
        commit_with_audit(tx, &audit).await
    }

    async fn session_lives(
        &self,
        user_id: UserId,
        created_at: OffsetDateTime,
        idle_since: OffsetDateTime,
    ) -> DbResult<bool> {
        let found: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM sessions WHERE user_id = $1 AND created_at = $2 AND last_seen_at > $3")
                .bind(uid(user_id))
                .bind(Ts(created_at))
                .bind(Ts(idle_since))
                .fetch_optional(&self.pool)
                .await
                .map_err(other)?;
        Ok(found.is_some())
    }

    async fn session(&self, token_hash: &str) -> DbResult<Option<(SessionRecord, UserRecord)>> {
        let cache = self.cache();
        if let Some(kept) = cache.and_then(|cache| cache.session(token_hash)) {
            return Ok(Some(kept));
        }
        let ticket = cache.map(ReadCache::session_ticket);
        let row: Option<SessionRow> = sqlx::query_as(
            "SELECT u.id, u.email, u.display_name, u.role, u.password_hash,
                    s.created_at, s.last_seen_at, s.expires_at, s.authenticated_at
             FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        row.map(|row| {
            let session = SessionRecord {
                user_id: row.user.id.into(),
                created_at: row.created_at.0,
                last_seen_at: row.last_seen_at.0,
                expires_at: row.expires_at.0,
                authenticated_at: row.authenticated_at.map(|t| t.0),
            };
            Ok((session, UserRecord::try_from(row.user)?))
        })
        .transpose()
        .inspect(|found| {
            if let (Some(cache), Some(ticket), Some((session, user))) = (cache, ticket, found) {
                cache.keep_session(ticket, token_hash, session, user);
            }
        })
    }

    async fn reauthenticate_session(
        &self,
        old_hash: &str,
        new_hash: &str,
        now: OffsetDateTime,
        audit: AuditEvent,
    ) -> DbResult<()> {
        let mut tx = self.begin().await?;
        let user: Option<Uid> = sqlx::query_scalar(
            "UPDATE sessions SET token_hash = $1, authenticated_at = $2, last_seen_at = $2 WHERE token_hash = $3
             RETURNING user_id",
        )
        .bind(new_hash)
        .bind(Ts(now))
        .bind(old_hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(other)?;
        if let Some(user) = user {
            tx.notify(Notice::Account { user: user.into() });
        }
        commit_with_audit(tx, &audit).await
    }

    async fn delete_sessions_of(&self, user_id: UserId, audit: AuditEvent) -> DbResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(uid(user_id))
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        tx.notify(Notice::Account { user: user_id });
        commit_with_audit(tx, &audit).await
    }

    async fn second_factor(&self, user_id: UserId) -> DbResult<SecondFactor> {
        type Row = (Option<Vec<u8>>, Option<Vec<u8>>, Option<i64>, i64, i32, Option<Ts>);
        let row: Option<Row> = sqlx::query_as(
            "SELECT totp_secret, totp_pending, totp_last_step,
                    (SELECT COUNT(*) FROM recovery_codes r WHERE r.user_id = users.id AND r.used_at IS NULL),
                    factor_failures, factor_locked_until
             FROM users WHERE id = $1",
        )
        .bind(uid(user_id))
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        Ok(row
            .map(
                |(secret, pending, last_step, left, failures, locked_until)| SecondFactor {
                    secret,
                    pending,
                    last_step,
                    recovery_codes_left: left as u32,
                    failures: failures.max(0) as u32,
                    locked_until: locked_until.map(|t| t.0),
                },
            )
            .unwrap_or_default())
    }

    async fn reserve_factor_guess(
        &self,
        user_id: UserId,
        now: OffsetDateTime,
        lock_for: &LockFor,
    ) -> DbResult<FactorGuess> {
        // The update holds the user's row (SQLite: the one writer) until
        // commit, and a guess waiting for it then sees the lock.
        let mut tx = self.begin().await?;
        let counted: Option<i32> = sqlx::query_scalar(
            "UPDATE users SET factor_failures = factor_failures + 1
             WHERE id = $1 AND (factor_locked_until IS NULL OR factor_locked_until <= $2)
             RETURNING factor_failures",
        )
        .bind(uid(user_id))
        .bind(Ts(now))
        .fetch_optional(&mut *tx)
        .await
        .map_err(other)?;
        let Some(failures) = counted.map(|n| n.max(0) as u32) else {
            let until: Option<Option<Ts>> = sqlx::query_scalar("SELECT factor_locked_until FROM users WHERE id = $1")
                .bind(uid(user_id))
                .fetch_optional(&mut *tx)
                .await
                .map_err(other)?;
            return Ok(FactorGuess::Locked(until.flatten().map_or(now, |t| t.0)));
        };
        let locks_until = lock_for(failures).map(|lock| now + lock);
        if let Some(until) = locks_until {
            sqlx::query("UPDATE users SET factor_locked_until = $1 WHERE id = $2")
                .bind(Ts(until))
                .bind(uid(user_id))
                .execute(&mut *tx)
                .await
                .map_err(other)?;
        }
        tx.commit().await?;
        Ok(FactorGuess::Counted { locks_until })
    }

    async fn clear_factor_failures(&self, user_id: UserId) -> DbResult<()> {
        let _turn = self.single_write().await;
        sqlx::query(
            "UPDATE users SET factor_failures = 0, factor_locked_until = NULL
             WHERE id = $1 AND (factor_failures <> 0 OR factor_locked_until IS NOT NULL)",
        )
        .bind(uid(user_id))
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(())
    }

    async fn set_pending_totp(&self, user_id: UserId, sealed: &[u8]) -> DbResult<()> {
        let _turn = self.single_write().await;
        sqlx::query("UPDATE users SET totp_pending = $1 WHERE id = $2")
            .bind(sealed)
            .bind(uid(user_id))
            .execute(&self.pool)
            .await
            .map_err(other)?;
        Ok(())
    }

    async fn enable_totp(
        &self,
        user_id: UserId,
        checked: &[u8],
        step: i64,
        recovery_hashes: &[String],
        keep: &str,
        audit: AuditEvent,
    ) -> DbResult<bool> {
        let mut tx = self.begin().await?;
        let enabled = sqlx::query(
            "UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = $1,
                              factor_failures = 0, factor_locked_until = NULL
             WHERE id = $2 AND totp_pending = $3",
        )
        .bind(step)
        .bind(uid(user_id))
        .bind(checked)
        .execute(&mut *tx)
        .await
        .map_err(other)?;
        if enabled.rows_affected() != 1 {
            return Ok(false);
        }
        delete_recovery_codes(&mut tx, user_id).await?;
        for hash in recovery_hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                .bind(uid(user_id))
                .bind(hash)
                .execute(&mut *tx)
                .await
                .map_err(other)?;
        }
        end_sessions_but(&mut tx, user_id, keep).await?;
        // The session kept has just proved the factor, as a sign-in with it would.
        sqlx::query("UPDATE sessions SET second_factor = TRUE WHERE token_hash = $1")
            .bind(keep)
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        tx.notify(Notice::Account { user: user_id });
        commit_with_audit(tx, &audit).await?;
        Ok(true)
    }

    async fn disable_totp(&self, user_id: UserId, audit: AuditEvent) -> DbResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL,
                              factor_failures = 0, factor_locked_until = NULL
             WHERE id = $1",
        )
        .bind(uid(user_id))
        .execute(&mut *tx)
        .await
        .map_err(other)?;
        delete_recovery_codes(&mut tx, user_id).await?;
        commit_with_audit(tx, &audit).await
    }

    async fn use_totp_step(&self, user_id: UserId, step: i64) -> DbResult<bool> {
        let _turn = self.single_write().await;
        let done = sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(uid(user_id))
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }

    async fn use_recovery_code(&self, user_id: UserId, code_hash: &str, now: OffsetDateTime) -> DbResult<bool> {
        let _turn = self.single_write().await;
        let done = sqlx::query(
            "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(Ts(now))
        .bind(uid(user_id))
        .bind(code_hash)
        .execute(&self.pool)
        .await
        .map_err(other)?;
        Ok(done.rows_affected() == 1)
    }

    async fn touch_session(&self, token_hash: &str, now: OffsetDateTime) -> DbResult<()> {
        let _turn = self.single_write().await;
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(Ts(now))
            .bind(token_hash)
            .execute(&self.pool)
            .await
            .map_err(other)?;
        if let Some(cache) = self.cache() {
            cache.touched(token_hash, now);
        }
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str, audit: Option<AuditEvent>) -> DbResult<()> {
        let mut tx = self.begin().await?;
        let user: Option<Uid> = sqlx::query_scalar("DELETE FROM sessions WHERE token_hash = $1 RETURNING user_id")
            .bind(token_hash)
            .fetch_optional(&mut *tx)
            .await
            .map_err(other)?;
        if let Some(user) = user {
            tx.notify(Notice::Account { user: user.into() });
        }
        if let Some(audit) = &audit {
            tx.audit(audit);
        }
        tx.commit().await
    }
}
