//! The PIUMA unit: an engine component (ports `ctl` and `mem`) that runs `spgemm` ops on
//! the machine of [`super::core`].
//!
//! On `Issue`, the unit takes A and B from the workload (read or generated, and checked,
//! when the trace was read), lays them out in the op's operand regions (A and B in CSR then
//! CSC, C's entries in the C region; scratch in the unit's workspace above every region,
//! see [`super::Bases`]), builds the op's kernel and starts a [`Machine`] whose cycle 0 is
//! the unit's current cycle. It then wakes once per cycle in which the machine has work
//! (idle cycles are skipped), hands the machine's DRAM batches to `mem` as `MemReq`s, and
//! feeds each `MemResp` back. When every thread has finished and every write has completed
//! it answers `Done` with the op's report: `macs` = partial products, bytes = DRAM bytes
//! moved at the access granularity, `compute_cycles` = issue-busy cycles of an average
//! pipeline, `mem_stall_cycles` = the rest of the op's cycles.
//!
//! Specs, files, shapes and kernel names are checked when the trace is read. What remains
//! for run time is an input the configured machine cannot hold (e.g. a row whose hash table
//! exceeds the scratchpad): it stops the op, and the unit reports the problem through
//! `waiting_for`, so the run ends with an error naming the unit, the op and the reason.

use super::config::{KernelKind, PiumaConfig};
use super::core::Machine;
use super::network::Backend;
use super::{Bases, Verify, build_kernel, verify};
use crate::arch::{Msg, OpReport};
use crate::engine::{Component, Ctx, Cycle, PortId, Tick};
use crate::mem::MemReq;
use crate::stats::StatSet;
use crate::units::{CTL, MEM, UnitInfo, UnitKind};
use crate::workload::sparse::{MatrixSpec, SparseMatrix};
use crate::workload::{OpKind, Workload};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

struct Running {
    op: u32,
    kind: KernelKind,
    machine: Machine,
    base: u64,
    start: Tick,
    products: u64,
    a: Arc<SparseMatrix>,
    b: Arc<SparseMatrix>,
    a_spec: String,
    b_spec: String,
    finishing: bool,
}

/// What the unit keeps of a finished op.
#[derive(Clone, Debug)]
pub struct Record {
    /// Op id.
    pub id: String,
    /// Label of the (A, B) pair, e.g. `west0067` or `west0067*olm1000`.
    pub pair: String,
    /// Kernel.
    pub kernel: KernelKind,
    /// Cycles.
    pub cycles: u64,
    /// Partial products.
    pub products: u64,
    /// The op's statistics.
    pub stats: StatSet,
    /// Comparison with the independent product (if `verify`).
    pub verify: Option<Verify>,
}

/// The PIUMA unit.
pub struct PiumaUnit {
    info: UnitInfo,
    cfg: PiumaConfig,
    work: Arc<Workload>,
    base_dir: Option<PathBuf>,
    cache: BTreeMap<String, Arc<SparseMatrix>>,
    run: Option<Running>,
    failed: Option<String>,
    /// Finished ops, in completion order.
    pub records: Vec<Record>,
    busy_cycles: u64,
    /// Energy action counts summed over ops (see `core::ENERGY_ACTIONS`).
    energy: [u64; 5],
}

/// A short label of a matrix spec for statistic names.
pub fn label(spec: &str) -> String {
    match MatrixSpec::parse(spec) {
        Ok(MatrixSpec::Mtx { path }) => path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_else(|| spec.to_string()),
        _ => spec
            .trim()
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '=' {
                    c
                } else {
                    '_'
                }
            })
            .collect(),
    }
}

impl PiumaUnit {
    /// Unit `idx` of the config. Relative `mtx:` paths are resolved against the working
    /// directory, then against the trace's folder.
    pub fn new(idx: usize, cfg: &PiumaConfig, work: Arc<Workload>) -> Self {
        let base_dir = std::path::Path::new(&work.source)
            .parent()
            .map(|p| p.to_path_buf());
        PiumaUnit {
            info: UnitInfo {
                kind: UnitKind::Piuma,
                name: format!("piuma{idx}"),
                freq_mhz: cfg.freq_mhz,
                peak_macs_per_cycle: (cfg.cores * (cfg.mtp_per_core + cfg.stp_per_core)) as f64,
                // PIUMA's die area (316 mm^2, press) covers far more than these cores.
                area_mm2: 0.0,
                peak_actions_per_cycle: Vec::new(),
            },
            cfg: cfg.clone(),
            work,
            base_dir,
            cache: BTreeMap::new(),
            run: None,
            failed: None,
            records: Vec::new(),
            busy_cycles: 0,
            energy: [0; 5],
        }
    }

    /// Description for the scheduler and reports.
    pub fn info(&self) -> &UnitInfo {
        &self.info
    }

    fn matrix(&mut self, spec: &str) -> Result<Arc<SparseMatrix>, String> {
        // Normally loaded (and checked) when the trace was read.
        if let Some(m) = self.work.sparse.get(spec) {
            return Ok(m.clone());
        }
        if let Some(m) = self.cache.get(spec) {
            return Ok(m.clone());
        }
        let m = MatrixSpec::parse(spec)
            .and_then(|s| s.load(self.base_dir.as_deref()))
            .map_err(|e| e.to_string())?;
        let m = Arc::new(m);
        self.cache.insert(spec.to_string(), m.clone());
        Ok(m)
    }

    fn start(&mut self, op: u32, cx: &mut Ctx<'_, Msg>) -> Result<(), String> {
        let o = &self.work.ops[op as usize];
        let OpKind::SpGemm { a, b, kernel } = &o.kind else {
            return Err(format!("op `{}` is not an spgemm op", o.id));
        };
        let (a_spec, b_spec) = (a.clone(), b.clone());
        let kname = kernel.clone().unwrap_or_else(|| self.cfg.kernel.clone());
        let id = o.id.clone();
        let addrs = o.addrs;
        let kind = KernelKind::parse(&kname).ok_or_else(|| {
            format!(
                "op `{id}`: kernel `{kname}`: expected one of {}",
                super::config::KERNEL_NAMES
            )
        })?;
        let am = self
            .matrix(&a_spec)
            .map_err(|e| format!("op `{id}`: {e}"))?;
        let bm = self
            .matrix(&b_spec)
            .map_err(|e| format!("op `{id}`: {e}"))?;
        super::check_shapes(&am, &bm).map_err(|e| format!("op `{id}`: {e}"))?;
        let bases = Bases {
            a: addrs.a,
            b: addrs.b,
            c: addrs.c,
            c_bytes: crate::workload::sparse::spgemm_operand_bytes(&am, &bm).c,
            work: self.work.addr_end,
        };
        let products = am.gustavson_products(&bm);
        let k = build_kernel(&self.cfg, kind, am.clone(), bm.clone(), bases)
            .map_err(|e| format!("op `{id}` ({}): {e}", kind.name()))?;
        let machine = Machine::new(&self.cfg, k, Backend::External);
        self.run = Some(Running {
            op,
            kind,
            machine,
            base: cx.cycle().0,
            start: cx.now(),
            products,
            a: am,
            b: bm,
            a_spec,
            b_spec,
            finishing: false,
        });
        cx.wake_in(0);
        Ok(())
    }

    fn send_requests(run: &mut Running, cx: &mut Ctx<'_, Msg>) {
        let op = run.op as u64;
        for r in run.machine.mem.outbox.drain(..) {
            cx.send(
                MEM,
                Msg::MemReq(MemReq {
                    id: (op << 32) | r.id,
                    addr: r.addr,
                    bytes: r.bytes.max(1),
                    write: r.write,
                }),
            );
        }
    }

    fn schedule(&mut self, cx: &mut Ctx<'_, Msg>) {
        let Some(run) = self.run.as_mut() else {
            return;
        };
        if run.machine.finished() {
            let end = run.base + run.machine.end_cycle();
            run.finishing = true;
            if end > cx.cycle().0 {
                cx.wake_at(Cycle(end));
            } else {
                self.finish(cx);
            }
            return;
        }
        if let Some(n) = run.machine.next_cycle() {
            cx.wake_at(Cycle(run.base + n));
        }
    }

    fn finish(&mut self, cx: &mut Ctx<'_, Msg>) {
        let Some(run) = self.run.take() else {
            return;
        };
        let m = &run.machine;
        let cycles = m.end_cycle();
        self.busy_cycles += cycles;
        for (t, n) in self.energy.iter_mut().zip(m.energy_counts()) {
            *t += n;
        }
        let mut stats = StatSet::default();
        stats.int("cycles", cycles, "cycles", "Cycles of the op.");
        stats.int(
            "products",
            run.products,
            "ops",
            "Partial products (scalar multiplications of Gustavson's algorithm).",
        );
        m.export(cycles, &mut stats);
        m.kernel().stats(&mut stats);
        let v = if self.cfg.verify {
            let v = verify(&run.a, &run.b, m.kernel().output());
            stats.int(
                "verify_nnz_ref",
                v.nnz_ref,
                "entries",
                "nnz of sprs's product of A and B.",
            );
            stats.int(
                "verify_nnz",
                v.nnz,
                "entries",
                "Distinct entries the kernel wrote.",
            );
            stats.int(
                "verify_written",
                v.written,
                "entries",
                "Entries the kernel wrote (more than verify_nnz means duplicates).",
            );
            stats.text(
                "verify",
                if v.ok() { "pass" } else { "FAIL" },
                "pass when nnz, structure and duplicates agree with sprs's product.",
            );
            stats.float(
                "verify_max_rel_err",
                v.max_rel_err,
                "ratio",
                "Largest relative difference of a value from sprs's product.",
            );
            Some(v)
        } else {
            None
        };
        let issued: u64 = stats
            .get("instructions")
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0) as u64;
        let pipes = (self.cfg.cores * (self.cfg.mtp_per_core + self.cfg.stp_per_core)) as u64;
        let compute = (issued / pipes.max(1)).min(cycles);
        let d = &m.mem.stats;
        let report = OpReport {
            op: run.op,
            start: run.start,
            end: cx.now(),
            macs: run.products,
            bytes_read: d.read_bytes,
            bytes_written: d.write_bytes,
            compute_cycles: compute,
            mem_stall_cycles: cycles - compute,
        };
        let pair = if run.a_spec == run.b_spec {
            label(&run.a_spec)
        } else {
            format!("{}*{}", label(&run.a_spec), label(&run.b_spec))
        };
        self.records.push(Record {
            id: self.work.ops[run.op as usize].id.clone(),
            pair,
            kernel: run.kind,
            cycles,
            products: run.products,
            stats,
            verify: v,
        });
        cx.send(CTL, Msg::Done(Box::new(report)));
    }
}

impl Component<Msg> for PiumaUnit {
    fn name(&self) -> &str {
        &self.info.name
    }

    fn ports(&self) -> Vec<String> {
        super::super::unit_ports()
    }

    fn on_message(&mut self, port: PortId, msg: Msg, cx: &mut Ctx<'_, Msg>) {
        match (port, msg) {
            (CTL, Msg::Issue { op }) => {
                if let Err(e) = self.start(op, cx) {
                    self.failed = Some(e);
                }
            }
            (MEM, Msg::MemResp(r)) => {
                let Some(run) = self.run.as_mut() else {
                    return;
                };
                if r.id >> 32 != run.op as u64
                    || !run.machine.mem.is_outstanding(r.id & 0xffff_ffff)
                {
                    return;
                }
                let c = cx.cycle().0.saturating_sub(run.base);
                run.machine.mem_done(r.id & 0xffff_ffff, c);
                self.schedule(cx);
            }
            _ => {}
        }
    }

    fn on_wake(&mut self, cx: &mut Ctx<'_, Msg>) {
        let Some(run) = self.run.as_mut() else {
            return;
        };
        if run.finishing {
            if cx.cycle().0 >= run.base + run.machine.end_cycle() {
                self.finish(cx);
            }
            return;
        }
        let c = cx.cycle().0 - run.base;
        // Process every due cycle up to now (normally exactly one).
        while let Some(n) = run.machine.next_cycle() {
            if n > c {
                break;
            }
            run.machine.run_cycle(n);
            if n == c {
                break;
            }
        }
        Self::send_requests(run, cx);
        self.schedule(cx);
    }

    fn waiting_for(&self) -> Option<String> {
        if let Some(e) = &self.failed {
            return Some(e.clone());
        }
        self.run.as_ref().map(|r| {
            format!(
                "op `{}` ({}): {} thread(s) running, {} memory request(s) outstanding",
                self.work.ops[r.op as usize].id,
                r.kind.name(),
                r.machine.running_threads(),
                r.machine.mem.outstanding
            )
        })
    }

    fn stats(&self, s: &mut StatSet) {
        s.int(
            "ops",
            self.records.len() as u64,
            "ops",
            "spgemm ops completed.",
        );
        s.int(
            "busy_cycles",
            self.busy_cycles,
            "cycles",
            "Cycles with an op in progress.",
        );
        let fails = self
            .records
            .iter()
            .filter(|r| r.verify.as_ref().is_some_and(|v| !v.ok()))
            .count();
        s.int(
            "verify_failures",
            fails as u64,
            "ops",
            "Ops whose product disagreed with sprs's (nnz, structure or duplicates).",
        );
        // Energy actions of all ops; the per-op copies below are plain counts.
        let actions = crate::stats::energy::ACTIONS;
        for (name, n) in super::core::ENERGY_ACTIONS.iter().zip(self.energy) {
            s.int(
                name,
                n,
                actions,
                "Energy action count summed over ops (see docs/PIUMA.md, Energy).",
            );
        }
        for r in &self.records {
            for st in &r.stats.stats {
                s.stats.push(crate::stats::Stat {
                    name: format!("op.{}.{}", r.id, st.name),
                    value: st.value.clone(),
                    unit: if st.unit == actions { "ops" } else { st.unit },
                    desc: st.desc,
                });
            }
        }
        // Speedups between kernels on the same inputs (the first op of each kernel on a
        // pair), and their geometric means over pairs.
        let mut pairs: BTreeMap<&str, BTreeMap<KernelKind, u64>> = BTreeMap::new();
        for r in &self.records {
            pairs
                .entry(r.pair.as_str())
                .or_default()
                .entry(r.kernel)
                .or_insert(r.cycles);
        }
        let mut logs: BTreeMap<(KernelKind, KernelKind), (f64, u32)> = BTreeMap::new();
        for (pair, ks) in &pairs {
            for (&k1, &c1) in ks {
                for (&k2, &c2) in ks {
                    // One direction per pair: the other is the reciprocal.
                    if k1 >= k2 {
                        continue;
                    }
                    let sp = c2 as f64 / c1.max(1) as f64;
                    s.float(
                        &format!("speedup.{pair}.{}_over_{}", k1.name(), k2.name()),
                        sp,
                        "ratio",
                        "Cycles of the second kernel / cycles of the first on the same A and B.",
                    );
                    let e = logs.entry((k1, k2)).or_insert((0.0, 0));
                    e.0 += sp.ln();
                    e.1 += 1;
                }
            }
        }
        let verified = self.records.iter().filter(|r| r.verify.is_some()).count();
        if verified > 0 {
            s.headline(format!(
                "verify: {} of {verified} spgemm ops match sprs's product",
                verified - fails
            ));
        }
        for ((k1, k2), (sum, n)) in logs {
            if k1 == KernelKind::Smash && k2 != KernelKind::SmashV2 && k2 != KernelKind::SmashV3 {
                s.headline(format!(
                    "SMASH v1 over {}: {:.2}x (geometric mean over {n} input pair(s))",
                    k2.name(),
                    (sum / n as f64).exp()
                ));
            }
            s.float(
                &format!("speedup_geomean.{}_over_{}", k1.name(), k2.name()),
                (sum / n as f64).exp(),
                "ratio",
                "Geometric mean over input pairs of the speedup of the first kernel over the second.",
            );
            s.int(
                &format!("speedup_pairs.{}_over_{}", k1.name(), k2.name()),
                n as u64,
                "pairs",
                "Input pairs in the geometric mean.",
            );
        }
    }
}
