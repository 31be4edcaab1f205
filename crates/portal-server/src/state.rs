use std::sync::Arc;

use crate::{clock::Clock, db::Database, password::PasswordHasher};

#[derive(Clone)]
pub struct AppState {
    pub db: Arc<dyn Database>,
    pub clock: Arc<dyn Clock>,
    pub passwords: PasswordHasher,
    pub secure_cookies: bool,
}
