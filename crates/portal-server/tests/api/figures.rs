//! The benchmarks' figures for `scripts/bench.sh`'s one table: each is
//! printed as it is measured, and also appended as a JSON line to the file
//! `BENCH_FIGURES` names (the same lines as `scripts/lib/figures.mjs`).
//! Shared with `examples/bench_gateway.rs`.

use std::io::Write;

/// One figure, as `scripts/lib/figures.mjs` reads it.
#[must_use = "written only by .record()"]
pub struct Figure {
    key: String,
    name: String,
    value: f64,
    unit: &'static str,
    reference: Option<(f64, &'static str)>,
}

impl Figure {
    pub fn new(key: impl Into<String>, name: impl Into<String>, value: f64, unit: &'static str) -> Self {
        Self {
            key: key.into(),
            name: name.into(),
            value,
            unit,
            reference: None,
        }
    }

    /// Beside what was measured in the same run (a bare handler, the
    /// upstream directly), or a goal.
    pub fn against(self, reference: f64, what: &'static str) -> Self {
        Self {
            reference: Some((reference, what)),
            ..self
        }
    }

    /// Appended to the figures' file, where the run names one.
    pub fn record(self) {
        let Some(path) = std::env::var_os("BENCH_FIGURES") else {
            return;
        };
        let mut line = serde_json::json!({
            "key": self.key,
            "name": self.name,
            "value": self.value,
            "unit": self.unit,
        });
        if let Some((reference, what)) = self.reference {
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
}

/// Milliseconds, as figures give durations.
pub fn ms(duration: std::time::Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
