//! Storage (ST) checks: one file each.

use super::*;

pub(super) mod az_st_001;
pub(super) mod az_st_002;
pub(super) mod az_st_003;
pub(super) mod az_st_004;
pub(super) mod az_st_005;
pub(super) mod az_st_006;
pub(super) mod az_st_007;
pub(super) mod az_st_008;
pub(super) mod az_st_009;
