//! Who is signed in, shared through context.

use leptos::prelude::*;
use portal_types::MeResponse;

use crate::api::{self, ClientError};

#[derive(Clone, Copy)]
pub struct Session {
    /// The signed-in user; `None` when signed out.
    pub user: RwSignal<Option<MeResponse>>,
    /// False until the server said who is signed in, so pages neither flash nor redirect early.
    pub known: RwSignal<bool>,
    /// Shown on the Sign in page, e.g. why the user was sent there.
    pub notice: RwSignal<Option<String>>,
}

impl Session {
    /// Whether a guarded page may show: `None` while still asking the server.
    pub fn signed_in(&self) -> Option<bool> {
        self.known.get().then(|| self.user.with(Option::is_some))
    }

    /// A call found the session gone: forget the user and say why.
    pub fn handle_error(&self, error: &ClientError) {
        if let ClientError::Unauthorized { .. } = error {
            self.notice.set(Some(error.to_string()));
            self.user.set(None);
        }
    }
}

/// Provides the session and asks the server who is signed in.
pub fn provide_session() -> Session {
    let session = Session {
        user: RwSignal::new(None),
        known: RwSignal::new(false),
        notice: RwSignal::new(None),
    };
    provide_context(session);
    leptos::task::spawn_local(async move {
        match api::auth::session().await {
            Ok(current) => {
                if current.expired {
                    session
                        .notice
                        .set(Some(ClientError::Unauthorized { expired: true }.to_string()));
                }
                session.user.set(current.user);
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
