//! The organisation's branding: name, logo, theme colour, privacy statement
//! and help desk, saved by an administrator as versions. The version in
//! force on every node (here), what a setting may be (`rules`), the colours
//! derived from the theme colour (`palette`), the logo (`logo`), and the API
//! with the style sheet and the logo every page loads (`routes`).

pub mod logo;
pub mod palette;
pub mod routes;
pub mod rules;

use std::sync::{Arc, RwLock};

use portal_types::{Branding, BrandingSettings, HelpDesk};
use tokio::{sync::broadcast::error::RecvError, task::JoinHandle};

use crate::{
    db::{Database, DbResult, StoredBranding, values::Ts},
    live::{Events, Notice},
};

/// The theme colour before an administrator picks one: `--cp-fill` in
/// `style/tokens.css`.
pub const DEFAULT_COLOR: &str = "#0b5cad";

/// The branding in force on this node, and the style sheet it makes.
pub struct BrandingInForce {
    current: RwLock<Arc<InForce>>,
    db: Arc<dyn Database>,
}

pub struct InForce {
    pub branding: Branding,
    /// The custom properties the theme colour makes; none for the default.
    pub palette: String,
    /// `/branding.css`: the palette, and the logo.
    pub css: String,
}

impl InForce {
    pub(crate) fn new(branding: Branding) -> Self {
        // The default colour keeps `style/tokens.css` as it is (its dark
        // scheme is tuned by hand).
        let palette = if branding.settings.color == DEFAULT_COLOR {
            String::new()
        } else {
            palette::css(&branding.settings.color)
        };
        let mut css = palette.clone();
        if let Some(logo) = &branding.logo {
            // Beside the name, which stays the link's accessible name.
            css.push_str(&format!(
                ".cp-header__brand::before{{content:\"\";display:inline-block;vertical-align:middle;width:2rem;height:2rem;margin-right:.5rem;background:url(\"{logo}\") center/contain no-repeat}}\n"
            ));
        }
        Self { branding, palette, css }
    }
}

fn branding_of(stored: StoredBranding) -> Branding {
    Branding {
        version: stored.version,
        logo: stored.has_logo.then(|| format!("/branding/logo?v={}", stored.version)),
        settings: stored.settings,
        changed_by: stored.changed_by.map(|(name, email)| format!("{name} ({email})")),
        changed_at: Some(Ts(stored.changed_at).rfc3339()),
    }
}

impl BrandingInForce {
    /// The newest stored version, or the configuration's help desk.
    pub async fn load(db: Arc<dyn Database>, help_desk: HelpDesk) -> DbResult<Self> {
        // Version 0: the server's configuration (its help desk flags).
        let defaults = BrandingSettings {
            organisation: String::new(),
            color: DEFAULT_COLOR.into(),
            privacy_url: None,
            help_desk,
        };
        let this = Self {
            current: RwLock::new(Arc::new(InForce::new(Branding {
                version: 0,
                settings: defaults,
                logo: None,
                changed_by: None,
                changed_at: None,
            }))),
            db,
        };
        this.refresh().await?;
        Ok(this)
    }

    /// As anyone may read it: not who saved it.
    pub fn public(&self) -> Branding {
        Branding {
            changed_by: None,
            changed_at: None,
            ..self.current().branding.clone()
        }
    }

    pub fn current(&self) -> Arc<InForce> {
        self.current.read().expect("branding lock").clone()
    }

    /// The organisation's name, if it has one.
    pub fn organisation(&self) -> Option<String> {
        Some(self.current().branding.settings.organisation.clone()).filter(|name| !name.is_empty())
    }

    /// Reads the newest stored version, puts it in force here if newer, and
    /// gives back what is in force.
    pub async fn refresh(&self) -> DbResult<Arc<InForce>> {
        if let Some(stored) = self.db.current_branding().await? {
            let next = Arc::new(InForce::new(branding_of(stored)));
            let mut current = self.current.write().expect("branding lock");
            if next.branding.version > current.branding.version {
                *current = next;
            }
        }
        Ok(self.current())
    }

    /// Loads each version another node saves, as soon as it is told.
    pub fn follow(self: &Arc<Self>, events: &Events) -> JoinHandle<()> {
        let mut notices = events.subscribe();
        let branding = self.clone();
        tokio::spawn(async move {
            loop {
                match notices.recv().await {
                    Ok(Notice::Branding { version, .. }) if version <= branding.current().branding.version => {}
                    Ok(Notice::Branding { .. } | Notice::Resync) | Err(RecvError::Lagged(_)) => {
                        if let Err(error) = branding.refresh().await {
                            tracing::warn!(%error, "cannot load the newest branding; it is loaded at the next notice");
                        }
                    }
                    Ok(_) => {}
                    Err(RecvError::Closed) => return,
                }
            }
        })
    }
}
