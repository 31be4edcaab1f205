//! The organisation's side, for IT administrators.

use portal_types::{
    AdminActionRequest, AdminDevice, App, AppInput, AuditPage, Branding, BrandingChange, Command, FleetPage, Overview,
    PolicyChange, PolicyVersion, PublishedApp, PublishedAppsResponse, RequiredReach, TermsChange, TermsVersion,
};

use super::{ClientResult, get};

/// One page of All devices; `query` is the URL's query string, e.g.
/// `platform=android&compliance=out_of_compliance&after=…`.
pub async fn devices(query: String) -> ClientResult<FleetPage> {
    get(&format!("/admin/devices?{query}")).await
}

/// Where the browser downloads All devices as CSV, for the same filter and order.
pub fn devices_csv(query: &str) -> String {
    format!("{}/admin/devices.csv?{query}", super::BASE)
}

pub async fn overview() -> ClientResult<Overview> {
    get("/admin/overview").await
}

/// One page of the audit log, newest first; `query` as the address keeps it, with `before`.
pub async fn audit(query: String) -> ClientResult<AuditPage> {
    get(&format!("/admin/audit?{query}")).await
}

/// Where the browser downloads the audit log as CSV, for the same filters.
pub fn audit_csv(query: &str) -> String {
    format!("{}/admin/audit.csv?{query}", super::BASE)
}

/// A device's admin page.
pub async fn device(id: String) -> ClientResult<AdminDevice> {
    get(&format!("/admin/devices/{id}")).await
}

/// `action` is `wipe` or `retire`.
pub async fn act_on(device: &str, action: &str, request: &AdminActionRequest) -> ClientResult<()> {
    super::post_empty_body(&format!("/admin/devices/{device}/{action}"), request).await
}

/// Cancels a command the device has not taken yet, whoever asked for it.
pub async fn cancel(device: &str, command: &str) -> ClientResult<Command> {
    super::post(&format!("/admin/devices/{device}/commands/{command}/cancel"), &()).await
}

/// The policy in force, and how far judging every device by it has gone.
pub async fn policy() -> ClientResult<PolicyVersion> {
    get("/admin/policy").await
}

/// Saves the next version of the policy.
pub async fn save_policy(change: &PolicyChange) -> ClientResult<PolicyVersion> {
    super::put("/admin/policy", change).await
}

/// Adds an app to the catalog.
pub async fn add_app(input: &AppInput) -> ClientResult<App> {
    super::post("/admin/apps", input).await
}

/// Changes an app, including whether it is featured or required.
pub async fn edit_app(id: &str, input: &AppInput) -> ClientResult<App> {
    super::put(&format!("/admin/apps/{id}"), input).await
}

/// Takes an app out of the catalog; copies on devices stay.
pub async fn retire_app(id: &str) -> ClientResult<()> {
    super::delete(&format!("/admin/apps/{id}")).await
}

/// How many devices marking the app required for `platforms` (comma-separated) would reach now.
pub async fn required_reach(app: Option<String>, platforms: String) -> ClientResult<RequiredReach> {
    let app = app.map(|id| format!("app={id}&")).unwrap_or_default();
    get(&format!("/admin/required-reach?{app}platforms={platforms}")).await
}

/// The terms and conditions in force; version 0 before any were published.
pub async fn terms() -> ClientResult<TermsVersion> {
    get("/admin/terms").await
}

/// Publishes the next version of the terms.
pub async fn publish_terms(change: &TermsChange) -> ClientResult<TermsVersion> {
    super::post("/admin/terms", change).await
}

/// The branding in force, with who saved it.
pub async fn branding() -> ClientResult<Branding> {
    get("/admin/branding").await
}

/// Saves the next version of the branding's settings.
pub async fn save_branding(change: &BrandingChange) -> ClientResult<Branding> {
    super::put("/admin/branding", change).await
}

/// A new logo, a PNG or an SVG file.
pub async fn upload_logo(file: web_sys::File) -> ClientResult<Branding> {
    super::put_file("/admin/branding/logo", file).await
}

/// Takes the logo away.
pub async fn remove_logo() -> ClientResult<()> {
    super::delete("/admin/branding/logo").await
}

/// The apps published through the gateway, and where it is.
pub async fn published_apps() -> ClientResult<PublishedAppsResponse> {
    get("/admin/published-apps").await
}

/// Publishes an app, or changes the one of its name.
pub async fn publish_app(app: &PublishedApp) -> ClientResult<PublishedApp> {
    super::put("/admin/published-apps", app).await
}

/// Stops publishing the app called `name`.
pub async fn unpublish_app(name: &str) -> ClientResult<()> {
    super::delete(&format!("/admin/published-apps/{}", js_sys::encode_uri_component(name))).await
}
