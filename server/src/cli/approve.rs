//! `vouch approve RANGE [LOCATION…] [--dry-run]`: a reviewer's signed
//! approval of the AI lines a range introduces (docs/sign-off.md).

use anyhow::{Context, bail};
use clap::Args;

use super::Outcome;
use super::location::Location;
use vouch_core::commit::approve::{self, NeededFile};
use vouch_core::commit::notes::APPROVALS_REF;
use vouch_core::commit::range;
use vouch_core::present::{count, lines_label, plural};
use vouch_core::service::Service;
use vouch_core::syntax::SyntaxTree;
use vouch_core::untrusted::escape;

#[derive(Args, Debug)]
pub(crate) struct ApproveArgs {
    /// The commits under review, as for `git log`, with the target branch
    /// excluded: e.g. origin/main..feature
    pub(crate) range: String,
    /// Only these: PATH, PATH:LINE, PATH:START-END (lines of the range's tip) or PATH::NAME (default: everything the range needs approved)
    pub(crate) locations: Vec<String>,
    /// Only list what would be approved; sign and record nothing
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// Read vouch.toml and the allowed-signers file from this revision
    /// instead of the range's base (the target branch)
    #[arg(long, value_name = "REV")]
    pub(crate) policy_from: Option<String>,
}

pub(crate) fn run(args: ApproveArgs) -> anyhow::Result<Outcome> {
    let service = Service::open(&super::current_dir()?)?;
    let git = super::hook::git_of(&service)?;
    let prepared = approve::prepare(&git, &args.range, args.policy_from.as_deref())?;
    let mut needed = prepared.needed.clone();
    if !args.locations.is_empty() {
        let locations = args
            .locations
            .iter()
            .map(|l| Location::parse(l, &service.workspace))
            .collect::<anyhow::Result<Vec<_>>>()?;
        needed = select(needed, &locations, &prepared.changes)?;
    }
    let from = super::verify::short(&prepared.policy_rev);
    let total: usize = needed.iter().map(|f| f.lines.len()).sum();
    if total == 0 {
        println!(
            "vouch approve: {} introduces nothing that needs an approval (policy from {from}).",
            escape(&args.range)
        );
        return Ok(Outcome::Clean);
    }
    println!(
        "{} introduces {} that {} an approval (policy from {from}):",
        escape(&args.range),
        count(total, "line", "lines"),
        plural(total, "needs", "need")
    );
    print_listing(&needed);
    if args.dry_run {
        println!("\n(dry run: nothing signed or recorded)");
        return Ok(Outcome::Clean);
    }
    let signed = approve::sign(&git, &prepared, &needed)?;
    println!(
        "\nApproved {} in {} as {} (key {}), recorded on {} in {}.\nShare it with `git push` (the pre-push hook pushes {}), or `git push origin {}`.",
        count(signed.lines, "line", "lines"),
        count(signed.files, "file", "files"),
        escape(&signed.principal),
        signed.key,
        super::verify::short(&prepared.changes.range.tip),
        APPROVALS_REF,
        APPROVALS_REF,
        APPROVALS_REF,
    );
    Ok(Outcome::Clean)
}

/// Keeps the lines `locations` name (lines of the tip; units resolved in the tip's text).
fn select(
    needed: Vec<NeededFile>,
    locations: &[Location],
    changes: &range::RangeChanges,
) -> anyhow::Result<Vec<NeededFile>> {
    let mut out = Vec::new();
    for mut f in needed {
        let mine: Vec<&Location> = locations
            .iter()
            .filter(|l| {
                l.path == f.path
                    || f.path.starts_with(&format!("{}/", l.path))
                    || l.path.is_empty()
                    || l.path == "."
            })
            .collect();
        if mine.is_empty() {
            continue;
        }
        let text = changes
            .files
            .iter()
            .find(|c| c.path == f.path)
            .map(|c| c.text.as_str())
            .unwrap_or("");
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for loc in mine {
            if let Some(name) = &loc.unit {
                let Some(tree) = SyntaxTree::for_path(&f.path, text) else {
                    bail!(
                        "{}: no grammar for this kind of file; name lines instead",
                        f.path
                    );
                };
                let units = tree
                    .resolve(name)
                    .with_context(|| format!("{}::{name}", f.path))?;
                for u in units {
                    let first = text[..u.range.start].matches('\n').count() + 1;
                    let last = text[..u.range.end.min(text.len())].matches('\n').count() + 1;
                    spans.push((first, last));
                }
            } else {
                spans.push(loc.lines.unwrap_or((1, usize::MAX)));
            }
        }
        if f.policy_file {
            // A policy file is approved as a whole or not at all.
            out.push(f);
            continue;
        }
        f.lines
            .retain(|l| spans.iter().any(|(s, e)| *s <= l.line && l.line <= *e));
        if !f.lines.is_empty() {
            out.push(f);
        }
    }
    Ok(out)
}

fn print_listing(needed: &[NeededFile]) {
    for f in needed {
        println!();
        println!("{}", escape(&f.path));
        if f.policy_file {
            let last = f.lines.last().map_or(1, |l| l.line);
            println!(
                "  {}:1-{last}  policy file changed in the range (approved as a whole)",
                escape(&f.path)
            );
            continue;
        }
        // Consecutive lines with the same unit, tool and model.
        let mut groups: Vec<(usize, usize, &approve::NeededLine)> = Vec::new();
        for l in &f.lines {
            let same = |a: &approve::NeededLine| {
                a.unit == l.unit
                    && a.attr.as_ref().map(|x| (&x.tool, &x.model))
                        == l.attr.as_ref().map(|x| (&x.tool, &x.model))
            };
            match groups.last_mut() {
                Some((_, end, first)) if *end + 1 == l.line && same(first) => *end = l.line,
                _ => groups.push((l.line, l.line, l)),
            }
        }
        let mut current_unit: Option<&str> = None;
        for (s, e, l) in groups {
            let lines = lines_label(s, e);
            let label = l
                .attr
                .as_ref()
                .map(|a| vouch_core::present::tool_label(&a.tool, a.model.as_deref()))
                .unwrap_or_default();
            match l.unit.as_deref() {
                Some(u) => {
                    if current_unit != Some(u) {
                        println!("  {}", escape(u));
                        current_unit = Some(u);
                    }
                    println!("    {}:{lines}  {}", escape(&f.path), escape(&label));
                }
                None => {
                    current_unit = None;
                    println!("  {}:{lines}  {}", escape(&f.path), escape(&label));
                }
            }
        }
    }
}
