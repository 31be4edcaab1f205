//! Remote actions on devices: their rules.

pub mod rules;
