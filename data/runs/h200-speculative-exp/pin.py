"""Writes a copy of the space with some parameters pinned to given values, its template path made
absolute (to TEMPLATES, default ./kernel_templates), for `record` samples of one variant.
Usage: pin.py SPACE OUT TEMPLATES NAME=VALUES ... (VALUES as TOML, e.g. RESCALE='["check"]')"""
import os, re, sys
src, out, templates = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
s = open(src).read()
for arg in sys.argv[4:]:
    name, values = arg.split("=", 1)
    i = s.index(f"[params.{name}]"); j = s.index("values =", i); k = s.index("\n", j)
    s = s[:j] + "values = " + values + s[k:]
    s, n = re.subn(rf"(?m)^{name} = .*$", f"{name} = {values[1:-1]}", s)
    if n == 0:
        s = s.replace("[default]\n", f"[default]\n{name} = {values[1:-1]}\n", 1)
s = s.replace('"../kernel_templates/', '"' + templates + '/')
open(out, "w").write(s)
