//! Kernel templates (kernel_templates/*.cu.tera): rendering a point of a space into CUDA source.
//! A template may include the partials of the `partials/` folder beside it (device helpers the
//! families share) as `{% include "partials/NAME" %}`; they are rendered into the source, so the
//! compile cache's key, the source's hash, covers them.

use crate::error::{Error, Result};
use crate::op::Problem;
use crate::space::{DeviceLimits, Point, SearchSpace, Value};
use std::path::{Path, PathBuf};

/// A parsed template (or, for a space whose template path names a parameter, one per value),
/// ready to render many points.
pub struct Template {
    path: PathBuf,
    tera: tera::Tera,
}

impl Template {
    /// Reads and parses the templates a space names (every one its points may render); a syntax
    /// error names the file and the line.
    pub fn for_space(space: &SearchSpace) -> Result<Template> {
        let paths = space.template_paths();
        let mut tera = tera_with_partials(&paths)?;
        for path in paths {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io("read", &path, e))?;
            tera.add_raw_template(&path.to_string_lossy(), &text)
                .map_err(|e| template_error(&path, &e))?;
        }
        Ok(Template {
            path: space.template.clone(),
            tera,
        })
    }

    /// Reads and parses the template at `path`.
    pub fn load(path: &Path) -> Result<Template> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        Template::from_text(path, &text)
    }

    /// Parses template `text` as if read from `path`.
    pub fn from_text(path: &Path, text: &str) -> Result<Template> {
        let mut tera = tera_with_partials(&[path.to_path_buf()])?;
        tera.add_raw_template(&path.to_string_lossy(), text)
            .map_err(|e| template_error(path, &e))?;
        Ok(Template {
            path: path.to_path_buf(),
            tera,
        })
    }

    /// Renders `point` with the template its config names: its parameters, derived values, the
    /// problem (B, H, S, D, SKV, HKV, CAUSAL), `ARCH` and `KERNEL` (the entry point's name) are the template's
    /// variables. Pure and deterministic.
    pub fn render<P: Problem>(
        &self,
        space: &SearchSpace,
        point: &Point,
        shape: &P,
        limits: &DeviceLimits,
    ) -> Result<String> {
        let mut ctx = tera::Context::new();
        for (name, value) in point.config.0.iter().chain(&point.derived) {
            insert_value(&mut ctx, name, value);
        }
        for (name, v) in shape.variables() {
            insert_value(&mut ctx, name, &Value::from(v));
        }
        ctx.insert("ARCH", &limits.arch);
        ctx.insert("KERNEL", &space.kernel);
        let path = self.pick(space, point);
        self.tera
            .render(&path.to_string_lossy(), &ctx)
            .map_err(|e| template_error(&path, &e))
    }

    /// The template `point` renders: the one its config names in a multi-template space, else
    /// the only one.
    fn pick(&self, space: &SearchSpace, point: &Point) -> PathBuf {
        let path = space.template_for(&point.config);
        let loaded = self.tera.get_template_names().any(|n| Path::new(n) == path);
        if loaded {
            path
        } else {
            self.path.clone()
        }
    }
}

/// A tera without autoescaping, holding the partials of the folders beside the templates at
/// `paths` (not the templates themselves).
fn tera_with_partials(paths: &[PathBuf]) -> Result<tera::Tera> {
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![]);
    for dir in partial_dirs(paths) {
        add_partials(&mut tera, &dir)?;
    }
    Ok(tera)
}

/// The `partials/` folders beside the templates at `paths` that exist, each once.
fn partial_dirs(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    for path in paths {
        let dir = path.parent().unwrap_or(Path::new("")).join("partials");
        if dir.is_dir() && !dirs.contains(&dir) {
            dirs.push(dir);
        }
    }
    dirs
}

/// Adds every `*.tera` file of `dir` as the template `partials/<file name>`.
fn add_partials(tera: &mut tera::Tera, dir: &Path) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io("read", dir, e))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "tera"))
        .collect();
    files.sort();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|e| Error::io("read", &file, e))?;
        let name = format!(
            "partials/{}",
            file.file_name().unwrap_or_default().to_string_lossy()
        );
        tera.add_raw_template(&name, &text)
            .map_err(|e| template_error(&file, &e))?;
    }
    Ok(())
}

fn insert_value(ctx: &mut tera::Context, name: &str, value: &Value) {
    match value {
        Value::Bool(b) => ctx.insert(name, b),
        Value::Int(i) => ctx.insert(name, i),
        Value::Choice(s) => ctx.insert(name, s),
    }
}

/// Flattens tera's error chain (the useful part is in the sources).
pub(crate) fn template_error(path: &Path, err: &tera::Error) -> Error {
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    Error::Template {
        path: path.to_path_buf(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shape::Shape;
    use crate::space::parse;

    const SPACE: &str = r#"
name = "t"
template = "t.cu.tera"
kernel = "k"
[params.N]
values = [1, 2]
[params.FLAG]
values = [true, false]
[derived]
TWICE = "N * 2"
[default]
N = 1
FLAG = true
"#;

    fn setup() -> (SearchSpace, Shape, DeviceLimits) {
        let space = parse(Path::new("t.toml"), SPACE).unwrap();
        (
            space,
            Shape::parse("1,2,3,4").unwrap(),
            DeviceLimits::hopper(),
        )
    }

    #[test]
    fn renders_params_derived_shape_and_name_deterministically() {
        let (space, shape, limits) = setup();
        let text = "{{ KERNEL }} N={{ N }} T={{ TWICE }} D={{ D }} sm{{ ARCH }}{% if FLAG %} fast{% endif %}";
        let t = Template::from_text(Path::new("t.cu.tera"), text).unwrap();
        let point = space.evaluate(&space.default, &shape, &limits).unwrap();
        let a = t.render(&space, &point, &shape, &limits).unwrap();
        assert_eq!(a, "k N=1 T=2 D=4 sm90 fast");
        assert_eq!(a, t.render(&space, &point, &shape, &limits).unwrap());
    }

    #[test]
    fn a_syntax_error_names_the_file() {
        let err = Template::from_text(Path::new("bad.cu.tera"), "{% if %}")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("bad.cu.tera"), "{err}");
    }

    #[test]
    fn an_unknown_variable_names_it() {
        let (space, shape, limits) = setup();
        let t = Template::from_text(Path::new("t.cu.tera"), "{{ MISSING_KEY }}").unwrap();
        let point = space.evaluate(&space.default, &shape, &limits).unwrap();
        let err = t
            .render(&space, &point, &shape, &limits)
            .unwrap_err()
            .to_string();
        assert!(err.contains("MISSING_KEY"), "{err}");
    }

    /// A template includes the partials beside it, rendered with the point's variables; one
    /// naming a partial that is not there fails with the file's name.
    #[test]
    fn a_template_includes_the_partials_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("partials")).unwrap();
        std::fs::write(dir.path().join("partials/twice.cu.tera"), "2N={{ TWICE }}").unwrap();
        let (space, shape, limits) = setup();
        let point = space.evaluate(&space.default, &shape, &limits).unwrap();
        let path = dir.path().join("t.cu.tera");
        let t = Template::from_text(&path, "{{ N }} {% include \"partials/twice.cu.tera\" %}.")
            .unwrap();
        assert_eq!(
            t.render(&space, &point, &shape, &limits).unwrap(),
            "1 2N=2."
        );
        let missing = Template::from_text(&path, "{% include \"partials/gone.cu.tera\" %}")
            .and_then(|t| t.render(&space, &point, &shape, &limits))
            .unwrap_err()
            .to_string();
        assert!(missing.contains("partials/gone.cu.tera"), "{missing}");
    }

    /// A space whose template path names FAMILY renders each point with its family's file.
    #[test]
    fn each_point_renders_the_template_its_family_names() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("k_a.cu.tera"), "A {{ N }}").unwrap();
        std::fs::write(dir.path().join("k_b.cu.tera"), "B {{ N }}").unwrap();
        let text = SPACE
            .replace("t.cu.tera", "k_{F}.cu.tera")
            .replace(
                "[derived]",
                "[params.F]\nvalues = [\"a\", \"b\"]\n[derived]",
            )
            .replace("FLAG = true", "FLAG = true\nF = \"b\"");
        let space = parse(&dir.path().join("t.toml"), &text).unwrap();
        let (shape, limits) = (Shape::parse("1,2,3,4").unwrap(), DeviceLimits::hopper());
        let t = Template::for_space(&space).unwrap();
        let render = |config: &str| {
            let c = space.parse_config(config).unwrap();
            let point = space.evaluate(&c, &shape, &limits).unwrap();
            t.render(&space, &point, &shape, &limits).unwrap()
        };
        assert_eq!(render("N=2,FLAG=true,F=a"), "A 2");
        assert_eq!(render("N=1,FLAG=false,F=b"), "B 1");
    }
}
