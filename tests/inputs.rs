//! What users hold: credential files (pretty-printed, arrays, JSON Lines
//! under any name, JWS tokens), and folders of them, walked in a fixed
//! order. Each form must give the verdicts the same credentials give as
//! JSON Lines.

use std::fs;
use std::path::Path;

use credverify::source::InputPath;

use crate::util::{self, Verdict, cli, parse_verdicts, run_with};

/// The DCC fixtures, pretty-printed as issued.
fn dcc() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = fs::read_dir(util::data("dcc"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 3);
    files
}

/// A JSON file's value on one line: JSON strings hold no raw line breaks,
/// so replacing them changes only the layout, which no signature covers.
fn compact(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.lines().count() > 10, "pretty-printed");
    text.replace(['\n', '\r'], " ")
}

/// Verdicts without `file` and `line`, to compare across forms.
fn judged(v: &[Verdict]) -> Vec<(Option<String>, String, Vec<String>)> {
    v.iter()
        .map(|v| (v.id.clone(), v.verdict.clone(), v.problems.clone()))
        .collect()
}

fn run_files(paths: &[&Path], threads: usize) -> Vec<Verdict> {
    let (out, _) = run_with(paths, |c| {
        c.threads = threads;
        c.walk_directories();
    });
    parse_verdicts(&out)
}

#[test]
fn a_pretty_printed_credential_is_one_record_as_in_json_lines() {
    let files = dcc();
    let lines: Vec<String> = files.iter().map(|p| compact(p)).collect();
    let as_lines = util::run_lines(
        &lines.iter().map(String::as_str).collect::<Vec<_>>(),
        |_| {},
    );
    assert_eq!(
        as_lines
            .iter()
            .map(|v| v.verdict.as_str())
            .collect::<Vec<_>>(),
        ["valid", "valid", "expired"]
    );
    for (file, expected) in files.iter().zip(&as_lines) {
        let got = run_files(&[file], 1);
        assert_eq!(got.len(), 1, "{}: one record", file.display());
        assert_eq!(got[0].line, 1);
        assert_eq!(judged(&got), judged(std::slice::from_ref(expected)));
        // Under another name, with a byte order mark, and read as a stream.
        let mut bom = b"\xef\xbb\xbf".to_vec();
        bom.extend(fs::read(file).unwrap());
        let renamed = util::temp_file("credential.jsonl", &bom);
        for mmap in [true, false] {
            let (out, _) = run_with(&[&renamed], |c| c.source.mmap = mmap);
            assert_eq!(judged(&parse_verdicts(&out)), judged(&got), "mmap {mmap}");
        }
    }
}

#[test]
fn json_lines_named_json_and_arrays_named_jsonl_do_what_they_hold() {
    let lines: Vec<String> = dcc().iter().map(|p| compact(p)).collect();
    let expected = judged(&util::run_lines(
        &lines.iter().map(String::as_str).collect::<Vec<_>>(),
        |_| {},
    ));
    // JSON Lines in a file named .json.
    let jsonl = util::temp_file("export.json", format!("{}\n", lines.join("\n")).as_bytes());
    let got = run_files(&[&jsonl], 1);
    assert_eq!(judged(&got), expected);
    assert_eq!(got.iter().map(|v| v.line).collect::<Vec<_>>(), [1, 2, 3]);
    // A pretty-printed array in a file named .jsonl, and on one line.
    let pretty = format!("[\n  {},\n  {}\n]\n", lines.join(",\n  "), "");
    let pretty = pretty.replace(",\n  \n]", "\n]");
    // One line holding the array: an array under a .json name, one JSON
    // Lines record under a .jsonl name (the name breaks the tie).
    let one_line = format!("[{}]", lines.join(","));
    let as_lines = util::temp_file("export.jsonl", one_line.as_bytes());
    let got = run_files(&[&as_lines], 1);
    assert_eq!(
        (got.len(), got[0].problems.clone()),
        (1, vec!["not_a_credential".to_owned()])
    );
    for (text, name) in [(pretty, "export.jsonl"), (one_line, "export.json")] {
        let array = util::temp_file(name, text.as_bytes());
        let got = run_files(&[&array], 1);
        assert_eq!(judged(&got), expected, "{text:.40}");
        assert_eq!(got.iter().map(|v| v.line).collect::<Vec<_>>(), [1, 2, 3]);
    }
    // Arrays one per line stay JSON Lines: each line is one record.
    let two = util::temp_file("arrays.jsonl", b"[1]\n[2]\n");
    let got = run_files(&[&two], 1);
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|v| v.verdict == "malformed"));
}

#[test]
fn a_file_of_tokens_is_read_one_token_per_line() {
    let sk = util::key(3);
    let token = util::signed_jwt(&sk);
    let one = util::temp_file("badge.jwt", token.as_bytes());
    let got = run_files(&[&one], 1);
    assert_eq!(got.len(), 1);
    assert_eq!((got[0].line, got[0].verdict.as_str()), (1, "valid"));
    let many = util::temp_file("tokens.txt", format!("{token}\n\n{token}\n").as_bytes());
    let got = run_files(&[&many], 1);
    assert_eq!(got.iter().map(|v| v.line).collect::<Vec<_>>(), [1, 3]);
}

/// A folder two levels deep holding every text form, a file that is none
/// of them, and a symbolic link loop.
fn folder() -> std::path::PathBuf {
    let root = util::temp_dir("folder");
    let lines: Vec<String> = dcc().iter().map(|p| compact(p)).collect();
    let sk = util::key(4);
    fs::create_dir_all(root.join("b/deeper")).unwrap();
    fs::create_dir_all(root.join("a")).unwrap();
    for (i, file) in dcc().iter().enumerate() {
        fs::copy(file, root.join(format!("b/deeper/{i}-pretty.json"))).unwrap();
    }
    fs::write(
        root.join("a/export.jsonl"),
        format!("{}\n", lines.join("\n")),
    )
    .unwrap();
    fs::write(root.join("a/array.json"), format!("[{}]", lines.join(","))).unwrap();
    fs::write(root.join("b/token.jwt"), util::signed_jwt(&sk)).unwrap();
    fs::write(root.join("b/notes.txt"), "not a credential").unwrap();
    fs::write(root.join("README"), "read me").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("..", root.join("b/deeper/up")).unwrap();
    root
}

#[test]
fn a_folder_is_walked_in_path_order_with_every_file_named() {
    let root = folder();
    let got = run_files(&[&root], 2);
    let files: Vec<String> = got.iter().map(|v| v.file.clone().expect("file")).collect();
    let rel: Vec<String> = files
        .iter()
        .map(|f| {
            Path::new(f)
                .strip_prefix(&root)
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(
        rel,
        [
            "a/array.json",
            "a/array.json",
            "a/array.json",
            "a/export.jsonl",
            "a/export.jsonl",
            "a/export.jsonl",
            "b/deeper/0-pretty.json",
            "b/deeper/1-pretty.json",
            "b/deeper/2-pretty.json",
            "b/token.jwt",
        ]
    );
    assert_eq!(
        got.iter().map(|v| v.verdict.as_str()).collect::<Vec<_>>(),
        [
            "valid", "valid", "expired", "valid", "valid", "expired", "valid", "valid", "expired",
            "valid"
        ]
    );
    // The same output whatever the thread count, and on the command line.
    let (one, summary) = run_with(&[&root], |c| {
        c.threads = 1;
        c.walk_directories();
    });
    let (two, _) = run_with(&[&root], |c| {
        c.threads = 2;
        c.walk_directories();
    });
    assert_eq!(one, two);
    assert_eq!(summary.files, 6);
    assert_eq!(summary.skipped_files, [("extension".to_owned(), 2)]);
    assert_eq!(summary.walk_errors.len(), 1, "{:?}", summary.walk_errors);
    assert!(summary.walk_errors[0].1.contains("loop"));
    assert!(
        !summary.all_valid(),
        "an incomplete walk is never a clean run"
    );
    let out = cli(
        &[
            "verify",
            "--as-of",
            util::AS_OF,
            "--no-progress",
            root.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), one);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("loop"), "{stderr}");
    assert!(stderr.contains("2 skipped (2 extension)"), "{stderr}");
}

#[test]
fn a_file_gone_after_the_walk_is_reported_and_the_run_goes_on() {
    let root = util::temp_dir("vanishing");
    let lines: Vec<String> = dcc().iter().map(|p| compact(p)).collect();
    fs::write(root.join("1.jsonl"), format!("{}\n", lines[0])).unwrap();
    fs::write(root.join("2.jsonl"), format!("{}\n", lines[1])).unwrap();
    let (out, summary) = run_with(&[&root], |c| {
        c.walk_directories();
        assert_eq!(c.inputs.len(), 2);
        assert!(matches!(c.inputs[0], InputPath::Found(_)));
        fs::remove_file(root.join("1.jsonl")).unwrap();
    });
    let got = parse_verdicts(&out);
    assert_eq!(got.len(), 1);
    assert!(got[0].file.as_deref().unwrap().ends_with("2.jsonl"));
    assert_eq!(summary.unreadable.len(), 1);
    assert!(summary.unreadable[0].0.ends_with("1.jsonl"));
    assert!(!summary.complete());
}

#[test]
fn two_folders_never_collide_and_a_named_file_is_read_whatever_its_name() {
    let a = folder();
    let b = folder();
    let odd = util::temp_file("credential.txt", compact(&dcc()[0]).as_bytes());
    let got = run_files(&[&a, &b, &odd], 2);
    assert_eq!(got.len(), 21);
    let from = |root: &Path| {
        got.iter()
            .filter(|v| {
                v.file
                    .as_deref()
                    .unwrap()
                    .starts_with(root.to_str().unwrap())
            })
            .count()
    };
    assert_eq!((from(&a), from(&b)), (10, 10));
    assert_eq!(got[20].file.as_deref(), odd.to_str());
    assert_eq!(got[20].verdict, "valid");
}

#[test]
fn small_files_bundled_give_the_verdicts_of_json_lines_whatever_the_bundle_size() {
    // 120 one-record files (valid, expired, tampered, malformed, tokens)
    // and a JSON Lines file of the same records in the same order.
    let lines: Vec<String> = dcc().iter().map(|p| compact(p)).collect();
    let sk = util::key(5);
    let root = util::temp_dir("bundles");
    let mut same = Vec::new();
    for i in 0..120 {
        let record = match i % 5 {
            0 => lines[0].clone(),
            1 => lines[2].clone(),
            2 => lines[1].replace("Example Corp", "Example Corp."),
            3 => "{\"broken\":".to_owned(),
            _ => util::signed_jwt(&sk),
        };
        let name = if i % 5 == 4 { "t.jwt" } else { "c.json" };
        fs::write(root.join(format!("{i:03}-{name}")), &record).unwrap();
        same.push(record);
    }
    let jsonl = util::temp_file("same.jsonl", format!("{}\n", same.join("\n")).as_bytes());
    let expected = judged(&run_files(&[&jsonl], 1));
    assert_eq!(expected.len(), 120);
    for (threads, chunk) in [(1, 1 << 21), (2, 1 << 21), (2, 4096), (2, 1)] {
        let (out, summary) = run_with(&[&root], |c| {
            c.threads = threads;
            c.source.chunk_bytes = chunk;
            c.walk_directories();
        });
        let got = parse_verdicts(&out);
        assert_eq!(
            judged(&got),
            expected,
            "threads {threads}, chunks of {chunk}"
        );
        assert!(got.iter().all(|v| v.line == 1));
        assert_eq!(summary.files, 120);
    }
}

/// Verdict, problems and warnings of each record.
fn outcome(v: &[Verdict]) -> Vec<(String, Vec<String>, Vec<String>)> {
    v.iter()
        .map(|v| (v.verdict.clone(), v.problems.clone(), v.warnings.clone()))
        .collect()
}

#[test]
fn baked_badges_give_the_verdict_of_the_credential_inside() {
    use credverify::source::baked::{BadgeVersion, bake_png, bake_svg};
    let credential = fs::read(&dcc()[0]).unwrap();
    let token = util::signed_jwt(&util::key(6));
    let dir = util::temp_dir("baked");
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        fs::write(&path, bytes).unwrap();
        path
    };
    let s = |v: &[&str]| v.iter().map(|w| w.to_string()).collect::<Vec<_>>();
    type Case<'a> = (std::path::PathBuf, (&'a str, Vec<String>, Vec<String>));
    let cases: Vec<Case<'_>> = vec![
        (
            write("a.png", &bake_png(&credential, BadgeVersion::Ob3, false)),
            ("valid", s(&[]), s(&[])),
        ),
        (
            write("b.png", &bake_png(&credential, BadgeVersion::Ob3, true)),
            ("valid", s(&[]), s(&["baked_compressed"])),
        ),
        (
            write("c.svg", &bake_svg(&credential, BadgeVersion::Ob3, false)),
            ("valid", s(&[]), s(&[])),
        ),
        (
            write(
                "d.svg",
                &bake_svg(token.as_bytes(), BadgeVersion::Ob3, true),
            ),
            ("valid", s(&[]), s(&[])),
        ),
        (
            write(
                "e.png",
                &bake_png(token.as_bytes(), BadgeVersion::Ob3, false),
            ),
            ("valid", s(&[]), s(&[])),
        ),
        (
            write(
                "f.png",
                &bake_png(
                    b"https://issuer.example/assertions/1",
                    BadgeVersion::Ob2,
                    false,
                ),
            ),
            ("unsupported", s(&["hosted_assertion"]), s(&[])),
        ),
        (
            write("g.png", b""),
            ("malformed", s(&["image_corrupt"]), s(&[])),
        ),
        (
            write("h.png", b"{\"not\":\"an image\"}"),
            ("malformed", s(&["image_corrupt"]), s(&[])),
        ),
        (
            write("i.svg", b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            ("malformed", s(&["baked_none"]), s(&[])),
        ),
    ];
    // Two credentials in one image: a second chunk spliced in before IEND.
    let one = bake_png(&credential, BadgeVersion::Ob3, false);
    let other = bake_png(token.as_bytes(), BadgeVersion::Ob3, false);
    let chunk = |png: &[u8]| png[33..png.len() - 12].to_vec(); // after IHDR, before IEND
    let mut twice = one[..one.len() - 12].to_vec();
    twice.extend(chunk(&other));
    twice.extend_from_slice(&one[one.len() - 12..]);
    let twice_path = write("j.png", &twice);
    // A gigabyte of zeros named .png (sparse): refused from its first bytes.
    let zeros = dir.join("k.png");
    fs::File::create(&zeros).unwrap().set_len(1 << 30).unwrap();
    let mut paths: Vec<&Path> = cases.iter().map(|(p, _)| p.as_path()).collect();
    paths.push(&twice_path);
    paths.push(&zeros);
    for threads in [1, 2] {
        let got = run_files(&paths, threads);
        let mut expected: Vec<(String, Vec<String>, Vec<String>)> = cases
            .iter()
            .map(|(_, (v, p, w))| (v.to_string(), p.clone(), w.clone()))
            .collect();
        expected.push(("malformed".into(), s(&["baked_twice"]), s(&[])));
        expected.push(("malformed".into(), s(&["image_corrupt"]), s(&[])));
        assert_eq!(outcome(&got), expected, "threads {threads}");
        assert!(got.iter().all(|v| v.line == 1));
    }
}

#[test]
fn upstream_baked_badges_through_a_walk() {
    let got = run_files(&[&util::data("baked")], 2);
    let by_file: Vec<(String, String, Vec<String>)> = got
        .iter()
        .map(|v| {
            (
                Path::new(v.file.as_deref().unwrap())
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                v.verdict.clone(),
                v.problems.clone(),
            )
        })
        .collect();
    let want = |f: &str, v: &str, p: &str| (f.to_owned(), v.to_owned(), vec![p.to_owned()]);
    assert_eq!(
        by_file,
        [
            want(
                "1edtech-ob20-simple-badge.png",
                "unsupported",
                "hosted_assertion"
            ),
            // The 1EdTech examples name an https issuer whose key is not
            // given offline; their RS256 JWTs carry the key only in the
            // header's `jwk` (tests/jwt_algs.rs verifies them).
            want("1edtech-ob30-simple-json.png", "unknown_key", "unknown_key"),
            want("1edtech-ob30-simple-json.svg", "unknown_key", "unknown_key"),
            want("1edtech-ob30-simple-jwt.png", "unknown_key", "unknown_key"),
            want("1edtech-ob30-simple-jwt.svg", "unknown_key", "unknown_key"),
            want("mozilla-baked.svg", "unsupported", "hosted_assertion"),
            want("mozilla-no-json.svg", "unsupported", "hosted_assertion"),
            want("mozilla-unbaked.png", "malformed", "baked_none"),
            want("mozilla-unbaked.svg", "malformed", "baked_none"),
        ]
    );
    assert_eq!(
        got[1].id.as_deref(),
        Some("http://example.com/credentials/3527"),
        "the credential inside the PNG was read"
    );
}
