//! Log Analytics (LAW) checks: one file each.

use super::*;

pub(super) mod az_law_001;
pub(super) mod az_law_002;
pub(super) mod az_law_003;
pub(super) mod az_law_004;
pub(super) mod az_law_005;
