//! What the branding's settings may be, field by field, in words an
//! administrator can act on.

use portal_types::{BrandingSettings, FieldErrors};

use super::palette;

const MAX_ORGANISATION: usize = 60;
const MAX_NOTE: usize = 500;

/// An https:// address with a host.
fn is_https(address: &str) -> bool {
    url::Url::parse(address).is_ok_and(|url| url.scheme() == "https" && url.host_str().is_some_and(|h| !h.is_empty()))
        && address.len() <= 500
}

fn too_long(text: &str, max: usize) -> bool {
    text.chars().count() > max
}

/// What is wrong with `settings`, field by field (`help_desk.email`, ...).
pub fn errors(settings: &BrandingSettings) -> FieldErrors {
    let mut errors = FieldErrors::default();
    let organisation = settings.organisation.trim();
    if too_long(organisation, MAX_ORGANISATION) || organisation.chars().any(char::is_control) {
        errors.add(
            "organisation",
            "too_long",
            &format!("Use at most {MAX_ORGANISATION} characters, on one line."),
        );
    }
    if let Some(why) = palette::refusal(settings.color.trim()) {
        errors.add("color", "colour_invalid", &why);
    }
    if settings
        .privacy_url
        .as_deref()
        .is_some_and(|u| !u.trim().is_empty() && !is_https(u.trim()))
    {
        errors.add(
            "privacy_url",
            "not_https",
            "The privacy statement's address must start with https://, for example https://example.com/privacy.",
        );
    }
    let desk = &settings.help_desk;
    let name = desk.name.trim();
    if name.is_empty() || too_long(name, 80) {
        errors.add(
            "help_desk.name",
            "help_desk_name_invalid",
            "Name the help desk, in at most 80 characters.",
        );
    }
    fn filled(field: &Option<String>) -> Option<&str> {
        field.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
    if let Some(phone) = filled(&desk.phone)
        && (too_long(phone, 40)
            || !phone.chars().any(|c| c.is_ascii_digit())
            || !phone.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)))
    {
        errors.add(
            "help_desk.phone",
            "phone_invalid",
            "Write a phone number with digits, spaces and + - ( ) only.",
        );
    }
    if let Some(email) = filled(&desk.email)
        && (too_long(email, 254)
            || email.contains(char::is_whitespace)
            || !email
                .split_once('@')
                .is_some_and(|(user, host)| !user.is_empty() && host.contains('.')))
    {
        errors.add(
            "help_desk.email",
            "email_invalid",
            "Write an email address, for example help@example.com.",
        );
    }
    if filled(&desk.website).is_some_and(|w| !is_https(w)) {
        errors.add(
            "help_desk.website",
            "not_https",
            "The help desk's website must start with https://.",
        );
    }
    if filled(&desk.note).is_some_and(|n| too_long(n, MAX_NOTE)) {
        errors.add(
            "help_desk.note",
            "too_long",
            &format!("Use at most {MAX_NOTE} characters."),
        );
    }
    errors
}

/// `settings` as stored: trimmed, empty optional fields as none.
pub fn tidied(settings: &BrandingSettings) -> BrandingSettings {
    let optional = |field: &Option<String>| -> Option<String> {
        field
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let desk = &settings.help_desk;
    BrandingSettings {
        organisation: settings.organisation.trim().into(),
        color: settings.color.trim().to_ascii_lowercase(),
        privacy_url: optional(&settings.privacy_url),
        help_desk: portal_types::HelpDesk {
            name: desk.name.trim().into(),
            phone: optional(&desk.phone),
            email: optional(&desk.email),
            website: optional(&desk.website),
            note: optional(&desk.note),
        },
    }
}
