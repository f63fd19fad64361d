//! Network (NET) checks: one file each.

use super::*;

pub(super) mod az_net_001;
pub(super) mod az_net_002;
pub(super) mod az_net_003;
pub(super) mod az_net_004;
pub(super) mod az_net_005;
