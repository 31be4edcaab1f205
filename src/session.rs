//! Who is signed in, and whether the browser is online, shared through context.

use leptos::{ev, prelude::*};
use portal_types::MeResponse;

use crate::{
    api::{self, ClientError},
    i18n::{msg::common, tr, trf},
};

#[derive(Clone, Copy)]
pub struct Session {
    /// The signed-in user; `None` when signed out.
    pub user: RwSignal<Option<MeResponse>>,
    /// False until the server said who is signed in: until then pages start
    /// (and admins' wait for the role), and none sends to Sign in.
    pub known: RwSignal<bool>,
    /// Shown on the Sign in page, e.g. why the user was sent there.
    pub notice: RwSignal<Option<String>>,
    /// False while the browser has no network: what shows is what the portal
    /// last saw (the service worker keeps the device list), and actions wait.
    pub online: RwSignal<bool>,
    /// The organisation's name, as its branding gives it.
    pub organisation: RwSignal<Option<String>>,
}

impl Session {
    /// `user` signed in (`known`: as the server said), the browser `online` or not.
    pub fn new(user: Option<MeResponse>, known: bool, online: RwSignal<bool>) -> Self {
        Session {
            user: RwSignal::new(user),
            known: RwSignal::new(known),
            notice: RwSignal::new(None),
            online,
            organisation: RwSignal::new(None),
        }
    }

    /// The organisation's name in the header and the page's title.
    fn brand(&self, organisation: Option<String>) {
        let title = organisation.as_ref().map_or_else(
            || tr(common::COMPANY_PORTAL).into(),
            |o| trf(common::ORGANISATION_PORTAL, &[("organisation", o)]),
        );
        document().set_title(&title);
        self.organisation.set(organisation);
    }

    /// The branding changed: its style sheet again (past the browser's copy),
    /// and the organisation's new name (empty: none).
    pub fn restyle(self, organisation: String) {
        let document = document();
        // Sign in's page has the branding written in: the linked sheet takes its place.
        let sheet = match document.query_selector("link[href^='/branding.css']") {
            Ok(Some(sheet)) => Some(sheet),
            _ => document.create_element("link").ok().inspect(|sheet| {
                let _ = sheet.set_attribute("rel", "stylesheet");
                if let Ok(Some(written)) = document.query_selector("style[data-branding]") {
                    written.remove();
                }
                if let Some(head) = document.head() {
                    let _ = head.append_child(sheet);
                }
            }),
        };
        if let Some(sheet) = sheet {
            // An integer: formatting a float would bring 7 KB of code to every bundle.
            let _ = sheet.set_attribute("href", &format!("/branding.css?v={}", js_sys::Date::now() as u64));
        }
        self.brand(Some(organisation).filter(|o| !o.is_empty()));
    }

    /// A call found the session gone: forget the user and say why (unless
    /// the session's own answer, still to come, is what says it).
    pub fn handle_error(&self, error: &ClientError) {
        if let ClientError::Unauthorized { .. } = error {
            if self.known.get_untracked() {
                self.notice.set(Some(error.to_string()));
            }
            self.user.set(None);
        }
    }
}

/// Provides the session and asks the server who is signed in.
pub fn provide_session() -> Session {
    let session = Session::new(None, false, RwSignal::new(window().navigator().on_line()));
    provide_context(session);
    let follow = move |_| session.online.set(window().navigator().on_line());
    window_event_listener(ev::offline, follow);
    window_event_listener(ev::online, follow);
    leptos::task::spawn_local(async move {
        match api::auth::session().await {
            Ok(current) => {
                if current.expired {
                    session
                        .notice
                        .set(Some(ClientError::Unauthorized { expired: true }.to_string()));
                }
                session.user.set(current.user);
                session.brand(current.organisation);
            }
            Err(error) => session.notice.set(Some(error.to_string())),
        }
        session.known.set(true);
    });
    session
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}
