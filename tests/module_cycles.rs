//! Tidy: no module cycle inside the use cases (the domain has its own check in
//! `crates/domain/tests/domain/tidy.rs`).
//!
//! A cycle between modules means two concepts cannot be read, tested or moved apart; the
//! structure issue removed the one that had grown (`deps` ↔ `network`) and this test keeps it
//! out. Edges are read
//! from the source: module `a` depends on `b` when a file under `a` names `crate::b` (in a
//! `use` or a path) or imports `b`'s re-exports from the crate root.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`.
fn sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(sources(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The top-level module a file belongs to (`followup` for `src/followup/plan.rs`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next()?.as_os_str().to_str()?.to_owned();
    let name = first.trim_end_matches(".rs").to_owned();
    (name != "lib" && name != "main").then_some(name)
}

/// Names `lib.rs` re-exports (`pub use module::{A, B}`), so `use crate::{A}` counts as an edge
/// to `module`.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    for item in lib.split(';') {
        let item = item.trim();
        let Some(rest) = item.strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, list)) = rest.split_once("::") else {
            continue;
        };
        for name in list
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|n| !n.is_empty())
        {
            names.insert(name.to_owned(), module.trim().to_owned());
        }
    }
    names
}

/// Lines of code, without comments (a doc link is not a dependency).
fn code(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let lib = fs::read_to_string(src.join("lib.rs")).unwrap();
    let roots = reexports(&code(&lib));
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let files = sources(src);
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(src, f)).collect();
    for file in &files {
        let Some(from) = module_of(src, file) else {
            continue;
        };
        let text = code(&fs::read_to_string(file).unwrap());
        let edges = graph.entry(from.clone()).or_default();
        for (i, _) in text.match_indices("crate::") {
            let rest = &text[i + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                let group = &group[..group.find('}').unwrap_or(group.len())];
                for name in group
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .filter(|n| !n.is_empty())
                {
                    let target = roots.get(name).cloned().unwrap_or_else(|| name.to_owned());
                    if modules.contains(&target) && target != from {
                        edges.insert(target);
                    }
                }
            } else {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                let target = roots.get(&name).cloned().unwrap_or(name);
                if modules.contains(&target) && target != from {
                    edges.insert(target);
                }
            }
        }
    }
    graph
}

/// A cycle of the graph, if any, as the modules along it.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, done, path) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut done, &mut Vec::new()))
}

fn check(krate: &str) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("crates")
        .join(krate)
        .join("src");
    let graph = graph(&src);
    assert!(graph.len() > 5, "{krate}: read {} modules", graph.len());
    if let Some(found) = cycle(&graph) {
        panic!("{krate} has a module cycle: {}", found.join(" → "));
    }
}

#[test]
fn the_service_has_no_module_cycle() {
    check("service");
}

#[test]
fn a_cycle_is_found() {
    let graph = BTreeMap::from([
        ("a".to_owned(), BTreeSet::from(["b".to_owned()])),
        ("b".to_owned(), BTreeSet::from(["c".to_owned()])),
        ("c".to_owned(), BTreeSet::from(["a".to_owned()])),
        ("d".to_owned(), BTreeSet::new()),
    ]);
    assert_eq!(
        cycle(&graph).unwrap(),
        ["a", "b", "c", "a"].map(str::to_owned)
    );
    assert_eq!(
        cycle(&BTreeMap::from([("d".to_owned(), BTreeSet::new())])),
        None
    );
}
