//! The app catalog, installs on the user's devices, and what the
//! organisation tells its people: its help desk and branding.

use portal_types::{AppDetail, AppInstall, AppsPage, Branding, Command, DeviceAppsResponse, HelpDesk};

use super::{ClientResult, get, post};

/// One page of the catalog; `query` is the URL's query string, e.g.
/// `q=mail&platform=android,ios&page=2`.
pub async fn apps(query: String) -> ClientResult<AppsPage> {
    get(&format!("/apps?{query}")).await
}

pub async fn app(id: String) -> ClientResult<AppDetail> {
    get(&format!("/apps/{id}")).await
}

pub async fn device_apps(device: String) -> ClientResult<Vec<AppInstall>> {
    get::<DeviceAppsResponse>(&format!("/devices/{device}/apps"))
        .await
        .map(|r| r.apps)
}

/// `action` is `install` or `uninstall`.
pub async fn change(device: &str, app: &str, action: &str) -> ClientResult<Command> {
    post(&format!("/devices/{device}/apps/{app}/{action}"), &()).await
}

pub async fn help_desk() -> ClientResult<HelpDesk> {
    get("/help").await
}

/// The organisation's branding in force: its privacy statement, for one.
pub async fn branding() -> ClientResult<Branding> {
    get("/branding").await
}
