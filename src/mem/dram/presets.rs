//! Organisation and timing presets of real parts, and the JEDEC tables that derive secondary
//! timings (tRRD, tFAW, tRFC, tREFI, ...) from density, width and clock.
//!
//! Values are in clock cycles of the device clock (`tCK_ps`), `rate` in MT/s. They are the
//! presets of Ramulator 2.1 (CMU-SAFARI/ramulator2 c5b1c3a, `python/ramulator/dram/*.py`), which
//! cite JESD79-4 (DDR4 speed bins, e.g. DDR4-3200AA = 22-22-22), JESD79-5 (DDR5), JESD235D
//! (HBM2), JESD238 (HBM3, Table 4 and Table 84), the Samsung 8 Gb GDDR6 datasheet (GDDR6) and
//! JESD209-5B (LPDDR5, Tables 235, 330-333, 372). `docs/DRAM.md` reproduces each table with
//! its source.

// Arms such as `..=1866 => 5, ..=2400 => 6` read "up to 1866 MT/s, else up to 2400": the
// first matching arm wins, as in the JEDEC tables.
#![allow(clippy::match_overlapping_arm)]

use std::collections::BTreeMap;

/// An organisation preset: density, widths and the size of each hierarchy level.
#[derive(Debug, Clone, Copy)]
pub struct OrgPreset {
    /// Preset name, e.g. `DDR4_8Gb_x8`.
    pub name: &'static str,
    /// Device density in Mbit (used by the refresh tables).
    pub density_mb: u64,
    /// Data width of one device (DQ pins).
    pub dq: u32,
    /// Data bus width of one channel (or pseudo-channel), bits.
    pub channel_width: u32,
    /// Size of each level below `Channel`, by lower-case level name.
    pub counts: &'static [(&'static str, u32)],
}

/// A timing preset (speed bin).
#[derive(Debug, Clone, Copy)]
pub struct TimingPreset {
    /// Preset name, e.g. `DDR4_3200AA`.
    pub name: &'static str,
    /// Primary timing values by parameter name.
    pub values: &'static [(&'static str, i64)],
}

fn ceil_div(a: i64, b: i64) -> i64 {
    (a + b - 1) / b
}

fn get(t: &BTreeMap<String, i64>, k: &str) -> i64 {
    t.get(k).copied().unwrap_or(-1)
}

fn set(t: &mut BTreeMap<String, i64>, k: &str, v: i64) {
    t.insert(k.to_string(), v);
}

fn set_default(t: &mut BTreeMap<String, i64>, k: &str, v: i64) {
    t.entry(k.to_string()).or_insert(v);
}

fn count(o: &OrgPreset, level: &str) -> i64 {
    o.counts
        .iter()
        .find(|(n, _)| *n == level)
        .map(|(_, v)| *v as i64)
        .unwrap_or(1)
}

// ----------------------------------------------------------------------------------------
// DDR4 (JESD79-4)
// ----------------------------------------------------------------------------------------

/// DDR4 organisations (JESD79-4 Table 2: addressing by density and width).
pub static DDR4_ORG: &[OrgPreset] = &[
    OrgPreset {
        name: "DDR4_4Gb_x8",
        density_mb: 4096,
        dq: 8,
        channel_width: 64,
        counts: &[
            ("rank", 1),
            ("bankgroup", 4),
            ("bank", 4),
            ("row", 1 << 15),
            ("column", 1 << 10),
        ],
    },
    OrgPreset {
        name: "DDR4_8Gb_x4",
        density_mb: 8192,
        dq: 4,
        channel_width: 64,
        counts: &[
            ("rank", 1),
            ("bankgroup", 4),
            ("bank", 4),
            ("row", 1 << 17),
            ("column", 1 << 10),
        ],
    },
    OrgPreset {
        name: "DDR4_8Gb_x8",
        density_mb: 8192,
        dq: 8,
        channel_width: 64,
        counts: &[
            ("rank", 1),
            ("bankgroup", 4),
            ("bank", 4),
            ("row", 1 << 16),
            ("column", 1 << 10),
        ],
    },
    OrgPreset {
        name: "DDR4_8Gb_x16",
        density_mb: 8192,
        dq: 16,
        channel_width: 64,
        counts: &[
            ("rank", 1),
            ("bankgroup", 2),
            ("bank", 4),
            ("row", 1 << 16),
            ("column", 1 << 10),
        ],
    },
    OrgPreset {
        name: "DDR4_16Gb_x8",
        density_mb: 16384,
        dq: 8,
        channel_width: 64,
        counts: &[
            ("rank", 1),
            ("bankgroup", 4),
            ("bank", 4),
            ("row", 1 << 17),
            ("column", 1 << 10),
        ],
    },
];

/// DDR4 speed bins (JESD79-4 Tables 126-131).
pub static DDR4_TIMING: &[TimingPreset] = &[
    TimingPreset {
        name: "DDR4_2400R",
        values: &[
            ("rate", 2400),
            ("nBL", 4),
            ("nCL", 16),
            ("nRCD", 16),
            ("nRP", 16),
            ("nRAS", 39),
            ("nRC", 55),
            ("nWR", 18),
            ("nRTP", 9),
            ("nCWL", 12),
            ("nCCDS", 4),
            ("nCCDL", 6),
            ("nWTRS", 3),
            ("nWTRL", 9),
            ("nCS", 2),
            ("tCK_ps", 833),
        ],
    },
    TimingPreset {
        name: "DDR4_2666V",
        values: &[
            ("rate", 2666),
            ("nBL", 4),
            ("nCL", 19),
            ("nRCD", 19),
            ("nRP", 19),
            ("nRAS", 43),
            ("nRC", 62),
            ("nWR", 20),
            ("nRTP", 10),
            ("nCWL", 14),
            ("nCCDS", 4),
            ("nCCDL", 7),
            ("nWTRS", 4),
            ("nWTRL", 10),
            ("nCS", 2),
            ("tCK_ps", 750),
        ],
    },
    TimingPreset {
        name: "DDR4_3200W",
        values: &[
            ("rate", 3200),
            ("nBL", 4),
            ("nCL", 20),
            ("nRCD", 20),
            ("nRP", 20),
            ("nRAS", 52),
            ("nRC", 72),
            ("nWR", 24),
            ("nRTP", 12),
            ("nCWL", 16),
            ("nCCDS", 4),
            ("nCCDL", 8),
            ("nWTRS", 4),
            ("nWTRL", 12),
            ("nCS", 2),
            ("tCK_ps", 625),
        ],
    },
    TimingPreset {
        name: "DDR4_3200AA",
        values: &[
            ("rate", 3200),
            ("nBL", 4),
            ("nCL", 22),
            ("nRCD", 22),
            ("nRP", 22),
            ("nRAS", 52),
            ("nRC", 74),
            ("nWR", 24),
            ("nRTP", 12),
            ("nCWL", 16),
            ("nCCDS", 4),
            ("nCCDL", 8),
            ("nWTRS", 4),
            ("nWTRL", 12),
            ("nCS", 2),
            ("tCK_ps", 625),
        ],
    },
];

/// DDR4 secondary timings: tRRD_S/L and tFAW by page size and rate (JESD79-4 Table 132),
/// tRFC1 by density (Table 40: 160/260/360/550 ns), tREFI = 7.8 us.
pub fn ddr4_secondary(t: &mut BTreeMap<String, i64>, o: &OrgPreset) {
    let rate = get(t, "rate");
    let dq = o.dq;
    let rrds = if dq <= 8 {
        4
    } else {
        match rate {
            ..=1866 => 5,
            ..=2133 => 6,
            ..=2400 => 7,
            ..=2933 => 8,
            ..=3200 => 9,
            _ => -1,
        }
    };
    let rrdl = if dq <= 8 {
        match rate {
            ..=1866 => 5,
            ..=2400 => 6,
            ..=2666 => 7,
            ..=3200 => 8,
            _ => -1,
        }
    } else {
        match rate {
            ..=1866 => 6,
            ..=2133 => 7,
            ..=2400 => 8,
            ..=2666 => 9,
            ..=2933 => 10,
            ..=3200 => 11,
            _ => -1,
        }
    };
    let faw = if dq <= 4 {
        16
    } else if dq <= 8 {
        match rate {
            ..=1600 => 20,
            ..=1866 => 22,
            ..=2133 => 23,
            ..=2400 => 26,
            ..=2666 => 28,
            ..=2933 => 31,
            ..=3200 => 34,
            _ => -1,
        }
    } else {
        match rate {
            ..=1866 => 28,
            ..=2133 => 32,
            ..=2400 => 36,
            ..=2666 => 40,
            ..=2933 => 44,
            ..=3200 => 48,
            _ => -1,
        }
    };
    let tck = get(t, "tCK_ps");
    let rfc_ns = match o.density_mb {
        ..=2048 => 160,
        ..=4096 => 260,
        ..=8192 => 360,
        ..=16384 => 550,
        _ => -1,
    };
    set(t, "nRRDS", rrds);
    set(t, "nRRDL", rrdl);
    set(t, "nFAW", faw);
    set(
        t,
        "nRFC",
        if rfc_ns < 0 {
            -1
        } else {
            ceil_div(rfc_ns * 1000, tck)
        },
    );
    set(t, "nREFI", ceil_div(7_800_000, tck));
}

// ----------------------------------------------------------------------------------------
// DDR5 (JESD79-5)
// ----------------------------------------------------------------------------------------

/// DDR5 organisations (JESD79-5 Table 3).
pub static DDR5_ORG: &[OrgPreset] = &[
    OrgPreset {
        name: "DDR5_8Gb_x8",
        density_mb: 8192,
        dq: 8,
        channel_width: 32,
        counts: &[
            ("rank", 1),
            ("bankgroup", 8),
            ("bank", 2),
            ("row", 1 << 16),
            ("column", 1 << 10),
        ],
    },
    OrgPreset {
        name: "DDR5_16Gb_x8",
        density_mb: 16384,
        dq: 8,
        channel_width: 32,
        counts: &[
            ("rank", 1),
            ("bankgroup", 8),
            ("bank", 4),
            ("row", 1 << 16),
            ("column", 1 << 10),
        ],
    },
    OrgPreset {
        name: "DDR5_16Gb_x16",
        density_mb: 16384,
        dq: 16,
        channel_width: 32,
        counts: &[
            ("rank", 1),
            ("bankgroup", 4),
            ("bank", 4),
            ("row", 1 << 16),
            ("column", 1 << 10),
        ],
    },
    OrgPreset {
        name: "DDR5_32Gb_x8",
        density_mb: 32768,
        dq: 8,
        channel_width: 32,
        counts: &[
            ("rank", 1),
            ("bankgroup", 8),
            ("bank", 4),
            ("row", 1 << 17),
            ("column", 1 << 10),
        ],
    },
];

/// DDR5 speed bins (JESD79-5 Tables 206-213).
pub static DDR5_TIMING: &[TimingPreset] = &[
    TimingPreset {
        name: "DDR5_3200AN",
        values: &[
            ("rate", 3200),
            ("nBL", 8),
            ("nCL", 24),
            ("nRCD", 24),
            ("nRP", 24),
            ("nRAS", 52),
            ("nRC", 76),
            ("nWR", 48),
            ("nRTP", 12),
            ("nCWL", 22),
            ("nPPD", 2),
            ("nCCDS", 8),
            ("nCCDL", 8),
            ("nCCDS_WR", 8),
            ("nCCDL_WR", 32),
            ("nWTRS", 6),
            ("nWTRL", 16),
            ("nCS", 2),
            ("tCK_ps", 625),
        ],
    },
    TimingPreset {
        name: "DDR5_4800AN",
        values: &[
            ("rate", 4800),
            ("nBL", 8),
            ("nCL", 34),
            ("nRCD", 34),
            ("nRP", 34),
            ("nRAS", 77),
            ("nRC", 111),
            ("nWR", 72),
            ("nRTP", 18),
            ("nCWL", 32),
            ("nPPD", 2),
            ("nCCDS", 8),
            ("nCCDL", 12),
            ("nCCDS_WR", 8),
            ("nCCDL_WR", 48),
            ("nWTRS", 6),
            ("nWTRL", 24),
            ("nCS", 2),
            ("tCK_ps", 416),
        ],
    },
    TimingPreset {
        name: "DDR5_6400AN",
        values: &[
            ("rate", 6400),
            ("nBL", 8),
            ("nCL", 46),
            ("nRCD", 46),
            ("nRP", 46),
            ("nRAS", 103),
            ("nRC", 149),
            ("nWR", 96),
            ("nRTP", 24),
            ("nCWL", 44),
            ("nPPD", 2),
            ("nCCDS", 8),
            ("nCCDL", 16),
            ("nCCDS_WR", 8),
            ("nCCDL_WR", 64),
            ("nWTRS", 5),
            ("nWTRL", 32),
            ("nCS", 2),
            ("tCK_ps", 312),
        ],
    },
];

/// DDR5 secondary timings: tRRD_S = 8 nCK, tRRD_L = 5 nCK at 3200 and 12 nCK at 4800 (or
/// max(8, 5 ns)), tFAW = 20/25 ns by page size (min 32 nCK), tRFC1 195/295/410 ns by density,
/// tREFI = 3.9 us (JESD79-5 Tables 206-213 and 271).
pub fn ddr5_secondary(t: &mut BTreeMap<String, i64>, o: &OrgPreset) {
    let rate = get(t, "rate");
    let tck_f = 2_000_000.0 / rate as f64;
    let fallback = (8i64).max((5000.0 / tck_f).ceil() as i64);
    let rrds = if rate == 3200 || rate == 4800 {
        8
    } else {
        fallback
    };
    let rrdl = match rate {
        3200 => 5,
        4800 => 12,
        _ => fallback,
    };
    let faw_ns = if o.dq <= 8 { 20.0 } else { 25.0 };
    let faw = (32i64).max((faw_ns * 1000.0 / tck_f).ceil() as i64);
    let tck = get(t, "tCK_ps");
    let rfc_ns = match o.density_mb {
        ..=8192 => 195,
        ..=16384 => 295,
        ..=32768 => 410,
        _ => -1,
    };
    set(t, "nRRDS", rrds);
    set(t, "nRRDL", rrdl);
    set(t, "nFAW", faw);
    set(
        t,
        "nRFC",
        if rfc_ns < 0 {
            -1
        } else {
            ceil_div(rfc_ns * 1000, tck)
        },
    );
    set(t, "nREFI", ceil_div(3_900_000, tck));
}

// ----------------------------------------------------------------------------------------
// HBM2 (JESD235D)
// ----------------------------------------------------------------------------------------

/// HBM2 organisations: 2 pseudo-channels x 4 bank groups x 4 banks per channel, 1 KiB rows.
pub static HBM2_ORG: &[OrgPreset] = &[
    OrgPreset {
        name: "HBM2_4Gb",
        density_mb: 4096,
        dq: 64,
        channel_width: 64,
        counts: &[
            ("pseudochannel", 2),
            ("bankgroup", 4),
            ("bank", 4),
            ("row", 1 << 15),
            ("column", 128),
        ],
    },
    OrgPreset {
        name: "HBM2_8Gb",
        density_mb: 8192,
        dq: 64,
        channel_width: 64,
        counts: &[
            ("pseudochannel", 2),
            ("bankgroup", 4),
            ("bank", 4),
            ("row", 1 << 16),
            ("column", 128),
        ],
    },
];

/// HBM2 speed bins.
pub static HBM2_TIMING: &[TimingPreset] = &[
    TimingPreset {
        name: "HBM2_1600Mbps",
        values: &[
            ("rate", 1600),
            ("nBL", 2),
            ("nCL", 10),
            ("nRCDRD", 10),
            ("nRCDWR", 8),
            ("nRP", 10),
            ("nRAS", 24),
            ("nRC", 34),
            ("nWR", 12),
            ("nRTPL", 4),
            ("nCWL", 4),
            ("nCCDS", 2),
            ("nCCDL", 4),
            ("nWTRS", 5),
            ("nWTRL", 6),
            ("tCK_ps", 1250),
        ],
    },
    TimingPreset {
        name: "HBM2_2000Mbps",
        values: &[
            ("rate", 2000),
            ("nBL", 2),
            ("nCL", 14),
            ("nRCDRD", 14),
            ("nRCDWR", 12),
            ("nRP", 14),
            ("nRAS", 34),
            ("nRC", 48),
            ("nWR", 16),
            ("nRTPL", 5),
            ("nCWL", 5),
            ("nCCDS", 2),
            ("nCCDL", 4),
            ("nWTRS", 6),
            ("nWTRL", 8),
            ("tCK_ps", 1000),
        ],
    },
    TimingPreset {
        name: "HBM2_2400Mbps",
        values: &[
            ("rate", 2400),
            ("nBL", 2),
            ("nCL", 17),
            ("nRCDRD", 17),
            ("nRCDWR", 14),
            ("nRP", 17),
            ("nRAS", 40),
            ("nRC", 57),
            ("nWR", 19),
            ("nRTPL", 6),
            ("nCWL", 6),
            ("nCCDS", 2),
            ("nCCDL", 4),
            ("nWTRS", 8),
            ("nWTRL", 10),
            ("tCK_ps", 833),
        ],
    },
];

/// HBM2 secondary timings (JESD235D): tRRDS = tRRDL = 4 ns, tFAW 15 ns, tRFC by per-channel
/// density (110/160/260/350/450 ns), tRFCSB 160/200 ns, tRREFD 8 ns, tREFI 3.9 us and
/// tREFISB = tREFI / banks.
pub fn hbm2_secondary(t: &mut BTreeMap<String, i64>, o: &OrgPreset) {
    let tck = get(t, "tCK_ps");
    let rfc_ns = match o.density_mb {
        ..=1024 => 110,
        ..=2048 => 160,
        ..=4096 => 260,
        ..=8192 => 350,
        _ => 450,
    };
    let rfcpb_ns = if o.density_mb <= 8192 { 160 } else { 200 };
    let banks = count(o, "pseudochannel") * count(o, "bankgroup") * count(o, "bank");
    set(t, "nRRDS", 4.max(ceil_div(4000, tck)));
    set(t, "nRRDL", 4.max(ceil_div(4000, tck)));
    set(t, "nFAW", 8.max(ceil_div(15000, tck)));
    set(t, "nRFC", ceil_div(rfc_ns * 1000, tck));
    set(t, "nRFCpb", ceil_div(rfcpb_ns * 1000, tck));
    set(t, "nRREFD", 4.max(ceil_div(8000, tck)));
    set(t, "nREFI", ceil_div(3_900_000, tck));
    set(
        t,
        "nREFIpb",
        (3_900_000.0 / banks as f64 / tck as f64).ceil() as i64,
    );
}

// ----------------------------------------------------------------------------------------
// HBM3 (JESD238)
// ----------------------------------------------------------------------------------------

/// HBM3 organisations (JESD238 Table 4): 2 pseudo-channels, 1-4 stack IDs, 4x4 banks.
pub static HBM3_ORG: &[OrgPreset] = &[
    OrgPreset {
        name: "HBM3_8Gb_8hi",
        density_mb: 8192,
        dq: 32,
        channel_width: 32,
        counts: &[
            ("pseudochannel", 2),
            ("sid", 2),
            ("bankgroup", 4),
            ("bank", 4),
            ("row", 1 << 13),
            ("column", 256),
        ],
    },
    OrgPreset {
        name: "HBM3_16Gb_8hi",
        density_mb: 16384,
        dq: 32,
        channel_width: 32,
        counts: &[
            ("pseudochannel", 2),
            ("sid", 2),
            ("bankgroup", 4),
            ("bank", 4),
            ("row", 1 << 14),
            ("column", 256),
        ],
    },
    OrgPreset {
        name: "HBM3_32Gb_8hi",
        density_mb: 32768,
        dq: 32,
        channel_width: 32,
        counts: &[
            ("pseudochannel", 2),
            ("sid", 2),
            ("bankgroup", 4),
            ("bank", 4),
            ("row", 1 << 15),
            ("column", 256),
        ],
    },
    OrgPreset {
        name: "HBM3_32Gb_16hi",
        density_mb: 32768,
        dq: 32,
        channel_width: 32,
        counts: &[
            ("pseudochannel", 2),
            ("sid", 4),
            ("bankgroup", 4),
            ("bank", 4),
            ("row", 1 << 15),
            ("column", 256),
        ],
    },
];

/// HBM3 speed bins (in clock cycles; the model runs at half-clock ticks).
pub static HBM3_TIMING: &[TimingPreset] = &[TimingPreset {
    name: "HBM3_6400Mbps",
    values: &[
        ("rate", 6400),
        ("nBL", 2),
        ("nCL", 20),
        ("nRCDRD", 31),
        ("nRCDWR", 15),
        ("nRP", 26),
        ("nRAS", 45),
        ("nRC", 72),
        ("nWR", 33),
        ("nRTP", 9),
        ("nCWL", 10),
        ("nCCDS", 2),
        ("nCCDL", 4),
        ("nCCDR", 3),
        ("nRRDS", 4),
        ("nRRDL", 5),
        ("nFAW", 24),
        ("nWTRS", 7),
        ("nWTRL", 10),
        ("nRTW", 20),
        ("nRFCpb", 320),
        ("nRREFD", 8),
        ("nREFI", 6240),
        ("nPPD", 2),
        ("tCK_ps", 625),
    ],
}];

/// HBM3 secondary timings (JESD238 Table 84): tRFCab by channel density (die density / SIDs:
/// 260/350/450/550 ns), RFM = REF recovery, tRREFD = max(3 nCK, 8 ns), tREFI 3.9 us,
/// tREFIpb = tREFI / banks per pseudo-channel. Values given by the timing preset win.
pub fn hbm3_secondary(t: &mut BTreeMap<String, i64>, o: &OrgPreset) {
    let tck = get(t, "tCK_ps");
    let ch_density = o.density_mb as f64 / count(o, "sid") as f64;
    let rfc_ns = if ch_density <= 4096.0 {
        260
    } else if ch_density <= 8192.0 {
        350
    } else if ch_density <= 16384.0 {
        450
    } else {
        550
    };
    set_default(t, "nRFC", ceil_div(rfc_ns * 1000, tck));
    let rfc = get(t, "nRFC");
    set_default(t, "nRFMab", rfc);
    let rfcpb = get(t, "nRFCpb");
    set_default(t, "nRFMpb", rfcpb);
    set_default(t, "nRREFD", 3.max(ceil_div(8000, tck)));
    set_default(t, "nREFI", ceil_div(3_900_000, tck));
    let banks = count(o, "bank") * count(o, "bankgroup") * count(o, "sid");
    set_default(
        t,
        "nREFIpb",
        (3_900_000.0 / banks as f64 / tck as f64).ceil() as i64,
    );
}

// ----------------------------------------------------------------------------------------
// GDDR6 (JESD250, Samsung 8 Gb datasheet)
// ----------------------------------------------------------------------------------------

/// GDDR6 organisations: per 16-bit channel, 4 bank groups x 4 banks.
pub static GDDR6_ORG: &[OrgPreset] = &[
    OrgPreset {
        name: "GDDR6_8Gb_x8",
        density_mb: 8192,
        dq: 8,
        channel_width: 16,
        counts: &[
            ("bankgroup", 4),
            ("bank", 4),
            ("row", 1 << 14),
            ("column", 1 << 11),
        ],
    },
    OrgPreset {
        name: "GDDR6_8Gb_x16",
        density_mb: 8192,
        dq: 16,
        channel_width: 16,
        counts: &[
            ("bankgroup", 4),
            ("bank", 4),
            ("row", 1 << 14),
            ("column", 1 << 10),
        ],
    },
    OrgPreset {
        name: "GDDR6_16Gb_x16",
        density_mb: 16384,
        dq: 16,
        channel_width: 16,
        counts: &[
            ("bankgroup", 4),
            ("bank", 4),
            ("row", 1 << 14),
            ("column", 1 << 11),
        ],
    },
];

/// GDDR6 speed bins (Samsung K4Z80325BC 8 Gb GDDR6 datasheet, 14 Gbps, double-byte mode).
pub static GDDR6_TIMING: &[TimingPreset] = &[
    TimingPreset {
        name: "GDDR6_14000_1350mV_double",
        values: &[
            ("rate", 14000),
            ("nBL", 2),
            ("nCL", 24),
            ("nRCDRD", 27),
            ("nRCDWR", 16),
            ("nRP", 27),
            ("nRAS", 53),
            ("nRC", 79),
            ("nWR", 27),
            ("nRTP", 4),
            ("nCWL", 6),
            ("nCCDS", 2),
            ("nCCDL", 4),
            ("nRRDS", 8),
            ("nRRDL", 8),
            ("nWTRS", 9),
            ("nWTRL", 11),
            ("nFAW", 29),
            ("nRFCpb", 106),
            ("nRREFD", 15),
            ("nREFI", 3333),
            ("tCK_ps", 570),
            ("nRFCab", 211),
            ("nPPD", 1),
        ],
    },
    TimingPreset {
        name: "GDDR6_14000_1250mV_double",
        values: &[
            ("rate", 14000),
            ("nBL", 2),
            ("nCL", 24),
            ("nRCDRD", 30),
            ("nRCDWR", 20),
            ("nRP", 30),
            ("nRAS", 60),
            ("nRC", 90),
            ("nWR", 30),
            ("nRTP", 4),
            ("nCWL", 6),
            ("nCCDS", 2),
            ("nCCDL", 4),
            ("nRRDS", 11),
            ("nRRDL", 11),
            ("nWTRS", 9),
            ("nWTRL", 11),
            ("nFAW", 43),
            ("nRFCpb", 106),
            ("nRREFD", 22),
            ("nREFI", 3333),
            ("tCK_ps", 570),
            ("nRFCab", 211),
            ("nPPD", 2),
        ],
    },
];

/// GDDR6 secondary timings (only for values a preset leaves out): tRRD 4 ns, tFAW 16 ns,
/// tRFCpb 60 ns, tRREFD 16 ns, tREFI 1.9 us.
pub fn gddr6_secondary(t: &mut BTreeMap<String, i64>, _o: &OrgPreset) {
    let tck = get(t, "tCK_ps");
    let nbl = get(t, "nBL");
    let rate = (16.0 * 1_000_000.0 / (nbl as f64 * tck as f64)).round() as i64;
    set_default(t, "rate", rate);
    set_default(t, "nRRDS", ceil_div(4000, tck).max(2));
    set_default(t, "nRRDL", ceil_div(4000, tck).max(2));
    set_default(t, "nFAW", ceil_div(16000, tck).max(8));
    set_default(t, "nRFCpb", ceil_div(60000, tck));
    set_default(t, "nRREFD", ceil_div(16000, tck).max(2));
    set_default(t, "nREFI", 1_900_000 / tck);
}

// ----------------------------------------------------------------------------------------
// LPDDR5 (JESD209-5B)
// ----------------------------------------------------------------------------------------

/// LPDDR5 organisations (x16 channel, bank-group mode: 4 BG x 4 banks).
pub static LPDDR5_ORG: &[OrgPreset] = &[
    OrgPreset {
        name: "LPDDR5_8Gb_x16",
        density_mb: 8192,
        dq: 16,
        channel_width: 16,
        counts: &[
            ("rank", 1),
            ("bankgroup", 4),
            ("bank", 4),
            ("row", 1 << 15),
            ("column", 1 << 10),
        ],
    },
    OrgPreset {
        name: "LPDDR5_16Gb_x16",
        density_mb: 16384,
        dq: 16,
        channel_width: 16,
        counts: &[
            ("rank", 1),
            ("bankgroup", 4),
            ("bank", 4),
            ("row", 1 << 16),
            ("column", 1 << 10),
        ],
    },
];

/// LPDDR5 speed bins (JESD209-5B Table 330, BG mode, CKR 4:1).
pub static LPDDR5_TIMING: &[TimingPreset] = &[TimingPreset {
    name: "LPDDR5_6400",
    values: &[
        ("rate", 6400),
        ("nBL_min", 2),
        ("nBL_max", 4),
        ("nCL", 17),
        ("nRCD", 15),
        ("nRP", 15),
        ("nRPab", 17),
        ("nRAS", 34),
        ("nRC", 49),
        ("nWR", 28),
        ("nRTP", 8),
        ("nCWL", 9),
        ("nPPD", 2),
        ("nCCDS", 2),
        ("nCCDL", 4),
        ("nCCDS_WR", 2),
        ("nCCDL_WR", 4),
        ("nWTRS", 5),
        ("nWTRL", 10),
        ("nWCKPST", 1),
        ("nCAS", 0),
        ("nAAD", 8),
        ("nCS", 2),
        ("tCK_ps", 1250),
    ],
}];

/// LPDDR5 secondary timings (JESD209-5B Tables 235 and 372): tRRD 5 ns (min 4 nCK), tFAW
/// 20 ns (min 16 nCK), tRFCab 130/180/210/280/380 ns and tRFCpb 60/90/120/140/190 ns by density,
/// tREFI 3.906 us, tREFIpb 488 ns, tpbR2pbR 60/90 ns, tpbR2act 7.5 ns.
pub fn lpddr5_secondary(t: &mut BTreeMap<String, i64>, o: &OrgPreset) {
    let tck = get(t, "tCK_ps");
    let d = o.density_mb;
    let rfc = match d {
        ..=2048 => 130,
        ..=4096 => 180,
        ..=8192 => 210,
        ..=16384 => 280,
        _ => 380,
    };
    let rfcpb = match d {
        ..=2048 => 60,
        ..=4096 => 90,
        ..=8192 => 120,
        ..=16384 => 140,
        _ => 190,
    };
    set(t, "nRRDS", 4.max(ceil_div(5000, tck)));
    set(t, "nRRDL", 4.max(ceil_div(5000, tck)));
    set(t, "nFAW", 16.max(ceil_div(20000, tck)));
    set(t, "nRFC", ceil_div(rfc * 1000, tck));
    set(t, "nRFCpb", ceil_div(rfcpb * 1000, tck));
    set(t, "nREFI", ceil_div(3_906_000, tck));
    set(t, "nREFIpb", ceil_div(488_000, tck));
    set(
        t,
        "nPBR2PBR",
        ceil_div(if d <= 2048 { 60 } else { 90 } * 1000, tck),
    );
    set(t, "nPBR2ACT", ceil_div(7500, tck));
}
