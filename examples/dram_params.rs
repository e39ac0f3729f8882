//! Print the resolved timing parameters of the shipped DRAM presets (used to write
//! docs/DRAM.md): `cargo run --release --example dram_params`.
use xpusim::mem::dram::config::DramConfig;
use xpusim::mem::dram::timing::Spec;
fn main() {
    for (s, o, t) in [
        ("DDR4", "DDR4_8Gb_x8", "DDR4_3200AA"),
        ("DDR5", "DDR5_16Gb_x8", "DDR5_4800AN"),
        ("HBM2", "HBM2_8Gb", "HBM2_2000Mbps"),
        ("HBM3", "HBM3_16Gb_8hi", "HBM3_6400Mbps"),
        ("GDDR6", "GDDR6_8Gb_x16", "GDDR6_14000_1250mV_double"),
        ("LPDDR5", "LPDDR5_8Gb_x16", "LPDDR5_6400"),
    ] {
        let sp = Spec::resolve(&DramConfig::new(s, o, t)).unwrap();
        let org: Vec<String> = sp.org.names[1..]
            .iter()
            .zip(&sp.org.sizes[1..])
            .map(|(n, v)| format!("{n} {v}"))
            .collect();
        println!(
            "### {s} ({o}, {t})\norg: {}; tx {} B; tick {} ps; read latency {} ticks; peak {:.1} GB/s/channel",
            org.join(", "),
            sp.tx_bytes,
            sp.tick_ps,
            sp.read_latency,
            sp.peak_gbps(1)
        );
        let params: Vec<String> = sp
            .standard
            .timing_params
            .iter()
            .map(|p| format!("{p}={}", sp.timing[*p]))
            .collect();
        println!("timings (ticks): {}\n", params.join(" "));
    }
}
