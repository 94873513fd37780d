"""Lambda layers: published versions of shared code, extracted under /opt in an environment.

A layer version is a ZIP (given here as a directory, a .zip path or zip bytes) stored once,
read-only. A function references up to 5 versions, at most one of each layer; Lambda
extracts them into /opt in the order listed, a later layer's file replacing an earlier
one's. lambdakit builds that merged /opt once per list of layers (hard links, no copies)
and the sandbox mounts it at /opt.

Python finds a layer's code where the Python runtimes put it on sys.path, after the
function's own directory: /opt/python/lib/python3.X/site-packages (X from the function's
runtime), then /opt/python. Code at the top of the ZIP lands in /opt and is not importable,
as on AWS. Where the host allows no private /opt (no mount namespace), those directories
of the merged tree itself go on sys.path instead.

Function code plus all its layers may take at most 250 MB unzipped; a deleted layer version
keeps working for the functions that already use it, as on AWS.
"""

import hashlib
import importlib.metadata
import io
import os
import re
import shutil
import threading
import zipfile
from dataclasses import dataclass

from ..core import limits
from ..core.errors import InvalidParameterValueException, ResourceNotFoundException, validation_error
from . import package

_NAME_RE = re.compile(r"[a-zA-Z0-9-_]{1,140}")
_VERSION_ARN_RE = re.compile(
    r"arn:aws:lambda:(?P<region>[a-z]{2}(-gov)?-[a-z]+-\d):(?P<account>\d{12}):layer:"
    r"(?P<name>[a-zA-Z0-9-_]+):(?P<version>[0-9]+)")
_VERSION_ARN_PATTERN = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:\d{12}:layer:"
    r"[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)")
OPT = "/opt"


def layer_arn(name):
    return f"arn:aws:lambda:{limits.REGION}:{limits.ACCOUNT_ID}:layer:{name}"


@dataclass(frozen=True)
class LayerVersion:
    name: str
    version: int
    directory: str          # the extracted ZIP, read-only
    sha256: str             # base64, as CodeSha256
    code_size: int          # bytes of the ZIP
    unzipped_size: int
    created: str
    description: str = ""
    compatible_runtimes: tuple = ()
    compatible_architectures: tuple = ()
    license_info: str | None = None

    @property
    def arn(self):
        return f"{layer_arn(self.name)}:{self.version}"

    def describe(self):
        """PublishLayerVersion's and GetLayerVersion's reply."""
        reply = {"Content": {"Location": "file://" + self.directory, "CodeSha256": self.sha256,
                             "CodeSize": self.code_size},
                 "LayerArn": layer_arn(self.name), "LayerVersionArn": self.arn,
                 "Description": self.description, "CreatedDate": self.created,
                 "Version": self.version,
                 "CompatibleRuntimes": list(self.compatible_runtimes),
                 "CompatibleArchitectures": list(self.compatible_architectures)}
        if self.license_info is not None:
            reply["LicenseInfo"] = self.license_info
        return reply

    def list_item(self):
        """An entry of ListLayerVersions (and LatestMatchingVersion of ListLayers)."""
        reply = self.describe()
        del reply["Content"], reply["LayerArn"]
        return reply


class LayerStore:
    """The layers of one Runtime, stored under `root`."""

    def __init__(self, root):
        self.root = root
        self._layers = {}      # name -> {version number: LayerVersion}
        self._next = {}        # name -> next version number (never reused, as on AWS)
        self._known = {}       # every version ever published, by ARN (deleted ones keep working)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ the API
    def publish(self, name, content, created, *, description="", compatible_runtimes=(),
                compatible_architectures=(), license_info=None):
        name = _layer_name(name)
        if isinstance(content, str) and not os.path.exists(content):
            raise InvalidParameterValueException(f"Layer content not found: {content!r}.")
        for runtime in compatible_runtimes:
            if runtime not in limits.RUNTIMES:
                raise validation_error(list(compatible_runtimes), "compatibleRuntimes",
                                       "Member must satisfy enum value set")
        for architecture in compatible_architectures:
            if architecture not in limits.ARCHITECTURES:
                raise validation_error(list(compatible_architectures), "compatibleArchitectures",
                                       "Member must satisfy enum value set: [x86_64, arm64]")
        directory, sha256, size = package.store(content, os.path.join(self.root, name))
        with self._lock:
            number = self._next.get(name, 1)
            self._next[name] = number + 1
            version = LayerVersion(name, number, directory, sha256, size, _tree_size(directory), created,
                                   description, tuple(compatible_runtimes),
                                   tuple(compatible_architectures), license_info)
            self._layers.setdefault(name, {})[number] = version
            self._known[version.arn] = version
        return version

    def get(self, name, number):
        name = _layer_name(name)
        with self._lock:
            found = self._layers.get(name, {}).get(int(number))
        if found is None:
            raise ResourceNotFoundException("The resource you requested does not exist.")
        return found

    def get_by_arn(self, arn):
        found = _VERSION_ARN_RE.fullmatch(arn or "")
        if not found:
            raise validation_error(arn, "arn", f"Member must satisfy regular expression pattern: {_VERSION_ARN_PATTERN}")
        return self.get(found["name"], found["version"])

    def versions(self, name):
        name = _layer_name(name)
        with self._lock:
            return [v for _, v in sorted(self._layers.get(name, {}).items(), reverse=True)]

    def layers(self):
        """(name, latest version) of every layer that has a version left."""
        with self._lock:
            return [(name, versions[max(versions)]) for name, versions in sorted(self._layers.items())
                    if versions]

    def delete(self, name, number):
        name = _layer_name(name)
        with self._lock:
            self._layers.get(name, {}).pop(int(number), None)

    # ------------------------------------------------------- what functions use
    def resolve(self, arns):
        """The LayerVersions a function's Layers list names, validated as Lambda validates them."""
        if len(arns) > limits.LAYERS_MAX:
            raise InvalidParameterValueException(f"Cannot reference more than {limits.LAYERS_MAX} layers.")
        seen, versions = {}, []
        for arn in arns:
            found = _VERSION_ARN_RE.fullmatch(arn) if isinstance(arn, str) else None
            if found is None:
                raise validation_error(f"[{arn}]", "layers", (
                    "Member must satisfy constraint: [Member must have length less than or equal to 2048, "
                    "Member must have length greater than or equal to 1, Member must satisfy regular "
                    f"expression pattern: {_VERSION_ARN_PATTERN}, Member must not be null]"))
            if found["region"] != limits.REGION:
                raise InvalidParameterValueException(
                    f"Layers are not in the same region as the function. Layers are expected to be in "
                    f"region {limits.REGION}.")
            with self._lock:
                version = self._known.get(arn)
            if version is None:
                raise InvalidParameterValueException(f"Layer version {arn} does not exist.")
            unversioned = layer_arn(version.name)
            if unversioned in seen:
                raise InvalidParameterValueException(
                    "Two different versions of the same layer are not allowed to be referenced in the "
                    f"same function. {seen[unversioned]} and {arn} are versions of the same layer.")
            seen[unversioned] = arn
            versions.append(version)
        return versions

    def check_function(self, arns, code_directory):
        """Raise Lambda's error if the function's code and its layers exceed 250 MB unzipped."""
        total = _tree_size(code_directory) + sum(v.unzipped_size for v in self.resolve(arns))
        if total > limits.PACKAGE_UNZIPPED_MAX_BYTES:
            raise InvalidParameterValueException(
                "Function code combined with layers exceeds the maximum allowed size of "
                f"{limits.PACKAGE_UNZIPPED_MAX_BYTES} bytes. The actual size is {total} bytes.")

    def spawn_spec(self, config, private_opt):
        """The sandbox's layer_dirs (what to mount at /opt) and layer_paths (for sys.path)."""
        versions = self.resolve(config.layers)
        if not versions:
            return {"layer_dirs": [], "layer_paths": []}
        merged = self._merged(versions)
        base = OPT if private_opt else merged
        python = os.path.join(base, "python")
        return {"layer_dirs": [merged],
                "layer_paths": [os.path.join(python, "lib", config.runtime, "site-packages"), python]}

    def _merged(self, versions):
        key = hashlib.sha256("\n".join(v.directory for v in versions).encode()).hexdigest()[:32]
        target = os.path.join(self.root, ".opt", key)
        with self._lock:
            if not os.path.isdir(target):
                staging = target + ".tmp"
                shutil.rmtree(staging, ignore_errors=True)
                for version in versions:  # in order: a later layer's file replaces an earlier one's
                    shutil.copytree(version.directory, staging, copy_function=_link, dirs_exist_ok=True)
                os.makedirs(staging, exist_ok=True)
                os.replace(staging, target)
        return target


def _link(source, target):
    if os.path.lexists(target):
        os.unlink(target)
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _layer_name(name):
    if isinstance(name, str) and name.startswith("arn:"):
        found = re.fullmatch(r"arn:aws:lambda:[a-z0-9-]+:\d{12}:layer:([a-zA-Z0-9-_]{1,140})", name)
        if found:
            return found.group(1)
    if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
        raise validation_error(name, "layerName", "Member must satisfy regular expression pattern: "
                               r"(arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+")
    return name


def _tree_size(directory):
    total = 0
    for root, _, names in os.walk(directory):
        for name in names:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                total += os.path.getsize(path)
    return total


def installed_layer(*distributions):
    """A layer's ZIP (bytes) holding installed distributions and what they require, under
    python/ as AWS expects: how to give a function a package of this machine (Pillow, say)
    that AWS's runtime does not have. What the runtime already has (boto3 and its
    dependencies) is left out, as a layer built with pip for AWS would better leave it."""
    files, seen, todo = {}, set(), list(distributions)
    while todo:
        name = _canonical(todo.pop())
        if name in seen or name in _RUNTIME_DISTRIBUTIONS:
            continue
        seen.add(name)
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            raise InvalidParameterValueException(f"No installed distribution named {name!r}.") from None
        for path in dist.files or ():
            if ".." not in path.parts and path.suffix != ".pyc":
                files[f"python/{path.as_posix()}"] = path.locate()
        todo.extend(_required(dist))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, source in sorted(files.items()):
            archive.write(source, name)
    return buffer.getvalue()


_RUNTIME_DISTRIBUTIONS = {"boto3", "botocore", "jmespath", "s3transfer", "python-dateutil", "urllib3", "six"}


def _canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def _required(dist):
    """Names a distribution requires unconditionally (no extra, markers true here)."""
    found = []
    for line in dist.requires or ():
        requirement, _, marker = line.partition(";")
        if "extra" in marker or (marker.strip() and not _marker_holds(marker)):
            continue
        found.append(re.split(r"[\s<>=!~\[(]", requirement.strip(), maxsplit=1)[0])
    return found


def _marker_holds(marker):
    try:
        from packaging.markers import Marker
    except ImportError:
        return True
    return Marker(marker.strip()).evaluate()
