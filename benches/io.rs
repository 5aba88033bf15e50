//! Filled by the io family's issue.

use criterion::Criterion;

use crate::support::Settings;

pub fn benches(_c: &mut Criterion, _settings: &Settings) {}
