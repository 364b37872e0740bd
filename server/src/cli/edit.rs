//! Applying a ledger change to the files and lines named on the command line.

use std::collections::HashMap;
use std::ops::Range;

use super::location::Location;
use vouch_core::commit::working::{Taught, Working};
use vouch_core::ledger::Ledger;
use vouch_core::service::Service;

pub(crate) enum Targets<'a> {
    /// Every tracked file, whole.
    AllTracked,
    /// `PATH[:START[-END]]` arguments; a folder means every tracked file under it.
    Locations(&'a [String]),
}

/// Runs `change(path, ledger, byte range)` on each target in its own store
/// transaction; `change` returns how many bytes it changed (only when some
/// did is the file written). `done(path, bytes)` is called once that
/// transaction has committed, so what is reported has happened.
pub(crate) fn for_each_target(
    service: &mut Service,
    targets: Targets<'_>,
    mut change: impl FnMut(&str, &mut Ledger, Range<usize>) -> anyhow::Result<usize>,
    mut done: impl FnMut(&str, usize),
) -> anyhow::Result<()> {
    let mut tracked = service.store.paths()?;
    // A tracked file git has staged as renamed is known under its new name.
    tracked.extend(service.renames()?.into_iter().map(|(_, to)| to));
    // What `vouch status` sees: also the AI lines notes know of text the
    // store never saw (taken from another commit, other tools' records);
    // the store learns them with the change.
    let mut working = Working::new(service)?;
    tracked.extend(working.extra_paths()?.iter().cloned());
    tracked.sort();
    tracked.dedup();
    let mut working = Some(working);
    let locations: Vec<Location> = match targets {
        Targets::AllTracked => tracked
            .iter()
            .map(|p| Location {
                path: p.clone(),
                lines: None,
                unit: None,
            })
            .collect(),
        Targets::Locations(specs) => {
            let mut out = Vec::new();
            for spec in specs {
                let loc = Location::parse(spec, &service.workspace)?;
                let is_dir = service.workspace.absolute(&loc.path).is_dir();
                if is_dir && loc.lines.is_none() && loc.unit.is_none() {
                    let prefix = format!("{}/", loc.path);
                    out.extend(tracked.iter().filter(|p| p.starts_with(&prefix)).map(|p| {
                        Location {
                            path: p.clone(),
                            lines: None,
                            unit: None,
                        }
                    }));
                } else {
                    out.push(loc);
                }
            }
            out
        }
    };
    let mut from_notes: HashMap<String, Taught> = HashMap::new();
    if let Some(mut working) = working.take() {
        for loc in &locations {
            if from_notes.contains_key(&loc.path) || tracked.binary_search(&loc.path).is_err() {
                continue;
            }
            let Ok(Some(text)) = service.read_text(&loc.path) else {
                continue;
            };
            if let Some(taught) = working.taught(&loc.path, &text)? {
                from_notes.insert(loc.path.clone(), taught);
            }
        }
    }
    let shown = super::paths::Shown::new(&service.workspace)?;
    for loc in locations {
        if tracked.binary_search(&loc.path).is_err() {
            if service.read_text(&loc.path)?.is_none() {
                anyhow::bail!("{}: no such file", shown.path(&loc.path));
            }
            println!("{}: no AI-written code recorded", shown.path(&loc.path));
            continue;
        }
        let known = from_notes.get(&loc.path);
        let bytes = service.update(&loc.path, |ledger| -> anyhow::Result<Option<usize>> {
            let taught = known.map_or(0, |k| k.apply(ledger));
            // `PATH::NAME` may name several units (a struct and its impls).
            let mut bytes = 0;
            for range in loc.byte_ranges(ledger)? {
                bytes += change(&loc.path, ledger, range)?;
            }
            Ok((bytes > 0 || taught > 0).then_some(bytes))
        })?;
        done(&loc.path, bytes.unwrap_or(0));
    }
    Ok(())
}
