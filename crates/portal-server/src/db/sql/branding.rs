//! Versions of the organisation's branding.

use async_trait::async_trait;
use portal_types::{BrandingSettings, UserId};

use super::{Store, other, uid, version_column, version_read};
use crate::{
    db::{AuditEvent, BrandingStore, DbError, DbResult, LogoChange, StoredBranding, values::Ts},
    live::Notice,
};

#[async_trait]
impl BrandingStore for Store {
    async fn current_branding(&self) -> DbResult<Option<StoredBranding>> {
        type Row = (i32, String, bool, Option<String>, Option<String>, Ts);
        let row: Option<Row> = sqlx::query_as(
            "SELECT b.version, b.settings, b.logo IS NOT NULL, u.display_name, u.email, b.changed_at
             FROM branding b LEFT JOIN users u ON u.id = b.changed_by
             ORDER BY b.version DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(other)?;
        let Some((version, settings, has_logo, name, email, changed_at)) = row else {
            return Ok(None);
        };
        Ok(Some(StoredBranding {
            version: version_read(version)?,
            settings: serde_json::from_str(&settings).map_err(|e| DbError::Other(e.into()))?,
            has_logo,
            changed_by: name.zip(email),
            changed_at: changed_at.0,
        }))
    }

    async fn branding_logo(&self) -> DbResult<Option<(u32, Vec<u8>)>> {
        let row: Option<(i32, Option<Vec<u8>>)> =
            sqlx::query_as("SELECT version, logo FROM branding ORDER BY version DESC LIMIT 1")
                .fetch_optional(&self.pool)
                .await
                .map_err(other)?;
        Ok(row.and_then(|(version, logo)| Some((version_read(version).ok()?, logo?))))
    }

    async fn save_branding(
        &self,
        version: u32,
        settings: &BrandingSettings,
        logo: LogoChange,
        by: UserId,
        audit: AuditEvent,
    ) -> DbResult<bool> {
        let organisation = settings.organisation.clone();
        let settings = serde_json::to_string(settings).map_err(|e| DbError::Other(e.into()))?;
        let (replace, new_logo) = match logo {
            LogoChange::Keep => (false, None),
            LogoChange::Set(png) => (true, Some(png)),
            LogoChange::Remove => (true, None),
        };
        let mut tx = self.begin().await?;
        let saved = sqlx::query(
            "INSERT INTO branding (version, settings, logo, changed_by, changed_at)
             VALUES ($1, $2, CASE WHEN $3 THEN $4 ELSE (SELECT logo FROM branding WHERE version = $1 - 1) END, $5, $6)
             ON CONFLICT (version) DO NOTHING",
        )
        .bind(version_column(version)?)
        .bind(settings)
        .bind(replace)
        .bind(new_logo)
        .bind(uid(by))
        .bind(Ts(audit.at))
        .execute(&mut *tx)
        .await
        .map_err(other)?
        .rows_affected()
            == 1;
        if !saved {
            return Ok(false);
        }
        tx.notify(Notice::Branding { version, organisation });
        tx.audit(&audit);
        tx.commit().await?;
        Ok(true)
    }
}
