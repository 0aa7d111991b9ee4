//! What a package ships beside the binaries, generated from the clap
//! definitions: man pages (clap_mangen) and shell completions
//! (clap_complete); and kad.conf(5) from the configuration reference
//! (Markdown, turned into roff here). Used by `kad --generate-dist DIR` and
//! `kactl --generate-dist DIR` (kad's own, for packaging).

use std::io::Write;
use std::path::Path;

/// Write `DIR/man/NAME.SECTION` (with `extra` roff appended) and
/// `DIR/completions/{NAME.bash,_NAME,NAME.fish}`.
pub fn write(cmd: clap::Command, section: &str, extra: &str, dir: &Path) -> std::io::Result<()> {
    let name = cmd.get_name().to_string();
    let man = dir.join("man");
    let comp = dir.join("completions");
    std::fs::create_dir_all(&man)?;
    std::fs::create_dir_all(&comp)?;
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .section(section)
        .manual("System Manager's Manual")
        .source(format!("kad {}", env!("CARGO_PKG_VERSION")))
        .render(&mut page)?;
    page.extend_from_slice(extra.as_bytes());
    std::fs::write(man.join(format!("{name}.{section}")), page)?;
    use clap_complete::Shell;
    for (shell, file) in [
        (Shell::Bash, format!("{name}.bash")),
        (Shell::Zsh, format!("_{name}")),
        (Shell::Fish, format!("{name}.fish")),
    ] {
        let mut c = cmd.clone();
        let mut out = std::fs::File::create(comp.join(file))?;
        clap_complete::generate(shell, &mut c, &name, &mut out);
        out.flush()?;
    }
    Ok(())
}

/// Escape text for roff, with Markdown's `code` and **bold** in bold.
fn inline(s: &str) -> String {
    let s = s.replace('\\', "\\e").replace('-', "\\-");
    let mut out = String::new();
    let mut bold = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let toggle = c == '`' || (c == '*' && chars.peek() == Some(&'*'));
        if toggle {
            if c == '*' {
                chars.next();
            }
            out.push_str(if bold { "\\fR" } else { "\\fB" });
            bold = !bold;
        } else {
            out.push(c);
        }
    }
    if bold {
        out.push_str("\\fR");
    }
    out
}

fn line(out: &mut String, text: &str) {
    let t = inline(text);
    if t.starts_with('.') || t.starts_with('\'') {
        out.push_str("\\&");
    }
    out.push_str(&t);
    out.push('\n');
}

/// A man page in section 5 from the configuration reference: `##`
/// headings become sections, table rows tagged paragraphs.
pub fn markdown_man(name: &str, title: &str, md: &str) -> String {
    let mut out = format!(
        ".TH {} 5 \"\" \"kad {}\" \"File Formats Manual\"\n.SH NAME\n{} \\- {}\n",
        name.to_uppercase(),
        env!("CARGO_PKG_VERSION"),
        name,
        inline(title)
    );
    let mut started = false;
    for l in md.lines() {
        let l = l.trim_end();
        if let Some(h) = l.strip_prefix("## ") {
            out.push_str(&format!(".SH \"{}\"\n", inline(h).to_uppercase()));
        } else if l.starts_with("# ") {
            out.push_str(".SH DESCRIPTION\n");
            started = true;
        } else if l.starts_with("|---") || l == "| keyword | support |" {
        } else if let Some(row) = l.strip_prefix('|') {
            let cells: Vec<&str> = row
                .split('|')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect();
            out.push_str(".TP\n");
            line(&mut out, cells.first().copied().unwrap_or(""));
            line(&mut out, &cells[1.min(cells.len())..].join(" "));
        } else if l.is_empty() {
            if started {
                out.push_str(".PP\n");
            }
        } else {
            line(&mut out, l);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_roff() {
        let md = "# ref\n\nSome `kw` and **yes**.\n\n## global_defs\n\n| keyword | support |\n|---|---|\n| `router_id` | yes |\n";
        let r = markdown_man("kad.conf", "reference", md);
        assert!(r.starts_with(".TH KAD.CONF 5"), "{r}");
        assert!(r.contains("Some \\fBkw\\fR and \\fByes\\fR."), "{r}");
        assert!(r.contains(".SH \"GLOBAL_DEFS\"\n"), "{r}");
        assert!(r.contains(".TP\n\\fBrouter_id\\fR\nyes\n"), "{r}");
        assert!(!r.contains("|"), "{r}");
    }
}
