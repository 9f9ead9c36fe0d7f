//! Where the inbox lives: `--database URL` (env `SSHFOLIO_DATABASE`).
//! Absent, it is `DATA/messages.db` (SQLite, the default, nothing else to
//! run); `postgres://user:password@host:port/db?sslmode=require` is
//! PostgreSQL, shared by any number of replicas. A URL holds a password:
//! it is shown only as its host and database.

use std::path::{Path, PathBuf};

/// The SQLite database file inside the data directory.
pub const FILE: &str = "messages.db";

/// The inbox's database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// The data directory holding `messages.db` and `visitor.key`.
    Sqlite(PathBuf),
    Postgres(PgUrl),
}

/// Why a database URL was refused; each names the flag it came from and
/// never the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("{flag}: not a URL ({reason})")]
    NotAUrl { flag: &'static str, reason: String },
    #[error(
        "{flag}: `{scheme}://` is not a database this knows (postgres://…; leave it out for SQLite in --data)"
    )]
    UnknownScheme { flag: &'static str, scheme: String },
    #[error("{flag} {label}: {reason}")]
    Invalid {
        flag: &'static str,
        label: String,
        reason: String,
    },
    #[error("{flag} {label}: the URL names no database")]
    NoDatabase { flag: &'static str, label: String },
}

/// A PostgreSQL server and database, as tokio-postgres takes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgUrl {
    /// The URL as given (with its password).
    pub url: String,
    /// `postgres://host:port/db`: what logs may show.
    pub label: String,
}

impl Database {
    /// From the URL given with `flag` (if any) and `--data`.
    pub fn from_flags(
        flag: &'static str,
        url: Option<&str>,
        data: &Path,
    ) -> Result<Database, UrlError> {
        let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(Database::Sqlite(data.to_path_buf()));
        };
        let parsed = url::Url::parse(url).map_err(|e| UrlError::NotAUrl {
            flag,
            reason: e.to_string(),
        })?;
        if !matches!(parsed.scheme(), "postgres" | "postgresql") {
            return Err(UrlError::UnknownScheme {
                flag,
                scheme: parsed.scheme().to_string(),
            });
        }
        let config: tokio_postgres::Config = url.parse().map_err(|e| UrlError::Invalid {
            flag,
            label: label(&parsed),
            reason: format!("{e}"),
        })?;
        if config.get_dbname().is_none() {
            return Err(UrlError::NoDatabase {
                flag,
                label: label(&parsed),
            });
        }
        Ok(Database::Postgres(PgUrl {
            url: url.to_string(),
            label: label(&parsed),
        }))
    }

    /// What logs and errors may show.
    pub fn label(&self) -> String {
        match self {
            Database::Sqlite(data) => data.join(FILE).display().to_string(),
            Database::Postgres(pg) => pg.label.clone(),
        }
    }
}

fn label(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or("localhost");
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    format!("postgres://{host}{port}{}", url.path())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_is_sqlite_in_data_and_urls_are_postgres() {
        let data = Path::new("/srv/data");
        assert_eq!(
            Database::from_flags("--database", None, data).unwrap(),
            Database::Sqlite(PathBuf::from("/srv/data"))
        );
        let pg = Database::from_flags(
            "--database",
            Some("postgres://app:s3cret@db.example.com:5433/inbox?sslmode=require"),
            data,
        )
        .unwrap();
        assert_eq!(pg.label(), "postgres://db.example.com:5433/inbox");
        for (url, says) in [
            ("mysql://x/y", "is not a database this knows"),
            ("postgres://app:s3cret@db.example.com", "names no database"),
            (
                "postgres://app:s3cret@db.example.com/x?sslmode=bogus",
                "--database postgres://db.example.com/x",
            ),
            ("nonsense", "not a URL"),
        ] {
            let err = Database::from_flags("--database", Some(url), data)
                .unwrap_err()
                .to_string();
            assert!(err.contains(says), "{url}: {err}");
            assert!(!err.contains("s3cret"), "{err}");
        }
    }
}
