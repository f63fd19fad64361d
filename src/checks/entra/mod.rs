//! Entra ID (ENTRA) checks: one file each.

use super::*;

pub(super) mod az_entra_001;
pub(super) mod az_entra_002;
