//! A plugin for nest-kz's plugin tests that runs both ways kustomize runs
//! plugins, so one program's output can be compared across them: with no
//! argument it is a KRM function (a `ResourceList` on stdin and stdout),
//! with arguments a legacy exec plugin (its config file first; the
//! resources, for a transformer, on stdin). As KSOPS does, it tells the
//! two apart by its arguments.
//!
//! Config kinds:
//! - `SecretFiles` or `ksops` (a generator, shaped like KSOPS): for each of `files`,
//!   the documents `sops --decrypt FILE` prints (sops from `$SOPS`, else
//!   PATH), relative to the working directory.
//! - `Labeler` (a transformer): every object gets the config's `labels`.
//! - `Fail`: prints `message` on stderr and exits 3.

use nest_kz::model::value::{Map, Value};
use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("krm-fixture: {message}");
            ExitCode::from(3)
        }
    }
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut stdin = String::new();
    std::io::stdin()
        .read_to_string(&mut stdin)
        .map_err(|e| e.to_string())?;
    let krm = args.is_empty();
    let (config, items) = if krm {
        let list = documents(&stdin)?.into_iter().next().unwrap_or_default();
        let items = list["items"].as_array().cloned().unwrap_or_default();
        (list["functionConfig"].clone(), items)
    } else {
        let text = std::fs::read_to_string(&args[0]).map_err(|e| e.to_string())?;
        let config = documents(&text)?.into_iter().next().unwrap_or_default();
        (config, documents(&stdin)?)
    };
    let out = match config["kind"].as_str().unwrap_or_default() {
        "SecretFiles" | "ksops" => secret_files(&config)?,
        "Labeler" => label(&config, items),
        "Fail" => return Err(config["message"].as_str().unwrap_or("failed").to_string()),
        other => return Err(format!("unknown config kind {other}")),
    };
    let text = if krm {
        let mut list = Map::new();
        list.insert(
            "apiVersion".into(),
            Value::String("config.kubernetes.io/v1".into()),
        );
        list.insert("kind".into(), Value::String("ResourceList".into()));
        list.insert("items".into(), Value::Array(out));
        nest_kz::yaml::emit_document(&Value::Object(list))
    } else {
        nest_kz::yaml::emit_stream(&out)
    };
    std::io::stdout()
        .write_all(text.as_bytes())
        .map_err(|e| e.to_string())
}

fn documents(text: &str) -> Result<Vec<Value>, String> {
    Ok(nest_kz::yaml::parse_documents(text)
        .map_err(|e| e.message)?
        .into_iter()
        .map(|d| d.value)
        .collect())
}

fn secret_files(config: &Value) -> Result<Vec<Value>, String> {
    let sops = std::env::var("SOPS").unwrap_or_else(|_| "sops".into());
    let mut out = Vec::new();
    for file in config["files"].as_array().cloned().unwrap_or_default() {
        let file = file.as_str().unwrap_or_default().to_string();
        let decrypted = std::process::Command::new(&sops)
            .args(["--decrypt", &file])
            .output()
            .map_err(|e| format!("{sops}: {e}"))?;
        if !decrypted.status.success() {
            return Err(format!(
                "sops --decrypt {file}: {}",
                String::from_utf8_lossy(&decrypted.stderr)
            ));
        }
        out.extend(documents(&String::from_utf8_lossy(&decrypted.stdout))?);
    }
    Ok(out)
}

fn label(config: &Value, items: Vec<Value>) -> Vec<Value> {
    let labels = config["labels"].as_object().cloned().unwrap_or_default();
    items
        .into_iter()
        .map(|mut item| {
            let meta = &mut item["metadata"];
            if !meta["labels"].is_object() {
                meta["labels"] = Value::Object(Map::new());
            }
            for (k, v) in &labels {
                meta["labels"][k.as_str()] = v.clone();
            }
            item
        })
        .collect()
}
