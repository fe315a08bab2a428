//! Serving the sandbox on 127.0.0.1 over TLS with a bearer token, for
//! kubectl and other processes.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use axum::Router;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use super::Sandbox;
use super::tls;

/// A sandbox listening on loopback.
#[derive(Debug, Clone)]
pub struct Served {
    pub address: SocketAddr,
    pub kubeconfig: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on 127.0.0.1: {0}")]
    Bind(std::io::Error),
    #[error("cannot write the kubeconfig {path}: {source}")]
    Kubeconfig {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Tls(#[from] tls::TlsError),
}

/// Binds 127.0.0.1:`port` (0 = any free port), writes the kubeconfig, and
/// returns the future that serves until dropped.
pub async fn serve(
    sandbox: &Sandbox,
    port: u16,
    kubeconfig: PathBuf,
) -> Result<(Served, impl Future<Output = ()> + use<>), ServeError> {
    let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .await
        .map_err(ServeError::Bind)?;
    let address = listener.local_addr().map_err(ServeError::Bind)?;
    let certs = tls::generate()?;
    let token = sandbox.shared().token.clone().unwrap_or_default();
    super::kubeconfig::write(
        &kubeconfig,
        &format!("https://{address}"),
        &token,
        &certs.ca_pem,
    )
    .map_err(|source| ServeError::Kubeconfig {
        path: kubeconfig.clone(),
        source,
    })?;
    let acceptor = TlsAcceptor::from(certs.server_config);
    let router = sandbox.router();
    let server = accept_loop(listener, acceptor, router);
    Ok((
        Served {
            address,
            kubeconfig,
        },
        server,
    ))
}

async fn accept_loop(listener: TcpListener, acceptor: TlsAcceptor, router: Router) {
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        tokio::spawn(connection(tcp, acceptor.clone(), router.clone()));
    }
}

async fn connection(tcp: TcpStream, acceptor: TlsAcceptor, router: Router) {
    let Ok(tls) = acceptor.accept(tcp).await else {
        return;
    };
    let service = hyper::service::service_fn(move |req| router.clone().oneshot(req));
    let io = hyper_util::rt::TokioIo::new(tls);
    // A client hanging up mid-request is not an error worth reporting.
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(io, service)
        .await;
}
