//! Helpers shared by the integration tests: run the real `hyperseg` binary in a temporary
//! workspace, capture its exit code and output, and snapshot a workspace folder so a test can
//! assert that a failed command changed nothing.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

/// The debug binary built for the tests.
pub const BIN: &str = env!("CARGO_BIN_EXE_hyperseg");

/// The user name the binary sees (it records it when `--by` is not given).
pub const TEST_USER: &str = "ci-tester";

/// The path of a file in `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("fixtures").join(name);
    assert!(path.is_file(), "missing fixture {}", path.display());
    path
}

/// [`fixture`] as a string, for argument lists.
pub fn fixture_arg(name: &str) -> String {
    path_arg(&fixture(name))
}

/// A path as a string argument (temporary and fixture paths are UTF-8 here).
pub fn path_arg(path: &Path) -> String {
    path.to_str().expect("test paths are UTF-8").to_owned()
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics unless the command succeeded.
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "expected success\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    /// Panics unless the command failed with exit code 1 and stderr holds every needle.
    #[track_caller]
    pub fn user_error(self, needles: &[&str]) -> Run {
        assert_eq!(self.code, 1, "expected exit code 1\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        for needle in needles {
            assert!(self.stderr.contains(needle), "stderr lacks {needle:?}:\n{}", self.stderr);
        }
        self
    }

    /// stdout parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("stdout is not JSON ({e}):\n{}\nstderr:\n{}", self.stdout, self.stderr)
        })
    }
}

/// A `hyperseg` command run in `cwd`, with a known user and no workspace from the environment.
pub fn command(cwd: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(cwd)
        .env_remove("HYPERSEG_WORKSPACE")
        .env_remove("HYPERSEG_BACKEND")
        .env_remove("USERNAME")
        .env_remove("LOGNAME")
        .env("USER", TEST_USER);
    cmd
}

/// Runs `cmd` to completion and captures what it did.
pub fn run_command(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("the hyperseg binary runs");
    Run {
        code: out.status.code().expect("hyperseg exited rather than being killed by a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `hyperseg ARGS` in `cwd`.
pub fn run_in<S: AsRef<OsStr>>(cwd: &Path, args: &[S]) -> Run {
    run_command(command(cwd).args(args))
}

/// One entry of a folder snapshot: its path relative to the folder (with `/`), and for files
/// their length and a hash of their bytes (`None` for folders).
pub type Entry = (String, Option<(u64, u64)>);

/// Every file and folder under `root`, sorted by relative path, with each file's length and
/// content hash.
pub fn snapshot(root: &Path) -> Vec<Entry> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<Entry>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            let rel = path
                .strip_prefix(root)
                .expect("under root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            if path.is_dir() {
                out.push((rel, None));
                walk(root, &path, out);
            } else {
                let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
                let mut h = DefaultHasher::new();
                h.write(&bytes);
                out.push((rel, Some((bytes.len() as u64, h.finish()))));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

/// A workspace made by `hyperseg init` in a fresh temporary folder. Commands run with the
/// temporary folder (not the workspace) as their current folder.
pub struct Workspace {
    pub tmp: TempDir,
    pub root: PathBuf,
}

impl Workspace {
    /// `hyperseg init TMP/ws`.
    pub fn new() -> Workspace {
        let tmp = tempfile::tempdir().expect("a temporary folder");
        let root = tmp.path().join("ws");
        run_in(tmp.path(), &["init", &path_arg(&root)]).ok();
        Workspace { tmp, root }
    }

    /// A new workspace that already holds one import (`contacts_pt.csv`), so that "nothing
    /// changed" means something.
    pub fn seeded() -> Workspace {
        let ws = Workspace::new();
        ws.import(&[&fixture_arg("contacts_pt.csv")]).ok();
        ws
    }

    /// A path in the temporary folder, outside the workspace (for --rejects files and such).
    pub fn out_path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// `hyperseg --workspace ROOT ARGS`.
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S]) -> Run {
        run_command(command(self.tmp.path()).arg("--workspace").arg(&self.root).args(args))
    }

    /// `hyperseg --workspace ROOT import ARGS`.
    pub fn import<S: AsRef<OsStr>>(&self, args: &[S]) -> Run {
        run_command(command(self.tmp.path()).arg("--workspace").arg(&self.root).arg("import").args(args))
    }

    /// `hyperseg --workspace ROOT --json import ARGS`, which must succeed; the reports.
    #[track_caller]
    pub fn import_json<S: AsRef<OsStr>>(&self, args: &[S]) -> Vec<serde_json::Value> {
        match &self.import_full_json(args)["imports"] {
            serde_json::Value::Array(reports) => reports.clone(),
            other => panic!("expected an array of reports under \"imports\", got {other}"),
        }
    }

    /// The one report of a single-file import that must succeed.
    #[track_caller]
    pub fn import_one<S: AsRef<OsStr>>(&self, args: &[S]) -> serde_json::Value {
        let mut reports = self.import_json(args);
        assert_eq!(reports.len(), 1, "{reports:?}");
        reports.remove(0)
    }

    /// `imports list --json` with extra arguments.
    #[track_caller]
    pub fn imports_list(&self, extra: &[&str]) -> Vec<serde_json::Value> {
        let mut args = vec!["--json", "imports", "list"];
        args.extend_from_slice(extra);
        match self.run(&args).ok().json() {
            serde_json::Value::Array(rows) => rows,
            other => panic!("expected an array of imports, got {other}"),
        }
    }

    /// The workspace's bytes on disk and what `imports list --json` says.
    pub fn state(&self) -> (Vec<Entry>, Vec<serde_json::Value>) {
        let files = snapshot(&self.root);
        let list = self.imports_list(&[]);
        (files, list)
    }

    /// Runs `import ARGS`, which must fail with exit code 1 and every needle in stderr, and
    /// leave the workspace byte-for-byte as it was, with the same `imports list`.
    #[track_caller]
    pub fn import_fails_cleanly<S: AsRef<OsStr>>(&self, args: &[S], needles: &[&str]) -> Run {
        let before = self.state();
        let run = self.import(args).user_error(needles);
        let after = self.state();
        assert_eq!(before.0, after.0, "the failed import changed the workspace's files");
        assert_eq!(before.1, after.1, "the failed import changed `imports list`");
        run
    }
}

/// Reads a CSV file written with `separator` into records (header included).
pub fn read_csv_records(path: &Path, separator: u8) -> Vec<Vec<String>> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(separator)
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    rdr.records().map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect()).collect()
}

impl Workspace {
    /// `hyperseg --workspace ROOT --json ARGS`, which must succeed; stdout as JSON.
    #[track_caller]
    pub fn run_json<S: AsRef<OsStr>>(&self, args: &[S]) -> serde_json::Value {
        run_command(command(self.tmp.path()).arg("--workspace").arg(&self.root).arg("--json").args(args))
            .ok()
            .json()
    }

    /// `hyperseg --workspace ROOT --json import ARGS`, which must succeed; the whole output
    /// (`{"imports": [...], "identity": {...}}`).
    #[track_caller]
    pub fn import_full_json<S: AsRef<OsStr>>(&self, args: &[S]) -> serde_json::Value {
        let mut all: Vec<&OsStr> = vec![OsStr::new("import")];
        all.extend(args.iter().map(AsRef::as_ref));
        self.run_json(&all)
    }
}

/// For each data record of `bytes` (CSV with a header, fields separated by `separator`): the
/// physical line it starts on (1-based, header = line 1) and its fields. The csv crate's own
/// position lags by one line after a `\r\n` record end, so lines are counted from its byte
/// offset instead.
pub fn records_with_lines(bytes: &[u8], separator: u8) -> Vec<(u64, Vec<String>)> {
    let mut rdr = csv::ReaderBuilder::new().delimiter(separator).flexible(true).from_reader(bytes);
    rdr.headers().expect("a header");
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    // Line ends counted in `bytes[..counted]`, carried forward so the walk stays linear.
    let (mut counted, mut newlines) = (0usize, 0u64);
    loop {
        // The reader stops before the `\n` of a `\r\n` record end and before blank lines: step
        // over line ends from its byte offset to the record's first byte, and count lines.
        let mut start = rdr.position().byte() as usize;
        let lagging_line = rdr.position().line();
        if !rdr.read_record(&mut record).expect("a CSV record") {
            break;
        }
        while matches!(bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        newlines += bytes[counted..start].iter().filter(|&&b| b == b'\n').count() as u64;
        counted = start;
        let line = 1 + newlines;
        assert!(line >= lagging_line, "line {line} before the reader's {lagging_line}");
        out.push((line, record.iter().map(str::to_owned).collect()));
    }
    out
}
