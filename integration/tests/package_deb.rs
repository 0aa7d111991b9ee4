//! The Debian package: built with `cargo deb` from the built binaries
//! (integration/package/build-deb.sh), unpacked into a scratch root with
//! `dpkg -x`; the installed kad checks the installed example (in a
//! namespace that has its eth0), the unit passes `systemd-analyze verify`,
//! the man pages render and the completions load.

use kad_integration::netns::Lab;
use std::path::Path;
use std::process::Command;

fn ok(c: &mut Command) -> String {
    let o = c.output().unwrap_or_else(|e| panic!("{c:?}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{c:?}: {text}");
    text
}

#[test]
fn the_package_installs_and_its_kad_checks_the_example() {
    let kad = kad_integration::bin("kad");
    kad_integration::bin("kactl");
    let bin_dir = kad.parent().unwrap();
    let out = tempfile::tempdir().unwrap();
    ok(
        Command::new(kad_integration::root().join("integration/package/build-deb.sh"))
            .arg(bin_dir)
            .arg(out.path())
            .arg("--fast"),
    );
    let deb = std::fs::read_dir(out.path())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .expect("a .deb");
    let info = ok(Command::new("dpkg-deb").arg("-I").arg(&deb));
    assert!(info.contains("Package: kad"), "{info}");
    let depends = info
        .lines()
        .find_map(|l| l.trim().strip_prefix("Depends: "))
        .unwrap_or_default()
        .to_string();
    let root = out.path().join("root");
    ok(Command::new("dpkg").arg("-x").arg(&deb).arg(&root));
    for f in [
        "usr/sbin/kad",
        "usr/bin/kactl",
        "lib/systemd/system/kad.service",
        "etc/default/kad",
        "usr/share/doc/kad/examples/keepalived.conf",
        "usr/share/man/man8/kad.8",
        "usr/share/man/man8/kactl.8",
        "usr/share/man/man5/kad.conf.5",
        "usr/share/bash-completion/completions/kad",
        "usr/share/bash-completion/completions/kactl",
        "usr/share/zsh/vendor-completions/_kad",
        "usr/share/fish/vendor_completions.d/kactl.fish",
    ] {
        assert!(root.join(f).is_file(), "{f} is not in the package");
    }
    let ikad = root.join("usr/sbin/kad");
    let example = root.join("usr/share/doc/kad/examples/keepalived.conf");
    // The example names eth0: check it where there is one.
    let lab = Lab::new(1);
    let o = lab.exec(
        0,
        &format!("{} -t -f {}; echo rc=$?", ikad.display(), example.display()),
    );
    let text = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert!(
        text.contains("rc=0"),
        "installed kad -t on the example: {text}"
    );
    ok(Command::new(root.join("usr/bin/kactl")).arg("--help"));
    // Every library the binaries link (ldd) comes from a package it
    // depends on (dpkg -S).
    for b in ["usr/sbin/kad", "usr/bin/kactl"] {
        let libs = ok(Command::new("ldd").arg(root.join(b)));
        for lib in libs
            .lines()
            .filter_map(|l| l.split("=> ").nth(1)?.split(' ').next())
        {
            let real = std::fs::canonicalize(lib).unwrap();
            let owner = [Path::new(lib), real.as_path()]
                .iter()
                .find_map(|p| {
                    let o = Command::new("dpkg").arg("-S").arg(p).output().ok()?;
                    o.status.success().then(|| {
                        let t = String::from_utf8_lossy(&o.stdout).to_string();
                        t.split(':').next().unwrap_or_default().to_string()
                    })
                })
                .unwrap_or_else(|| panic!("no package owns {lib}"));
            assert!(
                depends.split(", ").any(|d| d == owner),
                "{b} links {lib} from {owner}, not in Depends: {depends}"
            );
        }
    }
    // The man pages are generated from the flags and keywords.
    let kad8 = std::fs::read_to_string(root.join("usr/share/man/man8/kad.8")).unwrap();
    assert!(
        kad8.contains("dont\\-release\\-vrrp") && kad8.contains("kad.service"),
        "{kad8}"
    );
    let conf5 = std::fs::read_to_string(root.join("usr/share/man/man5/kad.conf.5")).unwrap();
    assert!(conf5.contains("virtual_router_id"));
    let page = ok(Command::new("man")
        .arg("-l")
        .arg(root.join("usr/share/man/man8/kad.8"))
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "100"));
    assert!(page.contains("--log-facility"), "{page}");
    // The bash completion loads and completes kad's flags.
    let comp = root.join("usr/share/bash-completion/completions/kad");
    let c = ok(Command::new("bash")
        .arg("-c")
        .arg(format!("source {} && complete -p kad", comp.display())));
    assert!(c.contains("kad"), "{c}");
    // The unit, with its ExecStart in the scratch root and the man pages
    // it documents found there.
    verify_unit(&root);
}

fn verify_unit(root: &Path) {
    let unit = std::fs::read_to_string(root.join("lib/systemd/system/kad.service")).unwrap();
    assert!(unit.contains("Type=notify") && unit.contains("WatchdogSec="));
    let d = tempfile::tempdir().unwrap();
    let u = d.path().join("kad.service");
    std::fs::write(
        &u,
        unit.replace(
            "/usr/sbin/kad",
            &root.join("usr/sbin/kad").display().to_string(),
        ),
    )
    .unwrap();
    let o = Command::new(kad_integration::require("systemd-analyze"))
        .arg("verify")
        .arg(&u)
        .env("MANPATH", root.join("usr/share/man"))
        .output()
        .unwrap();
    assert!(
        o.status.success() && o.stderr.is_empty(),
        "systemd-analyze verify: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}
