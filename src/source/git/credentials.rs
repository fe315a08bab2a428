//! Credentials for remotes, tried in order: ssh-agent, `~/.ssh/id_ed25519`,
//! `~/.ssh/id_rsa`, then the git credential helpers of the user's git config.

use std::path::PathBuf;

use git2::{Cred, CredentialType, RemoteCallbacks};

/// Callbacks offering each credential source once per connection.
pub(super) fn callbacks() -> RemoteCallbacks<'static> {
    let mut state = Attempts::default();
    let mut callbacks = RemoteCallbacks::new();
    callbacks.credentials(move |url, username, allowed| state.next(url, username, allowed));
    callbacks
}

#[derive(Default)]
struct Attempts {
    agent_tried: bool,
    keys_tried: usize,
    helper_tried: bool,
}

impl Attempts {
    fn next(
        &mut self,
        url: &str,
        username: Option<&str>,
        allowed: CredentialType,
    ) -> Result<Cred, git2::Error> {
        let user = username.unwrap_or("git");
        if allowed.contains(CredentialType::USERNAME) {
            return Cred::username(user);
        }
        if allowed.contains(CredentialType::SSH_KEY) {
            if !self.agent_tried {
                self.agent_tried = true;
                if let Ok(cred) = Cred::ssh_key_from_agent(user) {
                    return Ok(cred);
                }
            }
            let keys = default_keys();
            while self.keys_tried < keys.len() {
                let key = &keys[self.keys_tried];
                self.keys_tried += 1;
                if key.exists() {
                    return Cred::ssh_key(user, None, key, None);
                }
            }
        }
        if allowed.contains(CredentialType::USER_PASS_PLAINTEXT) && !self.helper_tried {
            self.helper_tried = true;
            let config = git2::Config::open_default()?;
            return Cred::credential_helper(&config, url, username);
        }
        Err(git2::Error::new(
            git2::ErrorCode::Auth,
            git2::ErrorClass::Net,
            "no credential was accepted (tried ssh-agent, ~/.ssh/id_ed25519, ~/.ssh/id_rsa and git credential helpers)",
        ))
    }
}

fn default_keys() -> Vec<PathBuf> {
    let Some(home) = std::env::var_os("HOME").map(PathBuf::from) else {
        return Vec::new();
    };
    ["id_ed25519", "id_rsa"]
        .iter()
        .map(|name| home.join(".ssh").join(name))
        .collect()
}
