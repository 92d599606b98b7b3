//! `generate --layout files`: the records as a folder of the files users
//! hold, with the truth in the order a directory walk reads them.

use std::fs;
use std::path::{Path, PathBuf};

use super::ob2::Ob2Issuer;
use super::{Case, GenerateError, Made, io};
use crate::source::baked::{self, BadgeVersion};

/// The folder being written: `DIR/files/`.
pub(crate) struct Folder {
    root: PathBuf,
    group: Option<Group>,
    /// The issuer of the Open Badges 2.0 badges.
    ob2: Ob2Issuer,
    /// (file below the root, line, the truth record's other members).
    pub(crate) truth: Vec<(String, u64, String)>,
}

/// Records gathered into one file: a JSON array or JSON Lines.
struct Group {
    path: String,
    array: bool,
    items: Vec<Vec<u8>>,
    size: usize,
}

impl Folder {
    /// A folder at `root`, its records judged at `as_of`.
    pub(crate) fn new(root: &Path, as_of: i64) -> Result<Folder, GenerateError> {
        fs::create_dir_all(root).map_err(io(root))?;
        Ok(Folder {
            root: root.to_path_buf(),
            group: None,
            ob2: Ob2Issuer::new(as_of),
            truth: Vec::new(),
        })
    }

    /// Writes record `index` in the form its number chooses; returns its
    /// file (below the root), line and, when it became an Open Badges 2.0
    /// badge, its new format.
    ///
    /// Of every ten records: two pretty-printed `.json` files (`.jwt` for
    /// a token), one one-line `.jsonl`, three together in a pretty-printed
    /// JSON array (tokens as JSON strings), two in a JSON Lines file, one
    /// baked into a PNG badge and one into an SVG badge (Open Badges 3.0:
    /// a token in the SVG's `verify` attribute). In every other ten, the
    /// two badges are Open Badges 2.0 ones when the record's case can be
    /// ([`Ob2Issuer::takes`]): a signed assertion's JWS (its bare JSON for
    /// `no_proof`) or a hosted assertion's URL (`unsupported`). Malformed
    /// records always get a file of their own, since some would break the
    /// framing of an array or of the lines around them.
    pub(crate) fn put(
        &mut self,
        index: u64,
        made: &Made,
    ) -> Result<(String, u64, Option<&'static str>), GenerateError> {
        let batch = format!("batch-{:03}", index / 50);
        let token = made.format.starts_with("jwt");
        let form = if made.case == Case::Malformed {
            2
        } else {
            index % 10
        };
        match form {
            3..=5 => {
                // Tokens go in as JSON strings (some already are).
                let element = if token && !made.line.starts_with(b"\"") {
                    let mut quoted = b"\"".to_vec();
                    quoted.extend_from_slice(&made.line);
                    quoted.push(b'"');
                    quoted
                } else {
                    made.line.clone()
                };
                let (file, line) = self.grouped(
                    format!("{batch}/grouped/array-{index:06}.json"),
                    true,
                    3,
                    element,
                )?;
                Ok((file, line, None))
            }
            6 | 7 => {
                let (file, line) = self.grouped(
                    format!("{batch}/grouped/lines-{index:06}.jsonl"),
                    false,
                    2,
                    made.line.clone(),
                )?;
                Ok((file, line, None))
            }
            8 | 9 => {
                self.flush()?;
                // Open Badges 3.0 images: the credential, or the token.
                let ob2 = (index / 10) % 2 == 1 && Ob2Issuer::takes(made.case);
                let (payload, version, format) = if ob2 {
                    let badge = self.ob2.badge(index, made.case);
                    (badge.payload, BadgeVersion::Ob2, Some(badge.format))
                } else {
                    (made.line.clone(), BadgeVersion::Ob3, None)
                };
                // A token or URL goes in the SVG's `verify` attribute.
                let in_verify = token || (ob2 && !payload.starts_with(b"{"));
                let (name, bytes) = if form == 8 {
                    (
                        format!("{index:06}.png"),
                        baked::bake_png(&payload, version, false),
                    )
                } else {
                    (
                        format!("{index:06}.svg"),
                        baked::bake_svg(&payload, version, in_verify),
                    )
                };
                let rel = format!("{batch}/baked/{name}");
                self.write(&rel, &bytes)?;
                Ok((rel, 1, format))
            }
            _ => {
                self.flush()?;
                let object = made.line.starts_with(b"{") && made.line.ends_with(b"}");
                let (name, bytes) = if token {
                    (format!("{index:06}.jwt"), made.line.clone())
                } else if form == 2 {
                    (
                        format!("{index:06}.jsonl"),
                        [&made.line[..], b"\n"].concat(),
                    )
                } else if object {
                    let mut pretty = b"{\n  ".to_vec();
                    pretty.extend_from_slice(&made.line[1..made.line.len() - 1]);
                    pretty.extend_from_slice(b"\n}\n");
                    (format!("{index:06}.json"), pretty)
                } else {
                    (format!("{index:06}.json"), made.line.clone())
                };
                let rel = format!("{batch}/single/{name}");
                self.write(&rel, &bytes)?;
                Ok((rel, 1, None))
            }
        }
    }

    /// Adds an item to the open group of this kind, or starts one at
    /// `path`; returns the item's file and line.
    fn grouped(
        &mut self,
        path: String,
        array: bool,
        size: usize,
        item: Vec<u8>,
    ) -> Result<(String, u64), GenerateError> {
        let fits = self
            .group
            .as_ref()
            .is_some_and(|g| g.array == array && g.items.len() < g.size);
        if !fits {
            self.flush()?;
            self.group = Some(Group {
                path,
                array,
                items: Vec::new(),
                size,
            });
        }
        let group = self.group.as_mut().expect("a group");
        group.items.push(item);
        Ok((group.path.clone(), group.items.len() as u64))
    }

    /// Writes the open group's file.
    fn flush(&mut self) -> Result<(), GenerateError> {
        let Some(group) = self.group.take() else {
            return Ok(());
        };
        let bytes = if group.array {
            let mut out = b"[\n  ".to_vec();
            out.extend_from_slice(&group.items.join(&b",\n  "[..]));
            out.extend_from_slice(b"\n]\n");
            out
        } else {
            let mut out = group.items.join(&b"\n"[..]);
            out.push(b'\n');
            out
        };
        self.write(&group.path, &bytes)
    }

    fn write(&self, rel: &str, bytes: &[u8]) -> Result<(), GenerateError> {
        let path = self.root.join(rel);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io(dir))?;
        }
        fs::write(&path, bytes).map_err(io(&path))
    }

    /// Writes what is left, two files a walk skips, and the truth in walk
    /// order (paths compared component by component, then lines).
    /// Writes what is still open, the files a walk skips, the Open Badges
    /// 2.0 issuer's documents into `dids` and its revocation list into
    /// `status` (when given: the run has status lists), and the truth.
    pub(crate) fn finish(
        mut self,
        dids: &Path,
        status: Option<&Path>,
        truth: &mut dyn std::io::Write,
    ) -> std::io::Result<()> {
        let error = |e: GenerateError| std::io::Error::other(e.to_string());
        self.flush().map_err(error)?;
        if self.ob2.used {
            for (name, bytes) in self.ob2.documents(status.is_some()) {
                fs::write(dids.join(name), bytes)?;
            }
            if let Some(status) = status {
                fs::create_dir_all(status)?;
                fs::write(
                    status.join("ob2-revocations.json"),
                    self.ob2.revocation_list(),
                )?;
            }
        }
        self.write("notes.txt", b"Not a credential: a walk skips this file.\n")
            .map_err(error)?;
        self.write("batch-000/README.md", b"# Badges\n")
            .map_err(error)?;
        self.truth
            .sort_by(|a, b| Path::new(&a.0).cmp(Path::new(&b.0)).then(a.1.cmp(&b.1)));
        for (file, line, fields) in &self.truth {
            let mut quoted = Vec::new();
            crate::json::write::write_string(&mut quoted, file);
            writeln!(
                truth,
                "{{\"file\":{},\"line\":{line},{fields}",
                String::from_utf8_lossy(&quoted)
            )?;
        }
        Ok(())
    }
}
