//! Turns the English catalog (`locales/en.json`) into constants, one per
//! message: `msg::sign_in::HEADING` is `Msg(index, "Sign in")`. The index is
//! the key's place in sorted order among the portal's messages, which is
//! how the server lays out every other language's catalog; see
//! `portal_types::messages`.

use std::{collections::BTreeMap, env, fmt::Write, fs, path::Path};

use portal_types::messages::{is_portal_message, keys_digest};

fn main() {
    let source = "locales/en.json";
    println!("cargo:rerun-if-changed={source}");
    let text = fs::read_to_string(source).expect("locales/en.json");
    let catalog: BTreeMap<String, String> =
        serde_json::from_str(&text).expect("locales/en.json: a flat object of strings");

    // Only the portal's messages take a place, and count in the digest: the
    // server's error codes are looked up by code, and the gateway's words
    // are the server's alone (`portal_types::messages`).
    let messages: Vec<(&String, &String)> = catalog.iter().filter(|(key, _)| is_portal_message(key)).collect();
    let digest = keys_digest(messages.iter().map(|(key, _)| key.as_str()));
    let mut out = format!(
        "/// The digest of the English keys: see `portal_types::messages`.\npub const KEYS_DIGEST: &str = \"{digest}\";\n"
    );
    let mut sections: BTreeMap<&str, Vec<(usize, &str, &str)>> = BTreeMap::new();
    for (index, (key, english)) in messages.into_iter().enumerate() {
        let (section, name) = key
            .split_once('.')
            .unwrap_or_else(|| panic!("{key}: keys are `section.name`"));
        assert!(
            [section, name].iter().all(|part| !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')),
            "{key}: keys are lower-case `section.name`"
        );
        sections.entry(section).or_default().push((index, name, english));
    }
    for (section, messages) in &sections {
        writeln!(out, "pub mod {section} {{\n    use crate::i18n::Msg;").unwrap();
        for (index, name, english) in messages {
            // What the server words itself (`server`) has the server's
            // sentence as its English: not built in twice.
            let english = if *section == "server" { "" } else { english };
            writeln!(
                out,
                "    pub const {}: Msg = Msg({index}, {english:?});",
                name.to_uppercase()
            )
            .unwrap();
        }
        out.push_str("}\n");
    }
    fs::write(Path::new(&env::var("OUT_DIR").unwrap()).join("messages.rs"), out).unwrap();
}
