//! The crate's layering holds by itself: every `crate::` path under `src/`
//! names a module on a lower line of the list in `src/lib.rs` ("Layers")
//! than the module it is written in, so the top-level modules form no
//! cycle. The list is the one place the allowed direction is written down.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::util;

/// The layers of `src/lib.rs`, top first: each line's modules.
fn layers(lib: &str) -> Vec<Vec<String>> {
    let section = lib
        .split("//! ## Layers")
        .nth(1)
        .expect("src/lib.rs has a \"## Layers\" section");
    let block = section
        .split("//! ```text\n")
        .nth(1)
        .and_then(|rest| rest.split("//! ```\n").next())
        .expect("the Layers section holds a ```text block");
    block
        .lines()
        .map(|line| {
            let line = line.trim_start_matches("//!").trim();
            // Modules, then two or more spaces, then a description.
            let modules = line.split("  ").next().unwrap_or_default();
            modules.split_whitespace().map(str::to_owned).collect()
        })
        .filter(|m: &Vec<String>| !m.is_empty())
        .collect()
}

/// The top-level modules and their files.
fn modules(src: &Path) -> BTreeMap<String, Vec<PathBuf>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(src).expect("src/") {
        let path = entry.expect("entry").path();
        let name = path
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if name == "lib" || name == "main" {
            continue;
        }
        let files = if path.is_dir() {
            rust_files(&path)
        } else if path.extension().is_some_and(|x| x == "rs") {
            vec![path.clone()]
        } else {
            continue;
        };
        out.insert(name.to_owned(), files);
    }
    out
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("directory") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|x| x == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The text without comments (line and block) and string literals, so
/// that a path in a doc comment or a message is not taken for a use.
fn code_only(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                while i + 1 < bytes.len() && !(bytes[i] == b'*' && bytes[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("\"\"");
            }
            // A character literal holding a quote ('"') must not open a
            // string; lifetimes ('a) go through unchanged.
            b'\'' if bytes.get(i + 2) == Some(&b'\'') => {
                out.push_str("' '");
                i += 3;
            }
            // An escaped character literal: '\n', '\'', '\u{2028}'.
            b'\'' if bytes.get(i + 1) == Some(&b'\\') => {
                let close = bytes
                    .get(i + 3..)
                    .and_then(|r| r.iter().position(|&b| b == b'\''));
                i += close.map_or(bytes.len() - i, |c| c + 4);
                out.push_str("' '");
            }
            // A raw string, r"…" or r#"…"# (br"…" too), which may hold
            // quotes.
            b'r' if matches!(bytes.get(i + 1), Some(b'"' | b'#')) && starts_raw_string(&out) => {
                let hashes = bytes[i + 1..].iter().take_while(|&&b| b == b'#').count();
                if bytes.get(i + 1 + hashes) != Some(&b'"') {
                    out.push('r');
                    i += 1;
                    continue;
                }
                let close = format!("\"{}", "#".repeat(hashes));
                let body = i + 2 + hashes;
                let end = text[body..]
                    .find(&close)
                    .map_or(bytes.len(), |e| body + e + close.len());
                out.push_str("\"\"");
                i = end;
            }
            b => {
                out.push(b as char);
                i += 1;
            }
        }
    }
    out
}

/// Whether an `r` after `out` opens a raw string: it starts a token, or
/// follows the `b` of a byte string that does.
fn starts_raw_string(out: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    match out.chars().next_back() {
        Some('b') => !out[..out.len() - 1].ends_with(ident),
        Some(c) => !ident(c),
        None => true,
    }
}

/// A path from the crate root: its first segment, and whether more
/// segments follow it (`crate::json::Value`, not `crate::json`).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct RootPath {
    first: String,
    more: bool,
}

/// Every path from the crate root in `code`, a file `depth` modules deep:
/// `crate::…`, grouped imports (`crate::{a::b, c}`) included, and `super::`
/// chains long enough to reach the root (each inline `mod name { … }` the
/// chain stands in adds a module).
fn root_paths(code: &str, depth: usize) -> Vec<RootPath> {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut found = Vec::new();
    let mut braces = 0usize;
    // The brace depth at which each enclosing inline module's body opened.
    let mut inline: Vec<usize> = Vec::new();
    let mut module_opens = false;
    let mut i = 0;
    while i < code.len() {
        let rest = &code[i..];
        let boundary = !code[..i]
            .chars()
            .next_back()
            .is_some_and(|c| ident(c) || matches!(c, '$' | ':'));
        if boundary && rest.starts_with("mod ") {
            let after = rest[4..].trim_start();
            let name = after.chars().take_while(|c| ident(*c)).count();
            module_opens = after[name..].trim_start().starts_with('{');
        }
        match rest.as_bytes()[0] {
            b'{' => {
                braces += 1;
                if std::mem::take(&mut module_opens) {
                    inline.push(braces);
                }
            }
            b'}' => {
                if inline.last() == Some(&braces) {
                    inline.pop();
                }
                braces = braces.saturating_sub(1);
            }
            _ => {}
        }
        if boundary && rest.starts_with("crate::") {
            paths_after(&rest["crate::".len()..], &mut found);
        }
        if boundary && rest.starts_with("super::") {
            let chain = rest
                .as_bytes()
                .chunks(7)
                .take_while(|c| *c == b"super::")
                .count();
            let here = depth + inline.len();
            if chain >= here {
                paths_after(&rest[7 * here..], &mut found);
            }
            i += 7 * chain;
            continue;
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    found.retain(|p| !p.first.is_empty());
    found
}

/// The paths that `rest` (what follows `crate::`) starts.
fn paths_after(rest: &str, found: &mut Vec<RootPath>) {
    let rest = rest.trim_start();
    let Some(group) = rest.strip_prefix('{') else {
        found.push(root_path(rest));
        return;
    };
    let mut depth = 1;
    let mut item = String::new();
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if depth == 0 || (depth == 1 && c == ',') {
            found.push(root_path(&item));
            item.clear();
            if depth == 0 {
                break;
            }
        } else {
            item.push(c);
        }
    }
}

fn root_path(path: &str) -> RootPath {
    let path = path.trim();
    let first: String = path
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    let more = path[first.len()..].trim_start().starts_with("::");
    RootPath { first, more }
}

/// How many modules deep a file under `src/` is: `src/a.rs` and
/// `src/a/mod.rs` 1, `src/a/b.rs` 2.
fn depth(src: &Path, file: &Path) -> usize {
    let below = file.strip_prefix(src).expect("a file under src/");
    let parts = below.components().count();
    if file.file_name().is_some_and(|f| f == "mod.rs") {
        parts - 1
    } else {
        parts
    }
}

/// The names `src/lib.rs` re-exports at the crate root (`pub use …`).
fn root_reexports(lib: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in lib.lines().filter(|l| l.starts_with("pub use ")) {
        let list = line.trim_end_matches(';');
        let list = match list.split_once('{') {
            Some((_, group)) => group.trim_end_matches('}').to_owned(),
            None => list.rsplit("::").next().unwrap_or_default().to_owned(),
        };
        names.extend(list.split(',').map(|n| n.trim().to_owned()));
    }
    names
}

#[test]
fn modules_use_only_the_layers_below_their_own() {
    let src = util::repo().join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("src/lib.rs");
    let layers = layers(&lib);
    let rank: BTreeMap<&str, usize> = layers
        .iter()
        .enumerate()
        .flat_map(|(i, line)| line.iter().map(move |m| (m.as_str(), i)))
        .collect();
    let modules = modules(&src);
    let listed: Vec<&String> = layers.iter().flatten().collect();
    for name in modules.keys() {
        assert_eq!(
            listed.iter().filter(|m| **m == name).count(),
            1,
            "module {name} must be listed exactly once in src/lib.rs's Layers"
        );
    }
    for name in &listed {
        assert!(
            modules.contains_key(name.as_str()),
            "src/lib.rs's Layers list {name}, which is not a module of src/"
        );
    }
    let reexports = root_reexports(&lib);
    let mut wrong = Vec::new();
    for (name, files) in &modules {
        for file in files {
            let text = std::fs::read_to_string(file).expect("source file");
            let code = code_only(&text);
            if code.contains("crate as ") {
                wrong.push(format!("{}: renames the crate root", file.display()));
            }
            for path in root_paths(&code, depth(&src, file)) {
                let used = path.first;
                if used == *name {
                    continue;
                }
                // `crate::verify` alone could be the module or the function
                // the root re-exports.
                if !path.more && reexports.contains(&used) {
                    wrong.push(format!(
                        "{}: crate::{used} is a crate-root re-export (import from the module that defines it)",
                        file.display()
                    ));
                    continue;
                }
                match rank.get(used.as_str()) {
                    None => wrong.push(format!(
                        "{}: crate::{used} is not a module (import from the module that defines it)",
                        file.display()
                    )),
                    Some(&r) if r <= rank[name.as_str()] => wrong.push(format!(
                        "{}: {name} uses {used}, which is not on a lower layer",
                        file.display()
                    )),
                    Some(_) => {}
                }
            }
        }
    }
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
}

#[test]
fn the_checker_sees_uses_and_ignores_comments_and_strings() {
    let code = code_only(
        "use crate::json::Value;\n\
         use crate::{verdict::{Problem, Verdict}, time};\n\
         // crate::cli in a comment\n\
         let s = \"crate::run in a string\"; let c = '\"'; let d = crate::hash::sha256::kernel();\n\
         let r = r#\"{\"crate::cli\":1}\"#; let e = '\\''; let f = crate::canon::jcs::with_record;\n\
         /* crate::report */ fn f<'a>(x: &'a str) {}",
    );
    let mut paths: Vec<String> = root_paths(&code, 1).into_iter().map(|p| p.first).collect();
    paths.sort();
    assert_eq!(paths, ["canon", "hash", "json", "time", "verdict"]);
    // Byte raw strings hold quotes too; super:: chains reach the root of a
    // file as deep as they are long; a bare path is told from a deeper one.
    let code = code_only(
        "let b = br#\"\"x\"#; use crate::run;\n\
         use super::super::pipeline::Settings; use super::sibling;\n\
         #[cfg(test)] mod tests { use super::super::super::report; use super::*; }",
    );
    let mut paths = root_paths(&code, 2);
    paths.sort();
    let expected =
        [("pipeline", true), ("report", false), ("run", false)].map(|(first, more)| RootPath {
            first: first.to_owned(),
            more,
        });
    assert_eq!(paths, expected);
    assert_eq!(
        root_reexports("pub mod a;\npub use run::{VerifyConfig, verify};\npub use x::y;\n"),
        ["VerifyConfig", "verify", "y"]
    );
    let lib = "//! ## Layers\n//!\n//! ```text\n//! cli   the top\n//! a b    two\n//! ```\n";
    assert_eq!(layers(lib), [vec!["cli"], vec!["a", "b"]]);
}
