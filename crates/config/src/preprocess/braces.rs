//! csh-style brace expansion for `include` patterns: `a{b,c}d` gives
//! `abd` and `acd`, nested braces allowed.

/// Expand every `{x,y,...}` group; a brace pair without a top-level comma
/// is kept literally.
pub fn expand_braces(pattern: &str) -> Vec<String> {
    let bytes = pattern.as_bytes();
    let mut depth = 0usize;
    let mut open = None;
    let mut commas = Vec::new();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'{' => {
                if depth == 0 {
                    open = Some(i);
                    commas.clear();
                }
                depth += 1;
            }
            b',' if depth == 1 => commas.push(i),
            b'}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    let Some(o) = open else { continue };
                    if commas.is_empty() {
                        // `{x}` is literal: keep it and expand what follows.
                        let head = &pattern[..=i];
                        return expand_braces(&pattern[i + 1..])
                            .into_iter()
                            .map(|t| format!("{head}{t}"))
                            .collect();
                    }
                    let prefix = &pattern[..o];
                    let suffix = &pattern[i + 1..];
                    let mut bounds = vec![o];
                    bounds.extend(&commas);
                    bounds.push(i);
                    let mut out = Vec::new();
                    for w in bounds.windows(2) {
                        let alt = &pattern[w[0] + 1..w[1]];
                        for e in expand_braces(&format!("{prefix}{alt}{suffix}")) {
                            out.push(e);
                        }
                    }
                    return out;
                }
            }
            _ => {}
        }
    }
    vec![pattern.to_string()]
}

#[cfg(test)]
mod tests {
    use super::expand_braces;

    #[test]
    fn expands_lists_and_nesting() {
        assert_eq!(expand_braces("a{b,c}d"), vec!["abd", "acd"]);
        assert_eq!(
            expand_braces("{x,y{1,2}}.conf"),
            vec!["x.conf", "y1.conf", "y2.conf"]
        );
        assert_eq!(expand_braces("plain.conf"), vec!["plain.conf"]);
        assert_eq!(
            expand_braces("{a,b}/{c,d}"),
            vec!["a/c", "a/d", "b/c", "b/d"]
        );
        assert_eq!(expand_braces("lit{x}{a,b}"), vec!["lit{x}a", "lit{x}b"]);
    }
}
