//! Writes MapLibre glyph ranges (SDF PBFs) of a font for the ranges named on the command
//! line: `vetmap-glyphs FONT.ttf OUT_DIR 0 256 768 7680`. The font should already be
//! subset to the characters the map needs (scripts/glyphs.sh does), so each range holds
//! only those glyphs.

use std::path::PathBuf;

use glyphore_core::{FontFace, generate_range};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: vetmap-glyphs FONT OUT_DIR START...";
    let font = PathBuf::from(args.next().ok_or(usage)?);
    let out = PathBuf::from(args.next().ok_or(usage)?);
    let face = FontFace::parse(&std::fs::read(&font)?)?;
    std::fs::create_dir_all(&out)?;
    for start in args {
        let start: u32 = start.parse()?;
        if start % 256 != 0 {
            return Err(format!("{start} does not start a range of 256").into());
        }
        let pbf = generate_range(&face, start)?;
        let path = out.join(format!("{start}-{}.pbf", start + 255));
        std::fs::write(&path, &pbf)?;
        println!("{} ({} bytes)", path.display(), pbf.len());
    }
    Ok(())
}
