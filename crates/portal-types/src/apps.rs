//! The corporate app catalog, and apps installed on the user's devices.

use serde::{Deserialize, Serialize};

use crate::{DeviceId, FieldErrors, Platform, contrast};

/// The catalog's categories, in the order the portal lists them.
pub const CATEGORIES: [&str; 8] = [
    "Productivity",
    "Communication",
    "Security",
    "Developer tools",
    "Finance",
    "HR",
    "Design",
    "Utilities",
];

/// Most apps one catalog page holds.
pub const MAX_PER_PAGE: u32 = 100;

/// An app of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct App {
    /// A slug, e.g. `northwind-mail`; also the app's address in the portal.
    pub id: String,
    pub name: String,
    pub publisher: String,
    pub version: String,
    pub size_bytes: u64,
    pub description: String,
    pub category: String,
    pub platforms: Vec<Platform>,
    /// Shown first in the catalog.
    pub featured: bool,
    /// Installed on every enrolled device of a supported platform; never uninstalled by the user.
    pub required: bool,
    /// A web app: opened at this address rather than installed.
    #[serde(default)]
    pub web_url: Option<String>,
    /// The icon's background, `#rrggbb`; the icon shows the name's initials on it.
    pub icon_color: String,
}

impl App {
    pub fn supports(&self, platform: Platform) -> bool {
        self.platforms.contains(&platform)
    }
}

/// One page of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppsPage {
    pub apps: Vec<App>,
    /// Apps matching the query, over all pages.
    pub total: u32,
    pub page: u32,
    pub per_page: u32,
    /// What the organisation's plan leaves out of the catalog, said plainly
    /// (Office 365: web apps only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_offered: Option<String>,
}

/// How many devices an app marked required would be installed on now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequiredReach {
    pub devices: u64,
}

/// An app's page: the app, and where it stands on each of the caller's devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppDetail {
    pub app: App,
    pub installs: Vec<AppInstall>,
}

/// Pending → Installing → Installed, or Failed; Uninstalling on the way out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum InstallState {
    Pending,
    Installing,
    Installed,
    Failed,
    Uninstalling,
}

impl InstallState {
    pub const ALL: [InstallState; 5] = [
        InstallState::Pending,
        InstallState::Installing,
        InstallState::Installed,
        InstallState::Failed,
        InstallState::Uninstalling,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InstallState::Pending => "pending",
            InstallState::Installing => "installing",
            InstallState::Installed => "installed",
            InstallState::Failed => "failed",
            InstallState::Uninstalling => "uninstalling",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// A command for it is still on its way.
    pub fn is_in_progress(self) -> bool {
        matches!(
            self,
            InstallState::Pending | InstallState::Installing | InstallState::Uninstalling
        )
    }
}

/// A managed app on one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppInstall {
    pub device_id: DeviceId,
    pub app_id: String,
    pub app_name: String,
    pub icon_color: String,
    pub required: bool,
    pub state: InstallState,
    /// Why it failed, when it did.
    #[serde(default)]
    pub reason: Option<String>,
    /// RFC 3339.
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceAppsResponse {
    pub apps: Vec<AppInstall>,
}

/// What an administrator writes to add or edit an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppInput {
    pub name: String,
    pub publisher: String,
    pub version: String,
    #[serde(deserialize_with = "crate::whole_number")]
    pub size_bytes: u64,
    pub description: String,
    pub category: String,
    pub platforms: Vec<Platform>,
    #[serde(default)]
    pub featured: bool,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub web_url: Option<String>,
    pub icon_color: String,
}

impl AppInput {
    pub fn field_errors(&self) -> FieldErrors {
        let mut errors = FieldErrors::default();
        for (field, value, max) in [
            ("name", &self.name, 80),
            ("publisher", &self.publisher, 80),
            ("version", &self.version, 32),
            ("description", &self.description, 2000),
        ] {
            let value = value.trim();
            if value.is_empty() {
                errors.add(field, "required", "Fill this in.");
            } else if value.chars().count() > max {
                errors.add(field, "too_long", &format!("Use at most {max} characters."));
            }
        }
        // The app's address is made of them.
        if !self.name.chars().any(|c| c.is_ascii_alphanumeric()) && errors.get("name").is_none() {
            errors.add(
                "name",
                "app_name_characters",
                "Use at least one letter or digit from A to Z or 0 to 9.",
            );
        }
        if !CATEGORIES.contains(&self.category.as_str()) {
            errors.add(
                "category",
                "category_unknown",
                "Choose one of the catalog's categories.",
            );
        }
        if self.platforms.is_empty() {
            errors.add("platforms", "platforms_missing", "Choose at least one platform.");
        }
        if let Some(url) = &self.web_url
            && !url.starts_with("https://")
        {
            errors.add("web_url", "not_https", "Use an https:// address.");
        }
        match contrast::parse_hex(&self.icon_color) {
            None => errors.add("icon_color", "colour_invalid", "Use a colour like #1a73e8."),
            Some(rgb) => {
                let ratio = contrast::contrast_ratio(rgb, contrast::WHITE);
                if ratio < contrast::AA_TEXT {
                    // Tenths as whole numbers: float formatting would cost the wasm kilobytes.
                    let tenths = (ratio * 10.0) as u32;
                    errors.add(
                        "icon_color",
                        "colour_contrast",
                        &format!(
                            "The icon's white initials would be hard to read on this colour (contrast {}.{}:1, \
                             where 4.5:1 is needed). Choose a darker colour.",
                            tenths / 10,
                            tenths % 10
                        ),
                    );
                }
            }
        }
        errors
    }
}

/// An app the device reports as installed, at check-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ManagedApp {
    pub app_id: String,
    pub version: String,
}

/// What a device needs to install or uninstall an app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AppPackage {
    pub app_id: String,
    pub name: String,
    pub version: String,
}

/// The initials an app's icon shows: of the first two words. ASCII case
/// only: Unicode's case tables would cost the portal kilobytes.
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> AppInput {
        AppInput {
            name: "Northwind Mail".into(),
            publisher: "Northwind".into(),
            version: "1.0".into(),
            size_bytes: 1,
            description: "Mail.".into(),
            category: "Communication".into(),
            platforms: vec![Platform::Android],
            featured: false,
            required: false,
            web_url: None,
            icon_color: "#1a73e8".into(),
        }
    }

    #[test]
    fn app_input_checks_each_field() {
        assert!(input().field_errors().is_empty());
        let bad = AppInput {
            name: " ".into(),
            category: "Games".into(),
            platforms: vec![],
            web_url: Some("http://x".into()),
            icon_color: "blue".into(),
            ..input()
        };
        let fields: Vec<_> = bad.field_errors().0.into_iter().map(|e| e.field).collect();
        assert_eq!(fields, ["name", "category", "platforms", "web_url", "icon_color"]);
    }

    #[test]
    fn an_icon_colour_too_light_for_white_initials_is_refused() {
        let pale = AppInput {
            icon_color: "#e37400".into(),
            ..input()
        };
        let errors = pale.field_errors();
        assert_eq!(
            errors.get("icon_color"),
            Some(
                "The icon's white initials would be hard to read on this colour (contrast 3.1:1, where 4.5:1 is needed). Choose a darker colour."
            )
        );
        assert!(
            AppInput {
                icon_color: "#b06000".into(),
                ..input()
            }
            .field_errors()
            .is_empty()
        );
    }

    #[test]
    fn initials_of_the_first_two_words() {
        assert_eq!(initials("northwind mail app"), "NM");
        assert_eq!(initials("Ledger"), "L");
    }
}

#[cfg(test)]
mod whole_number_tests {
    use super::*;

    #[test]
    fn a_size_reads_as_a_whole_number_however_json_writes_it() {
        let read = |size: &str| {
            let json = format!(
                r##"{{"name":"A","publisher":"B","version":"1","size_bytes":{size},"description":"",
                    "category":"Productivity","platforms":[],"icon_color":"#007b83"}}"##
            );
            serde_json::from_str::<AppInput>(&json).map(|app| app.size_bytes)
        };
        assert_eq!(read("365").unwrap(), 365);
        assert_eq!(read("365.0").unwrap(), 365);
        assert!(read("365.5").is_err());
        assert!(read("-1").is_err());
    }
}
