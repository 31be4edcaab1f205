//! The portal's message catalogs, served per language (see
//! `portal_types::messages`): `/locales/index.json` lists the languages,
//! each named in itself, and `/locales/<tag>.json` is a language's messages
//! in the order of the English keys, with those keys' digest, and its
//! sentences for the server's error codes by code. English is built into
//! the portal, so it is listed but has no file.

use std::{collections::BTreeMap, sync::LazyLock};

use axum::{
    Router,
    extract::Path,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
};
use portal_types::{
    ComplianceReason,
    messages::{fill, is_error_key, is_portal_message, keys_digest, placeholders},
};

use crate::http::revalidated::Encoded;

/// Every catalog: its tag and its file, English first.
pub const SOURCES: [(&str, &str); 2] = [
    ("en", include_str!("../../../../locales/en.json")),
    ("de", include_str!("../../../../locales/de.json")),
];

/// A catalog as written: key to text.
pub type Catalog = BTreeMap<String, String>;

pub fn parse(source: &str) -> Catalog {
    serde_json::from_str(source).expect("a catalog is a flat object of strings")
}

/// What is wrong with `catalog` against the English one: keys missing,
/// keys English does not have, and texts whose placeholders differ.
pub fn problems(english: &Catalog, catalog: &Catalog) -> Vec<String> {
    let missing = english
        .keys()
        .filter(|k| !catalog.contains_key(*k))
        .map(|k| format!("missing {k}"));
    let extra = catalog
        .keys()
        .filter(|k| !english.contains_key(*k))
        .map(|k| format!("not in English: {k}"));
    let placeholders = english.iter().filter_map(|(key, text)| {
        let theirs = catalog.get(key)?;
        let (mut ours, mut theirs) = (placeholders(text), placeholders(theirs));
        ours.sort_unstable();
        theirs.sort_unstable();
        (ours != theirs).then(|| format!("placeholders differ in {key}"))
    });
    missing.chain(extra).chain(placeholders).collect()
}

struct Served {
    index: Encoded,
    /// Each language but English: its messages in the English keys' order.
    files: BTreeMap<&'static str, Encoded>,
}

static SERVED: LazyLock<Served> = LazyLock::new(|| {
    let english = &CATALOGS[0].1;
    let messages: Vec<_> = english.iter().filter(|(key, _)| is_portal_message(key)).collect();
    let errors: Vec<_> = english.iter().filter(|(key, _)| is_error_key(key)).collect();
    let digest = keys_digest(messages.iter().map(|(key, _)| key.as_str()));
    let mut index = Vec::new();
    let mut files = BTreeMap::new();
    for (tag, catalog) in CATALOGS.iter() {
        let tag = *tag;
        let name = catalog.get("language.name").cloned().unwrap_or_else(|| tag.to_string());
        index.push((tag, name));
        if tag != "en" {
            // A message not yet translated shows in English; an error code
            // not yet translated, the server's own sentence.
            let texts: Vec<&String> = messages
                .iter()
                .map(|(key, text)| catalog.get(*key).unwrap_or(text))
                .collect();
            let errors: BTreeMap<&str, &String> = errors
                .iter()
                .filter_map(|(key, _)| Some((key.strip_prefix("error.")?, catalog.get(*key)?)))
                .collect();
            let file = serde_json::json!({ "tag": tag, "digest": digest, "texts": texts, "errors": errors });
            files.insert(tag, Encoded::new(serde_json::to_vec(&file).expect("strings")));
        }
    }
    Served {
        index: Encoded::new(serde_json::to_vec(&index).expect("strings")),
        files,
    }
});

/// Every catalog, parsed once: the server's own pages take their words
/// from them too.
static CATALOGS: LazyLock<Vec<(&'static str, Catalog)>> =
    LazyLock::new(|| SOURCES.iter().map(|(tag, source)| (*tag, parse(source))).collect());

/// The words of one language, for the pages the server writes itself (the
/// gateway's): a message it lacks is said in English.
#[derive(Clone, Copy)]
pub struct Words {
    pub tag: &'static str,
    catalog: &'static Catalog,
}

/// The catalog for a language tag (`de`, `de-AT`, `DE`), by its primary subtag.
fn find(tag: &str) -> Option<&'static (&'static str, Catalog)> {
    let primary = tag.split('-').next().unwrap_or_default().trim();
    CATALOGS.iter().find(|(known, _)| known.eq_ignore_ascii_case(primary))
}

/// The words of `tag`, or English's where there is no such catalog.
pub fn words(tag: &str) -> Words {
    let (tag, catalog) = find(tag).unwrap_or(&CATALOGS[0]);
    Words { tag, catalog }
}

impl Words {
    /// The message `key` with its `{name}` placeholders filled in.
    pub fn say(&self, key: &str, values: &[(&str, &str)]) -> String {
        let text = self
            .catalog
            .get(key)
            .or_else(|| CATALOGS[0].1.get(key))
            .map_or(key, String::as_str);
        fill(text, values)
    }

    /// A failed compliance rule's problem and fix in these words, as the
    /// portal says them; the server's own English for a rule, or figures,
    /// the catalogs do not know.
    pub fn compliance_reason(&self, reason: &ComplianceReason) -> (String, String) {
        let keys = [
            format!("server.{}_problem", reason.rule),
            format!("server.{}_fix", reason.rule),
        ];
        match reason.figures() {
            Some(figures) if self.tag != "en" && keys.iter().all(|key| CATALOGS[0].1.contains_key(key)) => {
                (self.say(&keys[0], &figures), self.say(&keys[1], &figures))
            }
            _ => (reason.problem.clone(), reason.fix.clone()),
        }
    }
}

/// The cookie `web-app/language.js` keeps the Language choice in, beside
/// its own storage, so that pages the server writes speak it too.
pub const CHOICE_COOKIE: &str = "portal_language";

/// The language to write a page in for this request, as `language.js` picks
/// it: the one chosen under Language, else the first of the browser's
/// (`Accept-Language`, by weight) that has a catalog, else English.
pub fn preferred(headers: &HeaderMap) -> &'static str {
    let known = |tag: &str| find(tag).map(|(tag, _)| *tag);
    if let Some(chosen) = crate::identity::session::cookie_value(headers, CHOICE_COOKIE).and_then(known) {
        return chosen;
    }
    let mut weighted: Vec<(&str, f32)> = crate::http::weighted::weighted(headers, &axum::http::header::ACCEPT_LANGUAGE)
        .filter(|(_, weight)| *weight > 0.0)
        .collect();
    // Stable: equal weights keep the browser's order.
    weighted.sort_by(|a, b| b.1.total_cmp(&a.1));
    weighted.into_iter().find_map(|(tag, _)| known(tag)).unwrap_or("en")
}

/// The catalogs' type; each is sent compressed as the browser takes it, as
/// a language's catalog comes with the first load, beside the wasm.
const JSON: &str = "application/json";

pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/locales/index.json", get(index))
        .route("/locales/{file}", get(catalog))
}

async fn index(headers: HeaderMap) -> Response {
    SERVED.index.response(&headers, JSON)
}

/// `de.json`. Asked for again at each start (`no-cache`), answered 304
/// while the browser holds the same messages.
async fn catalog(Path(file): Path<String>, headers: HeaderMap) -> Response {
    match file.strip_suffix(".json").and_then(|tag| SERVED.files.get(tag)) {
        Some(file) => file.response(&headers, JSON),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use std::{fs, path::Path};

    use axum::http::{HeaderValue, header};

    use super::*;

    #[test]
    fn a_page_is_written_in_the_chosen_language_else_the_browsers() {
        let request = |pairs: &[(&str, &str)]| {
            let mut headers = HeaderMap::new();
            for (name, value) in pairs {
                headers.insert(
                    axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    value.parse().unwrap(),
                );
            }
            preferred(&headers)
        };
        assert_eq!(request(&[]), "en");
        assert_eq!(request(&[("accept-language", "de-AT,de;q=0.9,en;q=0.8")]), "de");
        // By weight, not by order; a language without a catalog is passed over.
        assert_eq!(request(&[("accept-language", "en;q=0.5, fr-CA, de-DE;q=0.7")]), "de");
        assert_eq!(request(&[("accept-language", "fr, en-GB;q=0.9, de;q=0.8")]), "en");
        assert_eq!(request(&[("accept-language", "de;q=0, en")]), "en");
        // Language, once chosen, wins over the browser.
        assert_eq!(
            request(&[("accept-language", "de"), ("cookie", "a=b; portal_language=en")]),
            "en"
        );
        assert_eq!(
            request(&[("accept-language", "en"), ("cookie", "portal_language=de")]),
            "de"
        );
        assert_eq!(
            request(&[("accept-language", "de"), ("cookie", "portal_language=xx")]),
            "de"
        );
    }

    #[test]
    fn a_catalog_is_compressed_as_the_browser_takes_it() {
        use std::io::Read;
        let file = &SERVED.files["de"];
        let [(_, br_tag, br), (_, gzip_tag, gzip)] = &file.encoded;
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&gzip[..]).read_to_end(&mut plain).unwrap();
        assert_eq!(plain, file.body);
        let mut plain = Vec::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, file.body);
        assert!(gzip.len() * 2 < file.body.len(), "gzip halves it at least");
        assert!(br.len() < gzip.len(), "brotli smaller still");
        let mut headers = HeaderMap::new();
        let answer = |headers: &HeaderMap| {
            let answer = file.response(headers, JSON);
            assert_eq!(answer.headers()[header::VARY], "accept-encoding");
            let encoding = answer
                .headers()
                .get(header::CONTENT_ENCODING)
                .map(|v| v.to_str().unwrap().to_string());
            (encoding, answer.headers()[header::ETAG].to_str().unwrap().to_string())
        };
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip, deflate, br"));
        assert_eq!(answer(&headers), (Some("br".into()), br_tag.clone()));
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip, br;q=0"));
        assert_eq!(answer(&headers), (Some("gzip".into()), gzip_tag.clone()));
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static("gzip;q=0, identity"));
        assert_eq!(answer(&headers), (None, file.etag.clone()));
    }

    #[test]
    fn error_codes_travel_by_code_apart_from_the_messages() {
        let german: serde_json::Value = serde_json::from_slice(&SERVED.files["de"].body).unwrap();
        let (english, catalog) = (parse(SOURCES[0].1), parse(SOURCES[1].1));
        assert_eq!(
            german["errors"]["not_found"].as_str(),
            catalog.get("error.not_found").map(String::as_str)
        );
        let messages = english.keys().filter(|key| is_portal_message(key));
        assert_eq!(german["texts"].as_array().unwrap().len(), messages.count());
        assert_eq!(german["texts"][0].as_str(), catalog.values().next().map(String::as_str));
    }

    #[test]
    fn every_catalog_has_the_english_keys_and_placeholders() {
        let english = parse(SOURCES[0].1);
        for (tag, source) in &SOURCES[1..] {
            assert_eq!(problems(&english, &parse(source)), Vec::<String>::new(), "{tag}");
        }
    }

    #[test]
    fn the_check_finds_what_a_catalog_lacks() {
        let english = parse(r#"{"a.one": "One {n}", "a.two": "Two"}"#);
        let other = parse(r#"{"a.one": "Eins", "a.three": "Drei"}"#);
        assert_eq!(
            problems(&english, &other),
            [
                "missing a.two",
                "not in English: a.three",
                "placeholders differ in a.one"
            ]
        );
    }

    /// Each English key is used by the portal: a source file names it as
    /// `section::NAME` (or through `section as alias`), or Sign in's plain
    /// page as `{{section.name}}`; an `error.<code>` is also used when the
    /// server (or the passkey module) answers with that code.
    #[test]
    fn every_message_is_used_by_the_portal() {
        let sources = rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../src"));
        assert!(sources.len() > 20, "the portal's sources are where they were");
        // The server's codes, those of the rules it shares with the portal,
        // and the passkey module's own.
        let mut server = rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
        server.extend(rust_files(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../portal-types/src"),
        ));
        server.push(
            fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../js/passkey.js"))
                .expect("the passkey module"),
        );
        // Sign in as painted before the portal starts, once per language.
        let first_paint =
            fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../src/pages/sign_in.html"))
                .expect("Sign in's plain page");
        let unused: Vec<String> = parse(SOURCES[0].1)
            .into_keys()
            .filter(|key| {
                let (section, name) = key.split_once('.').expect("section.name");
                let constant = format!("::{}", name.to_uppercase());
                let sent = section == "error" && server.iter().any(|source| source.contains(&format!("\"{name}\"")));
                let painted = first_paint.contains(&format!("{{{{{key}}}}}"));
                // The server's own pages say it by its key.
                let spoken = server.iter().any(|source| said(source).any(|said| said == key));
                !sent
                    && !painted
                    && !spoken
                    && !sources.iter().any(|source| {
                        names(source, section).iter().any(|name| {
                            let path = format!("{name}{constant}");
                            source.match_indices(&path).any(|(at, _)| {
                                let before = source[..at].chars().next_back();
                                let after = source[at + path.len()..].chars().next();
                                [before, after]
                                    .iter()
                                    .all(|c| !c.is_some_and(|c| c == '_' || c.is_alphanumeric()))
                            })
                        })
                    })
            })
            .collect();
        assert_eq!(unused, Vec::<String>::new(), "keys no portal source uses");
    }

    /// Each message the server's own pages say is in the catalogs.
    #[test]
    fn every_message_the_server_says_is_in_the_catalogs() {
        let english = parse(SOURCES[0].1);
        let server = rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
        let keys: Vec<&str> = server.iter().flat_map(|source| said(source)).collect();
        assert!(keys.len() > 20, "the gateway's pages say their words: {keys:?}");
        let unknown: Vec<&&str> = keys.iter().filter(|key| !english.contains_key(**key)).collect();
        assert!(unknown.is_empty(), "not in the catalogs: {unknown:?}");
        // A failed rule the portal and the gateway say in the reader's words.
        let reason = ComplianceReason {
            rule: "os_version".into(),
            problem: "Android 12 is older than the required 13.".into(),
            fix: "Install the latest Android update from the device's settings.".into(),
            values: vec!["Android".into(), "12".into(), "13".into()],
        };
        let (problem, _) = words("de").compliance_reason(&reason);
        assert_eq!(problem, "Android 12 ist älter als die geforderte Version 13.");
        assert_eq!(words("en").compliance_reason(&reason).0, reason.problem);
        let judged_before = ComplianceReason {
            values: Vec::new(),
            ..reason.clone()
        };
        assert_eq!(words("de").compliance_reason(&judged_before).0, reason.problem);
    }

    /// The keys `source` says (`words.say("gateway.sign_in", …)`, the key
    /// on the call's line or the next).
    fn said(source: &str) -> impl Iterator<Item = &str> {
        source
            .split("say(")
            .skip(1)
            .filter_map(|rest| rest.trim_start().strip_prefix('"')?.split_once('"').map(|(key, _)| key))
            .filter(|key| {
                key.split_once('.')
                    .is_some_and(|(section, name)| !section.is_empty() && !name.is_empty())
            })
            .filter(|key| key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'.'))
    }

    /// What `source` calls `section`: its name, and any `section as alias`.
    fn names(source: &str, section: &str) -> Vec<String> {
        let aliased = format!("{section} as ");
        std::iter::once(section.to_string())
            .chain(source.match_indices(&aliased).filter_map(|(at, _)| {
                let alias: String = source[at + aliased.len()..]
                    .chars()
                    .take_while(|c| *c == '_' || c.is_alphanumeric())
                    .collect();
                (!alias.is_empty()).then_some(alias)
            }))
            .collect()
    }

    fn rust_files(dir: &Path) -> Vec<String> {
        let mut found = Vec::new();
        for entry in fs::read_dir(dir).expect("a source folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(rust_files(&path));
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(fs::read_to_string(&path).expect("a source file"));
            }
        }
        found
    }
}
