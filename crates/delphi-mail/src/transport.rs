//! Where messages go: an SMTP server (`smtp://`, `smtps://`) or a folder of `.eml` files.

use std::path::PathBuf;
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// The default time an SMTP conversation step may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// A configured transport; cheap to clone (SMTP connections are pooled and shared).
#[derive(Clone)]
pub enum Transport {
    /// An SMTP server.
    Smtp {
        /// lettre's pooled transport.
        inner: AsyncSmtpTransport<Tokio1Executor>,
        /// `host:port`, for messages.
        server: String,
    },
    /// `.eml` files in a folder, one per outbox id (a retry overwrites, never duplicates).
    File {
        /// The folder.
        dir: PathBuf,
    },
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the credentials.
        match self {
            Self::Smtp { server, .. } => write!(f, "Transport::Smtp({server})"),
            Self::File { dir } => write!(f, "Transport::File({})", dir.display()),
        }
    }
}

/// A URL that names no usable transport.
#[derive(Debug, thiserror::Error)]
#[error("mail URL {url:?}: {reason}")]
pub struct BadMailUrl {
    /// The URL with any password hidden.
    pub url: String,
    /// What is wrong.
    pub reason: String,
}

/// Why a message was not delivered.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct SendError {
    /// True when trying again cannot help (the server refused the message or recipient for
    /// good, a 5xx reply).
    pub permanent: bool,
    /// What happened.
    pub message: String,
}

fn hide_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

impl Transport {
    /// Reads a mail URL:
    ///
    /// - `file:///abs/dir` or `file://relative/dir`: `.eml` files (the folder is created);
    /// - `smtp://[user:pass@]host[:port][?tls=starttls|opportunistic|none][&timeout=SECS][&pool=N]`:
    ///   STARTTLS required by default (port 587); `tls=none` only for a server on loopback or
    ///   a trusted network (port 25);
    /// - `smtps://[user:pass@]host[:port][?timeout=SECS][&pool=N]`: TLS from the first byte
    ///   (port 465).
    ///
    /// User and password are percent-decoded. `pool` is the most connections kept open.
    /// Call it inside a tokio runtime: the SMTP connection pool starts a task.
    pub fn from_url(url: &str) -> Result<Self, BadMailUrl> {
        let bad = |reason: &str| BadMailUrl {
            url: hide_password(url),
            reason: reason.to_owned(),
        };
        if let Some(path) = url.strip_prefix("file://") {
            if path.is_empty() {
                return Err(bad(
                    "give a folder, e.g. file://outbox or file:///var/mail/delphi",
                ));
            }
            let dir = PathBuf::from(path);
            create_private_dir(&dir).map_err(|e| bad(&format!("cannot create the folder: {e}")))?;
            return Ok(Self::File { dir });
        }
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("use smtp://, smtps:// or file://"))?;
        if scheme != "smtp" && scheme != "smtps" {
            return Err(bad(&format!(
                "unknown scheme {scheme:?}: use smtp://, smtps:// or file://"
            )));
        }
        let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
        let authority = authority.trim_end_matches('/');
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((userinfo, hostport)) => (Some(userinfo), hostport),
            None => (None, authority),
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((host, port)) if !host.ends_with(']') || hostport.starts_with('[') => {
                let port: u16 = port
                    .parse()
                    .map_err(|_| bad(&format!("the port {port:?} is not a number")))?;
                (host, Some(port))
            }
            _ => (hostport, None),
        };
        if host.is_empty() {
            return Err(bad("the server's host name is missing"));
        }
        let mut tls = if scheme == "smtps" {
            "wrapper"
        } else {
            "starttls"
        };
        let mut timeout = DEFAULT_TIMEOUT;
        let mut pool = 8u32;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "tls" if scheme == "smtp" => {
                    tls = match value {
                        "starttls" | "required" => "starttls",
                        "opportunistic" => "opportunistic",
                        "none" => "none", // not-a-state: a TLS mode
                        other => {
                            return Err(bad(&format!(
                                "tls={other:?}: use tls=starttls, tls=opportunistic or tls=none"
                            )))
                        }
                    }
                }
                "timeout" => {
                    let secs: u64 = value
                        .parse()
                        .ok()
                        .filter(|s| *s > 0)
                        .ok_or_else(|| bad("timeout must be a whole number of seconds"))?;
                    timeout = Duration::from_secs(secs);
                }
                "pool" => {
                    pool = value
                        .parse()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| bad("pool must be a positive number of connections"))?;
                }
                other => return Err(bad(&format!("unknown parameter {other:?}"))),
            }
        }
        let tls_params = || {
            lettre::transport::smtp::client::TlsParameters::new(host.to_owned())
                .map_err(|e| bad(&format!("TLS setup failed: {e}")))
        };
        use lettre::transport::smtp::client::Tls;
        let (tls, default_port) = match tls {
            "wrapper" => (Tls::Wrapper(tls_params()?), 465),
            "starttls" => (Tls::Required(tls_params()?), 587),
            "opportunistic" => (Tls::Opportunistic(tls_params()?), 587),
            _ => (Tls::None, 25),
        };
        let port = port.unwrap_or(default_port);
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .tls(tls)
            .timeout(Some(timeout))
            .pool_config(PoolConfig::new().max_size(pool));
        if let Some(userinfo) = userinfo {
            let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
            builder = builder.credentials(Credentials::new(
                percent_decode(user).map_err(|e| bad(&e))?,
                percent_decode(pass).map_err(|e| bad(&e))?,
            ));
        }
        Ok(Self::Smtp {
            inner: builder.build(),
            server: format!("{host}:{port}"),
        })
    }

    /// Delivers one message; `id` names the `.eml` file of the file transport.
    pub async fn send(&self, id: &str, message: lettre::Message) -> Result<(), SendError> {
        match self {
            Self::Smtp { inner, server } => {
                inner
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| SendError {
                        permanent: e.is_permanent(),
                        message: format!("SMTP {server}: {e}"),
                    })
            }
            Self::File { dir } => {
                let transient = |e: std::io::Error| SendError {
                    permanent: false,
                    message: format!("writing to {}: {e}", dir.display()),
                };
                // Write then rename, so a reader never sees half a message; readable by the
                // owner only, since each message holds a personal link.
                let tmp = dir.join(format!(".{id}.eml.tmp"));
                write_private(&tmp, &message.formatted())
                    .await
                    .map_err(transient)?;
                tokio::fs::rename(&tmp, dir.join(format!("{id}.eml")))
                    .await
                    .map_err(transient)
            }
        }
    }
}

/// Creates `dir` and any missing parents, readable by the owner only (0700); an existing
/// folder is left as it is.
fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Writes `bytes` to a new file at `path` with mode 0600 (a stale file there from an
/// interrupted write is replaced), on tokio's blocking pool like `tokio::fs` does.
async fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let (path, bytes) = (path.to_owned(), bytes.to_owned());
    let write = move || {
        use std::io::Write;
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        options.open(&path)?.write_all(&bytes)
    };
    tokio::task::spawn_blocking(write)
        .await
        .map_err(std::io::Error::other)?
}

fn percent_decode(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("bad percent-escape at character {}", i + 1))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "the user name or password is not UTF-8".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(t: &Transport) -> String {
        match t {
            Transport::Smtp { server, .. } => server.clone(),
            Transport::File { dir } => dir.display().to_string(),
        }
    }

    #[tokio::test]
    async fn urls_choose_ports_and_tls() {
        assert_eq!(
            server(&Transport::from_url("smtp://mail.example.org").unwrap()),
            "mail.example.org:587"
        );
        assert_eq!(
            server(&Transport::from_url("smtps://u:p%40ss@mail.example.org").unwrap()),
            "mail.example.org:465"
        );
        assert_eq!(
            server(&Transport::from_url("smtp://127.0.0.1:2525?tls=none&timeout=5").unwrap()),
            "127.0.0.1:2525"
        );
        assert_eq!(
            server(&Transport::from_url("smtp://127.0.0.1?tls=none").unwrap()),
            "127.0.0.1:25"
        );
        let dir = tempfile::tempdir().unwrap();
        let url = format!("file://{}/mail", dir.path().display());
        assert!(matches!(
            Transport::from_url(&url).unwrap(),
            Transport::File { .. }
        ));
        assert!(dir.path().join("mail").is_dir());
    }

    #[tokio::test]
    async fn bad_urls_say_what_is_wrong_and_hide_the_password() {
        for (url, says) in [
            ("imap://host", "unknown scheme"),
            ("smtp://host?tls=maybe", "tls="),
            ("smtp://host:port", "port"),
            ("smtp://host?timeout=0", "timeout"),
            ("smtp://host?colour=blue", "unknown parameter"),
            ("file://", "folder"),
            ("smtp://", "host"),
            ("smtp://user:secret@host:x", "port"),
        ] {
            let err = Transport::from_url(url).unwrap_err().to_string();
            assert!(err.contains(says), "{url}: {err}");
            assert!(!err.contains("secret"), "{err}");
        }
        assert_eq!(percent_decode("a%20b").unwrap(), "a b");
        assert!(percent_decode("a%2").is_err());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn eml_files_are_private_to_the_owner() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &std::path::Path| {
            format!(
                "{:o}",
                std::fs::metadata(path)
                    .expect("metadata")
                    .permissions()
                    .mode()
                    & 0o777
            )
        };
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("outbox/mail");
        let transport = Transport::from_url(&format!("file://{}", dir.display())).unwrap();
        assert_eq!(mode(&dir), "700", "the folder holds personal links");
        let message = lettre::Message::builder()
            .from("study@example.org".parse().unwrap())
            .to("ann@example.org".parse().unwrap())
            .subject("Your link")
            .body("https://d.example.org/p/secret-token".to_owned())
            .unwrap();
        transport.send("m1", message.clone()).await.unwrap();
        let file = dir.join("m1.eml");
        assert_eq!(mode(&file), "600", "each .eml holds a personal link");
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains("secret-token"), "{text}");
        // A retry overwrites the file and keeps it private.
        transport.send("m1", message).await.unwrap();
        assert_eq!(mode(&file), "600");
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left"
        );
    }
}
