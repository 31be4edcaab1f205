//! The portal's words live in message catalogs, one per language
//! (`locales/<tag>.json`, flat `"section.name": "text"` objects). English is
//! built into each bundle; any other language is served by the server as an
//! array in the order of the English keys, so that the wasm carries no key
//! names, with the digest of those keys: a bundle and a server built from
//! different catalogs never mix them up. Two sections stand apart, with no
//! place in that array nor in the digest: the server's error codes
//! (`error.<code>`), sent as an object by code, as the portal meets them by
//! code; and the words of the pages the server writes itself (`gateway.*`),
//! which the portal never shows.

/// Whether `key` is the sentence for a server error's code (`error.<code>`).
pub fn is_error_key(key: &str) -> bool {
    key.starts_with("error.")
}

/// Whether `key` is one of the portal's messages: in the array, in order,
/// and in the digest.
pub fn is_portal_message(key: &str) -> bool {
    !is_error_key(key) && !key.starts_with("gateway.")
}

/// The digest of the English keys, in their sorted order (FNV-1a, 64 bits).
pub fn keys_digest<'a>(keys: impl IntoIterator<Item = &'a str>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for key in keys {
        for byte in key.bytes().chain([0]) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// `text` with its `{name}` placeholders filled in from `values`: a name
/// not given leaves nothing, a brace that closes nothing stays.
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut parts = text.split('{');
    let mut out = String::from(parts.next().unwrap_or_default());
    for part in parts {
        match part.split_once('}') {
            Some((name, rest)) => {
                out.push_str(values.iter().find(|(n, _)| *n == name).map_or("", |(_, value)| value));
                out.push_str(rest);
            }
            None => {
                out.push('{');
                out.push_str(part);
            }
        }
    }
    out
}

/// The `{name}` placeholders of `text`, in order.
pub fn placeholders(text: &str) -> Vec<&str> {
    text.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_changes_with_any_key() {
        let one = keys_digest(["a.b", "c.d"]);
        assert_eq!(one.len(), 16);
        assert_eq!(one, keys_digest(["a.b", "c.d"]));
        assert_ne!(one, keys_digest(["a.b", "c.e"]));
        assert_ne!(one, keys_digest(["a.bc.d"]));
    }

    #[test]
    fn fills_placeholders() {
        assert_eq!(
            fill("{app} opens on {device}", &[("app", "Expenses"), ("device", "Pixel")]),
            "Expenses opens on Pixel"
        );
        // A value not given leaves nothing; a brace that closes nothing stays.
        assert_eq!(fill("{a}, {b} and {c", &[("a", "x")]), "x,  and {c");
        assert!(is_error_key("error.not_found") && !is_error_key("errors.x"));
        assert!(is_portal_message("sign_in.heading"));
        assert!(!is_portal_message("error.not_found") && !is_portal_message("gateway.sign_in"));
    }

    #[test]
    fn lists_placeholders() {
        assert_eq!(placeholders("{a} and {b}"), ["a", "b"]);
        assert!(placeholders("none").is_empty());
    }
}
