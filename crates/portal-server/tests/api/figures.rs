//! The benchmarks' figures for `scripts/bench.sh`'s one table: each is
//! printed as it is measured, and also appended as a JSON line to the file
//! `BENCH_FIGURES` names (the same lines as `scripts/lib/figures.mjs`).
//! Shared with `examples/bench_gateway.rs`.

use std::io::Write;

/// One figure, as `scripts/lib/figures.mjs` reads it.
pub struct Figure<'a> {
    pub key: &'a str,
    pub name: &'a str,
    pub value: f64,
    pub unit: &'a str,
    /// Measured in the same run (a bare handler, the upstream directly), or a goal.
    pub reference: Option<(f64, &'a str)>,
}

pub fn record(figure: Figure<'_>) {
    let Some(path) = std::env::var_os("BENCH_FIGURES") else {
        return;
    };
    let mut line = serde_json::json!({
        "key": figure.key,
        "name": figure.name,
        "value": figure.value,
        "unit": figure.unit,
    });
    if let Some((reference, what)) = figure.reference {
        line["reference"] = reference.into();
        line["referenceName"] = what.into();
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("the figures' file opens");
    writeln!(file, "{line}").expect("the figures' file takes a line");
}

/// Milliseconds, as figures give durations.
pub fn ms(duration: std::time::Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
