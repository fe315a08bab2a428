//! Desired state from Git: repositories, revisions and history, and rendering
//! of an application's path into Kubernetes objects.
