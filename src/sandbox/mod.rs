//! The sandbox: an embedded Kubernetes API server that speaks the real wire
//! protocol, with simulated controllers, persisted in the data dir.

pub mod controllers;
pub mod patch;
