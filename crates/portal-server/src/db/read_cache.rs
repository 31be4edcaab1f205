//! The two reads behind nearly every portal request, a session with its
//! user and a user's device list, and the gateway's three (the published
//! apps, the visitor's session, the device their certificate names), kept
//! in memory between the changes that make them stale. Every such change
//! sends a notice with its commit (a user's notices for their devices,
//! [`Notice::Wake`] for a revoked certificate, [`Notice::Account`] for their
//! sessions, [`Notice::Published`] for the apps)
//! and every node forgets what the notice concerns: this node at once after
//! its own commit, the others when they hear it. A read that raced a change
//! is not kept (each fill brings the ticket it took before reading), after a
//! missed notice everything is forgotten, and nothing is kept longer than
//! [`KEEP_FOR`] in any case.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use portal_types::{Device, PublishedApp, UserId};

use crate::{
    db::{GatewaySession, SessionRecord, UserRecord},
    gateway::decision::DeviceFacts,
    live::Notice,
};

/// An upper bound on staleness, should a change ever go unannounced; short
/// beside the session idle timeout, so a cached `last_seen_at` another node
/// has moved on never makes a live session look idle.
pub const KEEP_FOR: Duration = Duration::from_secs(10);
/// A revoked certificate is refused within a second on every node, even
/// should its notice be lost (a listener reconnecting, say).
pub const CERTIFICATES_KEPT_FOR: Duration = Duration::from_secs(1);
/// Beyond this many sessions or device lists kept, start again from empty.
const MOST: usize = 100_000;

#[derive(Default)]
pub struct ReadCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Counts the changes that concern sessions, or everything.
    sessions_changed: u64,
    /// Per user: the number of the last change to their devices.
    devices_changed: HashMap<UserId, u64>,
    /// The number of the last change to every user's devices (for users
    /// not in `devices_changed`).
    everything_changed: u64,
    changes: u64,
    sessions: HashMap<String, (Instant, SessionRecord, UserRecord)>,
    devices: HashMap<UserId, (Instant, Vec<Device>)>,
    /// Counts the changes to the published apps, or everything.
    apps_changed: u64,
    apps: Option<(Instant, Arc<[PublishedApp]>)>,
    /// By their key (sessions_changed guards them, as the portal's sessions).
    visitors: HashMap<String, (Instant, GatewaySession)>,
    /// The keys of `visitors` by the portal session they stand on (some
    /// may be gone from `visitors`), so that a use of one finds them.
    visitor_keys: HashMap<String, Vec<String>>,
    /// Counts the changes to any device, or everything.
    certificates_changed: u64,
    /// Devices by the fingerprint of a certificate of theirs.
    certificates: HashMap<String, (Instant, DeviceFacts)>,
}

/// Taken before a read; the read is kept only if nothing changed since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

impl ReadCache {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The maps stay consistent whatever panicked while holding the lock.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn session(&self, token_hash: &str) -> Option<(SessionRecord, UserRecord)> {
        let inner = self.inner();
        let (kept, session, user) = inner.sessions.get(token_hash)?;
        (kept.elapsed() < KEEP_FOR).then(|| (session.clone(), user.clone()))
    }

    pub fn session_ticket(&self) -> Ticket {
        Ticket(self.inner().sessions_changed)
    }

    pub fn keep_session(&self, ticket: Ticket, token_hash: &str, session: &SessionRecord, user: &UserRecord) {
        let mut inner = self.inner();
        if ticket.0 != inner.sessions_changed {
            return;
        }
        if inner.sessions.len() >= MOST {
            inner.sessions.clear();
        }
        inner
            .sessions
            .insert(token_hash.to_owned(), (Instant::now(), session.clone(), user.clone()));
    }

    /// The session was used at `now`: written to the database, and kept here.
    pub fn touched(&self, token_hash: &str, now: time::OffsetDateTime) {
        let mut inner = self.inner();
        if let Some((_, session, _)) = inner.sessions.get_mut(token_hash) {
            session.last_seen_at = now;
        }
        let Inner {
            visitors, visitor_keys, ..
        } = &mut *inner;
        for key in visitor_keys.get(token_hash).into_iter().flatten() {
            if let Some((_, visitor)) = visitors.get_mut(key) {
                visitor.session.last_seen_at = now;
            }
        }
    }

    pub fn apps(&self) -> Option<Arc<[PublishedApp]>> {
        let inner = self.inner();
        let (kept, apps) = inner.apps.as_ref()?;
        (kept.elapsed() < KEEP_FOR).then(|| Arc::clone(apps))
    }

    pub fn apps_ticket(&self) -> Ticket {
        Ticket(self.inner().apps_changed)
    }

    pub fn keep_apps(&self, ticket: Ticket, apps: &Arc<[PublishedApp]>) {
        let mut inner = self.inner();
        if ticket.0 == inner.apps_changed {
            inner.apps = Some((Instant::now(), Arc::clone(apps)));
        }
    }

    pub fn visitor(&self, key: &str) -> Option<GatewaySession> {
        let inner = self.inner();
        let (kept, visitor) = inner.visitors.get(key)?;
        (kept.elapsed() < KEEP_FOR).then(|| visitor.clone())
    }

    pub fn keep_visitor(&self, ticket: Ticket, key: &str, visitor: &GatewaySession) {
        let mut inner = self.inner();
        if ticket.0 != inner.sessions_changed {
            return;
        }
        if inner.visitors.len() >= MOST {
            inner.visitors.clear();
            inner.visitor_keys.clear();
        }
        inner.visitors.insert(key.to_owned(), (Instant::now(), visitor.clone()));
        let keys = inner.visitor_keys.entry(visitor.portal_hash.clone()).or_default();
        if !keys.iter().any(|k| k == key) {
            keys.push(key.to_owned());
        }
    }

    pub fn certificate(&self, fingerprint: &str) -> Option<DeviceFacts> {
        let inner = self.inner();
        let (kept, device) = inner.certificates.get(fingerprint)?;
        (kept.elapsed() < CERTIFICATES_KEPT_FOR).then(|| device.clone())
    }

    pub fn certificates_ticket(&self) -> Ticket {
        Ticket(self.inner().certificates_changed)
    }

    pub fn keep_certificate(&self, ticket: Ticket, fingerprint: &str, device: &DeviceFacts) {
        let mut inner = self.inner();
        if ticket.0 != inner.certificates_changed {
            return;
        }
        if inner.certificates.len() >= MOST {
            inner.certificates.clear();
        }
        inner
            .certificates
            .insert(fingerprint.to_owned(), (Instant::now(), device.clone()));
    }

    pub fn devices(&self, user: UserId) -> Option<Vec<Device>> {
        let inner = self.inner();
        let (kept, devices) = inner.devices.get(&user)?;
        (kept.elapsed() < KEEP_FOR).then(|| devices.clone())
    }

    pub fn devices_ticket(&self, user: UserId) -> Ticket {
        let inner = self.inner();
        Ticket(
            inner
                .devices_changed
                .get(&user)
                .copied()
                .unwrap_or(inner.everything_changed),
        )
    }

    pub fn keep_devices(&self, ticket: Ticket, user: UserId, devices: &[Device]) {
        let mut inner = self.inner();
        let now = inner
            .devices_changed
            .get(&user)
            .copied()
            .unwrap_or(inner.everything_changed);
        if ticket.0 != now {
            return;
        }
        if inner.devices.len() >= MOST {
            inner.devices.clear();
        }
        inner.devices.insert(user, (Instant::now(), devices.to_vec()));
    }

    /// Forgets what a committed change makes stale; `None`: notices were
    /// missed, forget everything.
    pub fn forget(&self, notice: Option<&Notice>) {
        let mut inner = self.inner();
        inner.changes += 1;
        let change = inner.changes;
        match notice {
            Some(Notice::User { user, .. }) => {
                if inner.devices_changed.len() >= MOST {
                    inner.devices_changed.clear();
                    inner.everything_changed = change;
                }
                inner.devices_changed.insert(*user, change);
                inner.devices.remove(user);
                inner.certificates_changed = change;
                inner.certificates.retain(|_, (_, device)| device.owner != *user);
            }
            Some(Notice::Wake { device }) => {
                // Sent as a device's certificates are revoked (and when it has commands).
                inner.certificates_changed = change;
                inner.certificates.retain(|_, (_, kept)| kept.id != *device);
            }
            Some(Notice::Account { user }) => {
                inner.sessions_changed = change;
                inner.sessions.retain(|_, (_, session, _)| session.user_id != *user);
                inner.visitors.retain(|_, (_, visitor)| visitor.user.id != *user);
            }
            Some(Notice::Published) => {
                inner.apps_changed = change;
                inner.apps = None;
            }
            Some(Notice::Policy { .. } | Notice::Branding { .. }) => {}
            Some(Notice::Resync) | None => {
                // Every ticket taken so far is refused from now on.
                inner.sessions_changed = change;
                inner.devices_changed.clear();
                inner.everything_changed = change;
                inner.apps_changed = change;
                inner.certificates_changed = change;
                inner.sessions.clear();
                inner.devices.clear();
                inner.apps = None;
                inner.visitors.clear();
                inner.visitor_keys.clear();
                inner.certificates.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use portal_types::{DeviceId, LiveEvent, Role};
    use time::OffsetDateTime;
    use uuid::Uuid;

    use super::*;

    fn user_of(id: UserId) -> (SessionRecord, UserRecord) {
        let at = OffsetDateTime::UNIX_EPOCH;
        let session = SessionRecord {
            user_id: id,
            created_at: at,
            last_seen_at: at,
            expires_at: at,
            authenticated_at: None,
        };
        let user = UserRecord {
            id,
            email: "ada@example.com".into(),
            display_name: "Ada".into(),
            role: Role::Employee,
            password_hash: String::new(),
        };
        (session, user)
    }

    fn device_notice(user: UserId) -> Notice {
        Notice::User {
            user,
            event: LiveEvent::device_updated(DeviceId(Uuid::new_v4())),
        }
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_kept() {
        let cache = ReadCache::default();
        let ada = UserId(Uuid::new_v4());
        let ticket = cache.devices_ticket(ada);
        cache.forget(Some(&device_notice(ada)));
        cache.keep_devices(ticket, ada, &[]);
        assert!(cache.devices(ada).is_none(), "read before the change: stale");
        cache.keep_devices(cache.devices_ticket(ada), ada, &[]);
        assert!(cache.devices(ada).is_some());
    }

    #[test]
    fn notices_forget_what_they_concern() {
        let cache = ReadCache::default();
        let (ada, grace) = (UserId(Uuid::new_v4()), UserId(Uuid::new_v4()));
        for (token, id) in [("a", ada), ("g", grace)] {
            let (session, user) = user_of(id);
            cache.keep_session(cache.session_ticket(), token, &session, &user);
            cache.keep_devices(cache.devices_ticket(id), id, &[]);
        }
        cache.forget(Some(&device_notice(ada)));
        assert!(cache.devices(ada).is_none());
        assert!(cache.session("a").is_some(), "a device change leaves sessions be");
        cache.forget(Some(&Notice::Account { user: ada }));
        assert!(cache.session("a").is_none());
        assert!(cache.session("g").is_some() && cache.devices(grace).is_some());
        let ticket = cache.devices_ticket(grace);
        cache.forget(None);
        assert!(cache.session("g").is_none() && cache.devices(grace).is_none());
        cache.keep_devices(ticket, grace, &[]);
        assert!(
            cache.devices(grace).is_none(),
            "a ticket from before a resync is refused"
        );
    }

    #[test]
    fn the_gateways_reads_go_with_a_revocation_a_sign_out_and_a_publication() {
        use crate::gateway::decision::SignedIn;
        let cache = ReadCache::default();
        let (ada, grace) = (UserId(Uuid::new_v4()), UserId(Uuid::new_v4()));
        let phone = |id: u128, owner: UserId| DeviceFacts {
            id: DeviceId(Uuid::from_u128(id)),
            owner,
            name: "Phone".into(),
            revoked: false,
            expires_at: OffsetDateTime::UNIX_EPOCH,
            compliance: portal_types::ComplianceState::CanAccess,
            reasons: Vec::new(),
            failing_since: None,
        };
        cache.keep_certificate(cache.certificates_ticket(), "ada-1", &phone(1, ada));
        cache.keep_certificate(cache.certificates_ticket(), "ada-2", &phone(2, ada));
        cache.keep_certificate(cache.certificates_ticket(), "grace-3", &phone(3, grace));
        cache.forget(Some(&Notice::Wake {
            device: DeviceId(Uuid::from_u128(1)),
        }));
        assert!(cache.certificate("ada-1").is_none(), "revoked: read again");
        assert!(cache.certificate("ada-2").is_some());
        cache.forget(Some(&device_notice(ada)));
        assert!(cache.certificate("ada-2").is_none(), "Ada's devices changed");
        assert!(cache.certificate("grace-3").is_some());
        let raced = cache.certificates_ticket();
        cache.forget(Some(&device_notice(grace)));
        cache.keep_certificate(raced, "grace-3", &phone(3, grace));
        assert!(cache.certificate("grace-3").is_none(), "read before the change: stale");

        let (session, _) = user_of(ada);
        let visitor = GatewaySession {
            portal_hash: "portal".into(),
            session,
            user: SignedIn {
                id: ada,
                email: "ada@example.com".into(),
                second_factor: false,
                factor_enrolled: false,
            },
        };
        cache.keep_visitor(cache.session_ticket(), "g:gateway", &visitor);
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::minutes(1);
        cache.touched("portal", now);
        assert_eq!(
            cache.visitor("g:gateway").unwrap().session.last_seen_at,
            now,
            "used through either door"
        );
        cache.forget(Some(&Notice::Account { user: ada }));
        assert!(cache.visitor("g:gateway").is_none(), "signed out");

        cache.keep_apps(cache.apps_ticket(), &Arc::from([]));
        assert!(cache.apps().is_some());
        cache.forget(Some(&Notice::Published));
        assert!(cache.apps().is_none());
    }
}
