use serde::{Deserialize, Serialize};

use crate::{FieldErrors, UserId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInRequest {
    pub email: String,
    pub password: String,
    /// The authenticator app's code or a recovery code, for users who have a
    /// second factor; the server asks for it (`second_factor_required`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl SignInRequest {
    /// The checks both sides make before a sign-in is attempted, so the portal
    /// can say what is wrong without a round trip and the server says the same.
    pub fn field_errors(&self) -> FieldErrors {
        let mut errors = FieldErrors::default();
        let email = self.email.trim();
        if email.is_empty() {
            errors.add("email", "email_missing", "Enter your email address.");
        } else if !looks_like_email(email) {
            errors.add(
                "email",
                "email_invalid",
                "Enter an email address like name@example.com.",
            );
        }
        if self.password.is_empty() {
            errors.add("password", "password_missing", "Enter your password.");
        }
        errors
    }
}

/// A plain shape check (something@domain.tld); the directory decides the rest.
fn looks_like_email(email: &str) -> bool {
    if email.len() > 254 || email.chars().any(char::is_whitespace) {
        return false;
    }
    match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.split('.').count() >= 2
                && domain.split('.').all(|label| !label.is_empty())
        }
        None => false,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Employee,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Employee => "employee",
            Role::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        [Role::Employee, Role::Admin].into_iter().find(|r| r.as_str() == value)
    }
}

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeResponse {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

/// The password (and second factor, where the user has one) entered again:
/// to re-authenticate before a destructive action, or to turn the second factor off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasswordConfirmation {
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// The Security page's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecurityResponse {
    pub totp_enabled: bool,
    pub recovery_codes_left: u32,
    /// Whether passkeys work at the address the portal is served from.
    #[serde(default)]
    pub passkeys_offered: bool,
    #[serde(default)]
    pub passkeys: Vec<PasskeySummary>,
}

/// One of the user's passkeys, as the Security page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PasskeySummary {
    pub id: uuid::Uuid,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// The longest name a passkey may be given.
pub const PASSKEY_NAME_MAX: usize = 60;

/// What is wrong with a passkey's name, if anything.
pub fn passkey_name_error(name: &str) -> Option<(&'static str, &'static str)> {
    let name = name.trim();
    if name.is_empty() {
        Some(("passkey_name_missing", "Name the passkey, e.g. Work laptop."))
    } else if name.chars().count() > PASSKEY_NAME_MAX {
        Some(("passkey_name_too_long", "Use at most 60 characters."))
    } else if name.chars().any(char::is_control) {
        Some((
            "passkey_name_characters",
            "Use letters, digits, spaces and punctuation only.",
        ))
    } else {
        None
    }
}

/// A new authenticator secret, not yet in force until confirmed with a code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpSetupResponse {
    /// Base32, for typing into the app.
    pub secret: String,
    pub otpauth_uri: String,
    /// The `otpauth_uri` as a QR code, an SVG document.
    pub qr_svg: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TotpConfirmRequest {
    pub code: String,
}

/// Ten one-time recovery codes, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecoveryCodesResponse {
    pub recovery_codes: Vec<String>,
}

/// Who is signed in on this browser, if anyone: what the portal asks first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionResponse {
    pub user: Option<MeResponse>,
    /// The browser had a session and it timed out.
    #[serde(default)]
    pub expired: bool,
    /// The organisation's name as its branding gives it, for the header and
    /// the page titles; none: "Company Portal" alone.
    #[serde(default)]
    pub organisation: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(email: &str, password: &str) -> SignInRequest {
        SignInRequest {
            email: email.into(),
            password: password.into(),
            code: None,
        }
    }

    #[test]
    fn accepts_a_plain_address_and_password() {
        assert!(request("ada@example.com", "pw").field_errors().is_empty());
        assert!(request("  ada@example.com ", "pw").field_errors().is_empty());
    }

    #[test]
    fn names_each_missing_field() {
        let errors = request("", "").field_errors();
        assert_eq!(errors.get("email"), Some("Enter your email address."));
        assert_eq!(errors.get("password"), Some("Enter your password."));
    }

    #[test]
    fn refuses_addresses_without_a_domain() {
        for bad in [
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "ada@@example.com",
            "a da@example.com",
            "ada@example..com",
        ] {
            assert!(
                request(bad, "pw").field_errors().get("email").is_some(),
                "{bad} accepted"
            );
        }
    }
}
