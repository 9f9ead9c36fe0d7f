//! A real PostgreSQL server for the tests: Debian's `postgresql` binaries
//! (`initdb`, `postgres`) on a data directory in a temp dir and a free
//! loopback port, run as the `postgres` user when the tests run as root.
//! One server is shared by the test binary ([`shared_postgres`]), each
//! test in a database of its own; a test that stops and starts the server
//! gets one of its own ([`PgServer::start`]). Every server dies with the
//! thread that started it (a parent-death signal), so nothing outlives
//! the tests. Without the binaries the test is skipped (`require`:
//! recorded for the run's summary, or a failure when
//! `SSHFOLIO_REQUIRE_CLIENTS=1`).

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use sshfolio::inbox::Database;

use super::skip::require;

pub struct PgServer {
    pub port: u16,
    bin: PathBuf,
    dir: PathBuf,
    user: Option<(u32, u32)>,
    child: Mutex<Option<Child>>,
}

/// The binary's shared server, started on first use; `None` (the test
/// skipped) when PostgreSQL is not installed.
pub fn shared_postgres() -> Option<&'static PgServer> {
    static SHARED: OnceLock<Result<PgServer, String>> = OnceLock::new();
    require("postgresql", || {
        SHARED
            .get_or_init(|| {
                let bin = binaries()?;
                // Started from a thread that lives as long as the process,
                // so the server dies with the process, not with the first
                // test.
                let (tx, rx) = std::sync::mpsc::channel();
                std::thread::spawn(move || {
                    let _ = tx.send(PgServer::start_with(bin));
                    loop {
                        std::thread::park();
                    }
                });
                Ok(rx.recv().unwrap())
            })
            .as_ref()
            .map_err(String::clone)
    })
}

/// A fresh database on the shared server; `None` (the test skipped) when
/// PostgreSQL is not installed.
pub fn postgres_database() -> Option<Database> {
    Some(shared_postgres()?.database())
}

/// The directory holding `initdb` and `postgres`, or where they were
/// looked for.
fn binaries() -> Result<PathBuf, String> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| Some(e.ok()?.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists() && bin.join("postgres").exists())
        .collect();
    versions.sort_by_key(|p| {
        let version = p
            .parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str());
        version.and_then(|v| v.parse::<u32>().ok()).unwrap_or(0)
    });
    if let Some(bin) = versions.pop() {
        return Ok(bin);
    }
    let in_path = Command::new("pg_config").arg("--bindir").output().ok();
    if let Some(out) = in_path.filter(|o| o.status.success()) {
        let bin = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if bin.join("initdb").exists() {
            return Ok(bin);
        }
    }
    Err("no initdb in /usr/lib/postgresql/*/bin nor in `pg_config --bindir`".to_string())
}

/// The `postgres` user's uid and gid, when running as root (PostgreSQL
/// refuses to run as root).
fn postgres_user() -> Option<(u32, u32)> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    let line = passwd
        .lines()
        .find(|l| l.starts_with("postgres:"))
        .expect("running as root, PostgreSQL needs the `postgres` user (the package creates it)");
    let fields: Vec<&str> = line.split(':').collect();
    Some((fields[2].parse().unwrap(), fields[3].parse().unwrap()))
}

impl PgServer {
    /// A server of the test's own, to stop and start; `None` (the test
    /// skipped) when PostgreSQL is not installed. It dies with the calling
    /// thread.
    pub fn start() -> Option<PgServer> {
        Some(PgServer::start_with(require("postgresql", binaries)?))
    }

    fn start_with(bin: PathBuf) -> PgServer {
        clean_stale_dirs();
        let dir = std::env::temp_dir().join(format!(
            "sshfolio-test-pg-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let user = postgres_user();
        if let Some((uid, gid)) = user {
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).unwrap();
        }
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let data = dir.join("data");
        let out = PgServer::command(&bin, "initdb", user)
            .arg("-D")
            .arg(&data)
            .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let server = PgServer {
            port,
            bin,
            dir,
            user,
            child: Mutex::new(None),
        };
        server.run();
        server
    }

    fn command(bin: &Path, program: &str, user: Option<(u32, u32)>) -> Command {
        let mut command = Command::new(bin.join(program));
        command.stdin(Stdio::null());
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            command.pre_exec(move || {
                if let Some((uid, gid)) = user
                    && (libc::setgid(gid) != 0 || libc::setuid(uid) != 0)
                {
                    return Err(std::io::Error::last_os_error());
                }
                // After the uid change, which would clear it: the server
                // shuts down at once when its starter goes away.
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT);
                Ok(())
            });
        }
        command
    }

    /// Starts the server on its data and port; returns once it answers.
    fn run(&self) {
        let log = std::fs::File::create(self.dir.join("log")).unwrap();
        let child = PgServer::command(&self.bin, "postgres", self.user)
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-p", &self.port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!("unix_socket_directories={}", self.dir.display()))
            // Test data is thrown away: no need to wait for the disk.
            .args(["-c", "fsync=off", "-c", "max_connections=300"])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        *self.child.lock().unwrap() = Some(child);
        let started = Instant::now();
        while admin(self.port, "postgres", "SELECT 1").is_err() {
            if started.elapsed() > Duration::from_secs(30) {
                panic!("PostgreSQL did not start:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The server's log, for a failing test.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }

    /// A fresh, empty database.
    pub fn database(&self) -> Database {
        Database::from_flags(
            "--database",
            Some(&self.database_url()),
            Path::new("unused"),
        )
        .unwrap()
    }

    /// A fresh, empty database's URL, as `--database` takes it.
    pub fn database_url(&self) -> String {
        let name = format!("t{}", NEXT.fetch_add(1, Ordering::Relaxed));
        admin(self.port, "postgres", &format!("CREATE DATABASE {name}")).unwrap();
        self.url(&name)
    }

    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Stops the server (fast shutdown: connections are cut).
    pub fn stop(&self) {
        self.thaw();
        if let Some(mut child) = self.child.lock().unwrap().take() {
            // SAFETY: signalling our own child.
            unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
            let _ = child.wait();
        }
    }

    /// Starts it again on the same data and port.
    pub fn restart(&self) {
        self.stop();
        self.run();
    }

    /// Stops every process of the server (SIGSTOP): connections stay open
    /// and nothing answers, as with a hung or partitioned database.
    pub fn freeze(&self) {
        self.signal_all(libc::SIGSTOP);
    }

    pub fn thaw(&self) {
        self.signal_all(libc::SIGCONT);
    }

    /// Sends `signal` to the postmaster and each of its children.
    fn signal_all(&self, signal: i32) {
        let guard = self.child.lock().unwrap();
        let Some(child) = guard.as_ref() else {
            return;
        };
        let parent = child.id();
        let mut pids = vec![parent];
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
            // pid (comm) state ppid …: the name may hold spaces, so after ')'.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|p| p.parse::<u32>().ok());
            if ppid == Some(parent) {
                pids.push(pid);
            }
        }
        for pid in pids {
            // SAFETY: signalling the server's own processes.
            unsafe { libc::kill(pid as i32, signal) };
        }
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// One statement, on a thread of its own (tests may be inside a runtime).
fn admin(port: u16, database: &str, sql: &str) -> Result<(), String> {
    let url = format!("postgres://postgres@127.0.0.1:{port}/{database}?connect_timeout=5");
    let sql = sql.to_string();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .map_err(|e| e.to_string())?;
            tokio::spawn(connection);
            client.batch_execute(&sql).await.map_err(|e| e.to_string())
        })
    })
    .join()
    .unwrap()
}

/// Removes the data directories of test runs that are over.
fn clean_stale_dirs() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("sshfolio-test-pg-")
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}
