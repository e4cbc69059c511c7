//! Embeds the bundled knowledge base (`rules/*.warrant`, `evidence/*.yaml`)
//! in the binary, so `warrant explain PROFILE` needs no other argument.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

fn main() {
    let root = env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| String::from("."));
    let mut code = String::new();
    for (constant, dir, extensions) in
        [("RULES", "rules", &["warrant"][..]), ("EVIDENCE", "evidence", &["yaml", "yml"][..])]
    {
        println!("cargo:rerun-if-changed={dir}");
        let mut names: Vec<String> = fs::read_dir(Path::new(&root).join(dir))
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|name| extensions.iter().any(|ext| name.ends_with(&format!(".{ext}"))))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        let _ = writeln!(code, "/// The bundled `{dir}/` files: (path, text).");
        let _ = writeln!(code, "pub const {constant}: &[(&str, &str)] = &[");
        for name in names {
            println!("cargo:rerun-if-changed={dir}/{name}");
            let _ = writeln!(
                code,
                "    (\"{dir}/{name}\", include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{dir}/{name}\"))),"
            );
        }
        let _ = writeln!(code, "];");
    }
    let out = env::var("OUT_DIR").unwrap_or_else(|_| String::from("."));
    if let Err(error) = fs::write(Path::new(&out).join("bundled.rs"), code) {
        println!("cargo:warning=cannot write the bundled knowledge base: {error}");
        std::process::exit(1);
    }
}
