//! All I/O with Azure: credentials, the HTTP client (paging, retries,
//! throttling), replay and record, and the collectors that build the inventory.

pub mod api;
pub mod collect;
pub mod credentials;
pub mod flow;
pub mod http;
pub mod recording;
pub mod resource_graph;
pub mod scan;
pub mod terraform;
pub mod whatif;
