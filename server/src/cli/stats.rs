//! `vouch stats [RANGE] [--format text|json]`: the shares of the lines a
//! range introduces (default: every line of HEAD) by tool, model, kind,
//! author and month.

use clap::{Args, ValueEnum};
use serde_json::{Value, json};

use super::Outcome;
use vouch_core::commit::stats::{Counts, Stats, stats};
use vouch_core::service::Service;
use vouch_core::untrusted::escape;

#[derive(Args, Debug)]
pub(crate) struct StatsArgs {
    /// Commits, as for `git log` with one tip (default: HEAD, i.e. every line of HEAD)
    pub(crate) range: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = StatsFormat::Text)]
    pub(crate) format: StatsFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StatsFormat {
    Text,
    Json,
}

pub(crate) fn run(args: StatsArgs) -> anyhow::Result<Outcome> {
    let service = Service::open(&super::current_dir()?)?;
    let git = super::hook::git_of(&service)?;
    let s = stats(&git, args.range.as_deref().unwrap_or("HEAD"))?;
    let out = match args.format {
        StatsFormat::Json => {
            let mut t = serde_json::to_string_pretty(&to_json(&s))?;
            t.push('\n');
            t
        }
        StatsFormat::Text => text(&s),
    };
    super::write_stdout(out.as_bytes())?;
    Ok(Outcome::Clean)
}

fn pct(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "0.0%".to_owned();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

fn text(s: &Stats) -> String {
    let t = &s.total;
    let mut out = format!(
        "vouch stats {}: {} lines from {} commits: {} AI ({}), {} human, {} unknown (no provenance).\n",
        escape(&s.range),
        t.total(),
        s.commits,
        t.ai,
        pct(t.ai, t.total()),
        t.human,
        t.unknown
    );
    for (title, map) in [("tool", &s.tools), ("model", &s.models), ("kind", &s.kinds)] {
        out.push_str(&format!("\nAI lines by {title}:\n"));
        let mut rows: Vec<_> = map.iter().collect();
        rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (k, n) in rows {
            out.push_str(&format!(
                "  {:<40} {n:>8}  {:>6}\n",
                escape(k),
                pct(*n, t.ai)
            ));
        }
    }
    for (title, map) in [("author", &s.authors), ("month", &s.months)] {
        out.push_str(&format!("\nLines by {title} (AI / all, AI share):\n"));
        for (k, c) in map {
            out.push_str(&format!(
                "  {:<40} {:>8} / {:<8} {:>6}\n",
                escape(k),
                c.ai,
                c.total(),
                pct(c.ai, c.total())
            ));
        }
    }
    out
}

fn counts(c: &Counts) -> Value {
    json!({"ai_lines": c.ai, "human_lines": c.human, "unknown_lines": c.unknown, "lines": c.total()})
}

fn to_json(s: &Stats) -> Value {
    let simple = |m: &std::collections::BTreeMap<String, usize>| -> Value {
        m.iter()
            .map(|(k, n)| json!({"label": k, "ai_lines": n, "share": if s.total.ai == 0 { 0.0 } else { *n as f64 / s.total.ai as f64 }}))
            .collect()
    };
    let full = |m: &std::collections::BTreeMap<String, Counts>| -> Value {
        m.iter()
            .map(|(k, c)| {
                let mut v = counts(c);
                v["label"] = json!(k);
                v
            })
            .collect()
    };
    json!({
        "range": s.range,
        "commits": s.commits,
        "total": counts(&s.total),
        "tools": simple(&s.tools),
        "models": simple(&s.models),
        "kinds": simple(&s.kinds),
        "authors": full(&s.authors),
        "months": full(&s.months),
    })
}
