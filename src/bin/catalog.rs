// The catalog bundle: see `portal::catalog_app`.
fn main() {
    portal::start(portal::catalog_app::CatalogApp);
}
