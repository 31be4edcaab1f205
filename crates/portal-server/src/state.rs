use std::sync::Arc;

use crate::{
    clock::Clock,
    db::Database,
    devices::ca::DeviceCa,
    devices::throttle::DeviceThrottle,
    identity::password::PasswordHasher,
    live::{Events, Stopping},
    policies::Policies,
    rate_limit::{FirstInWindow, RateLimiter, SignInLimits},
    secrets::SecretBox,
};

#[derive(Clone)]
pub struct AppState {
    pub db: Arc<dyn Database>,
    pub clock: Arc<dyn Clock>,
    pub passwords: PasswordHasher,
    pub secure_cookies: bool,
    /// The enrollment restrictions and compliance policy in force.
    pub policies: Arc<Policies>,
    pub ca: Arc<DeviceCa>,
    pub events: Events,
    /// How often each device may call the device API, on this node.
    pub device_throttle: Arc<DeviceThrottle>,
    /// Endless streams end when this says the server is stopping.
    pub stopping: Stopping,
    /// The address devices and the agent reach the server at, for the enrollment command.
    pub public_url: Arc<str>,
    pub sign_in_limits: Arc<SignInLimits>,
    /// Password and code entered again by a signed-in user, per user.
    pub confirm_limits: Arc<RateLimiter>,
    /// How long a command waits for its device before it expires.
    pub command_ttl: time::Duration,
    /// Reset device: three an hour per user.
    pub wipe_limits: Arc<RateLimiter>,
    /// Seals the secrets kept at rest (TOTP).
    pub secrets: Arc<SecretBox>,
    /// Passkeys' relying party; `None` where the portal has no domain name.
    pub passkeys: Option<Arc<webauthn_rs::Webauthn>>,
    /// Passkey challenges asked for, per client address.
    pub passkey_limits: Arc<RateLimiter>,
    /// Refusals written down, per what was refused: see [`AppState::audit_refusal`].
    pub refusals_written: Arc<FirstInWindow>,
    /// The proxies whose `X-Client-Certificate` the access check believes.
    pub certificate_proxies: Arc<crate::http::client_address::TrustedProxies>,
    /// Where browsers reach the gateway, when it is on: `https://host:port`.
    pub gateway_url: Option<Arc<str>>,
    /// The organisation's branding in force (the Help page's help desk too).
    pub branding: Arc<crate::branding::BrandingInForce>,
}

impl AppState {
    /// Writes down a refusal ([`crate::db::AuditEvent::refused`]: a device
    /// refused enrollment, an employee at the console's API, a reset device
    /// calling in, a visitor the gateway refuses or, in audit mode, lets
    /// through) once an hour per `key`: a client trying again and again
    /// does not fill the log.
    pub async fn audit_refusal(&self, key: &str, event: crate::db::AuditEvent) -> crate::db::DbResult<()> {
        let Some(attempt) = self.refusals_written.first(key, event.at).await? else {
            return Ok(());
        };
        let written = self.db.record_audit(event).await;
        if written.is_err() {
            // Not written: the next refusal tries again.
            self.refusals_written.release(key, attempt).await?;
        }
        written
    }

    /// When a required app queued now would expire; none where the
    /// organisation's plan installs no apps, so that none is queued.
    pub fn required_installs_expire_at(&self, now: time::OffsetDateTime) -> Option<time::OffsetDateTime> {
        self.policies
            .current()
            .mode
            .offers_app_installs()
            .then(|| now + self.command_ttl)
    }
}
