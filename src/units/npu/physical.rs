//! The `physical` timing mode: a tile-level plan of one GEMM on one NPU core, and the
//! double-buffered DMA/compute pipeline that executes it against the memory port.
//!
//! # Fold timing (what the array does)
//! Folds are cut as in [`super::mapping`] (SCALE-Sim's mapping and fold order). Unlike
//! SCALE-Sim, consecutive folds overlap:
//! - WS/IS keep two stationary tiles per PE (one in use, one shifting in), as the TPU's
//!   double-buffered weight registers (Jouppi et al., ISCA 2017, §2: the next 256×256 tile
//!   shifts in while the current one computes). The next fold's `T` streamed vectors can
//!   enter right after the current fold's last vector once its tile has shifted in (`R`
//!   cycles): a fold occupies the array for `max(T, R)` cycles.
//! - OS moves each finished accumulator into an output shift chain and starts the next
//!   fold's accumulation at once; the chain shifts a column's `R` results out in `R` cycles,
//!   overlapped with the next fold's `T` accumulation steps: `max(T, R)` per fold.
//! - The first fold of a WS/IS op, and any fold that starts after the array went idle waiting
//!   for data, first shifts its tile in (`R` cycles). The op ends `R + C − 2` cycles after its
//!   last vector entered (skew and drain of the last fold). A lone fold therefore takes
//!   `T + R + C − 2` (OS) or `T + 2R + C − 2` (WS/IS) cycles, SCALE-Sim's per-fold count; the
//!   difference between the modes is the overlap. [`super::array`] checks these numbers
//!   against a PE-by-PE simulation.
//!
//! # Data movement (what the DMA does)
//! A plan is a list of [`Step`]s (each one event). The default `min_traffic` plans come from
//! [`super::schedule`] (the loop order and block sizes with the fewest DRAM bytes); [`plan`]
//! here builds the `fold_order` plan, SCALE-Sim's fold order:
//! - A *step* is one fold, or `arrays_per_core` consecutive folds that the core's arrays
//!   compute in parallel, cut along the streamed dimension into chunks whose operand slices
//!   fit in half of their SRAMs (the other half holds the next step: double buffering).
//! - An operand that fits in half its SRAM is fetched once per op; otherwise a slice is
//!   fetched whenever a step needs it and the previous step did not already hold it.
//! - OS writes each fold's outputs after its last chunk. WS/IS accumulate the partial sums of
//!   the K folds of a column block in the OFMAP SRAM (`acc_bytes` each) when they fit in half
//!   of it and write the outputs once; otherwise every K fold spills its partial sums and the
//!   next reads them back.
//!
//! Operands are assumed stored in the order the plan consumes them (pre-tiled weights, row
//! blocks of activations), so each slice is one contiguous memory request. The pipeline
//! ([`Pipeline`]) issues loads in step order, each once the SRAM half it fills is free (a load
//! of a step's *run*, the tile that stays in one half of its SRAM over consecutive steps, waits
//! for the run two before it in the same SRAM to finish; in a `fold_order` plan every step is
//! its own run, i.e. one step of prefetch), computes a step when its data has arrived, the
//! previous step is done and one of the two output buffers is free, and writes the step's
//! outputs when it ends. Stalls are therefore late data (memory latency or bandwidth) or a
//! full output buffer.

use super::mapping::{Dataflow, Mapping};
use crate::arch::Msg;
use crate::engine::{Ctx, PortId, Tick};
use crate::mem::MemReq;

/// Sizes of a physical-mode plan.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct PlanParams {
    /// Array rows R.
    pub rows: u64,
    /// Array columns C.
    pub cols: u64,
    /// Arrays per core.
    pub arrays: u64,
    /// Dataflow.
    pub dataflow: Dataflow,
    /// Bits per activation element (A and C).
    pub act_bits: u64,
    /// Bits per weight element (B).
    pub wgt_bits: u64,
    /// Bytes per partial sum.
    pub acc_bytes: u64,
    /// IFMAP SRAM bytes.
    pub ifmap_sram: u64,
    /// FILTER SRAM bytes.
    pub filter_sram: u64,
    /// OFMAP SRAM bytes.
    pub ofmap_sram: u64,
}

/// One memory read of a step, into one of the core's SRAMs.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Load {
    /// Byte address.
    pub addr: u64,
    /// Bytes.
    pub bytes: u64,
    /// The SRAM it fills: 0 IFMAP, 1 FILTER, 2 OFMAP.
    pub sram: u8,
}

/// One step of the plan: loads, then `cycles` of compute, then one write.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Step {
    /// Loads.
    pub reads: Vec<Load>,
    /// Per SRAM (IFMAP, FILTER, OFMAP), the *run* this step belongs to: the tile of that SRAM's
    /// operand that stays in one half of it from the run's first step to its last. Run numbers
    /// never decrease along the plan; a load of run `q` may be issued once run `q − 2` has
    /// finished (its half is free: double buffering at the tile granularity).
    pub runs: [u32; 3],
    /// Streaming cycles of this step (its chunk of `T`, plus the per-fold floor and the
    /// op's final drain where they apply).
    pub cycles: u64,
    /// Cycles to shift a stationary tile in, paid if the array was idle before this step.
    pub preload: u64,
    /// `(address, bytes)` write; zero bytes means none.
    pub write: (u64, u64),
    /// MACs of real work in this step.
    pub macs: u64,
    /// Bytes the arrays read from the SRAMs in this step (every operand word they consume,
    /// reused or not).
    pub sram_read: u64,
    /// Vectors each array streams in this step (its chunk of `T`).
    pub vectors: u64,
}

/// Bytes of `elems` elements of `bits` bits each, rounded up.
pub(crate) fn bytes(elems: u64, bits: u64) -> u64 {
    (elems * bits).div_ceil(8)
}

/// Base addresses of one GEMM instance.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Bases {
    /// A (activations).
    pub a: u64,
    /// B (weights).
    pub b: u64,
    /// C (outputs).
    pub c: u64,
}

/// Build the step plan of `C[m×n] = A[m×k]·B[k×n]` in SCALE-Sim's fold order
/// (`npu.schedule = "fold_order"`), appending to `out`.
pub fn plan(p: &PlanParams, m: u64, n: u64, k: u64, base: Bases, out: &mut Vec<Step>) {
    let map = Mapping::new(p.dataflow, p.rows, p.cols, m, n, k);
    let (r, c, t) = (p.rows, p.cols, map.t);
    let folds = map.folds();
    let arrays = p.arrays.max(1);
    // Per array share of each SRAM half.
    let if_half = p.ifmap_sram / 2 / arrays;
    let f_half = p.filter_sram / 2 / arrays;
    let o_half = p.ofmap_sram / 2;
    let (ab, wb) = (p.act_bits, p.wgt_bits);
    // Streamed elements per unit of T for one fold, per operand, and chunk length.
    let chunk = match p.dataflow {
        // A slice: R rows × t; B slice: t × C.
        Dataflow::Os => (if_half * 8 / (r * ab).max(1))
            .min(f_half * 8 / (c * wb).max(1))
            .max(1),
        // WS: A slice t × R streamed; IS: B slice R × t streamed.
        Dataflow::Ws => (if_half * 8 / (r * ab).max(1)).max(1),
        Dataflow::Is => (f_half * 8 / (r * wb).max(1)).max(1),
    }
    .min(t);
    let chunks = t.div_ceil(chunk);
    // Whole-operand residency (fetched once per op).
    let a_total = bytes(m * k, ab);
    let b_total = bytes(k * n, wb);
    let a_resident = a_total <= p.ifmap_sram / 2;
    let b_resident = b_total <= p.filter_sram / 2;
    // WS/IS partial sums of one column block: T × C accumulators (per array in a step).
    let psum_fit = t * c * p.acc_bytes * arrays <= o_half;

    let mut loaded: std::collections::BTreeSet<(u8, u64, u64)> = Default::default();
    let mut prev_keys: Vec<(u8, u64, u64)> = Vec::new();
    let mut gi = 0;
    while gi < folds {
        let group: Vec<_> = (gi..(gi + arrays).min(folds))
            .map(|i| map.fold(i))
            .collect();
        gi += group.len() as u64;
        for ch in 0..chunks {
            let t0 = ch * chunk;
            let tl = chunk.min(t - t0);
            let mut reads: Vec<(u64, u64)> = Vec::new();
            let mut keys: Vec<(u8, u64, u64)> = Vec::new();
            let mut write = 0u64;
            let mut write_addr = u64::MAX;
            let mut macs = 0;
            let mut sram_read = 0;
            let mut need = |kind: u8,
                            id: u64,
                            addr: u64,
                            len: u64,
                            resident: bool,
                            reads: &mut Vec<(u64, u64)>,
                            keys: &mut Vec<(u8, u64, u64)>| {
                let key = (kind, id, ch);
                if keys.contains(&key) {
                    return;
                }
                keys.push(key);
                // Unchunked slices stay in the buffer while consecutive steps use them;
                // resident operands stay for the whole op.
                let held = (chunks == 1 && prev_keys.contains(&key))
                    || (resident && loaded.contains(&key));
                if !held && len > 0 {
                    reads.push((addr, len));
                }
                if resident {
                    loaded.insert(key);
                }
            };
            for f in &group {
                match p.dataflow {
                    Dataflow::Os => {
                        // A rows [fr·R, +used_r) × K chunk; B K chunk × cols [fc·C, +used_c).
                        let a_off = bytes(f.fr * r * k + f.used_r * t0, ab);
                        need(
                            0,
                            f.fr,
                            base.a + a_off,
                            bytes(f.used_r * tl, ab),
                            a_resident,
                            &mut reads,
                            &mut keys,
                        );
                        let b_off = bytes(f.fc * c * k + f.used_c * t0, wb);
                        need(
                            1,
                            f.fc,
                            base.b + b_off,
                            bytes(f.used_c * tl, wb),
                            b_resident,
                            &mut reads,
                            &mut keys,
                        );
                        macs += f.used_r * f.used_c * tl;
                        sram_read += bytes(f.used_r * tl, ab) + bytes(f.used_c * tl, wb);
                        if ch == chunks - 1 {
                            let off = bytes(f.fr * r * n + f.fc * c * f.used_r, ab);
                            write_addr = write_addr.min(base.c + off);
                            write += bytes(f.used_r * f.used_c, ab);
                        }
                    }
                    Dataflow::Ws | Dataflow::Is => {
                        // WS: stationary B tile (fr over K, fc over N), streamed A (M × K-tile).
                        // IS: stationary Aᵀ tile (fr over K, fc over M), streamed B (K-tile × N).
                        let (st_bits, st_base, st_res, sm_bits, sm_base, sm_res, sm_kind) =
                            if p.dataflow == Dataflow::Ws {
                                (wb, base.b, b_resident, ab, base.a, a_resident, 0u8)
                            } else {
                                (ab, base.a, a_resident, wb, base.b, b_resident, 1u8)
                            };
                        let st_kind = 1 - sm_kind;
                        let st_off = bytes(f.fc * c * map.sr + f.fr * r * f.used_c, st_bits);
                        if ch == 0 {
                            need(
                                st_kind,
                                f.fr * map.col_folds + f.fc,
                                st_base + st_off,
                                bytes(f.used_r * f.used_c, st_bits),
                                st_res,
                                &mut reads,
                                &mut keys,
                            );
                        }
                        let sm_off = bytes(f.fr * r * t + f.used_r * t0, sm_bits);
                        need(
                            sm_kind,
                            f.fr,
                            sm_base + sm_off,
                            bytes(f.used_r * tl, sm_bits),
                            sm_res,
                            &mut reads,
                            &mut keys,
                        );
                        macs += f.used_r * f.used_c * tl;
                        sram_read += bytes(f.used_r * tl, sm_bits)
                            + if ch == 0 {
                                bytes(f.used_r * f.used_c, st_bits)
                            } else {
                                0
                            };
                        let last_k = f.fr == map.row_folds - 1;
                        // Output block: T × used_c (WS: M rows × N cols; IS: N × M-tile).
                        let out_off = bytes(f.fc * c * t + f.used_c * t0, ab);
                        if psum_fit {
                            if last_k {
                                write_addr = write_addr.min(base.c + out_off);
                                write += bytes(f.used_c * tl, ab);
                            }
                        } else {
                            // Spill: write partial sums of every K fold but the last (which
                            // writes outputs) and read them back in the next K fold.
                            let ps = f.used_c * tl * p.acc_bytes;
                            if f.fr > 0 {
                                reads.push((base.c + out_off, ps));
                            }
                            write_addr = write_addr.min(base.c + out_off);
                            write += if last_k { bytes(f.used_c * tl, ab) } else { ps };
                        }
                    }
                }
            }
            // Fold timing: the last chunk of a fold is held to the fold floor R; the last
            // step of the op adds the final skew and drain instead (T + R + C − 2 ≥ R).
            let mut cycles = tl;
            if ch == chunks - 1 {
                if gi == folds {
                    cycles += r + c - 2;
                } else {
                    cycles += r.saturating_sub(t);
                }
            }
            let preload = if ch == 0 && p.dataflow != Dataflow::Os {
                r
            } else {
                0
            };
            prev_keys = keys;
            // Every step is its own tile: a step's loads go out once the step two before it
            // has finished (two buffers per SRAM).
            let run = out.len() as u32;
            out.push(Step {
                reads: reads
                    .into_iter()
                    .map(|(addr, bytes)| Load {
                        addr,
                        bytes,
                        sram: 0,
                    })
                    .collect(),
                runs: [run; 3],
                cycles,
                preload,
                write: if write > 0 {
                    (write_addr, write)
                } else {
                    (0, 0)
                },
                macs,
                sram_read,
                vectors: tl,
            });
        }
    }
}

/// The double-buffered DMA/compute pipeline of one op.
#[derive(Debug, Default)]
pub struct Pipeline {
    steps: Vec<Step>,
    /// Per SRAM, the last step of each run.
    run_end: [Vec<usize>; 3],
    pending_reads: Vec<u32>,
    /// Step of each request id (relative to `id_base`); `u32::MAX` marks a write.
    req_step: Vec<u32>,
    depth: usize,
    next_load: usize,
    next_compute: usize,
    computing: Option<usize>,
    compute_end: Tick,
    last_end: Option<Tick>,
    outputs_in_flight: usize,
    writes_done: usize,
    writes_total: usize,
    start: Tick,
    compute_cycles: u64,
    bytes_read: u64,
    bytes_written: u64,
    port: u16,
    id_base: u64,
}

impl Pipeline {
    /// Start executing `steps` with `depth` input and output buffers, sending memory requests
    /// on `port` with ids from `id_base` up. Returns true if the op is already complete.
    pub fn start(
        &mut self,
        steps: Vec<Step>,
        depth: usize,
        port: PortId,
        id_base: u64,
        cx: &mut Ctx<'_, Msg>,
    ) -> bool {
        let writes_total = steps.iter().filter(|s| s.write.1 > 0).count();
        let mut run_end: [Vec<usize>; 3] = Default::default();
        for (i, st) in steps.iter().enumerate() {
            for (s, ends) in run_end.iter_mut().enumerate() {
                let q = st.runs[s] as usize;
                if ends.len() <= q {
                    ends.resize(q + 1, 0);
                }
                ends[q] = i;
            }
        }
        *self = Pipeline {
            run_end,
            pending_reads: vec![0; steps.len()],
            steps,
            depth: depth.max(1),
            start: cx.now(),
            port: port.0,
            id_base,
            writes_total,
            ..Default::default()
        };
        self.pump(cx);
        self.done()
    }

    /// A one-line description of where the pipeline is, for deadlock reports.
    pub fn state(&self) -> String {
        let i = self.next_compute;
        format!(
            "step {i} of {}: {} loaded ahead, {} reads pending, {} writes in flight, computing: {}",
            self.steps.len(),
            self.next_load - self.next_compute,
            self.pending_reads.get(i).copied().unwrap_or(0),
            self.outputs_in_flight,
            self.computing.is_some()
        )
    }

    /// When the op started.
    pub fn started(&self) -> Tick {
        self.start
    }

    /// Cycles the arrays spent computing (stream, floors, preloads and final drain).
    pub fn compute_cycles(&self) -> u64 {
        self.compute_cycles
    }

    /// Bytes read from memory.
    pub fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// Bytes written to memory.
    pub fn bytes_written(&self) -> u64 {
        self.bytes_written
    }

    /// Bytes the arrays read from the SRAMs over the whole op.
    pub fn sram_read(&self) -> u64 {
        self.steps.iter().map(|s| s.sram_read).sum()
    }

    /// Whether every step has been computed and every write acknowledged.
    pub fn done(&self) -> bool {
        self.next_compute == self.steps.len()
            && self.computing.is_none()
            && self.writes_done == self.writes_total
    }

    /// Whether a response id belongs to this op.
    pub fn owns(&self, id: u64) -> bool {
        id >= self.id_base && id < self.id_base + self.req_step.len() as u64
    }

    fn send(&mut self, step: u32, addr: u64, bytes: u64, write: bool, cx: &mut Ctx<'_, Msg>) {
        let id = self.id_base + self.req_step.len() as u64;
        self.req_step.push(if write { u32::MAX } else { step });
        cx.send(
            PortId(self.port),
            Msg::MemReq(MemReq {
                id,
                addr,
                bytes,
                write,
            }),
        );
    }

    /// A memory response arrived. Returns true when the op is complete.
    pub fn on_resp(&mut self, id: u64, cx: &mut Ctx<'_, Msg>) -> bool {
        let s = self.req_step[(id - self.id_base) as usize];
        if s == u32::MAX {
            self.outputs_in_flight -= 1;
            self.writes_done += 1;
        } else {
            self.pending_reads[s as usize] -= 1;
        }
        self.pump(cx);
        self.done()
    }

    /// The unit's wake-up. Returns true when the op is complete.
    pub fn on_wake(&mut self, cx: &mut Ctx<'_, Msg>) -> bool {
        self.pump(cx);
        self.done()
    }

    /// Whether step `i`'s loads have room: for each, the run `depth` runs earlier in the same
    /// SRAM has finished.
    fn loads_may_issue(&self, i: usize) -> bool {
        let st = &self.steps[i];
        st.reads.iter().all(|l| {
            let s = l.sram as usize;
            let q = st.runs[s] as usize;
            q < self.depth || self.run_end[s][q - self.depth] < self.next_compute
        })
    }

    fn pump(&mut self, cx: &mut Ctx<'_, Msg>) {
        loop {
            let mut progress = false;
            if let Some(i) = self.computing
                && cx.now() >= self.compute_end
            {
                self.computing = None;
                self.next_compute = i + 1;
                self.last_end = Some(self.compute_end);
                let (addr, b) = self.steps[i].write;
                if b > 0 {
                    self.outputs_in_flight += 1;
                    self.bytes_written += b;
                    self.send(i as u32, addr, b, true, cx);
                }
                progress = true;
            }
            // The DMA issues loads in step order, each once the SRAM half it fills is free.
            while self.next_load < self.steps.len() && self.loads_may_issue(self.next_load) {
                let i = self.next_load;
                self.next_load += 1;
                let reads = std::mem::take(&mut self.steps[i].reads);
                for l in &reads {
                    self.pending_reads[i] += 1;
                    self.bytes_read += l.bytes;
                    self.send(i as u32, l.addr, l.bytes, false, cx);
                }
                self.steps[i].reads = reads;
                progress = true;
            }
            let i = self.next_compute;
            if self.computing.is_none()
                && i < self.next_load
                && self.pending_reads[i] == 0
                && self.outputs_in_flight < self.depth
            {
                let st = &self.steps[i];
                // The stationary tile shifts in behind the previous step unless the array
                // went idle (or this is the op's first step).
                let idle = self.last_end.is_none_or(|e| cx.now() > e);
                let c = st.cycles + if idle { st.preload } else { 0 };
                self.compute_cycles += c;
                self.computing = Some(i);
                let end_cycle = cx.cycle() + c;
                self.compute_end = cx.clock().tick_of(end_cycle);
                progress = true;
            }
            if !progress {
                break;
            }
        }
        // At most one wake-up is pending per component and a later request does not replace
        // an earlier one: re-arm the compute's end whenever the pipeline is looked at.
        if self.computing.is_some() {
            cx.wake_at_tick(self.compute_end);
        }
    }
}

/// Cycles of a plan when every load is already there (no memory stall): the compute-only
/// time of the op, used by tests and by the bounds in `docs/NPU.md`.
pub fn compute_only_cycles(steps: &[Step]) -> u64 {
    steps
        .iter()
        .enumerate()
        .map(|(i, s)| s.cycles + if i == 0 { s.preload } else { 0 })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(df: Dataflow, r: u64, c: u64, kib: u64) -> PlanParams {
        PlanParams {
            rows: r,
            cols: c,
            arrays: 1,
            dataflow: df,
            act_bits: 16,
            wgt_bits: 16,
            acc_bytes: 4,
            ifmap_sram: kib * 1024,
            filter_sram: kib * 1024,
            ofmap_sram: kib * 1024,
        }
    }

    #[test]
    fn lone_fold_takes_scalesim_fold_cycles() {
        // One fold: OS T + R + C − 2, WS/IS T + 2R + C − 2 (hand-derived, see module docs).
        for (df, want) in [
            (Dataflow::Os, 40 + 8 + 8 - 2),
            (Dataflow::Ws, 40 + 16 + 8 - 2),
        ] {
            let mut s = Vec::new();
            let (m, n, k) = match df {
                Dataflow::Os => (8, 8, 40),
                _ => (40, 8, 8),
            };
            plan(&params(df, 8, 8, 512), m, n, k, Bases::default(), &mut s);
            assert_eq!(s.len(), 1);
            assert_eq!(compute_only_cycles(&s), want, "{df:?}");
        }
    }

    #[test]
    fn back_to_back_folds_overlap() {
        // 4 OS folds of T = 40 on 8×8: 3·max(40, 8) + (40 + 8 + 8 − 2) = 174.
        let mut s = Vec::new();
        plan(
            &params(Dataflow::Os, 8, 8, 512),
            16,
            16,
            40,
            Bases::default(),
            &mut s,
        );
        assert_eq!(compute_only_cycles(&s), 3 * 40 + 54);
        // WS with T = M = 3 < R = 8: every fold is held to R; first fold preloads R.
        let mut s = Vec::new();
        plan(
            &params(Dataflow::Ws, 8, 8, 512),
            3,
            16,
            16,
            Bases::default(),
            &mut s,
        );
        assert_eq!(s.len(), 4);
        assert_eq!(compute_only_cycles(&s), 8 + 3 * 8 + (3 + 8 + 8 - 2));
    }

    #[test]
    fn resident_operands_are_fetched_once() {
        let mut s = Vec::new();
        let p = params(Dataflow::Os, 8, 8, 512);
        plan(
            &p,
            64,
            64,
            64,
            Bases {
                a: 0,
                b: 1 << 30,
                c: 2 << 30,
            },
            &mut s,
        );
        let read: u64 = s.iter().flat_map(|x| x.reads.iter()).map(|r| r.bytes).sum();
        assert_eq!(read, 2 * 64 * 64 * 2);
        let written: u64 = s.iter().map(|x| x.write.1).sum();
        assert_eq!(written, 64 * 64 * 2);
    }

    #[test]
    fn one_event_per_fold_matches_the_pe_by_pe_reference() {
        for df in [Dataflow::Os, Dataflow::Ws, Dataflow::Is] {
            for r in [1u64, 2, 3, 5] {
                for c in [1u64, 2, 4] {
                    for t in [1u64, 2, 3, 5, 8] {
                        for f in [1u64, 2, 3, 4] {
                            let (m, n, k) = match df {
                                Dataflow::Os => (r * f, c, t),
                                Dataflow::Ws => (t, c, r * f),
                                Dataflow::Is => (c, t, r * f),
                            };
                            let mut s = Vec::new();
                            plan(&params(df, r, c, 512), m, n, k, Bases::default(), &mut s);
                            let fast = compute_only_cycles(&s);
                            let slow = crate::units::npu::array::simulate(
                                df, r as usize, c as usize, t as usize, f as usize,
                            );
                            assert_eq!(fast, slow, "{df:?} R={r} C={c} T={t} folds={f}");
                        }
                    }
                }
            }
        }
    }
}
