//! Add device: the portal gets a one-time code; the device enrolls with it
//! and a certificate signing request, and gets its certificate.

use std::net::SocketAddr;

use axum::{
    Json,
    extract::{ConnectInfo, State},
    http::StatusCode,
};
use portal_types::{
    ApiError, DeviceId, EnrollRegisteredRequest, EnrollRequest, EnrollResponse, EnrollmentCodeRequest,
    EnrollmentCodeResponse, EnrollmentOptions, Management, Platform, UserId, enrollment::normalize_code,
};
use rand::Rng;
use time::{Duration, OffsetDateTime, format_description::well_known::Rfc3339};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    db::{AuditEvent, EnrollOutcome, EnrollmentCode, NewCertificate, NewDevice},
    devices::ca::CsrError,
    devices::device_auth::SignedDevice,
    devices::rules::{added_action, kept_inventory},
    http::error::{ApiJson, AppError},
    identity::session::CurrentUser,
    policies::rules::Policy,
    state::AppState,
    terms,
};

/// How long a code may be used.
pub const CODE_LIFETIME: Duration = Duration::minutes(10);
/// No 0/O, 1/I/L: a code is read off one screen and typed on another.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(options))
        .routes(routes!(create_code))
        .routes(routes!(enroll))
        .routes(routes!(enroll_registered))
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).expect("formattable timestamp")
}

fn code_used() -> AppError {
    AppError::refused(
        StatusCode::CONFLICT,
        "code_used",
        "This enrollment code has already been used. Get a new one in the portal.",
    )
}

/// `XXXX-XXXX-XXXX`: 12 characters of 31, about 59 bits.
fn new_code() -> String {
    let mut rng = rand::rngs::OsRng;
    let chars: Vec<char> = (0..12)
        .map(|_| CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

fn hash_code(code: &str) -> String {
    crate::digest::sha256_hex(normalize_code(code))
}

/// `text` as a QR code, an SVG document.
pub(crate) fn qr_svg(text: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| AppError::Internal(e.into()))?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

/// What the rules allow the caller before they ask for a code.
#[utoipa::path(get, path = "/api/v1/enrollment/options", tag = "enrollment",
    responses((status = 200, body = EnrollmentOptions), (status = 401, body = ApiError)))]
async fn options(State(state): State<AppState>, caller: CurrentUser) -> Result<Json<EnrollmentOptions>, AppError> {
    let enrolled = state.db.count_devices(caller.user.id).await?;
    let policy = state.policies.current();
    let mut options = policy.options(enrolled);
    options.terms = terms::for_user(&*state.db, caller.user.id).await?;
    options.registered_platforms = registered_platforms(&state, &policy, caller.user.id, enrolled).await?;
    Ok(Json(options))
}

/// The platforms of the devices `user`, with `enrolled` devices, registered
/// and may still enroll at the device limit. Below it none matters, and the
/// user's devices are not read: asking for a code stays one count.
async fn registered_platforms(
    state: &AppState,
    policy: &Policy,
    user: UserId,
    enrolled: u32,
) -> Result<Vec<Platform>, AppError> {
    if !policy.at_device_limit(enrolled) {
        return Ok(Vec::new());
    }
    let devices = state.db.devices_of(user).await?;
    Ok(policy.registered_to_enroll(&devices))
}

/// Issues a one-time enrollment code for a device the caller is adding.
#[utoipa::path(post, path = "/api/v1/enrollment-codes", tag = "enrollment", request_body = EnrollmentCodeRequest,
    responses(
        (status = 201, body = EnrollmentCodeResponse, description = "The code, shown once"),
        (status = 422, body = ApiError, description = "A field a rule refuses, with a message for each"),
        (status = 401, body = ApiError),
        (status = 403, body = ApiError, description = "An enrollment restriction forbids this device, or the terms in force are not accepted"),
    ))]
async fn create_code(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    caller: CurrentUser,
    ApiJson(request): ApiJson<EnrollmentCodeRequest>,
) -> Result<(StatusCode, Json<EnrollmentCodeResponse>), AppError> {
    let policy = state.policies.current();
    let mut errors = request.field_errors();
    if errors.get("category").is_none() && !policy.categories.iter().any(|c| c == request.category.trim()) {
        errors.add("category", "category_unknown", "Choose one of the listed categories.");
    }
    if !errors.is_empty() {
        return Err(AppError::InvalidInput(errors));
    }
    let enrolled = state.db.count_devices(caller.user.id).await?;
    let registered = registered_platforms(&state, &policy, caller.user.id, enrolled).await?;
    if let Some(rule) = policy.code_refusal(
        request.platform,
        request.ownership,
        request.management,
        enrolled,
        registered.contains(&request.platform),
    ) {
        return Err(AppError::refused(StatusCode::FORBIDDEN, "enrollment_restricted", rule));
    }
    terms::require_accepted(&*state.db, caller.user.id).await?;
    let now = state.clock.now();
    let code = new_code();
    let expires_at = now + CODE_LIFETIME;
    state
        .db
        .create_enrollment_code(EnrollmentCode {
            code_hash: hash_code(&code),
            user_id: caller.user.id,
            platform: request.platform,
            ownership: request.ownership,
            device_name: request.device_name.trim().into(),
            category: request.category.trim().into(),
            created_at: now,
            expires_at,
            used_at: None,
            management: request.management,
        })
        .await?;
    state
        .db
        .record_audit(
            AuditEvent::new(now, "enrollment_code_issued", "success")
                .actor(caller.user.id)
                .subject(format!(
                    "{} ({})",
                    request.device_name.trim(),
                    request.platform.as_str()
                ))
                .source(client.ip().to_string()),
        )
        .await?;
    let command = format!(
        "portal-agent {} --server {} --code {code} --platform {} --os-version VERSION --model MODEL",
        request.management.agent_verb(),
        state.public_url,
        request.platform.as_str()
    );
    Ok((
        StatusCode::CREATED,
        Json(EnrollmentCodeResponse {
            qr_svg: qr_svg(&code)?,
            code,
            expires_at: rfc3339(expires_at),
            command,
        }),
    ))
}

/// Enrolls a device: checks the code and the restrictions, signs a device
/// certificate from the CSR and creates the device object, all or nothing.
#[utoipa::path(post, path = "/api/v1/enroll", tag = "device", request_body = EnrollRequest,
    responses(
        (status = 201, body = EnrollResponse, description = "Enrolled: the device certificate and its CA"),
        (status = 422, body = ApiError, description = "Unknown code, bad CSR, unsupported key, wrong platform, or a field a rule refuses"),
        (status = 403, body = ApiError, description = "An enrollment restriction forbids this device"),
        (status = 409, body = ApiError, description = "The code was already used"),
        (status = 410, body = ApiError, description = "The code has expired"),
    ))]
async fn enroll(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    ApiJson(request): ApiJson<EnrollRequest>,
) -> Result<(StatusCode, Json<EnrollResponse>), AppError> {
    let errors = request.inventory.field_errors();
    if !errors.is_empty() {
        return Err(AppError::InvalidInput(errors));
    }
    let now = state.clock.now();
    let (code_hash, code, enrolled) = usable_code(&state, &request.code, request.platform, now).await?;
    if request.management != code.management {
        return Err(wrong_management(code.management));
    }
    let policy = state.policies.current();
    let refusal = policy
        .enrollment_refusal(code.platform, code.ownership, code.management, enrolled)
        .or_else(|| policy.os_refusal(code.platform, code.management, &request.inventory.os_version));
    if let Some(rule) = refusal {
        return Err(refused(&state, &code_hash, &code, client, rule).await);
    }

    let device_id = DeviceId(uuid::Uuid::new_v4());
    let issued = state.ca.issue(&request.csr_pem, device_id, now).map_err(|error| {
        let code = match error {
            CsrError::Malformed => "csr_invalid",
            CsrError::BadSignature => "csr_bad_signature",
            CsrError::UnsupportedKey => "key_unsupported",
        };
        AppError::refused(StatusCode::UNPROCESSABLE_ENTITY, code, error.to_string())
    })?;
    let compliance = policy.judge(code.platform, &request.inventory, true, now, None, now);
    let device = NewDevice {
        id: device_id,
        user_id: code.user_id,
        name: code.device_name.clone(),
        platform: code.platform,
        ownership: code.ownership,
        category: code.category.clone(),
        inventory: kept_inventory(code.ownership, request.inventory.clone()),
        compliance,
        enrolled_at: now,
        last_check_in: Some(now),
        management: code.management,
    };
    let certificate = NewCertificate {
        serial: issued.serial,
        subject: issued.subject,
        fingerprint_sha256: issued.fingerprint_sha256,
        public_key: issued.public_key,
        pem: issued.pem.clone(),
        issued_at: issued.issued_at,
        expires_at: issued.expires_at,
    };
    let audit = device_added(code.management, code.user_id, device_id, client, now);
    match state
        .db
        .enroll(
            &code_hash,
            policy.device_limit,
            device,
            certificate,
            audit,
            state.required_installs_expire_at(now),
        )
        .await?
    {
        EnrollOutcome::Enrolled => {}
        EnrollOutcome::CodeUnavailable => {
            return Err(code_used());
        }
        EnrollOutcome::LimitReached => {
            return Err(refused(&state, &code_hash, &code, client, policy.limit_reached()).await);
        }
        EnrollOutcome::NotRegistered => return Err(AppError::Internal(anyhow::anyhow!("a new device found managed"))),
    }
    Ok((
        StatusCode::CREATED,
        Json(EnrollResponse {
            device_id,
            certificate_pem: issued.pem,
            ca_certificate_pem: state.ca.certificate_pem().to_string(),
        }),
    ))
}

/// Enrolls a registered device with an enrollment code: the device keeps its
/// id and its certificate, and from now on the organisation manages it.
#[utoipa::path(post, path = "/api/v1/device/enrollment", tag = "device", request_body = EnrollRegisteredRequest,
    responses(
        (status = 204, description = "Enrolled: the device is managed from now on"),
        (status = 401, body = ApiError, description = "Unsigned, badly signed, replayed, stale, or a revoked certificate"),
        (status = 403, body = ApiError, description = "An enrollment restriction forbids this device"),
        (status = 409, body = ApiError, description = "The code was already used, or the device is enrolled already"),
        (status = 410, body = ApiError, description = "The code has expired"),
        (status = 422, body = ApiError, description = "Unknown code, a code for another platform or for registering, or a field a rule refuses"),
    ))]
async fn enroll_registered(
    State(state): State<AppState>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    request: SignedDevice<EnrollRegisteredRequest>,
) -> Result<StatusCode, AppError> {
    let (device, request) = (request.device, request.body);
    let errors = request.inventory.field_errors();
    if !errors.is_empty() {
        return Err(AppError::InvalidInput(errors));
    }
    if device.management == Management::Managed {
        return Err(already_managed());
    }
    let now = state.clock.now();
    let (code_hash, code, _) = usable_code(&state, &request.code, device.platform, now).await?;
    // Somebody else's code is no code for this device.
    if code.user_id != device.user_id {
        return Err(code_invalid());
    }
    if code.management != Management::Managed {
        return Err(wrong_management(code.management));
    }
    let policy = state.policies.current();
    let refusal = policy
        .admission_refusal(code.platform, code.ownership, Management::Managed)
        .or_else(|| policy.os_refusal(code.platform, Management::Managed, &request.inventory.os_version));
    if let Some(rule) = refusal {
        return Err(refused(&state, &code_hash, &code, client, rule).await);
    }
    let compliance = policy.judge(code.platform, &request.inventory, true, now, None, now);
    let enrolled = NewDevice {
        id: device.device_id,
        user_id: device.user_id,
        name: code.device_name.clone(),
        platform: code.platform,
        ownership: code.ownership,
        category: code.category.clone(),
        inventory: kept_inventory(code.ownership, request.inventory),
        compliance,
        enrolled_at: now,
        last_check_in: Some(now),
        management: Management::Managed,
    };
    let audit = device_added(Management::Managed, device.user_id, device.device_id, client, now);
    match state
        .db
        .enroll_registered(&code_hash, enrolled, audit, state.required_installs_expire_at(now))
        .await?
    {
        EnrollOutcome::Enrolled => Ok(StatusCode::NO_CONTENT),
        EnrollOutcome::CodeUnavailable => Err(code_used()),
        EnrollOutcome::NotRegistered => Err(already_managed()),
        // A registered device counts against the limit already.
        EnrollOutcome::LimitReached => Err(AppError::Internal(anyhow::anyhow!("no limit is checked here"))),
    }
}

/// A device a rule refuses, with a valid code: written down for the code's
/// owner and IT (once per code), and told why.
async fn refused(
    state: &AppState,
    code_hash: &str,
    code: &EnrollmentCode,
    client: SocketAddr,
    rule: String,
) -> AppError {
    let event = AuditEvent::refused(state.clock.now(), "enrollment_refused")
        .actor(code.user_id)
        .subject(format!("{} ({}): {rule}", code.device_name, code.platform.as_str()))
        .source(client.ip().to_string());
    // Per code, not per rule: the rule names the OS version the device
    // reports, which a device trying again could vary without end.
    match state.audit_refusal(&format!("enroll:{code_hash}"), event).await {
        Ok(()) => AppError::refused(StatusCode::FORBIDDEN, "enrollment_restricted", rule),
        Err(error) => error.into(),
    }
}

/// The code as typed, if it can still be used for a device of `platform`:
/// its hash, what it was issued for, and how many devices its owner has.
async fn usable_code(
    state: &AppState,
    typed: &str,
    platform: Platform,
    now: time::OffsetDateTime,
) -> Result<(String, EnrollmentCode, u32), AppError> {
    let code_hash = hash_code(typed);
    let (code, enrolled) = state.db.enrollment_code(&code_hash).await?.ok_or_else(code_invalid)?;
    if code.used_at.is_some() {
        return Err(code_used());
    }
    if now >= code.expires_at {
        return Err(AppError::refused(
            StatusCode::GONE,
            "code_expired",
            "This enrollment code has expired. Get a new one in the portal.",
        ));
    }
    if platform != code.platform {
        return Err(AppError::refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            "platform_mismatch",
            format!(
                "This code is for a {} device, not {}.",
                code.platform.label(),
                platform.label()
            ),
        ));
    }
    Ok((code_hash, code, enrolled))
}

/// The audit entry of a device its owner registered or enrolled.
fn device_added(
    management: Management,
    owner: UserId,
    device: DeviceId,
    client: SocketAddr,
    at: time::OffsetDateTime,
) -> AuditEvent {
    AuditEvent::new(at, added_action(management), "success")
        .actor(owner)
        .subject(device.to_string())
        .source(client.ip().to_string())
}

fn code_invalid() -> AppError {
    AppError::refused(
        StatusCode::UNPROCESSABLE_ENTITY,
        "code_invalid",
        "This enrollment code is not valid. Check it, or get a new one in the portal.",
    )
}

/// A code used with the other agent command than the one it was issued for.
fn wrong_management(issued_for: Management) -> AppError {
    let (verb, other) = match issued_for {
        Management::Registered => ("registering", "enroll"),
        Management::Managed => ("enrolling", "register"),
    };
    AppError::refused(
        StatusCode::UNPROCESSABLE_ENTITY,
        "management_mismatch",
        format!(
            "This code is for {verb} a device: run `portal-agent {}` with it, or get a code to {other} the device.",
            issued_for.agent_verb()
        ),
    )
}

fn already_managed() -> AppError {
    AppError::refused(
        StatusCode::CONFLICT,
        "already_managed",
        "This device is enrolled already.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_typable_and_hash_the_same_however_typed() {
        let code = new_code();
        assert_eq!(code.len(), 14);
        assert!(code.chars().all(|c| c == '-' || CODE_ALPHABET.contains(&(c as u8))));
        assert_eq!(hash_code(&code), hash_code(&code.to_lowercase().replace('-', " ")));
        assert_ne!(new_code(), code);
    }
}
