//! Configuration in layers: defaults, then an optional `delphi.toml`, then `DELPHI_*`
//! environment variables. Secrets stay wrapped so they never reach a log.

use std::path::Path;

use anyhow::{bail, Context};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Settings every command that touches the database, the web or email needs.
#[derive(Debug, Clone)]
pub struct Config {
    /// `sqlite://path.db` (default `sqlite://delphi.db`) or `postgres://...`.
    pub database_url: String,
    /// Address the server listens on (default `127.0.0.1:8080`).
    pub bind: String,
    /// Public address used in emailed links (default `http://{bind}`).
    pub base_url: String,
    /// `file://dir` (default `file://mail`), `smtp://...` or `smtps://...`.
    pub mail: SecretString,
    /// Base64 of 32 bytes; seals panellist links and signs cookies. When unset, a key is
    /// generated once into `delphi.secret` beside the working directory.
    pub secret_key: Option<SecretString>,
    /// The sender of every email, e.g. `Delphi study <delphi@example.org>` (default
    /// `Delphi study <delphi@localhost>`).
    pub mail_from: String,
    /// Where replies go when a study names no team contact (a study's team contact is the
    /// Reply-To of its emails).
    pub mail_reply_to: Option<String>,
    /// Database connections per process (default 16; every instance behind a proxy opens
    /// its own, so PostgreSQL's `max_connections` must cover them all).
    pub database_pool_size: u32,
    /// The web server's tunables: `trusted_proxies`, `rate_limit_pages`, `rate_limit_api`,
    /// `rate_limit_sign_in` (`RATE/BURST`, per client address) and `workers`.
    pub web: delphi_web::WebOptions,
}

/// The keys `delphi.toml` may hold (all optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    bind: Option<String>,
    base_url: Option<String>,
    mail: Option<String>,
    secret_key: Option<String>,
    mail_from: Option<String>,
    mail_reply_to: Option<String>,
    database_pool_size: Option<u32>,
    /// Addresses or networks, as a list or one comma-separated string.
    trusted_proxies: Option<StringOrList>,
    rate_limit_pages: Option<String>,
    rate_limit_api: Option<String>,
    rate_limit_sign_in: Option<String>,
    workers: Option<usize>,
}

/// `["a", "b"]` or `"a, b"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum StringOrList {
    One(String),
    List(Vec<String>),
}

impl StringOrList {
    fn joined(self) -> String {
        match self {
            Self::One(text) => text,
            Self::List(items) => items.join(","),
        }
    }
}

/// A number from the environment or the file.
fn number<T: std::str::FromStr>(key: &str, text: Option<String>) -> anyhow::Result<Option<T>> {
    text.map(|t| {
        t.trim()
            .parse::<T>()
            .map_err(|_| anyhow::anyhow!("{key} must be a whole number, got {t:?}"))
    })
    .transpose()
}

impl Config {
    /// Reads `path` (or `./delphi.toml` when it exists) and then the environment.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let file = match path {
            Some(path) => read_file(path)?,
            None if Path::new("delphi.toml").exists() => read_file(Path::new("delphi.toml"))?,
            None => FileConfig::default(),
        };
        Self::from_layers(file, |key| std::env::var(key).ok())
    }

    fn from_layers(file: FileConfig, env: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let pick = |key: &str, from_file: Option<String>| {
            env(&format!("DELPHI_{}", key.to_ascii_uppercase())).or(from_file)
        };
        let bind = pick("bind", file.bind).unwrap_or_else(|| "127.0.0.1:8080".to_owned());
        let base_url = pick("base_url", file.base_url).unwrap_or_else(|| format!("http://{bind}"));
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            bail!("base_url must start with http:// or https://, got {base_url:?}");
        }
        let mut web = delphi_web::WebOptions::default();
        if let Some(list) = pick(
            "trusted_proxies",
            file.trusted_proxies.map(StringOrList::joined),
        ) {
            web.trusted_proxies = delphi_web::TrustedProxies::parse_list(&list)
                .map_err(|e| anyhow::anyhow!("trusted_proxies: {e}"))?;
        }
        for (key, from_file, slot) in [
            (
                "rate_limit_pages",
                file.rate_limit_pages,
                &mut web.limits.panellist_pages,
            ),
            (
                "rate_limit_api",
                file.rate_limit_api,
                &mut web.limits.panellist_api,
            ),
            (
                "rate_limit_sign_in",
                file.rate_limit_sign_in,
                &mut web.limits.sign_in,
            ),
        ] {
            if let Some(text) = pick(key, from_file) {
                *slot =
                    delphi_web::Limit::parse(&text).map_err(|e| anyhow::anyhow!("{key}: {e}"))?;
            }
        }
        if let Some(workers) = number(
            "workers",
            pick("workers", file.workers.map(|w| w.to_string())),
        )? {
            web.workers = workers;
        }
        let database_pool_size = number(
            "database_pool_size",
            pick(
                "database_pool_size",
                file.database_pool_size.map(|n| n.to_string()),
            ),
        )?
        .unwrap_or(16);
        if database_pool_size == 0 {
            bail!("database_pool_size must be at least 1");
        }
        Ok(Self {
            database_pool_size,
            web,
            database_url: pick("database_url", file.database_url)
                .unwrap_or_else(|| "sqlite://delphi.db".to_owned()),
            base_url: base_url.trim_end_matches('/').to_owned(),
            bind,
            mail: SecretString::from(
                pick("mail", file.mail).unwrap_or_else(|| "file://mail".to_owned()),
            ),
            secret_key: pick("secret_key", file.secret_key).map(SecretString::from),
            mail_from: pick("mail_from", file.mail_from)
                .unwrap_or_else(|| "Delphi study <delphi@localhost>".to_owned()),
            mail_reply_to: pick("mail_reply_to", file.mail_reply_to).filter(|r| !r.is_empty()),
        })
    }

    /// The secret key, or one kept in `key_file` (created with a fresh random key when absent).
    pub fn secret_key_or_file(&self, key_file: &Path) -> anyhow::Result<String> {
        if let Some(key) = &self.secret_key {
            return Ok(key.expose_secret().to_owned());
        }
        if key_file.exists() {
            let key = std::fs::read_to_string(key_file)
                .with_context(|| format!("reading the secret key from {}", key_file.display()))?;
            return Ok(key.trim().to_owned());
        }
        let key = delphi_app::SecretKey::generate().to_base64();
        write_private(key_file, &key)?;
        tracing::warn!(path = %key_file.display(), "no secret_key configured: generated one");
        Ok(key)
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the configuration file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("in the configuration file {}", path.display()))
}

/// Creates a folder (and any missing parents) readable by its owner only (0700): the demo's
/// data folder holds the database, the secret key and the emails with personal links. An
/// existing folder is left as it is.
pub fn create_private_dir(path: &Path) -> anyhow::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(path)
        .with_context(|| format!("creating the folder {}", path.display()))
}

/// Writes a file readable by its owner only.
pub fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(contents.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |key| map.get(key).cloned()
    }

    #[test]
    fn defaults_run_locally() {
        let config = Config::from_layers(FileConfig::default(), env(&[])).unwrap();
        assert_eq!(config.database_url, "sqlite://delphi.db");
        assert_eq!(config.bind, "127.0.0.1:8080");
        assert_eq!(config.base_url, "http://127.0.0.1:8080");
        assert_eq!(config.mail.expose_secret(), "file://mail");
        assert!(config.secret_key.is_none());
        assert_eq!(config.mail_from, "Delphi study <delphi@localhost>");
        assert_eq!(config.mail_reply_to, None);
    }

    #[test]
    fn the_sender_is_configured() {
        let file: FileConfig = toml::from_str(
            "mail_from = \"Study <study@example.org>\"\nmail_reply_to = \"r@example.org\"",
        )
        .unwrap();
        let config = Config::from_layers(file, env(&[])).unwrap();
        assert_eq!(config.mail_from, "Study <study@example.org>");
        assert_eq!(config.mail_reply_to.as_deref(), Some("r@example.org"));
        let config = Config::from_layers(
            FileConfig::default(),
            env(&[("DELPHI_MAIL_FROM", "Other <o@example.org>")]),
        )
        .unwrap();
        assert_eq!(config.mail_from, "Other <o@example.org>");
    }

    #[test]
    fn environment_overrides_file() {
        let file: FileConfig =
            toml::from_str("bind = \"0.0.0.0:9000\"\ndatabase_url = \"postgres://x/db\"").unwrap();
        let config = Config::from_layers(
            file,
            env(&[
                ("DELPHI_BIND", "127.0.0.1:7000"),
                ("DELPHI_BASE_URL", "https://d.example.org/"),
            ]),
        )
        .unwrap();
        assert_eq!(config.bind, "127.0.0.1:7000");
        assert_eq!(config.database_url, "postgres://x/db");
        assert_eq!(config.base_url, "https://d.example.org");
    }

    #[test]
    fn unknown_keys_and_bad_urls_are_refused() {
        let err = toml::from_str::<FileConfig>("databse_url = \"x\"").unwrap_err();
        assert!(err.to_string().contains("databse_url"), "{err}");
        let err = Config::from_layers(
            FileConfig::default(),
            env(&[("DELPHI_BASE_URL", "ftp://x")]),
        )
        .unwrap_err();
        assert!(err.to_string().contains("base_url"), "{err}");
    }

    #[test]
    fn proxies_limits_and_sizes_are_read_and_checked() {
        let file: FileConfig = toml::from_str(
            "trusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\"]\nrate_limit_api = \"300/3000\"",
        )
        .unwrap();
        let config = Config::from_layers(
            file,
            env(&[
                ("DELPHI_RATE_LIMIT_PAGES", "7/70"),
                ("DELPHI_DATABASE_POOL_SIZE", "32"),
            ]),
        )
        .unwrap();
        assert!(config
            .web
            .trusted_proxies
            .trusts("10.9.8.7".parse().unwrap()));
        assert!(!config
            .web
            .trusted_proxies
            .trusts("192.0.2.1".parse().unwrap()));
        assert_eq!(config.web.limits.panellist_api.per_second, 300);
        assert_eq!(config.web.limits.panellist_pages.burst, 70);
        assert_eq!(config.database_pool_size, 32);
        let defaults = Config::from_layers(FileConfig::default(), env(&[])).unwrap();
        assert_eq!(defaults.web, delphi_web::WebOptions::default());
        for (key, value) in [
            ("DELPHI_TRUSTED_PROXIES", "proxy.example.org"),
            ("DELPHI_RATE_LIMIT_SIGN_IN", "fast"),
            ("DELPHI_WORKERS", "-1"),
        ] {
            let err = Config::from_layers(FileConfig::default(), env(&[(key, value)])).unwrap_err();
            let named = key.trim_start_matches("DELPHI_").to_ascii_lowercase();
            assert!(err.to_string().contains(&named), "{key}: {err}");
        }
    }

    #[test]
    fn secrets_do_not_reach_debug_output() {
        let config = Config::from_layers(
            FileConfig::default(),
            env(&[
                ("DELPHI_SECRET_KEY", "c2VjcmV0"),
                ("DELPHI_MAIL", "smtp://u:pw@h"),
            ]),
        )
        .unwrap();
        let shown = format!("{config:?}");
        assert!(
            !shown.contains("c2VjcmV0") && !shown.contains("pw@h"),
            "{shown}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_secret_key_file_and_the_data_folder_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &Path| {
            let mode = std::fs::metadata(path).unwrap().permissions().mode();
            format!("{:o}", mode & 0o777)
        };
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("demo/data");
        create_private_dir(&data).unwrap();
        assert_eq!(mode(&data), "700");
        create_private_dir(&data).unwrap();
        let config = Config::from_layers(FileConfig::default(), env(&[])).unwrap();
        let key_file = data.join("secret.key");
        let key = config.secret_key_or_file(&key_file).unwrap();
        assert_eq!(mode(&key_file), "600");
        assert_eq!(config.secret_key_or_file(&key_file).unwrap(), key);
    }
}
