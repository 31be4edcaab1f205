// The administrators' bundle: see `portal::admin_app`.
fn main() {
    portal::start(portal::admin_app::AdminApp);
}
