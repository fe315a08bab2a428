//! The kube-rs adapter: kubeconfig contexts, discovery, the live cache fed by
//! watches, server-side apply, deletes and leases.
