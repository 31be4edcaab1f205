// The main bundle: see `portal::app`.
fn main() {
    portal::start(portal::app::App);
}
