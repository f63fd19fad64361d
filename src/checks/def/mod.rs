//! Defender for Cloud (DEF) checks: one file each.

use super::*;

pub(super) mod az_def_001;
pub(super) mod az_def_002;
