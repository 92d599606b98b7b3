//! The deployment files of `deploy/` run as their engines would run them,
//! without a cluster: the Kubernetes Indexed Job's command once per
//! completion index with the variables a pod gets, the Slurm array's
//! script once per task with the variables Slurm sets, then each merge
//! step; the merged verdicts and summary are one run's.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util;

/// A data directory as the manifests expect it: the export, its DID
/// documents and status lists (the committed sample).
fn data_dir(name: &str) -> PathBuf {
    let dir = util::temp_dir(name);
    let sample = util::repo().join("datasets/sample");
    std::fs::copy(sample.join("credentials.jsonl"), dir.join("export.jsonl")).unwrap();
    for sub in ["dids", "status"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        for entry in std::fs::read_dir(sample.join(sub)).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), dir.join(sub).join(entry.file_name())).unwrap();
        }
    }
    dir
}

/// What one `verify` of the data writes: verdicts and summary.
fn single_run(data: &Path) -> (Vec<u8>, String) {
    let (out, summary) = (data.join("single.jsonl"), data.join("single.json"));
    let d = |p: &str| data.join(p).display().to_string();
    let o = util::cli(
        &[
            "verify",
            "--as-of",
            "2026-01-01T00:00:00Z",
            "--dids",
            &d("dids"),
            "--status-lists",
            &d("status"),
            "-o",
            &out.display().to_string(),
            "--summary",
            &summary.display().to_string(),
            &d("export.jsonl"),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1));
    (
        std::fs::read(out).unwrap(),
        std::fs::read_to_string(summary).unwrap(),
    )
}

/// The value of `key: VALUE` on the first line that has it.
fn yaml_value<'t>(text: &'t str, key: &str) -> &'t str {
    text.lines()
        .find_map(|l| l.trim().strip_prefix(key))
        .unwrap_or_else(|| panic!("no {key}"))
        .trim()
        .trim_matches('"')
}

/// The shell command of a container: the item after `- -c`.
fn shell_command(text: &str) -> String {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let at = lines
        .iter()
        .position(|l| *l == "- -c")
        .expect("a sh -c command");
    lines[at + 1]
        .strip_prefix("- ")
        .expect("an item")
        .to_owned()
}

/// A manifest's command as this machine runs it: the volume's /data is
/// `data`, `credverify` the built binary.
fn local(command: &str, data: &Path) -> String {
    command
        .replace("/data", &data.display().to_string())
        .replace(
            "credverify ",
            &format!("{} ", env!("CARGO_BIN_EXE_credverify")),
        )
}

fn sh(command: &str, env: &[(&str, String)]) {
    let out = Command::new("/bin/sh")
        .args(["-c", command])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("sh");
    assert!(
        out.status.success(),
        "{command}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_kubernetes_indexed_job_and_its_merge_give_one_runs_output() {
    let deploy = util::repo().join("deploy/kubernetes");
    let shards = std::fs::read_to_string(deploy.join("shards.yaml")).unwrap();
    let merge = std::fs::read_to_string(deploy.join("merge.yaml")).unwrap();
    assert_eq!(yaml_value(&shards, "completionMode:"), "Indexed");
    let completions: u64 = yaml_value(&shards, "completions:").parse().unwrap();
    // The manifest passes `completions` on as JOB_COMPLETIONS.
    let at = shards
        .find("name: JOB_COMPLETIONS")
        .expect("JOB_COMPLETIONS");
    assert_eq!(yaml_value(&shards[at..], "value:"), completions.to_string());
    assert!(shards.contains("--shard env"));
    let data = data_dir("deploy-k8s");
    let command = local(&shell_command(&shards), &data);
    // Pods in any order, as the Job schedules them.
    for k in (0..completions).rev() {
        sh(
            &command,
            &[
                ("JOB_COMPLETION_INDEX", k.to_string()),
                ("JOB_COMPLETIONS", completions.to_string()),
            ],
        );
    }
    sh(&local(&shell_command(&merge), &data), &[]);
    let (want, want_summary) = single_run(&data);
    assert!(std::fs::read(data.join("verdicts.jsonl")).unwrap() == want);
    assert_eq!(
        util::steady_summary(&std::fs::read_to_string(data.join("summary.json")).unwrap()),
        util::steady_summary(&want_summary)
    );
}

#[test]
fn the_slurm_array_and_its_merge_give_one_runs_output() {
    let deploy = util::repo().join("deploy/slurm");
    let script = std::fs::read_to_string(deploy.join("shards.sbatch")).unwrap();
    let array = yaml_value(&script, "#SBATCH --array=");
    let (min, max) = array.split_once('-').expect("MIN-MAX");
    let (min, max): (u64, u64) = (min.parse().unwrap(), max.parse().unwrap());
    let submit = std::fs::read_to_string(deploy.join("submit.sh")).unwrap();
    assert!(submit.contains("--dependency=afterok:"));
    let data = data_dir("deploy-slurm");
    let env = |id: Option<u64>| {
        let mut e = vec![
            ("CREDVERIFY_DATA", data.display().to_string()),
            ("CREDVERIFY", env!("CARGO_BIN_EXE_credverify").to_owned()),
        ];
        if let Some(id) = id {
            e.extend([
                ("SLURM_ARRAY_TASK_ID", id.to_string()),
                ("SLURM_ARRAY_TASK_MIN", min.to_string()),
                ("SLURM_ARRAY_TASK_MAX", max.to_string()),
                ("SLURM_ARRAY_TASK_COUNT", (max - min + 1).to_string()),
            ]);
        }
        e
    };
    let run = |file: &str, id: Option<u64>| {
        let out = Command::new("/bin/bash")
            .arg(deploy.join(file))
            .envs(env(id))
            .output()
            .expect("bash");
        assert!(
            out.status.success(),
            "{file} {id:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    for id in min..=max {
        run("shards.sbatch", Some(id));
    }
    // A task run again (requeued) replaces its part.
    run("shards.sbatch", Some(min));
    run("merge.sbatch", None);
    let (want, want_summary) = single_run(&data);
    assert!(std::fs::read(data.join("verdicts.jsonl")).unwrap() == want);
    assert_eq!(
        util::steady_summary(&std::fs::read_to_string(data.join("summary.json")).unwrap()),
        util::steady_summary(&want_summary)
    );
}
