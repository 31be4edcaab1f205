//! The gateway's published apps, sign-in hand-offs and sessions, and the
//! devices its visitors' certificates name.

use std::sync::Arc;

use async_trait::async_trait;
use portal_types::{AccessRule, ComplianceState, Enforcement, PublishedApp};
use time::OffsetDateTime;

use super::{Store, other};

/// PostgreSQL's `deadlock_detected`: two transactions each waited on the other.
const DEADLOCK: &str = "40P01";
use crate::{
    db::{
        AuditEvent, DbError, DbResult, GatewaySession, GatewayStore, Handoff, SessionKey, SessionRecord,
        read_cache::ReadCache,
        values::{Ts, Uid, parsed},
    },
    gateway::decision::{DeviceFacts, SignedIn},
    live::Notice,
};

type AppRow = (String, String, String, bool, bool, bool, bool, bool, String);

fn app_from(row: AppRow) -> DbResult<PublishedApp> {
    let (name, prefix, upstream, signed_in, registered_device, compliant_device, second_factor, stands_in, mode) = row;
    Ok(PublishedApp {
        name,
        prefix,
        upstream,
        rule: AccessRule {
            signed_in,
            registered_device,
            compliant_device,
            second_factor,
            device_counts_as_second_factor: stands_in,
        },
        enforcement: parsed("enforcement", &mode, Enforcement::parse)?,
    })
}

#[async_trait]
impl GatewayStore for Store {
    async fn published_apps(&self) -> DbResult<Arc<[PublishedApp]>> {
        let cache = self.cache();
        if let Some(kept) = cache.and_then(ReadCache::apps) {
            return Ok(kept);
        }
        let ticket = cache.map(ReadCache::apps_ticket);
        let rows: Vec<AppRow> = sqlx::query_as(
            "SELECT name, prefix, upstream, signed_in, registered_device, compliant_device, second_factor,
                    device_counts_as_second_factor, enforcement
             FROM published_apps ORDER BY name",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(other)?;
        let apps: Arc<[PublishedApp]> = rows.into_iter().map(app_from).collect::<DbResult<Vec<_>>>()?.into();
        if let (Some(cache), Some(ticket)) = (cache, ticket) {
            cache.keep_apps(ticket, &apps);
        }
        Ok(apps)
    }

    async fn publish_app(&self, app: &PublishedApp, at: OffsetDateTime, audit: Option<AuditEvent>) -> DbResult<bool> {
        let mut tx = self.begin().await?;
        let taken: Option<String> =
            sqlx::query_scalar("SELECT name FROM published_apps WHERE prefix = $1 AND name <> $2")
                .bind(&app.prefix)
                .bind(&app.name)
                .fetch_optional(&mut *tx)
                .await
                .map_err(other)?;
        if taken.is_some() {
            return Ok(false);
        }
        let rule = app.rule;
        sqlx::query(
            "INSERT INTO published_apps (name, prefix, upstream, signed_in, registered_device, compliant_device,
                                         second_factor, device_counts_as_second_factor, enforcement, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (name) DO UPDATE SET prefix = $2, upstream = $3, signed_in = $4, registered_device = $5,
                 compliant_device = $6, second_factor = $7, device_counts_as_second_factor = $8,
                 enforcement = $9, updated_at = $10",
        )
        .bind(&app.name)
        .bind(&app.prefix)
        .bind(&app.upstream)
        .bind(rule.signed_in)
        .bind(rule.registered_device)
        .bind(rule.compliant_device)
        .bind(rule.second_factor)
        .bind(rule.device_counts_as_second_factor)
        .bind(app.enforcement.as_str())
        .bind(Ts(at))
        .execute(&mut *tx)
        .await
        .map_err(other)?;
        if let Some(audit) = &audit {
            tx.audit(audit);
        }
        tx.notify(Notice::Published);
        tx.commit().await?;
        Ok(true)
    }

    async fn unpublish_app(&self, name: &str, audit: AuditEvent) -> DbResult<bool> {
        let mut tx = self.begin().await?;
        let removed = sqlx::query("DELETE FROM published_apps WHERE name = $1")
            .bind(name)
            .execute(&mut *tx)
            .await
            .map_err(other)?
            .rows_affected()
            == 1;
        if removed {
            tx.audit(&audit);
            tx.notify(Notice::Published);
            tx.commit().await?;
        }
        Ok(removed)
    }

    async fn create_handoff(&self, handoff: &Handoff<'_>, now: OffsetDateTime) -> DbResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM gateway_handoffs WHERE expires_at <= $1")
            .bind(Ts(now))
            .execute(&mut *tx)
            .await
            .map_err(other)?;
        sqlx::query(
            "INSERT INTO gateway_handoffs (token_hash, session_hash, return_to, state_hash, expires_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(handoff.token_hash)
        .bind(handoff.session_hash)
        .bind(handoff.return_to)
        .bind(handoff.state_hash)
        .bind(Ts(handoff.expires_at))
        .execute(&mut *tx)
        .await
        .map_err(other)?;
        tx.commit().await
    }

    async fn redeem_handoff(
        &self,
        token_hash: &str,
        state_hash: &str,
        gateway_hash: &str,
        now: OffsetDateTime,
    ) -> DbResult<Option<String>> {
        let mut tx = self.begin().await?;
        // Used up whoever brings it: a token tried by the wrong browser is spent.
        let used: Option<(String, String, String, Ts)> = sqlx::query_as(
            "DELETE FROM gateway_handoffs WHERE token_hash = $1
             RETURNING session_hash, return_to, state_hash, expires_at",
        )
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await
        .map_err(other)?;
        let Some((session_hash, return_to, _, _)) =
            used.filter(|(_, _, state, expires_at)| expires_at.0 > now && state == state_hash)
        else {
            tx.commit().await?;
            return Ok(None);
        };
        let opened =
            sqlx::query("INSERT INTO gateway_sessions (token_hash, session_hash, created_at) VALUES ($1, $2, $3)")
                .bind(gateway_hash)
                .bind(&session_hash)
                .bind(Ts(now))
                .execute(&mut *tx)
                .await;
        match opened {
            Ok(_) => {}
            // Signed out meanwhile: the session is gone (or going, its
            // deletion waiting on the hand-off this transaction holds), and
            // its hand-off with it.
            Err(sqlx::Error::Database(error))
                if error.is_foreign_key_violation() || error.code().as_deref() == Some(DEADLOCK) =>
            {
                return Ok(None);
            }
            Err(error) => return Err(other(error)),
        }
        tx.commit().await?;
        Ok(Some(return_to))
    }

    async fn visitor_session(&self, key: &SessionKey) -> DbResult<Option<GatewaySession>> {
        let cache = self.cache();
        let kept_as = match key {
            SessionKey::Portal(hash) => format!("p:{hash}"),
            SessionKey::Gateway(hash) => format!("g:{hash}"),
        };
        if let Some(kept) = cache.and_then(|cache| cache.visitor(&kept_as)) {
            return Ok(Some(kept));
        }
        let ticket = cache.map(ReadCache::session_ticket);
        type Row = (String, Uid, String, Ts, Ts, Ts, Option<Ts>, bool, bool);
        macro_rules! visitor_where {
            ($condition:literal) => {
                concat!(
                    "SELECT s.token_hash, u.id, u.email, s.created_at, s.last_seen_at, s.expires_at,
                            s.authenticated_at, s.second_factor,
                            u.totp_secret IS NOT NULL OR EXISTS (SELECT 1 FROM passkeys p WHERE p.user_id = u.id)
                     FROM sessions s JOIN users u ON u.id = s.user_id WHERE ",
                    $condition
                )
            };
        }
        let (query, hash) = match key {
            SessionKey::Portal(hash) => (visitor_where!("s.token_hash = $1"), hash),
            SessionKey::Gateway(hash) => (
                visitor_where!("s.token_hash = (SELECT session_hash FROM gateway_sessions WHERE token_hash = $1)"),
                hash,
            ),
        };
        let row: Option<Row> = sqlx::query_as(query)
            .bind(hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(other)?;
        Ok(row
            .map(
                |(
                    portal_hash,
                    user,
                    email,
                    created_at,
                    last_seen_at,
                    expires_at,
                    authenticated_at,
                    second_factor,
                    enrolled,
                )| {
                    GatewaySession {
                        portal_hash,
                        session: SessionRecord {
                            user_id: user.into(),
                            created_at: created_at.0,
                            last_seen_at: last_seen_at.0,
                            expires_at: expires_at.0,
                            authenticated_at: authenticated_at.map(|t| t.0),
                        },
                        user: SignedIn {
                            id: user.into(),
                            email,
                            second_factor,
                            factor_enrolled: enrolled,
                        },
                    }
                },
            )
            .inspect(|visitor| {
                if let (Some(cache), Some(ticket)) = (cache, ticket) {
                    cache.keep_visitor(ticket, &kept_as, visitor);
                }
            }))
    }

    async fn device_by_certificate(&self, fingerprint: &str) -> DbResult<Option<DeviceFacts>> {
        let cache = self.cache();
        if let Some(kept) = cache.and_then(|cache| cache.certificate(fingerprint)) {
            return Ok(Some(kept));
        }
        let ticket = cache.map(ReadCache::certificates_ticket);
        type Row = (Uid, Uid, String, Option<Ts>, Ts, String, String, Option<Ts>);
        let row: Option<Row> = sqlx::query_as(
            "SELECT d.id, d.user_id, d.name, c.revoked_at, c.expires_at, d.compliance, d.compliance_reasons,
                    d.failing_since
             FROM device_certificates c JOIN devices d ON d.id = c.device_id
             WHERE c.fingerprint_sha256 = $1",
        )
        .bind(fingerprint)
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        row.map(
            |(id, owner, name, revoked_at, expires_at, compliance, reasons, failing_since)| {
                Ok(DeviceFacts {
                    id: id.into(),
                    owner: owner.into(),
                    name,
                    revoked: revoked_at.is_some(),
                    expires_at: expires_at.0,
                    compliance: parsed("compliance", &compliance, ComplianceState::parse)?,
                    reasons: serde_json::from_str(&reasons).map_err(|e| DbError::Other(e.into()))?,
                    failing_since: failing_since.map(|at| at.0),
                })
            },
        )
        .transpose()
        .inspect(|found| {
            if let (Some(cache), Some(ticket), Some(device)) = (cache, ticket, found) {
                cache.keep_certificate(ticket, fingerprint, device);
            }
        })
    }
}
