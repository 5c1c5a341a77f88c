//! Telling people how a run went: an e-mail over SMTP (lettre) and/or a command that gets
//! the run's JSON summary on standard input. A failed notification is reported, never fatal.

use super::job::RunSummary;
use serde::{Deserialize, Serialize};

/// `[notify]` of a job file.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Notify {
    /// `host:port` of the SMTP server.
    pub smtp: Option<String>,
    /// `none` or `starttls`.
    #[serde(default)]
    pub tls: Tls,
    pub from: Option<String>,
    #[serde(default)]
    pub to: Vec<String>,
    /// A shell command run with the JSON summary on standard input.
    pub command: Option<String>,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Tls {
    #[default]
    None,
    Starttls,
}

/// Sends what `n` asks for; one line per channel saying what happened.
pub fn send(n: &Notify, summary: &RunSummary) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(server) = &n.smtp {
        out.push(match mail(n, server, summary) {
            Ok(()) => format!("e-mail sent to {} via {server}", n.to.join(", ")),
            Err(e) => format!("e-mail via {server} failed: {e}"),
        });
    }
    if let Some(cmd) = &n.command {
        out.push(match command(cmd, summary) {
            Ok(()) => format!("command `{cmd}` ran"),
            Err(e) => format!("command `{cmd}` failed: {e}"),
        });
    }
    out
}

/// The subject and plain-text body of a run's e-mail.
pub fn message_text(s: &RunSummary) -> (String, String) {
    let subject = format!("hyperseg run #{} of {} ({}): {}", s.run, s.job, s.date, s.status);
    let mut body = format!("Run #{} of {} for {}: {}\n\n", s.run, s.job, s.date, s.status);
    for step in &s.steps {
        body.push_str(&format!(
            "{:>2}. {:<32} {:<9} rows in {:>10}, out {:>10}  {}\n",
            step.seq, step.name, step.outcome, step.rows_in, step.rows_out, step.message
        ));
    }
    if let Some(e) = &s.error {
        body.push_str(&format!("\nFailed: {e}\n"));
    }
    if s.unchanged && s.error.is_none() {
        body.push_str("\nNo import changed any record.\n");
    }
    (subject, body)
}

fn mail(n: &Notify, server: &str, s: &RunSummary) -> Result<(), String> {
    use lettre::{Message, SmtpTransport, Transport};
    let (host, port) = server.rsplit_once(':').ok_or("expected host:port")?;
    let port: u16 = port.parse().map_err(|_| format!("{port:?} is not a port"))?;
    let from = n.from.as_deref().ok_or("no `from` address")?;
    if n.to.is_empty() {
        return Err("no `to` address".into());
    }
    let (subject, body) = message_text(s);
    let mut builder = Message::builder().from(from.parse().map_err(|e| format!("from {from:?}: {e}"))?);
    for to in &n.to {
        builder = builder.to(to.parse().map_err(|e| format!("to {to:?}: {e}"))?);
    }
    let message = builder.subject(subject).body(body).map_err(|e| e.to_string())?;
    let transport = match n.tls {
        Tls::None => SmtpTransport::builder_dangerous(host).port(port).build(),
        Tls::Starttls => SmtpTransport::starttls_relay(host).map_err(|e| e.to_string())?.port(port).build(),
    };
    transport.send(&message).map(drop).map_err(|e| e.to_string())
}

fn command(cmd: &str, s: &RunSummary) -> Result<(), String> {
    use std::io::Write;
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let json = serde_json::to_vec(s).expect("a summary serialises");
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(&json).map_err(|e| e.to_string())?;
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() { Ok(()) } else { Err(format!("exited with {status}")) }
}
