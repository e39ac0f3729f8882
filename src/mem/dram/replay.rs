//! Trace replay front end: Ramulator 2's `LoadStoreTrace` format (`LD 0xADDR` / `ST 0xADDR`,
//! one transaction per line) replayed the way Ramulator's front end does it, and the
//! `summary.json` it produces.
//!
//! Replay rules (Ramulator 2.1 `LoadStoreTrace` at 4 front-end ticks per DRAM tick): requests
//! are offered in trace order, one per front-end tick, so up to `trace_requests_per_cycle`
//! (4) between two DRAM ticks and one before the first; a request whose channel queue is full
//! is retried until accepted, and nothing behind it is offered meanwhile (in order, blocking).
//! A request offered after DRAM tick `c` enters its queue at cycle `c`. The replay runs until
//! every request has completed (a read when its data returned, a write when its WR issued).

use super::config::DramConfig;
use super::memory::DramSystem;
use super::timing::{CmdKind, Spec};
use serde::Serialize;
use std::path::Path;

/// One trace line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceReq {
    /// Byte address.
    pub addr: u64,
    /// Store (true) or load.
    pub write: bool,
}

/// Parse a LoadStoreTrace text. Errors name the file and line.
///
/// Lines of the usual form (`LD 0x1f40`: one space, lower- or upper-case hex) are parsed
/// directly from bytes; any other line takes the general path (surrounding whitespace,
/// comments, decimal addresses), which also produces the error messages.
pub fn parse_trace(text: &str, file: &str) -> Result<Vec<TraceReq>, String> {
    let mut out = Vec::with_capacity(text.len() / 12);
    for (i, line) in text.split('\n').enumerate() {
        if let Some(r) = parse_plain(line.as_bytes()) {
            out.push(r);
        } else if let Some(r) = parse_line(line, file, i)? {
            out.push(r);
        }
    }
    Ok(out)
}

/// `LD 0xHEX` or `ST 0xHEX` (optionally followed by `\r`), at most 16 hex digits.
#[inline]
fn parse_plain(b: &[u8]) -> Option<TraceReq> {
    let b = b.strip_suffix(b"\r").unwrap_or(b);
    if b.len() < 6 || b.len() > 21 || b[2] != b' ' || b[3] != b'0' || b[4] != b'x' {
        return None;
    }
    let write = match &b[..2] {
        b"LD" => false,
        b"ST" => true,
        _ => return None,
    };
    let mut addr = 0u64;
    for &c in &b[5..] {
        let d = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b'A'..=b'F' => c - b'A' + 10,
            _ => return None,
        };
        addr = (addr << 4) | d as u64;
    }
    Some(TraceReq { addr, write })
}

/// The general path for line `i` (0-based): `None` for blank and comment lines.
fn parse_line(line: &str, file: &str, i: usize) -> Result<Option<TraceReq>, String> {
    let l = line.trim();
    if l.is_empty() || l.starts_with('#') {
        return Ok(None);
    }
    let bad = || {
        format!(
            "{file}:{}: expected \"LD 0xADDR\" or \"ST 0xADDR\", got `{}`",
            i + 1,
            l.chars().take(60).collect::<String>()
        )
    };
    let mut it = l.split_ascii_whitespace();
    let (Some(op), Some(a), None) = (it.next(), it.next(), it.next()) else {
        return Err(bad());
    };
    let write = match op {
        "LD" => false,
        "ST" => true,
        _ => return Err(bad()),
    };
    let addr = if let Some(h) = a.strip_prefix("0x").or_else(|| a.strip_prefix("0X")) {
        u64::from_str_radix(h, 16)
    } else {
        a.parse::<u64>()
    }
    .map_err(|_| bad())?;
    Ok(Some(TraceReq { addr, write }))
}

/// Read and parse a trace file.
pub fn read_trace(path: &Path) -> Result<Vec<TraceReq>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: cannot read trace: {e}", path.display()))?;
    parse_trace(&text, &path.display().to_string())
}

/// Command counts by role (the energy model's inputs).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct CommandCounts {
    /// Activates (ACT, or ACT-1 for LPDDR5).
    #[serde(rename = "ACT")]
    pub act: u64,
    /// Precharges (per-bank and all-bank; auto-precharges are counted in RD/WR).
    #[serde(rename = "PRE")]
    pub pre: u64,
    /// Reads (RD and RDA).
    #[serde(rename = "RD")]
    pub rd: u64,
    /// Writes (WR and WRA).
    #[serde(rename = "WR")]
    pub wr: u64,
    /// Refreshes (all-bank and per-bank).
    #[serde(rename = "REF")]
    pub refresh: u64,
}

/// Group per-command counts by role.
pub fn command_counts(spec: &Spec, by_id: &[u64]) -> CommandCounts {
    let mut c = CommandCounts::default();
    for (i, n) in by_id.iter().enumerate() {
        match spec.commands[i].kind {
            CmdKind::Act | CmdKind::Act1 => c.act += n,
            CmdKind::PrePb | CmdKind::PreAb => c.pre += n,
            CmdKind::Rd | CmdKind::Rda => c.rd += n,
            CmdKind::Wr | CmdKind::Wra => c.wr += n,
            CmdKind::RefAb | CmdKind::RefPb => c.refresh += n,
            _ => {}
        }
    }
    c
}

/// The result of a replay (`summary.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Version of this file's layout.
    pub schema_version: u32,
    /// Standard.
    pub standard: String,
    /// Organisation preset.
    pub org_preset: String,
    /// Timing preset.
    pub timing_preset: String,
    /// Channels.
    pub channels: u32,
    /// Duration of one DRAM tick, ps (half a clock for HBM3).
    pub tick_ps: f64,
    /// Bytes per transaction.
    pub tx_bytes: u32,
    /// Requests in the trace.
    pub requests: u64,
    /// Read requests.
    pub reads: u64,
    /// Write requests.
    pub writes: u64,
    /// max(last RD issue + read latency, last WR issue), DRAM ticks from the start.
    pub cycles_to_complete: i64,
    /// `cycles_to_complete * tick_ps`, ns.
    pub time_ns: f64,
    /// `requests * tx_bytes / time_ns`, GB/s (decimal).
    pub bandwidth_gbps: f64,
    /// Peak: every data bus moving one transaction per burst time, GB/s.
    pub peak_gbps: f64,
    /// `bandwidth_gbps / peak_gbps`.
    pub efficiency: f64,
    /// Mean over served reads of (data return - queue entry), DRAM ticks.
    pub avg_read_latency_cycles: f64,
    /// Mean read latency, ns.
    pub avg_read_latency_ns: f64,
    /// Requests whose first command found their row open.
    pub row_hits: u64,
    /// Requests whose first command found their bank closed.
    pub row_misses: u64,
    /// Requests whose first command found another row open.
    pub row_conflicts: u64,
    /// Reads answered from a queued write.
    pub reads_forwarded: u64,
    /// Writes merged into a queued write.
    pub writes_coalesced: u64,
    /// Refresh commands issued.
    pub refreshes: u64,
    /// Commands issued by role.
    pub commands: CommandCounts,
    /// DRAM energy from tick 0 to `cycles_to_complete` (see `docs/DRAM.md`, Energy).
    pub energy: EnergySummary,
    /// Controller evaluations (speed statistic: cycles actually looked at).
    pub evaluations: u64,
}

/// The energy part of `summary.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnergySummary {
    /// Sum of every action's energy, pJ.
    pub total_pj: f64,
    /// `total_pj / time_ns`, mW.
    pub average_power_mw: f64,
    /// Energy by kind, pJ: activate-precharge pairs, reads, writes, refreshes (all-bank and
    /// per-bank), background (active and precharged standby).
    pub by_kind: EnergyByKind,
    /// Every priced action: count, energy of one, energy.
    pub actions: Vec<super::power::EnergyAction>,
    /// Where the part's currents come from.
    pub source: String,
    /// Whether those currents are an estimate (no public table for the part).
    pub estimate: bool,
}

/// Energy by command kind, pJ.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EnergyByKind {
    /// Activate-precharge pairs.
    pub act_pj: f64,
    /// Read bursts.
    pub rd_pj: f64,
    /// Write bursts.
    pub wr_pj: f64,
    /// Refreshes.
    pub ref_pj: f64,
    /// Background (standby).
    pub background_pj: f64,
}

/// Summarise the priced actions of `sys` over `time_ns`.
pub fn energy_summary(
    sys: &DramSystem,
    actions: Vec<super::power::EnergyAction>,
    time_ns: f64,
) -> EnergySummary {
    let get = |k: &str| {
        actions
            .iter()
            .filter(|a| a.action == k)
            .map(|a| a.energy_pj)
            .sum::<f64>()
    };
    let by_kind = EnergyByKind {
        act_pj: get("dram_act"),
        rd_pj: get("dram_rd"),
        wr_pj: get("dram_wr"),
        ref_pj: get("dram_ref") + get("dram_refpb"),
        background_pj: get("dram_bg_active_cycles") + get("dram_bg_precharged_cycles"),
    };
    let total_pj: f64 = actions.iter().map(|a| a.energy_pj).sum();
    EnergySummary {
        total_pj,
        // pJ / ns = mW.
        average_power_mw: if time_ns > 0.0 {
            total_pj / time_ns
        } else {
            0.0
        },
        by_kind,
        actions,
        source: sys.power.source.to_string(),
        estimate: sys.power.estimate,
    }
}

/// Replay `trace` on a DRAM built from `cfg`; with `record`, every issued command is kept in
/// the controllers' logs for the timing checker.
pub fn replay(
    cfg: &DramConfig,
    trace: &[TraceReq],
    record: bool,
) -> Result<(Summary, DramSystem), String> {
    replay_with(cfg, trace, record, false)
}

/// [`replay`], optionally evaluating every controller at every DRAM cycle instead of only at
/// the cycles where something can happen (the reference path that shows skipping is exact).
pub fn replay_with(
    cfg: &DramConfig,
    trace: &[TraceReq],
    record: bool,
    every_cycle: bool,
) -> Result<(Summary, DramSystem), String> {
    let mut sys = DramSystem::new(cfg)?;
    if record {
        sys.record_commands();
    }
    let nch = sys.channels.len();
    let offers = cfg.trace_requests_per_cycle.max(1) as usize;
    let mut idx = 0usize;
    let mut dirty = vec![false; nch];
    let mut wake: Vec<Option<i64>> = vec![None; nch];
    // The request at the head of the trace, mapped once (it may be offered many times while
    // its queue is full).
    let mut head: Option<(usize, super::device::Loc)> = None;
    let mut offer =
        |sys: &mut DramSystem, idx: &mut usize, dirty: &mut [bool], n: usize, now: i64| {
            for _ in 0..n {
                let Some(r) = trace.get(*idx) else { break };
                let (ch, loc) = *head.get_or_insert_with(|| {
                    let (ch, intra) = sys.mapper.channel(r.addr);
                    (ch, sys.mapper.locate(intra))
                });
                if !sys.channels[ch].send(r.addr, loc, r.write, *idx as u64, now) {
                    break;
                }
                head = None;
                sys.channels[ch].done.clear();
                dirty[ch] = true;
                *idx += 1;
            }
        };
    // One offer before the first DRAM tick.
    offer(&mut sys, &mut idx, &mut dirty, 1, 0);
    for (w, ch) in wake.iter_mut().zip(&sys.channels) {
        *w = ch.next_wake_scheduling();
    }
    let mut now = 0i64;
    loop {
        if idx >= trace.len() && sys.channels.iter().all(|c| !c.client_work()) {
            break;
        }
        let mut t = i64::MAX;
        for c in 0..nch {
            if dirty[c] {
                t = t.min(now + 1);
            }
            if let Some(w) = wake[c] {
                t = t.min(w);
            }
        }
        if every_cycle {
            t = now + 1;
        }
        if t == i64::MAX {
            return Err("replay stalled with requests left (internal error)".into());
        }
        for c in 0..nch {
            if every_cycle || (dirty[c] && t == now + 1) || wake[c] == Some(t) {
                let ch = &mut sys.channels[c];
                ch.tick(t);
                ch.done.clear();
                dirty[c] = false;
                wake[c] = ch.next_wake_scheduling();
            }
        }
        now = t;
        offer(&mut sys, &mut idx, &mut dirty, offers, now);
    }
    for ch in &mut sys.channels {
        ch.drain_returns();
    }
    Ok((summarize(&sys, trace), sys))
}

/// Build the summary from the controllers' counters.
pub fn summarize(sys: &DramSystem, trace: &[TraceReq]) -> Summary {
    let spec = &sys.spec;
    let mut s = super::controller::CtrlStats {
        commands: vec![0; spec.commands.len()],
        last_rd: -1,
        last_wr: -1,
        ..Default::default()
    };
    for ch in &sys.channels {
        let c = &ch.stats;
        s.row_hits += c.row_hits;
        s.row_misses += c.row_misses;
        s.row_conflicts += c.row_conflicts;
        s.reads += c.reads;
        s.writes += c.writes;
        s.reads_served += c.reads_served + c.reads_forwarded;
        s.reads_forwarded += c.reads_forwarded;
        s.writes_coalesced += c.writes_coalesced;
        s.read_latency_sum += c.read_latency_sum;
        s.refreshes += c.refreshes;
        s.last_rd = s.last_rd.max(c.last_rd);
        s.last_wr = s.last_wr.max(c.last_wr);
        s.evaluations += c.evaluations;
        for (a, b) in s.commands.iter_mut().zip(&c.commands) {
            *a += b;
        }
    }
    let rd_end = if s.last_rd >= 0 {
        s.last_rd + spec.read_latency
    } else {
        -1
    };
    let cycles = rd_end.max(s.last_wr).max(0);
    let time_ns = cycles as f64 * spec.tick_ps / 1000.0;
    let requests = trace.len() as u64;
    let bw = if time_ns > 0.0 {
        requests as f64 * spec.tx_bytes as f64 / time_ns
    } else {
        0.0
    };
    let peak = sys.peak_gbps();
    let lat = if s.reads_served > 0 {
        s.read_latency_sum as f64 / s.reads_served as f64
    } else {
        0.0
    };
    Summary {
        schema_version: 2,
        standard: spec.standard.name.to_string(),
        org_preset: spec.org_preset.clone(),
        timing_preset: spec.timing_preset.clone(),
        channels: sys.cfg.channels,
        tick_ps: spec.tick_ps,
        tx_bytes: spec.tx_bytes,
        requests,
        reads: s.reads,
        writes: s.writes,
        cycles_to_complete: cycles,
        time_ns,
        bandwidth_gbps: bw,
        peak_gbps: peak,
        efficiency: if peak > 0.0 { bw / peak } else { 0.0 },
        avg_read_latency_cycles: lat,
        avg_read_latency_ns: lat * spec.tick_ps / 1000.0,
        row_hits: s.row_hits,
        row_misses: s.row_misses,
        row_conflicts: s.row_conflicts,
        reads_forwarded: s.reads_forwarded,
        writes_coalesced: s.writes_coalesced,
        refreshes: s.refreshes,
        commands: command_counts(spec, &s.commands),
        energy: energy_summary(sys, sys.energy(cycles), time_ns),
        evaluations: s.evaluations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_general_lines_parse_alike() {
        let text = "LD 0xAbC\r\nST 0X10\n  LD 0x20  \n# c\n\nST 0xffffffffffffffff\nLD 0x00000000000000001\nST 64";
        let got = parse_trace(text, "t").unwrap();
        let want = [
            (0xabc, false),
            (0x10, true),
            (0x20, false),
            (u64::MAX, true),
            (1, false),
            (64, true),
        ];
        assert_eq!(got.len(), want.len());
        for (g, (a, w)) in got.iter().zip(want) {
            assert_eq!((g.addr, g.write), (a, w));
        }
        // 17 significant hex digits overflow: an error naming the line.
        let e = parse_trace("LD 0x1\nLD 0x10000000000000000\n", "t").unwrap_err();
        assert!(e.starts_with("t:2:"), "{e}");
        let e = parse_trace("LD 0x\n", "t").unwrap_err();
        assert!(e.starts_with("t:1:"), "{e}");
    }
}
