//! The admin Overview: the organisation's devices counted, and what its
//! provisioning mode offers.

use axum::{Json, extract::State};
use portal_types::{
    ApiError, ComplianceCount, ComplianceState, ManagedBy, ManagedByCount, ModeSummary, Overview, Platform,
    PlatformCount,
};
use time::Duration;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    admin::admin_only, db::FleetTallies, http::error::AppError, identity::session::CurrentUser, state::AppState,
};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(overview))
}

/// The Overview: devices by compliance, platform and manager, and those not
/// seen for 30 days.
#[utoipa::path(get, path = "/api/v1/admin/overview", tag = "admin",
    responses((status = 200, body = Overview), (status = 401, body = ApiError), (status = 403, body = ApiError, description = "Not an administrator")))]
async fn overview(State(state): State<AppState>, caller: CurrentUser) -> Result<Json<Overview>, AppError> {
    admin_only(&caller, "Only IT administrators can see the overview.")?;
    let not_seen_since = state.clock.now() - Duration::days(i64::from(Overview::NOT_SEEN_DAYS));
    let tallies = state.db.fleet_tallies(not_seen_since).await?;
    let mode = state.policies.current().mode;
    Ok(Json(summarise(
        tallies,
        ModeSummary {
            id: mode.as_str().into(),
            name: mode.name().into(),
            offers: mode.offers().iter().map(|s| s.to_string()).collect(),
        },
    )))
}

/// Every state and platform in its order, zero where no device has it;
/// platforms that none has and the mode does not offer are left out.
fn summarise(tallies: FleetTallies, mode: ModeSummary) -> Overview {
    let count_of = |state| {
        tallies
            .compliance
            .iter()
            .find(|(s, _)| *s == state)
            .map_or(0, |(_, n)| *n)
    };
    let compliance: Vec<ComplianceCount> = ComplianceState::ALL
        .into_iter()
        .map(|state| ComplianceCount {
            state,
            count: count_of(state),
        })
        .collect();
    let total = compliance.iter().map(|c| c.count).sum();
    let platforms = Platform::ALL
        .into_iter()
        .filter_map(|platform| {
            let count = tallies
                .platforms
                .iter()
                .find(|(p, _)| *p == platform)
                .map_or(0, |(_, n)| *n);
            (count > 0).then_some(PlatformCount { platform, count })
        })
        .collect();
    Overview {
        mode,
        total,
        compliance,
        platforms,
        managed_by: ManagedBy::ALL
            .into_iter()
            .filter_map(|by| {
                let count = tallies.managed_by.iter().find(|(b, _)| *b == by).map_or(0, |(_, n)| *n);
                (count > 0).then_some(ManagedByCount { managed_by: by, count })
            })
            .collect(),
        not_seen: tallies.not_seen,
    }
}
