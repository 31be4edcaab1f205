//! The items of a header list weighted by `q` (`Accept-Encoding`,
//! `Accept-Language`): RFC 9110 §12.4.2.

use axum::http::{HeaderMap, HeaderName};

/// Each item of every `name` line with its weight: 1 unless its `q` (any
/// case) says otherwise; a malformed weight counts as 0, refusing the item
/// rather than taking it whole.
pub fn weighted<'a>(headers: &'a HeaderMap, name: &HeaderName) -> impl Iterator<Item = (&'a str, f32)> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|line| line.to_str().ok())
        .flat_map(|line| line.split(','))
        .map(|item| {
            let mut parts = item.split(';');
            let value = parts.next().unwrap_or_default().trim();
            let weight = parts
                .filter_map(|param| param.split_once('='))
                .find(|(key, _)| key.trim().eq_ignore_ascii_case("q"))
                .map_or(1.0, |(_, q)| qvalue(q.trim()).unwrap_or(0.0));
            (value, weight)
        })
        .filter(|(value, _)| !value.is_empty())
}

/// `0`, `1`, or either with up to three decimals (`1` only with zeros).
fn qvalue(q: &str) -> Option<f32> {
    let (whole, decimals) = q.split_once('.').unwrap_or((q, ""));
    let well_formed = matches!(whole, "0" | "1")
        && decimals.len() <= 3
        && decimals.bytes().all(|b| b.is_ascii_digit())
        && (whole == "0" || decimals.bytes().all(|b| b == b'0'));
    well_formed.then(|| q.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, header};

    use super::weighted;

    #[test]
    fn every_line_and_item_with_its_weight_and_malformed_weights_refuse() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br;Q=0.5, gzip ; q=1.000"),
        );
        headers.append(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("zstd;q=, deflate;q=x, x;q=2, y;q=.5, , z"),
        );
        let items: Vec<_> = weighted(&headers, &header::ACCEPT_ENCODING).collect();
        assert_eq!(
            items,
            [
                ("br", 0.5),
                ("gzip", 1.0),
                ("zstd", 0.0),
                ("deflate", 0.0),
                ("x", 0.0),
                ("y", 0.0),
                ("z", 1.0)
            ]
        );
    }
}
