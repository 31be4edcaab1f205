//! The enrollment restrictions and the compliance policy: the rules
//! (`rules`), the version in force on every node (here), the Policies
//! page's API (`routes`), and every device judged anew when a version is
//! saved or as time passes (`evaluation`).

pub mod evaluation;
pub mod routes;
pub mod rules;

use std::sync::{Arc, RwLock};

use tokio::{sync::broadcast::error::RecvError, task::JoinHandle};

use crate::{
    db::{Database, DbResult, EvaluationRecord, StoredPolicy},
    live::{Events, Notice},
};
use rules::Policy;

/// The policy in force on this node: the newest stored version.
pub struct Policies {
    current: RwLock<Arc<Policy>>,
    db: Arc<dyn Database>,
}

impl Policies {
    /// The newest stored version; on the first start, `initial` (the
    /// configuration's) stored as version 1.
    pub async fn load(db: Arc<dyn Database>, initial: Policy, now: time::OffsetDateTime) -> anyhow::Result<Self> {
        let stored = match db.current_policy().await? {
            Some(stored) => stored,
            None => {
                // Another node starting at the same time may store it first: either is the same.
                if db
                    .save_policy(initial.version, &initial.settings(), None, now, None)
                    .await?
                {
                    // Devices enrolled from now on are judged by it as they enroll.
                    let judged = EvaluationRecord {
                        finished_at: Some(now),
                        ..EvaluationRecord::default()
                    };
                    db.record_evaluation(initial.version, judged).await?;
                }
                db.current_policy().await?.expect("a policy was just stored")
            }
        };
        let policy = Arc::new(initial.with_settings(stored.version, &stored.settings));
        Ok(Self {
            current: RwLock::new(policy),
            db,
        })
    }

    pub fn current(&self) -> Arc<Policy> {
        self.current.read().expect("policy lock").clone()
    }

    /// Puts `policy` in force unless a newer version is already.
    pub fn install(&self, policy: Policy) {
        let mut current = self.current.write().expect("policy lock");
        if policy.version > current.version {
            *current = Arc::new(policy);
        }
    }

    /// The newest stored version, put in force here if it is newer.
    pub async fn refresh(&self) -> DbResult<Option<StoredPolicy>> {
        let stored = self.db.current_policy().await?;
        if let Some(stored) = &stored {
            let next = self.current().with_settings(stored.version, &stored.settings);
            self.install(next);
        }
        Ok(stored)
    }

    /// Loads each version another node saves, as soon as it is told.
    pub fn follow(self: &Arc<Self>, events: &Events) -> JoinHandle<()> {
        let mut notices = events.subscribe();
        let policies = self.clone();
        tokio::spawn(async move {
            loop {
                match notices.recv().await {
                    Ok(Notice::Policy { version }) if version <= policies.current().version => {}
                    Ok(Notice::Policy { .. } | Notice::Resync) | Err(RecvError::Lagged(_)) => {
                        if let Err(error) = policies.refresh().await {
                            tracing::warn!(%error, "cannot load the newest policy; it is loaded at the next notice");
                        }
                    }
                    Ok(_) => {}
                    Err(RecvError::Closed) => return,
                }
            }
        })
    }
}
