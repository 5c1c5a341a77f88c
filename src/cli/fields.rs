//! `hyperseg fields`: every profile field with its type, how many profiles have it, its
//! distinct count and top values — what a user picks from when writing a filter.

use super::output::{Output, thousands};
use hyperseg::columns::{Role, summarize};
use hyperseg::identity;
use hyperseg::store::Workspace;
use serde::Serialize;

#[derive(clap::Args, Debug)]
pub struct FieldsArgs {
    /// How many of the most frequent values to show per field.
    #[arg(long, default_value_t = 5)]
    top: usize,
}

#[derive(Serialize)]
struct Field {
    name: String,
    #[serde(rename = "type")]
    data_type: &'static str,
    kind: &'static str,
    profiles_with_value: usize,
    profiles: usize,
    distinct: usize,
    top: Vec<(String, usize)>,
}

pub fn run(ws: &Workspace, args: FieldsArgs, out: &Output) -> anyhow::Result<()> {
    let Some(table) = identity::profile_table(ws)? else {
        return out.message("no profiles yet: import a file first", &Vec::<()>::new());
    };
    let fields: Vec<Field> = table
        .columns()
        .iter()
        .map(|c| {
            let s = summarize(&c.data, args.top);
            Field {
                name: c.name.clone(),
                data_type: c.data_type().user_name(),
                kind: match c.role {
                    Role::Canonical(_) => "canonical",
                    Role::Attribute => "behaviour",
                    Role::System => "profile",
                },
                profiles_with_value: s.non_empty,
                profiles: s.rows,
                distinct: s.distinct,
                top: s.top,
            }
        })
        .collect();
    if out.json {
        return out.json_value(&fields);
    }
    let mut s = format!(
        "{:<20} {:<8} {:<10} {:>12} {:>10}  top values\n",
        "field", "type", "kind", "with value", "distinct"
    );
    for f in &fields {
        let top = f
            .top
            .iter()
            .map(|(v, n)| format!("{v} ({})", thousands(*n as u64)))
            .collect::<Vec<_>>()
            .join(", ");
        s.push_str(&format!(
            "{:<20} {:<8} {:<10} {:>12} {:>10}  {top}\n",
            f.name,
            f.data_type,
            f.kind,
            thousands(f.profiles_with_value as u64),
            thousands(f.distinct as u64)
        ));
    }
    out.text(s.trim_end())
}
