//! The app catalog: its rules.

pub mod rules;
