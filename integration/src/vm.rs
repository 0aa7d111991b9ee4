//! Booting Debian's kernel (which has IPVS) under qemu with a scenario:
//! `integration/vm/build-image.sh` makes the image, `run` boots it and
//! returns what the scenario printed between its markers.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// What a scenario printed, and whether it passed its own checks.
pub struct VmRun {
    pub output: String,
    pub passed: bool,
}

/// Build the image (with this workspace's `kad`) once per test process.
pub fn image() -> PathBuf {
    static IMAGE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    IMAGE
        .get_or_init(|| {
            let kad = crate::bin("kad");
            crate::bin("kactl");
            crate::bin("echo-flows");
            let out = crate::root().join(if std::env::var_os("KAD_VM_EXTRA").is_some() {
                "target/vm-image-bench"
            } else {
                "target/vm-image"
            });
            let st = Command::new(crate::root().join("integration/vm/build-image.sh"))
                .arg(&out)
                .arg(&kad)
                .status()
                .expect("build-image.sh");
            assert!(st.success(), "building the VM image failed");
            out
        })
        .clone()
}

/// How many VMs may run at once on this host: `KAD_VM_SLOTS`, else one per
/// two CPUs (at least one). An emulated VM keeps a CPU busy the whole time;
/// the scenarios run BFD at 100 ms and flows that echo every 200 ms, which
/// a VM sharing its CPU with another VM misses (BFD sessions fail, the
/// router drops a live director): on two CPUs, two VMs beside the rest of
/// the suite starved each other. Test processes (several suites at once,
/// `integration/soak.sh`) share the slots through locked files.
fn slots() -> usize {
    std::env::var("KAD_VM_SLOTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() / 2))
        .max(1)
}

/// One of the host's VM slots, held until dropped (the lock goes with the
/// file, also when the test process dies).
fn take_slot() -> std::fs::File {
    let dir = crate::root().join("target/vm-slots");
    std::fs::create_dir_all(&dir).expect("target/vm-slots");
    let files: Vec<std::fs::File> = (0..slots())
        .map(|i| {
            std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(dir.join(format!("slot{i}")))
                .expect("a VM slot file")
        })
        .collect();
    loop {
        for f in &files {
            if f.try_lock().is_ok() {
                return f.try_clone().expect("the VM slot file");
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Boot the image with `scenario` (integration/vm/scenarios/NAME.sh).
pub fn run(scenario: &str, limit: Duration) -> VmRun {
    let img = image();
    let _slot = take_slot();
    // Before the other tests for the CPU: an emulated machine's BFD
    // (100 ms) and its flows' echoes (200 ms) are real-time to it, and the
    // suite beside it (namespace tests with their daemons, the corpus)
    // would otherwise starve it into false failures (soak: 28 s gaps, BFD
    // sessions lost, connects timed out). As root, which the VM tests are.
    let out = Command::new("nice")
        .args(["-n", "-10", "timeout"])
        .arg(limit.as_secs().to_string())
        .arg("qemu-system-x86_64")
        .args([
            "-accel",
            "tcg",
            "-m",
            "768",
            "-smp",
            "1",
            "-nographic",
            "-no-reboot",
            "-kernel",
        ])
        .arg(img.join("vmlinuz"))
        .arg("-initrd")
        .arg(img.join("initrd.gz"))
        .arg("-append")
        .arg(format!(
            "console=ttyS0 quiet panic=-1 kad.scenario={scenario}"
        ))
        .stdin(std::process::Stdio::null())
        .output()
        .expect("qemu-system-x86_64 (apt-get install qemu-system-x86)");
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    let begin = text
        .find("KAD-VM-BEGIN")
        .unwrap_or_else(|| panic!("the VM never ran the scenario:\n{text}"));
    let body = &text[begin..];
    let end = body
        .find("KAD-VM-END")
        .unwrap_or_else(|| panic!("the scenario did not finish within {limit:?}:\n{body}"));
    let body = &body[..end];
    VmRun {
        output: body.to_string(),
        passed: body.contains("KAD-VM-RESULT PASS"),
    }
}

/// The lines a scenario printed after `=== NAME`, up to the next `===`.
pub fn block(out: &str, name: &str) -> Vec<String> {
    let start = format!("=== {name}");
    let mut lines = out.lines().skip_while(|l| l.trim() != start).skip(1);
    let mut v = Vec::new();
    for l in lines.by_ref() {
        if l.starts_with("===") {
            break;
        }
        v.push(l.trim().to_string());
    }
    v
}
