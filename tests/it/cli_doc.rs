//! `--help` of every command agrees with docs/cli.md: the commands, their
//! options (and whether each takes a value), the values an option accepts,
//! positional arguments, clap's defaults and the exit codes a help names.
//! A flag added to the parser without its row in the table, or a row that
//! promises a flag the parser does not have, fails here.

use std::collections::BTreeSet;

use crate::support::avow_bin;
use avow_testutil::TestRepo;

const CLI_MD: &str = include_str!("../../docs/cli.md");

/// Options every command has; docs/cli.md lists them once ("Global options").
const GLOBAL: [&str; 4] = ["help", "version", "quiet", "verbose"];

#[derive(Debug, Default)]
struct Opt {
    long: String,
    short: Option<char>,
    /// `Some(true)` for `--cache[=<DIR>]`, `Some(false)` for `--key <KEY>`.
    value: Option<bool>,
    possible: Vec<String>,
    default: Option<String>,
    /// The help text under the option.
    text: String,
}

#[derive(Debug, Default)]
struct Arg {
    name: String,
    possible: Vec<String>,
    default: Option<String>,
    text: String,
}

#[derive(Debug, Default)]
struct Help {
    subcommands: Vec<String>,
    options: Vec<Opt>,
    args: Vec<Arg>,
    text: String,
}

fn help(repo: &TestRepo, path: &[&str]) -> Help {
    let out = repo.command(avow_bin()).args(path).arg("--help").env_remove("COLUMNS").output().expect("run git-avow");
    assert!(out.status.success(), "{path:?} --help: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("help is UTF-8");
    parse_help(&text)
}

/// Reads clap's long help: the `Commands:`, `Arguments:` and `Options:`
/// sections, each entry with the text indented under it.
fn parse_help(text: &str) -> Help {
    let mut h = Help { text: text.to_owned(), ..Help::default() };
    let mut section = "";
    for line in text.lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            section = line;
            continue;
        }
        if line.is_empty() || !line.starts_with("  ") {
            if !line.is_empty() {
                section = "";
            }
            continue;
        }
        let body = line.trim_start();
        let indent = line.len() - body.len();
        match section {
            "Commands:" if indent == 2 => {
                let name = body.split_whitespace().next().unwrap_or_default();
                if name != "help" {
                    h.subcommands.push(name.to_owned());
                }
            }
            "Arguments:" if indent == 2 && (body.starts_with('<') || body.starts_with('[')) => {
                let word = body.split_whitespace().next().unwrap_or_default();
                let name = word.trim_start_matches(['<', '[']).split(['>', ']']).next().unwrap_or_default();
                let rest = body[word.len()..].trim().to_owned();
                h.args.push(Arg { name: name.to_owned(), text: rest, ..Arg::default() });
            }
            "Options:" if body.starts_with('-') && (indent == 2 || indent == 6) => {
                let (short, rest) = match body.strip_prefix('-').and_then(|b| b.chars().next()) {
                    Some(c) if c != '-' => (Some(c), body[2..].trim_start_matches(", ")),
                    _ => (None, body),
                };
                let word = rest.split_whitespace().next().unwrap_or_default();
                let long = word.trim_start_matches("--");
                let (long, value) = if let Some(l) = long.strip_suffix("[=<DIR>]") {
                    (l, Some(true))
                } else {
                    (long, rest[word.len()..].trim_start().starts_with('<').then_some(false))
                };
                let after = rest[word.len()..].trim_start();
                let after = if value == Some(false) { after.split_once('>').map_or("", |(_, t)| t) } else { after };
                h.options.push(Opt {
                    long: long.to_owned(),
                    short,
                    value,
                    text: after.trim().to_owned(),
                    ..Opt::default()
                });
            }
            "Arguments:" | "Options:" => {
                let text = if section == "Options:" {
                    h.options.last_mut().map(|o| &mut o.text)
                } else {
                    h.args.last_mut().map(|a| &mut a.text)
                };
                if let Some(t) = text {
                    t.push('\n');
                    t.push_str(body);
                }
            }
            _ => {}
        }
    }
    for o in &mut h.options {
        (o.possible, o.default) = values_and_default(&o.text);
    }
    for a in &mut h.args {
        (a.possible, a.default) = values_and_default(&a.text);
    }
    h
}

/// clap's `[possible values: a, b]` or `Possible values:` list, and
/// `[default: X]`.
fn values_and_default(text: &str) -> (Vec<String>, Option<String>) {
    let flat = text.replace('\n', " ");
    let mut possible = Vec::new();
    if let Some((_, rest)) = flat.split_once("[possible values: ") {
        let list = rest.split(']').next().unwrap_or_default();
        possible = list.split(',').map(|v| v.trim().to_owned()).collect();
    } else if text.contains("Possible values:") {
        for line in text.lines().skip_while(|l| !l.contains("Possible values:")).skip(1) {
            if let Some(v) = line.trim().strip_prefix("- ") {
                possible.push(v.split(':').next().unwrap_or_default().trim().to_owned());
            }
        }
    }
    let default = flat.split_once("[default: ").map(|(_, r)| r.split(']').next().unwrap_or_default().to_owned());
    (possible, default)
}

/// A row of the Commands table: the synopses of its first cell (one or
/// two, `A` / `B`) and the whole row's text.
#[derive(Debug)]
struct Row {
    synopses: Vec<String>,
    text: String,
}

fn rows() -> Vec<Row> {
    let table = CLI_MD.split_once("## Commands").expect("a Commands section").1;
    let table = table.split_once("\n### ").map_or(table, |(t, _)| t);
    let mut rows = Vec::new();
    for line in table.lines().filter(|l| l.starts_with("| `")) {
        let line = line.replace("\\|", "\u{1}");
        let first = line.split(" | ").next().unwrap_or_default();
        let synopses = first
            .split('`')
            .skip(1)
            .step_by(2)
            .map(|s| s.replace('\u{1}', "|").trim_start_matches("git avow ").to_owned())
            .collect();
        rows.push(Row { synopses, text: line.replace('\u{1}', "|") });
    }
    rows
}

/// The words of a synopsis with brackets dropped: `[--cache[=DIR] | --no-cache]`
/// gives `--cache[=DIR]`, `|`, `--no-cache`.
fn words(synopsis: &str) -> Vec<String> {
    synopsis
        .split_whitespace()
        .map(|w| {
            let w = w.trim_start_matches(['[', '(']).trim_end_matches([']', ')']);
            if let Some((flag, _)) = w.split_once("[=") {
                format!("{flag}[=]")
            } else {
                w.to_owned()
            }
        })
        .filter(|w| !w.is_empty() && w != "|")
        .collect()
}

fn placeholder(w: &str) -> bool {
    let w = w.trim_end_matches('…').trim_end_matches("...");
    !w.is_empty() && w.chars().all(|c| c.is_ascii_uppercase() || c == '_' || c == ',' || c == '…')
}

fn base_name(w: &str) -> String {
    w.trim_end_matches('…').trim_end_matches("...").trim_end_matches(",…").to_owned()
}

/// Whether `row` says `default` with `value` close after it.
fn names_default(row: &str, value: &str) -> bool {
    row.match_indices("default").any(|(i, _)| {
        let after: String = row[i..].chars().take(80).collect();
        after.contains(value)
    })
}

/// The exit codes a help text names: `Exit 0 when …; 1 when …`.
fn exit_codes(text: &str) -> BTreeSet<char> {
    let flat = text.replace('\n', " ");
    let mut codes = BTreeSet::new();
    for (i, _) in flat.match_indices("xit ") {
        let sentence = flat[i..].split(". ").next().unwrap_or_default();
        for w in sentence.split([' ', ';', ',', '(']) {
            if let [c @ b'0'..=b'2'] = w.as_bytes() {
                codes.insert(*c as char);
            }
        }
    }
    codes
}

fn says_exit(row: &str, code: char) -> bool {
    let lower = row.to_lowercase();
    lower.contains(&format!("exit {code}")) || lower.contains(&format!("exits {code}"))
}

/// Checks one command against its synopsis and row; the problems found.
fn check(path: &[&str], h: &Help, synopsis: &str, row: &Row) -> Vec<String> {
    let name = path.join(" ");
    let words = words(synopsis);
    let (positional, mut problems) = check_options(&name, h, &words[path.len()..], row);
    problems.extend(check_arguments(&name, h, &positional, row));
    // Exit codes the help names are in the row.
    for code in exit_codes(&h.text) {
        if !says_exit(&row.text, code) {
            problems.push(format!("`{name}`: `--help` names exit {code}; docs/cli.md's row does not"));
        }
    }
    problems
}

/// The options of `rest` (a synopsis after the command's name) against the
/// help's; the positional words left and the problems found.
fn check_options(name: &str, h: &Help, rest: &[String], row: &Row) -> (Vec<String>, Vec<String>) {
    let mut problems = Vec::new();
    let options: Vec<&Opt> = h.options.iter().filter(|o| !GLOBAL.contains(&o.long.as_str())).collect();

    // Options: every one in the help is in the synopsis, taking a value
    // exactly when the help says it does, with the same accepted values.
    let mut positional = Vec::new();
    let mut seen = BTreeSet::new();
    let mut i = 0;
    while i < rest.len() {
        let w = &rest[i];
        i += 1;
        if !w.starts_with('-') {
            positional.push(w.clone());
            continue;
        }
        let (flag, inline_value) = w.strip_suffix("[=]").map_or((w.as_str(), false), |f| (f, true));
        let opt = options.iter().find(|o| {
            flag.strip_prefix("--").is_some_and(|l| l == o.long)
                || flag.strip_prefix('-').and_then(|s| s.chars().next()) == o.short.filter(|_| flag.len() == 2)
        });
        let Some(opt) = opt else {
            problems.push(format!("`{name}`: docs/cli.md shows `{flag}`, which `--help` does not have"));
            continue;
        };
        seen.insert(opt.long.clone());
        let value = match opt.value {
            Some(true) => {
                if !inline_value {
                    problems.push(format!("`{name}`: `--{}` takes an optional `=VALUE` (docs: `{w}`)", opt.long));
                }
                None
            }
            Some(false) => {
                let v = rest.get(i).cloned();
                i += 1;
                if v.as_deref().is_none_or(|v| v.starts_with('-')) {
                    problems.push(format!("`{name}`: `--{}` takes a value; docs/cli.md shows none", opt.long));
                }
                v
            }
            None => {
                if inline_value {
                    problems.push(format!("`{name}`: `--{}` takes no value; docs/cli.md shows one", opt.long));
                }
                None
            }
        };
        if !opt.possible.is_empty() {
            match value {
                Some(v) if !placeholder(&v) => {
                    let documented: BTreeSet<&str> = v.split('|').collect();
                    let accepted: BTreeSet<&str> = opt.possible.iter().map(String::as_str).collect();
                    if documented != accepted {
                        problems.push(format!(
                            "`{name} --{}`: docs/cli.md lists {documented:?}, `--help` {accepted:?}",
                            opt.long
                        ));
                    }
                }
                _ => {
                    for p in &opt.possible {
                        if !row.text.contains(&format!("`{p}`")) && !row.text.contains(&format!("{p}|")) {
                            problems.push(format!("`{name} --{}`: value `{p}` is not in docs/cli.md's row", opt.long));
                        }
                    }
                }
            }
        }
        if let Some(d) = &opt.default {
            if !names_default(&row.text, d) {
                problems.push(format!("`{name} --{}`: docs/cli.md does not give its default `{d}`", opt.long));
            }
        }
    }
    for o in &options {
        if !seen.contains(&o.long) {
            problems.push(format!("`{name}`: `--{}` is in `--help` but not in docs/cli.md", o.long));
        }
    }
    (positional, problems)
}

fn check_arguments(name: &str, h: &Help, positional: &[String], row: &Row) -> Vec<String> {
    let mut problems = Vec::new();
    // Positional arguments, in order: the same name, or the literal values
    // the help accepts (or names in its text).
    if positional.len() != h.args.len() {
        problems.push(format!(
            "`{name}`: docs/cli.md shows arguments {positional:?}, `--help` {:?}",
            h.args.iter().map(|a| &a.name).collect::<Vec<_>>()
        ));
    }
    for (doc, arg) in positional.iter().zip(&h.args) {
        if placeholder(doc) {
            if base_name(doc) != arg.name {
                problems.push(format!("`{name}`: argument `{doc}` in docs/cli.md is `{}` in `--help`", arg.name));
            }
        } else {
            let documented: BTreeSet<&str> = doc.split('|').collect();
            let ok = if arg.possible.is_empty() {
                documented.iter().all(|v| arg.text.contains(&format!("`{v}`")))
            } else {
                documented == arg.possible.iter().map(String::as_str).collect()
            };
            if !ok {
                problems.push(format!(
                    "`{name}`: docs/cli.md's `{doc}` for `{}` is not what `--help` accepts ({:?})",
                    arg.name, arg.possible
                ));
            }
        }
        if let Some(d) = &arg.default {
            if !names_default(&row.text, d) {
                problems.push(format!("`{name} {}`: docs/cli.md does not give its default `{d}`", arg.name));
            }
        }
    }
    problems
}

/// Every command path of the parser (`keyring add`, …), leaves only.
fn commands(repo: &TestRepo) -> Vec<(Vec<String>, Help)> {
    let mut out = Vec::new();
    let mut todo = vec![Vec::<String>::new()];
    while let Some(path) = todo.pop() {
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        let h = help(repo, &p);
        if h.subcommands.is_empty() {
            out.push((path, h));
        } else {
            for s in &h.subcommands {
                let mut next = path.clone();
                next.push(s.clone());
                todo.push(next);
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn help_agrees_with_docs_cli_md() {
    let repo = TestRepo::new();
    let rows = rows();
    let commands = commands(&repo);
    assert!(commands.len() > 20, "found only {} commands", commands.len());
    let mut problems = Vec::new();
    let mut used = BTreeSet::new();
    for (path, h) in &commands {
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        let found = rows.iter().enumerate().flat_map(|(r, row)| row.synopses.iter().map(move |s| (r, row, s))).find(
            |(_, _, s)| {
                let w: Vec<&str> = s.split_whitespace().collect();
                w.len() >= p.len() && w[..p.len()] == p[..]
            },
        );
        let Some((r, row, synopsis)) = found else {
            problems.push(format!("`git avow {}` has no row in docs/cli.md's Commands table", p.join(" ")));
            continue;
        };
        used.insert((r, synopsis.clone()));
        problems.extend(check(&p, h, synopsis, row));
    }
    for (r, row) in rows.iter().enumerate() {
        for s in &row.synopses {
            if !used.contains(&(r, s.clone())) {
                problems.push(format!("docs/cli.md shows `{s}`, which is no command of `--help`"));
            }
        }
    }
    assert!(problems.is_empty(), "--help and docs/cli.md disagree:\n{}", problems.join("\n"));
}

#[test]
fn global_options_and_exit_codes_agree() {
    let repo = TestRepo::new();
    let top = help(&repo, &[]);
    let section = CLI_MD.split_once("### Global options").expect("a Global options section").1;
    let section = section.split_once("\n### ").map_or(section, |(s, _)| s);
    for o in top.options.iter().filter(|o| !["help", "version"].contains(&o.long.as_str())) {
        let short = o.short.map(|c| format!("`-{c}`, ")).unwrap_or_default();
        assert!(section.contains(&format!("| {short}`--{}` |", o.long)), "--{} is not in Global options", o.long);
    }
    let documented = section.lines().filter(|l| l.starts_with("| `-")).count();
    assert_eq!(documented, top.options.len() - 2, "Global options lists one the parser does not have");

    // The exit codes: `--help`'s line and docs/cli.md's table.
    let table = CLI_MD.split_once("## Exit codes").expect("an Exit codes section").1;
    let table = table.split_once("\n## ").map_or(table, |(t, _)| t);
    let doc_codes: BTreeSet<char> = table
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.chars().next().filter(char::is_ascii_digit))
        .collect();
    let line = top.text.lines().find(|l| l.starts_with("Exit codes:")).expect("top-level help names the exit codes");
    assert_eq!(exit_codes(line), doc_codes, "{line}");
    assert_eq!(doc_codes, BTreeSet::from(['0', '1', '2']));
}

#[test]
fn help_parser_reads_clap() {
    let h = parse_help(
        "About.\n\nUsage: x [OPTIONS] <FILE>\n\nArguments:\n  <FILE>  The file\n\nOptions:\n      --format <FORMAT>\n          Output\n\n          Possible values:\n          - human: Text\n          - json:  JSON\n          \n          [default: human]\n\n  -o, --output <FILE>  Where [default: out]\n      --cache[=<DIR>]\n          Cache\n      --force  Replace\n",
    );
    let o: Vec<(&str, Option<char>, Option<bool>)> =
        h.options.iter().map(|o| (o.long.as_str(), o.short, o.value)).collect();
    assert_eq!(
        o,
        [
            ("format", None, Some(false)),
            ("output", Some('o'), Some(false)),
            ("cache", None, Some(true)),
            ("force", None, None)
        ]
    );
    assert_eq!(h.options[0].possible, ["human", "json"]);
    assert_eq!(h.options[0].default.as_deref(), Some("human"));
    assert_eq!(h.options[1].default.as_deref(), Some("out"));
    assert_eq!(h.args[0].name, "FILE");
    assert_eq!(exit_codes("Exit 0 when all pass; 1 when one fails. Then 2 things."), BTreeSet::from(['0', '1']));
}
