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

// ----------------------------------------------------------------------------------------
// Power: datasheet currents (mA) and voltages (V) of each part, for the energy model of
// `power.rs`. Entries are ordered most specific first; each standard ends with a `*`/`*`
// entry, its default part, used for organisations and speed bins without their own entry.
// ----------------------------------------------------------------------------------------

use super::power::{PowerPreset, Rail};

#[allow(clippy::too_many_arguments)]
const fn rail(
    volts: f64,
    idd0: f64,
    idd2n: f64,
    idd3n: f64,
    idd4r: f64,
    idd4w: f64,
    idd5b: f64,
    idd5pb: f64,
) -> Rail {
    Rail {
        volts,
        idd0,
        idd2n,
        idd3n,
        idd4r,
        idd4w,
        idd5b,
        idd5pb,
    }
}

/// DDR4 VPP (2.5 V, JESD79-4) of an 8 Gb x4/x8 die: IPP0 = 3 mA (DRAMsim3's configs and
/// Micron MT40A1G8 data sheet); Micron's note "IPP3N test and limit is applicable for all
/// IDD2x, IDD3x, IDD4x conditions" and its module tables (MTA18ASF2G72HZ: IPP0 = IPP3N = 54 mA
/// for 18 devices) give IPP2N = IPP3N = IPP4R = IPP4W = IPP0 = 3 mA; IPP5B = 28 mA per device
/// from the same module's 279 mA with one rank (9 devices) refreshing and the other at IPP3N:
/// (279 - 9 x 3) / 9.
const DDR4_VPP_X8: Rail = rail(2.5, 3.0, 3.0, 3.0, 3.0, 3.0, 28.0, 3.0);
/// DDR4 VPP of an 8 Gb x16 die: IPP0 = 4 mA (DRAMsim3 `DDR4_8Gb_x16_3200.ini`), the same
/// current in every state (no refresh figure in the source: refresh adds nothing on VPP).
const DDR4_VPP_X16: Rail = rail(2.5, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0);

/// Power presets (see the section comment above). Sources: DRAMsim3's published configs
/// (`configs/*.ini`, `[power]`), gem5's DDR5 interface (Micron 16 Gb DDR5 data sheet), DRAMSys'
/// JEDEC LPDDR4 memspec, and estimates derived from them where no public table exists (HBM3,
/// LPDDR5), marked `estimate`. `docs/DRAM.md` tabulates them.
pub static POWER: &[PowerPreset] = &[
    PowerPreset {
        standard: "DDR4",
        org: "DDR4_8Gb_x8",
        timing: "DDR4_3200",
        devices: None,
        vdd: rail(1.2, 57.0, 37.0, 52.0, 168.0, 150.0, 250.0, 0.0),
        vpp: DDR4_VPP_X8,
        vddq: Rail::NONE,
        io_read_pj_per_bit: 0.0,
        io_write_pj_per_bit: 0.0,
        source: "DRAMsim3 (umd-memsys/DRAMsim3 @2981759) configs/DDR4_8Gb_x8_3200.ini; VPP: Micron MT40A1G8 (JESD79-4 2.5 V)",
        estimate: false,
        bankwise_rho: None,
    },
    PowerPreset {
        standard: "DDR4",
        org: "DDR4_8Gb_x8",
        timing: "DDR4_2666",
        devices: None,
        vdd: rail(1.2, 51.0, 35.0, 46.0, 146.0, 132.0, 250.0, 0.0),
        vpp: DDR4_VPP_X8,
        vddq: Rail::NONE,
        io_read_pj_per_bit: 0.0,
        io_write_pj_per_bit: 0.0,
        source: "DRAMsim3 (umd-memsys/DRAMsim3 @2981759) configs/DDR4_8Gb_x8_2666.ini; VPP: Micron MT40A1G8 (JESD79-4 2.5 V)",
        estimate: false,
        bankwise_rho: None,
    },
    PowerPreset {
        standard: "DDR4",
        org: "DDR4_8Gb_x8",
        timing: "DDR4_2400",
        devices: None,
        vdd: rail(1.2, 48.0, 34.0, 43.0, 135.0, 123.0, 250.0, 0.0),
        vpp: DDR4_VPP_X8,
        vddq: Rail::NONE,
        io_read_pj_per_bit: 0.0,
        io_write_pj_per_bit: 0.0,
        source: "DRAMsim3 (umd-memsys/DRAMsim3 @2981759) configs/DDR4_8Gb_x8_2400.ini; VPP: Micron MT40A1G8 (JESD79-4 2.5 V)",
        estimate: false,
        bankwise_rho: None,
    },
    PowerPreset {
        standard: "DDR4",
        org: "DDR4_8Gb_x16",
        timing: "*",
        devices: None,
        vdd: rail(1.2, 95.0, 37.0, 56.0, 302.0, 278.0, 280.0, 0.0),
        vpp: DDR4_VPP_X16,
        vddq: Rail::NONE,
        io_read_pj_per_bit: 0.0,
        io_write_pj_per_bit: 0.0,
        source: "DRAMsim3 (umd-memsys/DRAMsim3 @2981759) configs/DDR4_8Gb_x16_3200.ini (VPP: IPP0 of the same file)",
        estimate: false,
        bankwise_rho: None,
    },
    PowerPreset {
        standard: "DDR4",
        org: "DDR4_8Gb_x4",
        timing: "*",
        devices: None,
        vdd: rail(1.2, 52.0, 37.0, 47.0, 143.0, 130.0, 250.0, 0.0),
        vpp: DDR4_VPP_X8,
        vddq: Rail::NONE,
        io_read_pj_per_bit: 0.0,
        io_write_pj_per_bit: 0.0,
        source: "DRAMsim3 (umd-memsys/DRAMsim3 @2981759) configs/DDR4_8Gb_x4_3200.ini; VPP: Micron MT40A2G4 (JESD79-4 2.5 V)",
        estimate: false,
        bankwise_rho: None,
    },
    PowerPreset {
        standard: "DDR4",
        org: "DDR4_4Gb_x8",
        timing: "*",
        devices: None,
        vdd: rail(1.2, 60.0, 45.0, 60.0, 145.0, 175.0, 175.0, 0.0),
        vpp: rail(2.5, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0),
        vddq: Rail::NONE,
        io_read_pj_per_bit: 0.0,
        io_write_pj_per_bit: 0.0,
        source: "DRAMsim3 (umd-memsys/DRAMsim3 @2981759) configs/DDR4_4Gb_x8_2400.ini (VPP: IPP0 of the same file)",
        estimate: false,
        bankwise_rho: None,
    },
    PowerPreset {
        standard: "DDR4",
        org: "*",
        timing: "*",
        devices: None,
        vdd: rail(1.2, 57.0, 37.0, 52.0, 168.0, 150.0, 250.0, 0.0),
        vpp: DDR4_VPP_X8,
        vddq: Rail::NONE,
        io_read_pj_per_bit: 0.0,
        io_write_pj_per_bit: 0.0,
        source: "default part: DRAMsim3 (umd-memsys/DRAMsim3 @2981759) configs/DDR4_8Gb_x8_3200.ini; VPP: Micron MT40A1G8",
        estimate: false,
        bankwise_rho: None,
    },
    PowerPreset {
        standard: "DDR5",
        org: "*",
        timing: "*",
        devices: None,
        vdd: rail(1.1, 122.0, 92.0, 142.0, 530.0, 479.0, 277.0, 0.0),
        vpp: Rail::NONE,
        vddq: Rail::NONE,
        io_read_pj_per_bit: 0.0,
        io_write_pj_per_bit: 0.0,
        source: "gem5 (gem5/gem5) src/python/gem5/components/memory/dram_interfaces/ddr5.py, DDR5-4800 values of the Micron 16 Gb DDR5 die rev. A data sheet (VDD only: the source gives no VPP currents)",
        estimate: false,
        // IDD3N (all 32 banks open) exceeds IDD0: one-bank-active baseline for activations.
        bankwise_rho: Some(0.5),
    },
    PowerPreset {
        standard: "HBM2",
        org: "*",
        timing: "*",
        devices: Some(0.5),
        vdd: rail(1.2, 65.0, 40.0, 55.0, 390.0, 500.0, 250.0, 0.0),
        vpp: Rail::NONE,
        vddq: Rail::NONE,
        io_read_pj_per_bit: 0.0,
        io_write_pj_per_bit: 0.0,
        source: "DRAMsim3 (umd-memsys/DRAMsim3 @2981759) configs/HBM2_8Gb_x128.ini (currents of one 128-bit channel; a pseudo-channel is half of it)",
        estimate: false,
        bankwise_rho: None,
    },
    PowerPreset {
        standard: "HBM3",
        org: "*",
        timing: "*",
        devices: Some(0.5),
        // HBM2's currents (DRAMsim3 HBM2_8Gb_x128.ini) at HBM3's VDD of 1.1 V (JESD238), with
        // the read and write increments over IDD3N scaled by the pseudo-channel data rate
        // (32 bit x 6.4 Gb/s against 64 bit x 2 Gb/s: 1.6) so that the energy per bit moved
        // stays HBM2's (TN-41-01 scales IDD4 with the operating frequency).
        vdd: rail(1.1, 65.0, 40.0, 55.0, 591.0, 767.0, 250.0, 0.0),
        vpp: Rail::NONE,
        vddq: Rail::NONE,
        io_read_pj_per_bit: 0.0,
        io_write_pj_per_bit: 0.0,
        source: "estimate: no public HBM3 IDD table; HBM2 currents of DRAMsim3 configs/HBM2_8Gb_x128.ini at 1.1 V, IDD4 increments scaled by data rate (x1.6)",
        estimate: true,
        bankwise_rho: None,
    },
    PowerPreset {
        standard: "GDDR6",
        org: "*",
        timing: "GDDR6_14000_1350mV",
        devices: None,
        vdd: rail(1.35, 71.0, 60.0, 61.0, 248.0, 231.0, 286.0, 45.0),
        vpp: Rail::NONE,
        vddq: Rail::NONE,
        io_read_pj_per_bit: 0.0,
        io_write_pj_per_bit: 0.0,
        source: "DRAMsim3 (umd-memsys/DRAMsim3 @2981759) configs/GDDR6_8Gb_x16.ini (one 16-bit channel per device)",
        estimate: false,
        bankwise_rho: None,
    },
    PowerPreset {
        standard: "GDDR6",
        org: "*",
        timing: "*",
        devices: None,
        vdd: rail(1.25, 71.0, 60.0, 61.0, 248.0, 231.0, 286.0, 45.0),
        vpp: Rail::NONE,
        vddq: Rail::NONE,
        io_read_pj_per_bit: 0.0,
        io_write_pj_per_bit: 0.0,
        source: "DRAMsim3 (umd-memsys/DRAMsim3 @2981759) configs/GDDR6_8Gb_x16.ini currents (one 16-bit channel per device) at the 1.25 V of the 1250 mV speed bin",
        estimate: false,
        bankwise_rho: None,
    },
    PowerPreset {
        standard: "LPDDR5",
        org: "*",
        timing: "*",
        devices: None,
        // DRAMSys configs/memspec/JEDEC_8Gb_LPDDR4-3200_16bit.json (DRAMPower format): VDD2
        // currents on LPDDR5's VDD2H (1.05 V), VDD1 on VDD1 (1.8 V), VDDQ on VDDQ (0.5 V);
        // IDD4R/IDD4W increments over IDD3N doubled for 6400 against 3200 MT/s (TN-41-01
        // frequency scaling, same energy per bit); all-bank refresh from IDD5 (idd52/idd51,
        // the burst current); per-bank refresh currents converted from the memspec's tREFIpb
        // averages to burst currents as DRAMPower does: (IDD5PB tREFIpb - IDD2N (tREFIpb -
        // tRFCpb)) / tRFCpb with 780 and 224 cycles.
        vdd: rail(1.05, 45.0, 27.0, 30.0, 520.0, 390.0, 90.0, 37.45),
        vpp: rail(1.8, 3.5, 2.0, 2.25, 2.25, 2.25, 10.0, 3.74),
        vddq: rail(0.5, 0.75, 0.75, 0.75, 299.25, 109.25, 0.75, 0.75),
        io_read_pj_per_bit: 0.0,
        io_write_pj_per_bit: 0.0,
        source: "estimate: no public LPDDR5 IDD table; LPDDR4-3200 x16 currents of DRAMSys (tukl-msd/DRAMSys @2107966) configs/memspec/JEDEC_8Gb_LPDDR4-3200_16bit.json at LPDDR5 voltages, IDD4 increments scaled to 6400 MT/s",
        estimate: true,
        bankwise_rho: None,
    },
];
