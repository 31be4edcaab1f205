use axum::{Json, extract::State};
use portal_types::HelpDesk;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(help_desk))
}

/// The IT help desk's contact details, from the server's configuration.
/// Open to everybody: a user who cannot sign in needs them most.
#[utoipa::path(get, path = "/api/v1/help", tag = "help", responses((status = 200, body = HelpDesk)))]
async fn help_desk(State(state): State<AppState>) -> Json<HelpDesk> {
    Json(state.branding.current().branding.settings.help_desk.clone())
}
