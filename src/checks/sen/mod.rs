//! Microsoft Sentinel (SEN) checks: one file each.

use super::*;

pub(super) mod az_sen_001;
pub(super) mod az_sen_002;
pub(super) mod az_sen_003;
pub(super) mod az_sen_004;
pub(super) mod az_sen_005;
