//! Azure Monitor (MON) checks: one file each.

use super::*;

pub(super) mod az_mon_001;
pub(super) mod az_mon_002;
pub(super) mod az_mon_003;
pub(super) mod az_mon_004;
pub(super) mod az_mon_005;
pub(super) mod az_mon_006;
pub(super) mod az_mon_007;
pub(super) mod az_mon_008;
pub(super) mod az_mon_009;
