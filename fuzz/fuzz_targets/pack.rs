//! The pack reader (avow-pack): an index and a pack made of the input's
//! bytes (the first two bytes say where the index ends), every name the
//! index lists and a few others looked up and read. Never panics, never
//! returns an object over the size limit, and an object's type and size
//! read from headers alone are those of the object read whole.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use avow_pack::{Packs, ID_LEN, MAX_OBJECT};
use libfuzzer_sys::fuzz_target;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("avow-fuzz-pack-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("a scratch directory");
        d
    })
}

fuzz_target!(|input: &[u8]| {
    if input.len() < 2 {
        return;
    }
    let split = usize::from(u16::from_le_bytes([input[0], input[1]])).min(input.len() - 2);
    let (idx, pack) = input[2..].split_at(split);
    let d = dir();
    std::fs::write(d.join("p.idx"), idx).expect("write");
    std::fs::write(d.join("p.pack"), pack).expect("write");
    let mut packs = Packs::open(d, 0);
    // The names where a version 2 index lists them, whatever it says.
    let names = idx.get(8 + 1024..).unwrap_or_default();
    for id in names.chunks_exact(ID_LEN).take(64).chain([&[0_u8; ID_LEN][..], &[0xff; ID_LEN][..]]) {
        let header = packs.read_header(id);
        if let Ok(Some(o)) = packs.read(id) {
            assert!(o.data.len() <= MAX_OBJECT);
            // What the headers say is what reading the object gave.
            if let Ok(Some(header)) = header {
                assert_eq!(header, (o.kind, o.data.len() as u64));
            }
        }
        _ = packs.contains(id);
    }
});
