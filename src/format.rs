//! Dates and times through the browser's own `Intl`, not a date crate in the wasm.

use wasm_bindgen::JsValue;

/// "12 minutes ago", "yesterday", in the reader's language.
pub fn relative_time(rfc3339: &str) -> String {
    let then = js_sys::Date::parse(rfc3339);
    if then.is_nan() {
        return rfc3339.to_string();
    }
    let seconds = (js_sys::Date::now() - then) / 1000.0;
    let (value, unit) = relative_unit(seconds);
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"numeric".into(), &"auto".into());
    js_sys::Intl::RelativeTimeFormat::new(&js_sys::Array::of1(&crate::i18n::locale().into()), &options)
        .format(-value, unit)
        .into()
}

/// The largest unit that keeps the number at one or more.
pub fn relative_unit(seconds_ago: f64) -> (f64, &'static str) {
    const UNITS: [(f64, &str); 5] = [
        (86_400.0 * 365.0, "year"),
        (86_400.0 * 30.0, "month"),
        (86_400.0, "day"),
        (3_600.0, "hour"),
        (60.0, "minute"),
    ];
    let seconds = seconds_ago.max(0.0);
    UNITS
        .iter()
        .find(|(size, _)| seconds >= *size)
        .map(|(size, unit)| ((seconds / size).floor(), *unit))
        .unwrap_or(((seconds).floor(), "second"))
}

/// A full date and time in the reader's language and time zone.
pub fn date_time(rfc3339: &str) -> String {
    let date = js_sys::Date::new(&JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_string();
    }
    date.to_locale_string(crate::i18n::locale(), &JsValue::UNDEFINED).into()
}

/// `12.3 MB`, as the reader's language writes it (`12,3 MB`). Through
/// `Intl`: formatting a float in Rust brings 11 KB of code to the wasm.
pub fn megabytes(bytes: u64) -> String {
    let options = js_sys::Object::new();
    for (key, value) in [("style", "unit"), ("unit", "megabyte")] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    for key in ["minimumFractionDigits", "maximumFractionDigits"] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &1.into());
    }
    let format = js_sys::Intl::NumberFormat::new(&js_sys::Array::of1(&crate::i18n::locale().into()), &options).format();
    format
        .call1(&JsValue::UNDEFINED, &JsValue::from_f64(bytes as f64 / 1_048_576.0))
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::relative_unit;

    #[test]
    fn picks_the_largest_whole_unit() {
        assert_eq!(relative_unit(5.0), (5.0, "second"));
        assert_eq!(relative_unit(-3.0), (0.0, "second"));
        assert_eq!(relative_unit(12.0 * 60.0 + 30.0), (12.0, "minute"));
        assert_eq!(relative_unit(5.0 * 3600.0), (5.0, "hour"));
        assert_eq!(relative_unit(21.0 * 86_400.0), (21.0, "day"));
        assert_eq!(relative_unit(400.0 * 86_400.0), (1.0, "year"));
    }
}
