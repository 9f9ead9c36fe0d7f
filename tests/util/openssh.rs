//! SSH clients as programs: OpenSSH's `ssh` with pipes (`openssh_run`)
//! or in a real pseudo-terminal (`PtySsh`, which runs any client program —
//! plink, dbclient, `sshfolio preview` — the same way), the arguments
//! every OpenSSH test uses, and whether a client is installed.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::screen::{set_size, vt};
use super::skip::require;
use super::wait::{TIMEOUT, finish_in_time};

/// The `ssh` arguments every OpenSSH test uses: no config, no known-hosts
/// file, and BatchMode, so any prompt at all would make ssh fail.
pub fn ssh_args(addr: SocketAddr, user: &str) -> Vec<String> {
    [
        "-F",
        "/dev/null",
        "-p",
        &addr.port().to_string(),
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "LogLevel=ERROR",
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=5",
        "-l",
        user,
        "127.0.0.1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Whether an extra client (plink, dbclient, ssh-audit, promtool) runs
/// (`program version_arg`). Missing, the test is skipped (`require`:
/// recorded for the run's summary, or a failure when the clients are
/// required).
pub fn have_client(program: &str, version_arg: &str) -> bool {
    require(program, || {
        Command::new(program)
            .arg(version_arg)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| format!("`{program} {version_arg}`: {e}"))
    })
    .is_some()
}

/// Runs a client program to completion with stdin closed.
pub fn run_program(program: &str, args: &[String]) -> std::process::Output {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    finish_in_time(&mut child, &format!("{program} {args:?}"));
    child.wait_with_output().unwrap()
}

/// Fails with a clear message if the OpenSSH client is missing.
pub fn require_ssh() {
    let found = Command::new("ssh")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    assert!(
        found,
        "the OpenSSH client `ssh` is needed: apt-get install openssh-client"
    );
}

/// Runs `ssh` with pipes (no local terminal) and returns its output:
/// `options` go before the host, `command` after it.
pub fn openssh_run(
    addr: SocketAddr,
    options: &[&str],
    command: &[&str],
    stdin: &[u8],
) -> std::process::Output {
    require_ssh();
    let mut args = ssh_args(addr, "visitor");
    let host = args.pop().unwrap();
    args.extend(options.iter().map(|s| s.to_string()));
    args.push(host);
    args.extend(command.iter().map(|s| s.to_string()));
    let mut child = Command::new("ssh")
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdin = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&stdin);
        // Dropping `input` sends EOF.
    });
    finish_in_time(&mut child, &format!("ssh {args:?}"));
    writer.join().unwrap();
    child.wait_with_output().unwrap()
}

/// OpenSSH `ssh` running in a real pseudo-terminal of a given size, as a
/// visitor's terminal emulator would run it.
pub struct PtySsh {
    master: Box<dyn portable_pty::MasterPty + Send>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    parser: Arc<Mutex<vt100::Parser>>,
    reader: Option<JoinHandle<()>>,
}

impl PtySsh {
    pub fn spawn(addr: SocketAddr, user: &str, cols: u16, rows: u16) -> PtySsh {
        require_ssh();
        let mut args = vec!["-tt".to_string()];
        args.extend(ssh_args(addr, user));
        PtySsh::spawn_program("ssh", &args, cols, rows)
    }

    /// Any SSH client program, in a pseudo-terminal of `cols` x `rows`.
    pub fn spawn_program(program: &str, args: &[String], cols: u16, rows: u16) -> PtySsh {
        let pty = portable_pty::native_pty_system();
        let pair = pty
            .openpty(portable_pty::PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = portable_pty::CommandBuilder::new(program);
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let parser = Arc::new(Mutex::new(vt(cols, rows)));
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let reader = {
            let parser = parser.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 8192];
                while let Ok(n) = reader.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    parser.lock().unwrap().process(&buf[..n]);
                }
            })
        };
        PtySsh {
            master: pair.master,
            writer,
            child,
            parser,
            reader: Some(reader),
        }
    }

    pub fn contents(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    pub fn with_screen<T>(&self, f: impl FnOnce(&vt100::Screen) -> T) -> T {
        f(self.parser.lock().unwrap().screen())
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    /// Resizes the terminal: the kernel signals ssh, which sends a
    /// window-change.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        set_size(self.parser.lock().unwrap().screen_mut(), cols, rows);
        self.master
            .resize(portable_pty::PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
    }

    pub fn wait_until(&self, what: &str, done: impl Fn(&vt100::Screen) -> bool) {
        let deadline = Instant::now() + TIMEOUT;
        while !self.with_screen(&done) {
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; screen:\n{}", self.contents());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn wait_for(&self, text: &str) {
        self.wait_until(&format!("{text:?}"), |s| s.contents().contains(text));
    }

    /// Waits for ssh to exit; its exit code.
    pub fn wait_exit(&mut self) -> u32 {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                if let Some(reader) = self.reader.take() {
                    let _ = reader.join();
                }
                return status.exit_code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("ssh did not exit; screen:\n{}", self.contents());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for PtySsh {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}
