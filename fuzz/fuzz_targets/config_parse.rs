//! Any text given to the configuration reader yields a model and
//! diagnostics, never a panic; the model always serialises.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let opts = kad_config::LoadOptions { config_id: "fuzz".into() };
    // A path in an empty directory: `include` lines find nothing to read.
    let loaded = kad_config::load_str(&text, std::path::Path::new("/nonexistent-kad-fuzz/k.conf"), &opts);
    for d in &loaded.diagnostics {
        let _ = d.to_string();
    }
    let _ = serde_json::to_string(&loaded.config).expect("model serialises");
});
