// The account's bundle: see `portal::account_app`.
fn main() {
    portal::start(portal::account_app::AccountApp);
}
