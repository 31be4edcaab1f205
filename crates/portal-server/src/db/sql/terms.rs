//! Versions of the terms and conditions, and who accepted which.

use async_trait::async_trait;
use portal_types::UserId;
use time::OffsetDateTime;

use super::{Store, other, uid, version_column, version_read};
use crate::db::{AuditEvent, DbResult, StoredTerms, TermsStore, values::Ts};

#[async_trait]
impl TermsStore for Store {
    async fn current_terms(&self) -> DbResult<Option<StoredTerms>> {
        type Row = (i32, String, Option<String>, Option<String>, Ts, i64);
        let row: Option<Row> = sqlx::query_as(
            "SELECT t.version, t.body, u.display_name, u.email, t.published_at,
                    (SELECT COUNT(*) FROM terms_acceptances a WHERE a.version = t.version)
             FROM terms t LEFT JOIN users u ON u.id = t.published_by
             ORDER BY t.version DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        let Some((version, body, name, email, published_at, accepted_by)) = row else {
            return Ok(None);
        };
        Ok(Some(StoredTerms {
            version: version_read(version)?,
            body,
            published_by: name.zip(email),
            published_at: published_at.0,
            accepted_by: u64::try_from(accepted_by).unwrap_or_default(),
        }))
    }

    async fn publish_terms(&self, version: u32, body: &str, by: UserId, audit: AuditEvent) -> DbResult<bool> {
        let mut tx = self.begin().await?;
        let published = sqlx::query(
            "INSERT INTO terms (version, body, published_by, published_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (version) DO NOTHING",
        )
        .bind(version_column(version)?)
        .bind(body)
        .bind(uid(by))
        .bind(Ts(audit.at))
        .execute(&mut *tx)
        .await
        .map_err(other)?
        .rows_affected()
            == 1;
        if !published {
            return Ok(false);
        }
        tx.audit(&audit);
        tx.commit().await?;
        Ok(true)
    }

    async fn terms_accepted_at(&self, user: UserId, version: u32) -> DbResult<Option<OffsetDateTime>> {
        let at: Option<Ts> =
            sqlx::query_scalar("SELECT accepted_at FROM terms_acceptances WHERE user_id = $1 AND version = $2")
                .bind(uid(user))
                .bind(version_column(version)?)
                .fetch_optional(&self.pool)
                .await
                .map_err(other)?;
        Ok(at.map(|t| t.0))
    }

    async fn accept_terms(&self, user: UserId, version: u32, audit: AuditEvent) -> DbResult<OffsetDateTime> {
        let mut tx = self.begin().await?;
        let inserted: Option<Ts> = sqlx::query_scalar(
            "INSERT INTO terms_acceptances (user_id, version, accepted_at) VALUES ($1, $2, $3)
             ON CONFLICT (user_id, version) DO NOTHING RETURNING accepted_at",
        )
        .bind(uid(user))
        .bind(version_column(version)?)
        .bind(Ts(audit.at))
        .fetch_optional(&mut *tx)
        .await
        .map_err(other)?;
        let accepted_at = match inserted {
            Some(at) => {
                tx.audit(&audit);
                at
            }
            None => sqlx::query_scalar::<_, Ts>(
                "SELECT accepted_at FROM terms_acceptances WHERE user_id = $1 AND version = $2",
            )
            .bind(uid(user))
            .bind(version_column(version)?)
            .fetch_one(&mut *tx)
            .await
            .map_err(other)?,
        };
        tx.commit().await?;
        Ok(accepted_at.0)
    }
}
