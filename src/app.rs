use leptos::prelude::*;
use leptos_router::{
    components::{ProtectedRoute, Redirect, Route, Router, Routes},
    path,
};

use crate::{
    components::header::Header,
    pages::{my_devices::MyDevicesPage, not_found::NotFoundPage, sign_in::SignInPage},
    session::{provide_session, use_session},
};

#[component]
pub fn App() -> impl IntoView {
    provide_session();
    let session = use_session();
    let signed_in = move || session.signed_in();
    view! {
        <Router>
            <a class="cp-skip-link" href="#main">"Skip to content"</a>
            <Header/>
            <main id="main" class="cp-main" tabindex="-1">
                <Routes fallback=NotFoundPage>
                    <Route path=path!("/") view=|| view! { <Redirect path="/devices"/> }/>
                    <Route path=path!("/sign-in") view=SignInPage/>
                    <ProtectedRoute
                        path=path!("/devices")
                        view=MyDevicesPage
                        condition=signed_in
                        redirect_path=|| "/sign-in"
                        fallback=|| view! { <p class="cp-loading" role="status">"Loading…"</p> }
                    />
                </Routes>
            </main>
        </Router>
    }
}
