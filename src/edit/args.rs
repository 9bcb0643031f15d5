//! The `edit` and `create` subcommands and their flags, named as
//! kustomize v5 names them (`kustomize edit ...`, `kustomize create`).

use clap::{Args, Subcommand};

// Deferred, as the top-level commands are (see `cli::Command`): `edit`'s
// flags are declared only when `edit` is parsed.
#[derive(Subcommand, Debug, Clone)]
#[command(defer = true)]
pub enum EditCommand {
    /// Set the value of a field (image, namespace, nameprefix, ...).
    Set {
        #[command(subcommand)]
        what: SetCommand,
    },
    /// Add an item (resource, patch, configmap, label, ...).
    Add {
        #[command(subcommand)]
        what: AddCommand,
    },
    /// Remove items (resource, patch, label, configmap, ...).
    Remove {
        #[command(subcommand)]
        what: RemoveCommand,
    },
    /// Move deprecated fields to their v5 forms (bases, patchesStrategicMerge,
    /// patchesJson6902, commonLabels, imageTags; vars with --vars), refusing
    /// any change that alters the build output.
    Fix {
        /// Also convert vars to replacements (rewrites `$(VAR)` in resource files).
        #[arg(long)]
        vars: bool,
    },
}

#[derive(Subcommand, Debug, Clone)]
pub enum SetCommand {
    /// Set images' new names, tags or digests: NAME[=NEWNAME][:TAG][@DIGEST]
    /// ('*' keeps the current new name, tag or digest; a NAME of '*' matches every image).
    Image { images: Vec<String> },
    /// Set the namespace field.
    Namespace { namespace: Vec<String> },
    /// Set the namePrefix field.
    Nameprefix {
        #[arg(allow_hyphen_values = true)]
        prefix: Vec<String>,
    },
    /// Set the nameSuffix field (values may start with `-`).
    Namesuffix {
        #[arg(allow_hyphen_values = true)]
        suffix: Vec<String>,
    },
    /// Set replica counts: NAME=COUNT.
    Replicas { replicas: Vec<String> },
    /// Set commonLabels: KEY:VALUE ...
    Label { labels: Vec<String> },
    /// Set commonAnnotations: KEY:VALUE ...
    Annotation { annotations: Vec<String> },
    /// Replace the buildMetadata options: OPTION[,OPTION...]
    Buildmetadata { options: Vec<String> },
}

// A patch and its target, as `add patch` and `remove patch` take them.
#[derive(Args, Debug, Clone, Default)]
pub struct PatchArgs {
    /// Path to the patch file. Cannot be used with --patch.
    #[arg(long)]
    pub path: Option<String>,
    /// The patch itself (YAML or JSON). Cannot be used with --path.
    #[arg(long)]
    pub patch: Option<String>,
    /// API group in the patch target.
    #[arg(long)]
    pub group: Option<String>,
    /// API version in the patch target.
    #[arg(long)]
    pub version: Option<String>,
    /// Resource kind in the patch target.
    #[arg(long)]
    pub kind: Option<String>,
    /// Resource name in the patch target.
    #[arg(long)]
    pub name: Option<String>,
    /// Resource namespace in the patch target.
    #[arg(long)]
    pub namespace: Option<String>,
    /// labelSelector in the patch target.
    #[arg(long)]
    pub label_selector: Option<String>,
    /// annotationSelector in the patch target.
    #[arg(long)]
    pub annotation_selector: Option<String>,
}

// `add configmap` / `add secret` flags.
#[derive(Args, Debug, Clone, Default)]
pub struct GeneratorArgs {
    /// The generator's name.
    pub name: Vec<String>,
    /// [KEY=]PATH of a file (or a glob); comma-separated or repeated.
    #[arg(long = "from-file", value_delimiter = ',')]
    pub from_file: Vec<String>,
    /// KEY=VALUE; repeat for several.
    #[arg(long = "from-literal")]
    pub from_literal: Vec<String>,
    /// A file of KEY=VALUE lines.
    #[arg(long = "from-env-file")]
    pub from_env_file: Option<String>,
    /// create, merge or replace.
    #[arg(long)]
    pub behavior: Option<String>,
    /// Do not add the content hash suffix to the name.
    #[arg(long = "disableNameSuffixHash")]
    pub disable_name_suffix_hash: bool,
    /// The namespace of the generated object.
    #[arg(long)]
    pub namespace: Option<String>,
}

#[derive(Subcommand, Debug, Clone)]
pub enum AddCommand {
    /// Add resource files or directories (globs expand; the file itself is skipped).
    Resource {
        paths: Vec<String>,
        /// Add the paths as given, without checking that they exist.
        #[arg(long = "no-verify")]
        no_verify: bool,
    },
    /// Add components (directories or globs).
    Component { paths: Vec<String> },
    /// Add bases to resources: DIR[,DIR...] (each must exist).
    Base { paths: Vec<String> },
    /// Add an entry to patches.
    Patch(PatchArgs),
    /// Add (or extend) a configMapGenerator entry.
    Configmap(GeneratorArgs),
    /// Add (or extend) a secretGenerator entry.
    Secret {
        #[command(flatten)]
        args: GeneratorArgs,
        /// The Secret's type.
        #[arg(long = "type", default_value = "Opaque")]
        secret_type: String,
    },
    /// Add commonLabels (or, with --without-selector, a labels entry): KEY:VALUE ...
    Label {
        labels: Vec<String>,
        /// Overwrite labels that are already set.
        #[arg(short, long)]
        force: bool,
        /// Add a labels entry that leaves selectors alone.
        #[arg(long = "without-selector")]
        without_selector: bool,
        /// With --without-selector: label pod templates too.
        #[arg(long = "include-templates")]
        include_templates: bool,
    },
    /// Add commonAnnotations: KEY:VALUE ...
    Annotation {
        annotations: Vec<String>,
        /// Overwrite annotations that are already set.
        #[arg(short, long)]
        force: bool,
    },
    /// Add generator configuration files (globs expand).
    Generator { paths: Vec<String> },
    /// Add transformer configuration files (globs expand).
    Transformer { paths: Vec<String> },
    /// Add buildMetadata options: OPTION[,OPTION...]
    Buildmetadata { options: Vec<String> },
}

#[derive(Subcommand, Debug, Clone)]
pub enum RemoveCommand {
    /// Remove resources (patterns match the listed paths).
    Resource { paths: Vec<String> },
    /// Remove patches whose path/patch and target equal the flags.
    Patch(PatchArgs),
    /// Remove commonLabels: KEY[,KEY...]
    Label {
        keys: Vec<String>,
        /// Do not fail when a key is not there.
        #[arg(short, long = "ignore-non-existence")]
        ignore_non_existence: bool,
    },
    /// Remove commonAnnotations: KEY[,KEY...]
    Annotation {
        keys: Vec<String>,
        /// Do not fail when a key is not there.
        #[arg(short, long = "ignore-non-existence")]
        ignore_non_existence: bool,
    },
    /// Remove configMapGenerator entries: NAME[,NAME...]
    Configmap {
        names: Vec<String>,
        /// The namespace of the entries to remove.
        #[arg(long)]
        namespace: Option<String>,
    },
    /// Remove secretGenerator entries: NAME[,NAME...]
    Secret {
        names: Vec<String>,
        /// The namespace of the entries to remove.
        #[arg(long)]
        namespace: Option<String>,
    },
    /// Remove transformers (patterns match the listed paths).
    Transformer { paths: Vec<String> },
    /// Remove buildMetadata options: OPTION[,OPTION...]
    Buildmetadata { options: Vec<String> },
}

// `create` flags.
#[derive(Args, Debug, Clone, Default)]
pub struct CreateArgs {
    /// Resources to list: PATH[,PATH...] (globs expand).
    #[arg(long)]
    pub resources: Option<String>,
    /// The namespace field.
    #[arg(long)]
    pub namespace: Option<String>,
    /// commonAnnotations: KEY:VALUE[,KEY:VALUE...]
    #[arg(long)]
    pub annotations: Option<String>,
    /// commonLabels: KEY:VALUE[,KEY:VALUE...]
    #[arg(long)]
    pub labels: Option<String>,
    /// The namePrefix field.
    #[arg(long, allow_hyphen_values = true)]
    pub nameprefix: Option<String>,
    /// The nameSuffix field.
    #[arg(long, allow_hyphen_values = true)]
    pub namesuffix: Option<String>,
    /// List the Kubernetes resource files found in the directory.
    #[arg(long)]
    pub autodetect: bool,
    /// With --autodetect: search subdirectories too (a directory holding a
    /// kustomization is listed as one resource).
    #[arg(long)]
    pub recursive: bool,
}
