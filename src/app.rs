//! The audit pipeline (placeholder while the layout moves).
