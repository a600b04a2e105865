//! Tidy checks: the documentation keeps up with the code, and the modules stay free of cycles.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use yigong_domain::referral::ReasonCode;
use yigong_domain::rule::RuleId;

#[test]
fn every_rule_id_is_documented_in_docs_domain_md() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/domain.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let missing: Vec<&str> = RuleId::ALL
        .iter()
        .map(|r| r.code())
        .filter(|code| !doc.contains(&format!("`{code}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "rule ids missing from docs/domain.md: {missing:?}"
    );
}

/// The wire's referral reasons point to docs/domain.md: every code is there, with its direction.
#[test]
fn every_referral_reason_is_documented_in_docs_domain_md() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/domain.md");
    let doc = std::fs::read_to_string(path).unwrap();
    let missing: Vec<&str> = ReasonCode::ALL
        .iter()
        .filter(|r| {
            let direction = match r.direction() {
                Some(d) => d.code(),
                None => "either",
            };
            !doc.contains(&format!("| `{}` | {direction} |", r.code()))
        })
        .map(|r| r.code())
        .collect();
    assert!(
        missing.is_empty(),
        "referral reasons missing from docs/domain.md: {missing:?}"
    );
}

/// Tidy check: the crate's top-level modules depend on each other without a cycle, so each can
/// be read, tested and moved on its own (`profile` is a leaf; `event` and `indicator` gather).
///
/// Module `a` depends on `b` when a file under `src/a` (or `src/a.rs`) names a `crate::b` path,
/// in a `use` or in code, tests included; comments and string literals do not count. Every
/// `crate::` path must name a top-level module, so no path escapes the check; `super::` paths
/// stay inside a module's folder and are not read.
#[test]
fn the_domain_modules_form_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = ModuleGraph::read(&src);
    assert!(
        graph.unknown.is_empty(),
        "`crate::` paths that name no top-level module: {:?}",
        graph.unknown
    );
    assert!(
        graph.edges.len() >= 10,
        "read only {} modules",
        graph.edges.len()
    );
    if let Some(cycle) = graph.cycle() {
        let steps: Vec<String> = cycle
            .windows(2)
            .map(|w| {
                format!(
                    "{} uses {} in {}",
                    w[0],
                    w[1],
                    graph.evidence[&(w[0].clone(), w[1].clone())]
                )
            })
            .collect();
        panic!(
            "the domain's modules form a cycle: {} ({})",
            cycle.join(" → "),
            steps.join("; ")
        );
    }
}

#[test]
fn the_cycle_check_reads_crate_paths_and_finds_a_cycle() {
    let code = concat!(
        "use crate::{a::X, b::{c, d}};\n// crate::e\n/* crate::f */ let s = \"crate::g\";\n",
        "let c = '\"'; crate::h::i(); fn f<'a>(x: &'a crate :: j::K) {}\npub(crate) fn k() {}",
    );
    assert_eq!(crate_paths(code), ["a", "b", "h", "j"]);
    let mut graph = ModuleGraph::default();
    for (from, to) in [("a", "b"), ("b", "c"), ("c", "a"), ("d", "a")] {
        graph.add(from, to, "here");
    }
    assert_eq!(graph.cycle().unwrap(), ["a", "b", "c", "a"]);
    graph.edges.get_mut("c").unwrap().clear();
    assert_eq!(graph.cycle(), None);
}

/// The top-level modules of a crate and which use which.
#[derive(Default)]
struct ModuleGraph {
    /// Module → the modules it uses.
    edges: BTreeMap<String, BTreeSet<String>>,
    /// (from, to) → the first file where `from` uses `to`.
    evidence: BTreeMap<(String, String), String>,
    /// `crate::x` paths whose `x` is no top-level module, with their file.
    unknown: BTreeSet<(String, String)>,
}

impl ModuleGraph {
    fn read(src: &Path) -> ModuleGraph {
        let mut files = Vec::new();
        rust_files(src, &mut files);
        files.sort();
        let module_of = |file: &Path| -> Option<String> {
            let first = file.strip_prefix(src).ok()?.components().next()?;
            let name = first.as_os_str().to_str()?.trim_end_matches(".rs");
            (name != "lib").then(|| name.to_owned())
        };
        let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(f)).collect();
        let mut graph = ModuleGraph::default();
        for file in &files {
            let Some(from) = module_of(file) else {
                continue;
            };
            graph.edges.entry(from.clone()).or_default();
            let text = std::fs::read_to_string(file).unwrap();
            let shown = file
                .strip_prefix(src.parent().unwrap())
                .unwrap()
                .display()
                .to_string();
            for to in crate_paths(&text) {
                if !modules.contains(&to) {
                    graph.unknown.insert((to, shown.clone()));
                } else if to != from {
                    graph.add(&from, &to, &shown);
                }
            }
        }
        graph
    }

    fn add(&mut self, from: &str, to: &str, file: &str) {
        self.edges.entry(to.to_owned()).or_default();
        self.edges
            .entry(from.to_owned())
            .or_default()
            .insert(to.to_owned());
        self.evidence
            .entry((from.to_owned(), to.to_owned()))
            .or_insert_with(|| file.to_owned());
    }

    /// A shortest cycle, as the modules along it (the first repeated at the end); of cycles
    /// equally short, the one through the module first in name order, so the answer is stable.
    fn cycle(&self) -> Option<Vec<String>> {
        let mut best: Option<Vec<String>> = None;
        for start in self.edges.keys() {
            // Breadth first from `start`: the first path back to it is a shortest cycle.
            let mut came_from: BTreeMap<&str, &str> = BTreeMap::new();
            let mut queue = std::collections::VecDeque::from([start.as_str()]);
            while let Some(node) = queue.pop_front() {
                for next in self.edges.get(node).into_iter().flatten() {
                    if next == start {
                        let mut back = Vec::new();
                        let mut at = node;
                        while at != start {
                            back.push(at.to_owned());
                            at = came_from[at];
                        }
                        let mut cycle = vec![start.clone()];
                        cycle.extend(back.into_iter().rev());
                        cycle.push(start.clone());
                        if best.as_ref().is_none_or(|b| cycle.len() < b.len()) {
                            best = Some(cycle);
                        }
                        queue.clear();
                        break;
                    }
                    if !came_from.contains_key(next.as_str()) {
                        came_from.insert(next, node);
                        queue.push_back(next);
                    }
                }
            }
        }
        best
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The first segment of every `crate::` path in `text` (`a` and `b` for
/// `use crate::{a::X, b::Y}`), in order of appearance, outside comments and literals.
fn crate_paths(text: &str) -> Vec<String> {
    let code: Vec<char> = code_only(text).chars().collect();
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let skip_ws = |mut i: usize| {
        while code.get(i).is_some_and(|c| c.is_whitespace()) {
            i += 1;
        }
        i
    };
    let word_at = |i: usize| -> String { code[i..].iter().take_while(|c| ident(**c)).collect() };
    let mut found = Vec::new();
    let mut i = 0;
    while i < code.len() {
        let starts_word = i == 0 || !ident(code[i - 1]);
        if !(starts_word && word_at(i) == "crate") {
            i += 1;
            continue;
        }
        i += "crate".len();
        let j = skip_ws(i);
        if code.get(j) != Some(&':') || code.get(j + 1) != Some(&':') {
            continue;
        }
        let j = skip_ws(j + 2);
        if code.get(j) == Some(&'{') {
            // A group: the first segment of each tree at depth one.
            let (mut depth, mut k, mut expect) = (0, j, true);
            while k < code.len() {
                match code[k] {
                    '{' => {
                        depth += 1;
                        expect = depth == 1;
                    }
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => expect = true,
                    c if ident(c) && expect => {
                        found.push(word_at(k));
                        expect = false;
                        k += word_at(k).len();
                        continue;
                    }
                    _ => {}
                }
                k += 1;
            }
            i = k;
        } else {
            let word = word_at(j);
            if !word.is_empty() {
                found.push(word);
            }
            i = j;
        }
    }
    found
}

/// `text` without comments and without the contents of string and character literals (each
/// replaced by a space), lifetimes kept.
fn code_only(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < c.len() {
        let next = c.get(i + 1).copied();
        if c[i] == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && next == Some('*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if c[i] == 'r'
            && (i == 0 || !(c[i - 1].is_alphanumeric() || c[i - 1] == '_'))
            && matches!(next, Some('"' | '#'))
        {
            // A raw string: r"…" or r#"…"#.
            let hashes = c[i + 1..].iter().take_while(|&&h| h == '#').count();
            if c.get(i + 1 + hashes) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            i += hashes + 2;
            while i < c.len()
                && !(c[i] == '"' && c[i + 1..].iter().take_while(|&&h| h == '#').count() >= hashes)
            {
                i += 1;
            }
            i += 1 + hashes;
            out.push(' ');
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(' ');
        } else if c[i] == '\'' && (next == Some('\\') || c.get(i + 2) == Some(&'\'')) {
            // A character literal ('x', '\n', '\u{..}'); a lifetime has no closing quote.
            i += 1;
            while i < c.len() && c[i] != '\'' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(' ');
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}
