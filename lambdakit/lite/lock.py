"""A pyodide-lock.json naming only the wheels beside it.

Pyodide loads packages by the lock file next to pyodide.mjs; a lock that still names CDN wheels makes
the kernel fetch from the CDN. Each entry is read from its wheel's METADATA, with its dependencies
evaluated for Pyodide (sys_platform emscripten) and kept only when the site ships them.
"""

import hashlib
import json
import zipfile
from email.parser import Parser
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def _pyodide_environment(python_version):
    environment = default_environment()
    environment.update(sys_platform="emscripten", platform_system="Emscripten", os_name="posix",
                       platform_machine="wasm32", implementation_name="cpython",
                       python_version=".".join(python_version.split(".")[:2]),
                       python_full_version=python_version, extra="")
    return environment


def _metadata(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        top_level = next((n for n in names if n.endswith(".dist-info/top_level.txt")), None)
        message = Parser().parsestr(archive.read(metadata).decode())
        if top_level:
            imports = archive.read(top_level).decode().split()
        else:  # modern wheels have no top_level.txt: the importable top-level names in the archive
            imports = sorted({n.split("/")[0].removesuffix(".py") for n in names
                              if not n.split("/")[0].endswith((".dist-info", ".data"))
                              and (n.count("/") or n.endswith(".py"))})
    return message, [name for name in imports if name.isidentifier()]


def lock_entry(wheel, shipped, environment):
    message, imports = _metadata(wheel)
    depends = []
    for line in message.get_all("Requires-Dist") or ():
        requirement = Requirement(line)
        name = canonicalize_name(requirement.name)
        if name in shipped and (requirement.marker is None or requirement.marker.evaluate(environment)):
            depends.append(name)
    return {"name": canonicalize_name(message["Name"]), "version": message["Version"],
            "file_name": wheel.name, "install_dir": "site",
            "sha256": hashlib.sha256(wheel.read_bytes()).hexdigest(), "package_type": "package",
            "imports": imports, "depends": sorted(set(depends)), "unvendored_tests": False,
            "shared_library": False}


def write_lock(pyodide_dir, wheels, npm_lock, roots):
    """Writes pyodide_dir/pyodide-lock.json for the wheels (already in pyodide_dir) that `roots`
    need in Pyodide, deleting the others (a dependency only another platform installs), and keeps
    the info block of the lock npm shipped (Pyodide checks its version and ABI)."""
    info = json.loads(Path(npm_lock).read_text())["info"]
    shipped = {canonicalize_name(_metadata(wheel)[0]["Name"]) for wheel in wheels}
    environment = _pyodide_environment(info["python"])
    entries = {}
    for wheel in wheels:
        entry = lock_entry(wheel, shipped, environment)
        entries[entry["name"]] = (entry, wheel)
    packages, wanted = {}, [canonicalize_name(root) for root in roots]
    while wanted:
        name = wanted.pop()
        if name not in packages:
            packages[name] = entries[name][0]
            wanted.extend(packages[name]["depends"])
    for name, (_, wheel) in entries.items():
        if name not in packages:
            wheel.unlink()
    target = Path(pyodide_dir) / "pyodide-lock.json"
    target.write_text(json.dumps({"info": info, "packages": packages}, indent=1, sort_keys=True))
    return packages
