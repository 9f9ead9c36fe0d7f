//! Where the inbox lives: `--database URL` (env `SSHFOLIO_DATABASE`).
//! Absent, it is `DATA/messages.db` (SQLite, the default, nothing else to
//! run); `postgres://user:password@host:port/db?sslmode=require` is
//! PostgreSQL, shared by any number of replicas. A URL holds a password:
//! it is shown only as its host and database.

use std::path::{Path, PathBuf};

/// The inbox's database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// The data directory holding `messages.db` and `visitor.key`.
    Sqlite(PathBuf),
    Postgres(Postgres),
}

/// A PostgreSQL server and database, as tokio-postgres takes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Postgres {
    /// The URL as given (with its password).
    pub url: String,
    /// `postgres://host:port/db`: what logs may show.
    pub label: String,
}

impl Database {
    /// From `--database` (if given) and `--data`. The error is one line
    /// naming the flag, without the password.
    pub fn from_flags(url: Option<&str>, data: &Path) -> Result<Database, String> {
        let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(Database::Sqlite(data.to_path_buf()));
        };
        let parsed = url::Url::parse(url).map_err(|e| format!("--database: not a URL ({e})"))?;
        if !matches!(parsed.scheme(), "postgres" | "postgresql") {
            return Err(format!(
                "--database: `{}://` is not a database this knows (postgres://…; leave it out for SQLite in --data)",
                parsed.scheme()
            ));
        }
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| format!("--database {}: {e}", label(&parsed)))?;
        if config.get_dbname().is_none() {
            return Err(format!(
                "--database {}: the URL names no database",
                label(&parsed)
            ));
        }
        Ok(Database::Postgres(Postgres {
            url: url.to_string(),
            label: label(&parsed),
        }))
    }

    /// What logs and errors may show.
    pub fn label(&self) -> String {
        match self {
            Database::Sqlite(data) => data.join(super::db::FILE).display().to_string(),
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
            Database::from_flags(None, data).unwrap(),
            Database::Sqlite(PathBuf::from("/srv/data"))
        );
        let pg = Database::from_flags(
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
            let err = Database::from_flags(Some(url), data).unwrap_err();
            assert!(err.contains(says), "{url}: {err}");
            assert!(!err.contains("s3cret"), "{err}");
        }
    }
}
