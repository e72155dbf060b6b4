//! A registry of the baselines an operation is compared with: each baseline with its name, what
//! it is and its role, and the comparisons the report and the gate accept (`--vs NAME`): one per
//! role that picks a baseline, then every other baseline by its own name.

/// What a baseline is to the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The unfused reference path, in-project: the operation as a plain sequence of library
    /// calls (baseline A).
    Unfused,
    /// A fused vendor kernel at a wider precision than the candidates' (baseline B is the
    /// fastest measured of them).
    Fused,
    /// The vendor's kernel at the candidates' own precision: the one to beat.
    Vendor,
    /// Shown beside the others for reference, in no other role.
    Reference,
    /// Not the operation: the least time the timing protocol can give at the problem.
    Floor,
}

impl Role {
    /// Whether baselines of this role are vendor kernels (fused, at either precision).
    pub fn is_vendor(self) -> bool {
        matches!(self, Role::Fused | Role::Vendor)
    }
}

/// The tensor-core width and element sizes a method works at, for the roofline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operands {
    /// Bits of the tensor-core inputs: 8 (the FP8 ceiling) or 16 (FP16).
    pub bits: u32,
    /// Bytes per element of the inputs.
    pub input_bytes: usize,
    /// Bytes per element of the output.
    pub output_bytes: usize,
}

/// One baseline of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Baseline {
    /// Its record's name: `bench/baseline_<name>.json`.
    pub name: &'static str,
    /// What it is, one line.
    pub description: &'static str,
    /// What it is to the comparison.
    pub role: Role,
    /// What it computes with.
    pub operands: Operands,
}

/// What a comparison measures against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    /// The fastest measured baseline of a role (the one baseline, when the role has one).
    Role(Role),
    /// One baseline, by its record's name.
    Baseline(&'static str),
}

/// A baseline the report and the gate compare with, by the name `--vs` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comparison {
    /// The name it is asked for by, e.g. `baseline_a`.
    pub name: &'static str,
    /// Other names it is asked for by, e.g. `math`.
    pub aliases: &'static [&'static str],
    /// How messages name it, e.g. "baseline A".
    pub label: &'static str,
    /// What it is, one line.
    pub description: &'static str,
    /// The baselines it picks from.
    pub against: Against,
    /// How the report's notes name it: "Baseline A (unfused fp16 math path)".
    pub note: &'static str,
    /// The short name of its speedup column in the report's top-line table ("A"), when it has
    /// one; a baseline picked by it is tagged so in the table's rows.
    pub column: Option<&'static str>,
}

impl Comparison {
    /// Whether `name` asks for this comparison.
    pub fn answers_to(&self, name: &str) -> bool {
        self.name == name || self.aliases.contains(&name)
    }
}

/// The baselines of one operation and the comparisons made with them.
#[derive(Debug)]
pub struct Registry {
    /// The operation, as messages name it.
    pub operation: &'static str,
    /// Every baseline, in report order.
    pub baselines: &'static [Baseline],
    /// The comparisons by role, in the order they are reported.
    pub roles: &'static [Comparison],
    /// What the operation's candidate kernels compute with, for the roofline.
    pub candidates: Operands,
    /// What any kernel of it must move, in words: "Q, K, V in, O out".
    pub traffic: &'static str,
    /// What its floor kernel does, in words: "reads Q, K, V and writes O".
    pub floor_does: &'static str,
    /// What the operation is, in words: "attention", "a matrix product".
    pub work: &'static str,
    /// What its FLOPs count, after the number: "per forward pass (4·B·H·S²·D)".
    pub flops_per: &'static str,
    /// The comparison `gate --vs` makes when none is named.
    pub gate_vs: &'static str,
    /// The comparison the report's target is set against when `--target-vs` names none.
    pub target_vs: &'static str,
}

impl Registry {
    /// The baseline named `name`.
    pub fn baseline(&self, name: &str) -> Option<&Baseline> {
        self.baselines.iter().find(|b| b.name == name)
    }

    /// The baselines' names, in report order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.baselines.iter().map(|b| b.name)
    }

    /// The baselines of `role`, in report order.
    pub fn with_role(&self, role: Role) -> impl Iterator<Item = &Baseline> + '_ {
        self.baselines.iter().filter(move |b| b.role == role)
    }

    /// Whether `name` is a baseline of `role`.
    pub fn has_role(&self, name: &str, role: Role) -> bool {
        self.baseline(name).is_some_and(|b| b.role == role)
    }

    /// The baselines that compute the operation (all but the floor), in report order.
    pub fn computing(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.baselines
            .iter()
            .filter(|b| b.role != Role::Floor)
            .map(|b| b.name)
    }

    /// The comparisons that have a speedup column in the report, in column order.
    pub fn columns(&self) -> impl Iterator<Item = &Comparison> + '_ {
        self.roles.iter().filter(|c| c.column.is_some())
    }

    /// The floor's name, when the operation has one.
    pub fn floor(&self) -> Option<&'static str> {
        self.with_role(Role::Floor).next().map(|b| b.name)
    }

    /// Every comparison: those by role, then each baseline no role comparison answers for, by
    /// its own name.
    pub fn comparisons(&self) -> impl Iterator<Item = Comparison> + '_ {
        let by_name = self
            .baselines
            .iter()
            .filter(|b| !self.roles.iter().any(|c| c.answers_to(b.name)))
            .map(|b| Comparison {
                name: b.name,
                aliases: &[],
                label: b.name,
                description: b.description,
                against: Against::Baseline(b.name),
                note: b.description,
                column: None,
            });
        self.roles.iter().copied().chain(by_name)
    }

    /// The comparison `name` (or one of its aliases) asks for.
    pub fn comparison(&self, name: &str) -> Option<Comparison> {
        self.comparisons().find(|c| c.answers_to(name))
    }

    /// The names of the baselines `against` picks from, in report order.
    pub fn members(&self, against: Against) -> Vec<&'static str> {
        match against {
            Against::Role(role) => self.with_role(role).map(|b| b.name).collect(),
            Against::Baseline(name) => vec![name],
        }
    }
}
