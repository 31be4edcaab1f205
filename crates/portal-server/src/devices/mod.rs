//! Device objects: their rules.

pub mod rules;
