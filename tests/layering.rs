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
            // A raw string, r"…" or r#"…"#, which may hold quotes.
            b'r' if matches!(bytes.get(i + 1), Some(b'"' | b'#'))
                && !out.ends_with(|c: char| c.is_alphanumeric() || c == '_') =>
            {
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

/// The first segments of every `crate::` path in `code`, grouped imports
/// (`crate::{a::b, c}`) included.
fn crate_paths(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        // `$crate::` in a macro, or part of a longer identifier.
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let rest_trim = rest.trim_start();
        if let Some(group) = rest_trim.strip_prefix('{') {
            let mut depth = 1;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 || (depth == 1 && c == ',') {
                    found.push(first_segment(&item));
                    item.clear();
                    if depth == 0 {
                        break;
                    }
                } else {
                    item.push(c);
                }
            }
        } else {
            found.push(first_segment(rest_trim));
        }
    }
    found.retain(|s| !s.is_empty());
    found
}

fn first_segment(path: &str) -> String {
    path.trim()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
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
    let mut wrong = Vec::new();
    for (name, files) in &modules {
        for file in files {
            let text = std::fs::read_to_string(file).expect("source file");
            let code = code_only(&text);
            // `super::` at a module's root names the crate root.
            let root = file.file_name().is_some_and(|f| f == "mod.rs")
                || file.parent() == Some(src.as_path());
            if root && code.contains("super::") && !code.contains("mod tests") {
                wrong.push(format!("{}: super:: at a module root", file.display()));
            }
            for used in crate_paths(&code) {
                if used == *name {
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
    let mut paths = crate_paths(&code);
    paths.sort();
    assert_eq!(paths, ["canon", "hash", "json", "time", "verdict"]);
    let lib = "//! ## Layers\n//!\n//! ```text\n//! cli   the top\n//! a b    two\n//! ```\n";
    assert_eq!(layers(lib), [vec!["cli"], vec!["a", "b"]]);
}
