//! PIUMA-style multi-threaded cores with atomic scratchpads, running SpGEMM kernels on real
//! sparse matrices: SMASH (v1 atomic hashing, v2 tokenisation, v3 fragmented memory) and
//! the inner- and outer-product baselines on the same hardware.
//!
//! Layout of this module (one file per concern):
//! - [`config`]: the `[piuma]` section; every non-public latency is a labelled assumption.
//! - [`core`]: the machine: pipelines, barrel-scheduled threads, the internal event wheel.
//! - [`spad`]: banked scratchpads with per-bank atomic units.
//! - [`offload`]: DMA engines and the barrier (collective) engine.
//! - [`network`]: the global address space: core network ports, DRAM at 8-byte granularity,
//!   batching towards the memory component.
//! - [`hash`]: hash functions and probe sequences.
//! - [`layout`]: DRAM addresses of the matrices and scratchpad staging buffers.
//! - [`smash`], [`inner`], [`outer`]: the kernels.
//! - [`unit`]: the engine component (`ctl` and `mem` ports) that runs `spgemm` ops.
//!
//! The machine can also run on its own with an internal DRAM model ([`run_standalone`]),
//! which tests and benchmarks use.
//!
//! Contract of the unit: it accepts one `spgemm` op at a time on `ctl`, loads (or generates)
//! A and B from the op's matrix specs, runs the op's kernel (or `piuma.kernel`), sends all
//! DRAM traffic through `mem`, and answers `Done` with an `OpReport` whose `macs` is the
//! number of partial products (scalar multiplications) and whose byte counts are the DRAM
//! bytes moved at the access granularity. Per-op results (cycles per phase, utilisation,
//! probes, collisions, atomics, traffic, verification against `sprs`) and the speedup of
//! each kernel over each other kernel on the same inputs are exported by `stats()`.

pub mod config;
pub mod core;
pub mod hash;
pub mod inner;
pub mod layout;
pub mod network;
pub mod offload;
pub mod outer;
pub mod smash;
pub mod spad;
pub mod unit;

pub use config::{HashConfig, KernelKind, PiumaConfig};

use self::core::{Kernel, Machine, MachineError, Op, Topology};
use self::layout::Compressed;
use self::network::Backend;
use self::smash::{Engine, KernelError, Policy, Source};
use crate::stats::StatSet;
use crate::workload::sparse::SparseMatrix;
use std::sync::Arc;

/// SMASH (any version) as a [`Kernel`].
pub struct SmashKernel {
    engine: Engine,
}

const SMASH_PHASES: &[&str] = &["window_distribution", "hashing", "write_back"];

impl Kernel for SmashKernel {
    fn next(&mut self, tid: u32, ret: u64) -> Op {
        self.engine.next(tid, ret)
    }
    fn phases(&self) -> &'static [&'static str] {
        SMASH_PHASES
    }
    fn stats(&self, out: &mut StatSet) {
        self.engine.export(out);
    }
    fn output(&self) -> &[(u32, u32, f64)] {
        self.engine.output()
    }
}

/// Where an op's data lives in DRAM: the operand regions the workload allocated (sized by
/// [`crate::workload::sparse::spgemm_operand_bytes`]: A and B in CSR then CSC, C as
/// 16-byte entries) and the unit's workspace above every operand region (output overflow
/// blocks, partial products, spilled lists; reused by each op the unit runs).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub struct Bases {
    /// A's region: A in CSR, then A in CSC.
    pub a: u64,
    /// B's region: B in CSR, then B in CSC.
    pub b: u64,
    /// C's region.
    pub c: u64,
    /// Bytes of C's region.
    pub c_bytes: u64,
    /// First byte of the unit's workspace.
    pub work: u64,
}

impl Bases {
    /// The regions of `A * B` packed from address 0, as the workload allocator would place
    /// them for a trace of this one op (standalone runs).
    pub fn packed(a: &SparseMatrix, b: &SparseMatrix) -> Bases {
        let r = crate::workload::sparse::spgemm_operand_bytes(a, b);
        let pb = layout::align(r.a);
        let pc = pb + layout::align(r.b);
        Bases {
            a: 0,
            b: pb,
            c: pc,
            c_bytes: r.c,
            work: pc + layout::align(r.c),
        }
    }

    /// The output streams and the rest of the workspace of a kernel with `threads` threads.
    pub fn outputs(&self, threads: usize) -> (layout::OutStreams, layout::Workspace) {
        let mut ws = layout::Workspace::new(self.work);
        let ovf = ws.take(layout::OutStreams::overflow_bytes(threads));
        (
            layout::OutStreams::new(self.c, self.c_bytes, ovf, threads),
            ws,
        )
    }
}

/// A's columns must equal B's rows.
pub fn check_shapes(a: &SparseMatrix, b: &SparseMatrix) -> Result<(), KernelError> {
    if a.ncols != b.nrows {
        return Err(KernelError::Shape {
            ar: a.nrows,
            ac: a.ncols,
            br: b.nrows,
            bc: b.ncols,
        });
    }
    Ok(())
}

/// Build the kernel `kind` for `C = A * B`.
pub fn build_kernel(
    cfg: &PiumaConfig,
    kind: KernelKind,
    a: Arc<SparseMatrix>,
    b: Arc<SparseMatrix>,
    bases: Bases,
) -> Result<Box<dyn Kernel>, KernelError> {
    check_shapes(&a, &b)?;
    let topo = Topology::new(cfg);
    let la = Compressed::new(bases.a, &a);
    let lb = Compressed::new(bases.b, &b);
    match kind {
        KernelKind::Smash | KernelKind::SmashV2 | KernelKind::SmashV3 => {
            let bound: Vec<u64> = crate::workload::sparse::output_bound_rows(&a, &b).collect();
            let (outs, _) = bases.outputs(topo.threads.len());
            let engine = Engine::new(
                cfg,
                &topo,
                a,
                b,
                la,
                lb,
                outs,
                Source::Product,
                Policy::of(kind),
                0,
                &bound,
                [0, 1, 2],
            )?;
            Ok(Box::new(SmashKernel { engine }))
        }
        KernelKind::Inner | KernelKind::InnerAllPairs => Ok(Box::new(inner::InnerKernel::new(
            cfg,
            &topo,
            a,
            b,
            bases,
            kind == KernelKind::InnerAllPairs,
        )?)),
        KernelKind::Outer => Ok(Box::new(outer::OuterKernel::new(cfg, &topo, a, b, bases)?)),
    }
}

/// The internal DRAM model of standalone runs: a fixed latency and one bandwidth pipe.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct StandaloneMem {
    /// Latency in ns.
    pub latency_ns: f64,
    /// Bandwidth in GB/s.
    pub bw_gbps: f64,
}

impl Default for StandaloneMem {
    /// 100 ns and 140.8 GB/s [A]: a DDR5-4400 class latency and four 64-bit channels of
    /// DDR5-4400 (PIUMA's prototype uses DDR5-4400 per the Hot Chips 2023 press; its
    /// channel count is not public).
    fn default() -> Self {
        StandaloneMem {
            latency_ns: 100.0,
            bw_gbps: 140.8,
        }
    }
}

impl StandaloneMem {
    /// The backend for a machine clocked at `freq_mhz`.
    pub fn backend(&self, freq_mhz: f64) -> Backend {
        Backend::Internal {
            latency: (self.latency_ns * freq_mhz / 1000.0).round() as u64,
            bytes_per_cycle: self.bw_gbps * 1000.0 / freq_mhz,
            free_at: 0.0,
        }
    }
}

/// Errors of a PIUMA run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PiumaError {
    /// The kernel cannot run these inputs on this machine.
    #[error(transparent)]
    Kernel(#[from] KernelError),
    /// The machine deadlocked (a kernel bug).
    #[error(transparent)]
    Machine(#[from] MachineError),
}

/// How the product compares with an independent one.
#[derive(Clone, Debug, PartialEq)]
pub struct Verify {
    /// Structural nnz of the independent product (`sprs`, Bank and Douglas' SMMP).
    pub nnz_ref: u64,
    /// Distinct entries the kernel wrote.
    pub nnz: u64,
    /// Entries the kernel wrote (more than `nnz` means duplicates).
    pub written: u64,
    /// Same set of (row, column) positions as the reference.
    pub structure_ok: bool,
    /// Largest |value - reference| / max(|reference|, 1) over entries.
    pub max_rel_err: f64,
}

impl Verify {
    /// nnz, structure and duplicates all agree.
    pub fn ok(&self) -> bool {
        self.structure_ok && self.nnz == self.nnz_ref && self.written == self.nnz
    }
}

/// Compare kernel output entries with `sprs`'s product of `a` and `b`.
pub fn verify(a: &SparseMatrix, b: &SparseMatrix, out: &[(u32, u32, f64)]) -> Verify {
    let r = &a.to_sprs() * &b.to_sprs();
    let r = SparseMatrix::from_sprs(&r);
    let mut e: Vec<(u32, u32, f64)> = out.to_vec();
    e.sort_by_key(|x| (x.0, x.1));
    let written = e.len() as u64;
    e.dedup_by(|x, y| x.0 == y.0 && x.1 == y.1);
    let nnz = e.len() as u64;
    let mut structure_ok = nnz == r.nnz() as u64;
    let mut max_rel_err = 0.0f64;
    if structure_ok {
        let mut k = 0;
        'rows: for i in 0..r.nrows {
            for (&c, &v) in r.row_cols(i).iter().zip(r.row_vals(i)) {
                let (er, ec, ev) = e[k];
                if er as usize != i || ec != c {
                    structure_ok = false;
                    break 'rows;
                }
                max_rel_err = max_rel_err.max((ev - v).abs() / v.abs().max(1.0));
                k += 1;
            }
        }
    }
    Verify {
        nnz_ref: r.nnz() as u64,
        nnz,
        written,
        structure_ok,
        max_rel_err,
    }
}

/// The result of one SpGEMM on the machine.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// Kernel.
    pub kernel: KernelKind,
    /// Cycles from start to the last write.
    pub cycles: u64,
    /// Partial products (scalar multiplications of Gustavson's algorithm).
    pub products: u64,
    /// Statistics (machine and kernel).
    pub stats: StatSet,
    /// Output entries `(row, col, value)` in write order.
    pub output: Vec<(u32, u32, f64)>,
}

/// Run `C = A * B` with `kind` on a standalone machine (internal DRAM model).
pub fn run_standalone(
    cfg: &PiumaConfig,
    kind: KernelKind,
    a: Arc<SparseMatrix>,
    b: Arc<SparseMatrix>,
    mem: StandaloneMem,
) -> Result<RunResult, PiumaError> {
    check_shapes(&a, &b)?;
    let bases = Bases::packed(&a, &b);
    let products = a.gustavson_products(&b);
    let kernel = build_kernel(cfg, kind, a, b, bases)?;
    let mut m = Machine::new(cfg, kernel, mem.backend(cfg.freq_mhz));
    let end = m.run_standalone()?;
    let mut stats = StatSet::default();
    stats.int("cycles", end, "cycles", "Cycles of the op.");
    stats.int(
        "products",
        products,
        "ops",
        "Partial products (scalar multiplications).",
    );
    m.export(end, &mut stats);
    m.kernel().stats(&mut stats);
    Ok(RunResult {
        kernel: kind,
        cycles: end,
        products,
        stats,
        output: m.kernel().output().to_vec(),
    })
}
