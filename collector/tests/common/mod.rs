//! Test helpers: run the real binary on 127.0.0.1:0 and talk HTTP/1.1 to it over a raw socket.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};

use ferretwatch_collector::db::{Db, connect};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Server {
    pub child: Child,
    pub addr: String,
    pub db: String,
}

/// A fresh database for one test: a SQLite file in `dir`, or, when
/// `FERRETWATCH_COLLECTOR_TEST_PG` names a PostgreSQL server (`postgres://user@127.0.0.1:PORT`),
/// a new database on it (tests/collector/run-postgres-test.sh).
pub fn db_spec(dir: &Path, name: &str) -> String {
    match std::env::var("FERRETWATCH_COLLECTOR_TEST_PG") {
        Ok(base) if !base.is_empty() => {
            let db = format!("fw_{}_{}", name, rand_suffix() % 1_000_000_000);
            let mut c =
                postgres::Client::connect(&format!("{base}/postgres"), postgres::NoTls).expect("connect to PostgreSQL");
            c.batch_execute(&format!("CREATE DATABASE {db}")).unwrap();
            format!("{base}/{db}")
        }
        _ => format!("sqlite:{}", dir.join(format!("{name}.db")).display()),
    }
}

/// A direct connection to the test database (for checks behind the service's back).
pub fn open_db(spec: &str) -> Box<dyn Db> {
    connect(spec).expect("open the test database")
}

pub fn count(spec: &str, sql: &str) -> i64 {
    open_db(spec).query(sql, &[]).unwrap()[0][0].int()
}

impl Server {
    pub fn start(db: &str, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ferretwatch-collector"))
            .args(["--listen", "127.0.0.1:0", "--db", db])
            .args(extra)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("start the collector");
        let mut err = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        err.read_line(&mut line).unwrap();
        let addr = line.trim().rsplit("http://").next().unwrap().to_string();
        assert!(addr.starts_with("127.0.0.1:"), "unexpected first line: {line}");
        std::thread::spawn(move || {
            let mut sink = String::new();
            let _ = err.read_to_string(&mut sink);
        });
        Server { child, addr, db: db.to_string() }
    }

    pub fn req(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        request(&self.addr, method, path, headers, body)
    }

    pub fn post_json(&self, path: &str, headers: &[(&str, &str)], body: &str) -> Resp {
        let mut h = vec![("Content-Type", "application/json")];
        h.extend_from_slice(headers);
        self.req("POST", path, &h, body.as_bytes())
    }

    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

pub fn request(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
    try_request(addr, method, path, headers, body).expect("HTTP request")
}

pub fn try_request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Resp> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    parse_response(&raw).ok_or_else(|| std::io::Error::other("bad response"))
}

pub fn parse_response(raw: &[u8]) -> Option<Resp> {
    let text = String::from_utf8_lossy(raw);
    let (head, body) = text.split_once("\r\n\r\n")?;
    let mut lines = head.lines();
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    let chunked = headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked { dechunk(body) } else { body.to_string() };
    Some(Resp { status, headers, body })
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

pub fn report(url: &str, id: &str) -> String {
    serde_json::json!({
        "id": id, "url": url, "timestamp": "2026-11-25T02:31:33.123Z", "extension_version": "0.1.0",
        "pack_version": "2026.11.25.1", "score": 75, "level": "red", "reason": "phishing_login",
        "findings": [{"signal": "idn_homograph_high", "evidence": "xn--pypal-4ve.com looks like paypal.com", "target": "paypal.com", "brand": "PayPal"}]
    })
    .to_string()
}

/// A temporary folder for one test's database, removed when the test ends (dropped after the
/// servers declared after it).
pub struct TestDir(PathBuf);

impl std::ops::Deref for TestDir {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn tempdir() -> TestDir {
    let d = std::env::temp_dir().join(format!("fw-collector-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&d).unwrap();
    TestDir(d)
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    t ^ (N.fetch_add(1, Ordering::Relaxed) << 48)
}

/// Creates an admin token with the CLI (`ferretwatch-collector token`).
pub fn cli_token(db: &str, name: &str, role: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ferretwatch-collector"))
        .args(["--db", db])
        .args(["token", "--name", name, "--role", role])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

pub const NO_LIMITS: &[&str] = &["--ip-limit", "off", "--install-limit", "off"];
