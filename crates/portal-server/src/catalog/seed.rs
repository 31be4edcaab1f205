//! The catalog a new installation starts with: 64 apps of plainly fictional
//! publishers over every platform and category. Written once, into an empty
//! catalog; administrators change it from then on.

use portal_types::{AppInput, Platform};

/// Web apps run in any browser, on every platform.
const WEB: &str = "aiw8pmls";

/// (name, publisher, category, platforms, description); platforms as letters:
/// a Android, i iOS/iPadOS, w Windows 10/11, 8 Windows 8.1, p Windows Phone,
/// m macOS, l Linux.
const APPS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "Quillmark Docs",
        "Quillmark Software",
        "Productivity",
        "aiwm",
        "Write, edit and share documents with your team, online or offline.",
    ),
    (
        "Quillmark Sheets",
        "Quillmark Software",
        "Productivity",
        "aiwm",
        "Spreadsheets with shared workbooks, charts and version history.",
    ),
    (
        "Quillmark Slides",
        "Quillmark Software",
        "Productivity",
        "aiwm",
        "Build presentations together and present from any device.",
    ),
    (
        "Tallyho Notes",
        "Tallyho Labs",
        "Productivity",
        "aiwml",
        "Notebooks that sync across devices, with handwriting on tablets.",
    ),
    (
        "Brightpath Tasks",
        "Brightpath",
        "Productivity",
        "aiwm",
        "Personal and team task lists with due dates and reminders.",
    ),
    (
        "Orbit Drive",
        "Orbit Cloudworks",
        "Productivity",
        "aiw8ml",
        "Your work files in the company's cloud storage, synced to every device.",
    ),
    (
        "Pinecone PDF",
        "Pinecone Apps",
        "Productivity",
        "aiw8m",
        "Read, annotate and sign PDF documents.",
    ),
    (
        "Clockwise Timesheets",
        "Clockwise Labs",
        "Productivity",
        WEB,
        "Record the hours you work against projects.",
    ),
    (
        "Mapleleaf Whiteboard",
        "Mapleleaf Studio",
        "Productivity",
        "iwm",
        "An endless canvas for workshops and planning.",
    ),
    (
        "Fieldnote Forms",
        "Fieldnote",
        "Productivity",
        "ai",
        "Fill in inspection and site forms on your phone, even offline.",
    ),
    (
        "Harborline Mail",
        "Harborline",
        "Communication",
        "aiw8pm",
        "Company email and calendar, with focused inbox and shared mailboxes.",
    ),
    (
        "Harborline Calendar",
        "Harborline",
        "Communication",
        "aiwm",
        "Schedule meetings and book rooms; sees colleagues' free and busy times.",
    ),
    (
        "Chatterbox Messenger",
        "Chatterbox Inc.",
        "Communication",
        "aiwml",
        "Team channels, direct messages and file sharing.",
    ),
    (
        "Relay Meetings",
        "Relay Video",
        "Communication",
        "aiwml",
        "Video meetings with screen sharing, captions and recordings.",
    ),
    (
        "Switchboard Phone",
        "Switchboard Telecom",
        "Communication",
        "aiwm",
        "Your desk phone number on your computer and mobile.",
    ),
    (
        "Beacon Intranet",
        "Beacon Social",
        "Communication",
        WEB,
        "Company news, events and the people directory.",
    ),
    (
        "Lanternfish Translate",
        "Lanternfish AI",
        "Communication",
        "aiwm",
        "Translate text, documents and conversations in 60 languages.",
    ),
    (
        "Postmark Newsletters",
        "Postmark Media",
        "Communication",
        WEB,
        "Write and send internal newsletters with read statistics.",
    ),
    (
        "Keystone Authenticator",
        "Keystone Identity",
        "Security",
        "aip",
        "Approve sign-ins and generate one-time codes for your work account.",
    ),
    (
        "Bastion Endpoint Protection",
        "Bastion Security",
        "Security",
        "aiw8m",
        "Protects this device from malware and phishing, as company policy requires.",
    ),
    (
        "Sentry VPN",
        "Sentry Networks",
        "Security",
        "aiw8ml",
        "Connects to the company network securely from anywhere.",
    ),
    (
        "Vaultkeeper Passwords",
        "Vaultkeeper",
        "Security",
        "aiwml",
        "A password manager for work accounts, with shared team vaults.",
    ),
    (
        "Watchtower Phish Report",
        "Watchtower Labs",
        "Security",
        "w8m",
        "Report a suspicious email to the security team with one click.",
    ),
    (
        "Cipherlock Files",
        "Cipherlock",
        "Security",
        "aiwm",
        "Encrypt files and folders before you share them outside the company.",
    ),
    (
        "Gatekeeper Badge",
        "Gatekeeper Access",
        "Security",
        "ai",
        "Your office badge on your phone, for doors and printers.",
    ),
    (
        "Anvil Code",
        "Anvil Developer Tools",
        "Developer tools",
        "wml",
        "A code editor with debugging, Git and extensions.",
    ),
    (
        "Anvil Terminal",
        "Anvil Developer Tools",
        "Developer tools",
        "wml",
        "A fast terminal with tabs, panes and saved sessions.",
    ),
    (
        "Gitwhistle",
        "Whistle Software",
        "Developer tools",
        "wml",
        "A desktop client for Git repositories, reviews and merges.",
    ),
    (
        "Burrow Containers",
        "Burrow Systems",
        "Developer tools",
        "wml",
        "Run containers and local clusters on your workstation.",
    ),
    (
        "Querybird SQL",
        "Querybird",
        "Developer tools",
        "wml",
        "Explore and query databases with a visual editor.",
    ),
    (
        "Postal API Tester",
        "Postal Labs",
        "Developer tools",
        "wml",
        "Design, test and document HTTP APIs.",
    ),
    (
        "Trellis CI Monitor",
        "Trellis Build",
        "Developer tools",
        "aiwm",
        "Follow builds and deployments and get told when one fails.",
    ),
    (
        "Snapdragon Profiler Pro",
        "Snapwork",
        "Developer tools",
        "wl",
        "Find hot spots and memory leaks in native programs.",
    ),
    (
        "Keel Cloud Console",
        "Keel Cloud",
        "Developer tools",
        WEB,
        "Manage the company's cloud resources and their costs.",
    ),
    (
        "Ledgerly Expenses",
        "Ledgerly",
        "Finance",
        "aiwm",
        "Photograph receipts and submit expense reports in minutes.",
    ),
    (
        "Ledgerly Approvals",
        "Ledgerly",
        "Finance",
        "ai",
        "Approve expense reports and invoices on the go.",
    ),
    (
        "Abacus Budgets",
        "Abacus Finance",
        "Finance",
        WEB,
        "Plan and track departmental budgets.",
    ),
    (
        "Copperplate Invoices",
        "Copperplate",
        "Finance",
        "wm",
        "Create, send and track customer invoices.",
    ),
    (
        "Tollgate Travel",
        "Tollgate Travel",
        "Finance",
        "aiwm",
        "Book business trips within travel policy, with itineraries on your phone.",
    ),
    (
        "Mintleaf Payroll",
        "Mintleaf",
        "Finance",
        WEB,
        "Your payslips, tax forms and bank details.",
    ),
    (
        "Gridiron Forecasts",
        "Gridiron Analytics",
        "Finance",
        "wm",
        "Financial forecasting models with shared scenarios.",
    ),
    (
        "Peoplehub",
        "Peoplehub HR",
        "HR",
        WEB,
        "Your profile, time off, benefits and the org chart.",
    ),
    (
        "Peoplehub Mobile",
        "Peoplehub HR",
        "HR",
        "ai",
        "Request time off and see your team's calendar from your phone.",
    ),
    (
        "Sprout Learning",
        "Sprout Academy",
        "HR",
        "aiwm",
        "Courses and certifications, with required trainings tracked.",
    ),
    (
        "Kudos Board",
        "Kudos Works",
        "HR",
        WEB,
        "Thank colleagues publicly and celebrate milestones.",
    ),
    (
        "Compass Onboarding",
        "Compass People",
        "HR",
        "aiw",
        "Your first weeks: checklists, introductions and paperwork.",
    ),
    (
        "Wellspring Benefits",
        "Wellspring",
        "HR",
        "ai",
        "Health plan cards, claims and wellness programmes.",
    ),
    (
        "Deskbook",
        "Deskbook Spaces",
        "HR",
        "aiwm",
        "Book a desk, parking space or locker for your office days.",
    ),
    (
        "Prism Design",
        "Prism Creative",
        "Design",
        "wm",
        "Vector design for interfaces, illustrations and print.",
    ),
    (
        "Prism Photo",
        "Prism Creative",
        "Design",
        "wm",
        "Photo editing with layers, masks and raw development.",
    ),
    (
        "Wireframe Sketchbook",
        "Sketchbook Co.",
        "Design",
        "iwm",
        "Sketch screens and flows, then share clickable prototypes.",
    ),
    (
        "Palette Brand Kit",
        "Palette",
        "Design",
        WEB,
        "The company's logos, colours, fonts and templates.",
    ),
    (
        "Reel Video Editor",
        "Reel Media",
        "Design",
        "wm",
        "Edit training videos and product demos.",
    ),
    (
        "Iconforge",
        "Forge Studio",
        "Design",
        "wml",
        "Design and export icon sets for every platform.",
    ),
    (
        "Zipline Archiver",
        "Zipline Utilities",
        "Utilities",
        "w8ml",
        "Open and create zip, 7z and tar archives.",
    ),
    (
        "Printhub",
        "Printhub",
        "Utilities",
        "aiw8m",
        "Send documents to the office printers from any device.",
    ),
    (
        "Snapframe Screenshots",
        "Snapframe",
        "Utilities",
        "wm",
        "Capture, annotate and share screenshots and screen recordings.",
    ),
    (
        "Remote Assist",
        "Helpline Software",
        "Utilities",
        "aiwm",
        "Let the help desk see your screen to fix a problem with you.",
    ),
    (
        "Scanly",
        "Scanly",
        "Utilities",
        "aip",
        "Scan paper documents to searchable PDF with your camera.",
    ),
    (
        "Clipboard Sync",
        "Tallyho Labs",
        "Utilities",
        "aiwm",
        "Copy on one device, paste on another.",
    ),
    (
        "Wayfinder Maps",
        "Wayfinder",
        "Utilities",
        "aip",
        "Floor plans of the company's offices, with room finder.",
    ),
    (
        "Battery Doctor Enterprise",
        "Voltage Apps",
        "Utilities",
        "a8p",
        "Shows what drains your battery and how to make it last.",
    ),
    (
        "Fontbook Manager",
        "Type Foundry Co.",
        "Utilities",
        "w8m",
        "Install and manage the company's licensed fonts.",
    ),
    (
        "Service Desk",
        "Helpline Software",
        "Utilities",
        WEB,
        "Raise a ticket with IT and follow its progress.",
    ),
];

const FEATURED: [&str; 6] = [
    "chatterbox-messenger",
    "harborline-mail",
    "ledgerly-expenses",
    "relay-meetings",
    "sprout-learning",
    "vaultkeeper-passwords",
];

/// Installed on every enrolled device the app supports.
const REQUIRED: [&str; 2] = ["keystone-authenticator", "bastion-endpoint-protection"];

const COLORS: [&str; 8] = [
    "#1a73e8", "#0b8043", "#d93025", "#8430ce", "#b06000", "#007b83", "#c5221f", "#3c4043",
];

/// `Quillmark Docs` → `quillmark-docs`.
pub fn slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// The seed, each app with its id.
pub fn apps() -> Vec<(String, AppInput)> {
    APPS.iter()
        .enumerate()
        .map(|(i, &(name, publisher, category, platforms, description))| {
            let id = slug(name);
            let web = platforms == WEB;
            let input = AppInput {
                name: name.into(),
                publisher: publisher.into(),
                version: format!("{}.{}.{}", 1 + i % 7, (i * 3) % 10, (i * 7) % 13),
                size_bytes: if web {
                    0
                } else {
                    (12 + (i as u64 * 37) % 480) * 1_048_576
                },
                description: description.into(),
                category: category.into(),
                platforms: platforms.chars().filter_map(platform).collect(),
                featured: FEATURED.contains(&id.as_str()),
                required: REQUIRED.contains(&id.as_str()),
                web_url: web.then(|| format!("https://{id}.example.com/")),
                icon_color: COLORS[i % COLORS.len()].into(),
            };
            (id, input)
        })
        .collect()
}

fn platform(letter: char) -> Option<Platform> {
    Some(match letter {
        'a' => Platform::Android,
        'i' => Platform::Ios,
        'w' => Platform::Windows,
        '8' => Platform::Windows81,
        'p' => Platform::WindowsPhone,
        'm' => Platform::Macos,
        'l' => Platform::Linux,
        's' => Platform::WindowsServer,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use portal_types::apps::CATEGORIES;

    use super::*;

    #[test]
    fn the_seed_is_valid_and_covers_every_platform_and_category() {
        let apps = apps();
        assert!(apps.len() >= 60);
        let ids: HashSet<_> = apps.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids.len(), apps.len(), "ids are unique");
        for (id, app) in &apps {
            assert!(app.field_errors().is_empty(), "{id}: {:?}", app.field_errors());
        }
        for platform in Platform::ALL {
            assert!(
                apps.iter().any(|(_, a)| a.platforms.contains(&platform)),
                "{platform:?}"
            );
        }
        for category in CATEGORIES {
            assert!(
                apps.iter().filter(|(_, a)| a.category == category).count() >= 5,
                "{category}"
            );
        }
        for id in FEATURED.iter().chain(&REQUIRED) {
            assert!(ids.contains(id), "{id} is in the seed");
        }
    }

    #[test]
    fn slugs_are_lowercase_words_joined_by_hyphens() {
        assert_eq!(slug("Quillmark Docs"), "quillmark-docs");
        assert_eq!(slug("Chatterbox Inc. Messenger!"), "chatterbox-inc-messenger");
    }
}
