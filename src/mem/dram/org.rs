//! Organisation: the hierarchy of one channel (channel, rank or pseudo-channel, stack id, bank
//! group, bank, row, column), its sizes, and the flat numbering of its nodes.
//!
//! Nodes of level `L` are numbered `0..nodes(L)` with `index(L) = index(L-1) * size(L) + id(L)`,
//! so the banks under any node form one contiguous range of flat bank ids.

use super::presets::OrgPreset;
use super::standards::StandardDef;
use std::collections::BTreeMap;

/// Maximum number of hierarchy levels from the channel to the bank of any supported standard.
pub const MAX_LEVELS: usize = 6;

/// The resolved organisation of one channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Org {
    /// Level names from `Channel` to `Column`.
    pub names: Vec<&'static str>,
    /// Size of each level (`sizes[0] = 1`: one controller per channel). The column size is in
    /// device columns, not transactions.
    pub sizes: Vec<u32>,
    /// Index of the `Bank` level.
    pub bank_level: usize,
    /// Index of the `Row` level.
    pub row_level: usize,
    /// Index of the `Column` level.
    pub col_level: usize,
    /// Device data width (DQ).
    pub dq: u32,
    /// Channel (or pseudo-channel) data bus width, bits.
    pub channel_width: u32,
    /// Device density, Mbit.
    pub density_mb: u64,
    /// First flat node index of each level up to the bank level.
    pub base: Vec<usize>,
    /// Number of nodes at each level up to the bank level.
    pub nodes: Vec<usize>,
}

impl Org {
    /// Apply overrides to a preset.
    #[allow(clippy::needless_range_loop)]
    pub fn resolve(
        std: &'static StandardDef,
        p: &OrgPreset,
        over: &BTreeMap<String, u32>,
    ) -> Result<Org, String> {
        let mut sizes = vec![1u32];
        for l in &std.levels[1..] {
            let key = l.to_lowercase();
            let v = over
                .get(&key)
                .copied()
                .or_else(|| p.counts.iter().find(|(n, _)| *n == key).map(|(_, v)| *v));
            let v = v.ok_or_else(|| {
                format!(
                    "{}: organisation preset `{}` lacks level `{l}`",
                    std.name, p.name
                )
            })?;
            if v == 0 || !v.is_power_of_two() {
                return Err(format!("org.{key}: expected a power of two >= 1, got {v}"));
            }
            sizes.push(v);
        }
        let dq = over.get("dq").copied().unwrap_or(p.dq);
        let channel_width = over
            .get("channel_width")
            .copied()
            .unwrap_or(p.channel_width);
        if dq == 0 || channel_width % dq != 0 {
            return Err(format!(
                "org.channel_width: expected a multiple of dq ({dq}), got {channel_width}"
            ));
        }
        let idx = |n: &str| std.levels.iter().position(|l| *l == n);
        let bank_level = idx("Bank").ok_or("standard has no Bank level")?;
        let row_level = idx("Row").ok_or("standard has no Row level")?;
        let col_level = idx("Column").ok_or("standard has no Column level")?;
        if sizes[col_level] < std.prefetch {
            return Err(format!(
                "org.column: expected at least the burst length {}, got {}",
                std.prefetch, sizes[col_level]
            ));
        }
        let mut base = Vec::new();
        let mut nodes = Vec::new();
        let (mut b, mut n) = (0usize, 1usize);
        for l in 0..=bank_level {
            if l > 0 {
                n *= sizes[l] as usize;
            }
            base.push(b);
            nodes.push(n);
            b += n;
        }
        Ok(Org {
            names: std.levels.to_vec(),
            sizes,
            bank_level,
            row_level,
            col_level,
            dq,
            channel_width,
            density_mb: p.density_mb,
            base,
            nodes,
        })
    }

    /// Index of a level by name.
    pub fn level_index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|l| *l == name)
    }

    /// Banks per channel.
    pub fn banks(&self) -> usize {
        self.nodes[self.bank_level]
    }

    /// Total flat nodes from channel to bank level.
    pub fn total_nodes(&self) -> usize {
        self.base[self.bank_level] + self.nodes[self.bank_level]
    }

    /// Transactions per row of one bank.
    pub fn tx_per_row(&self, prefetch: u32) -> u32 {
        self.sizes[self.col_level] / prefetch
    }

    /// Bytes of one channel.
    pub fn channel_bytes(&self, tx_bytes: u32, prefetch: u32) -> u64 {
        let mut n = tx_bytes as u64 * self.tx_per_row(prefetch) as u64;
        for l in 1..=self.row_level {
            n *= self.sizes[l] as u64;
        }
        n
    }
}
