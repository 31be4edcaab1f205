// The admin console's organisation bundle: see `portal::organisation_app`.
fn main() {
    portal::start(portal::organisation_app::OrganisationApp);
}
