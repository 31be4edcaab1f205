// The admin console's settings bundle: see `portal::settings_app`.
fn main() {
    portal::start(portal::settings_app::SettingsApp);
}
