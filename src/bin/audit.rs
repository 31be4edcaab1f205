// The audit log's bundle: see `portal::audit_app`.
fn main() {
    portal::start(portal::audit_app::AuditApp);
}
