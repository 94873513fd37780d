"""Deployment packages: handler code given as a string, a directory or a .zip, stored on disk.

Each package version gets its own read-only directory, because warm environments of an
older version keep running the code they started with.
"""

import base64
import hashlib
import io
import os
import shutil
import tempfile
import zipfile
import zlib

from ..core import limits
from ..core.errors import InvalidParameterValueException, RequestEntityTooLargeException

DEFAULT_MODULE_FILE = "lambda_function.py"


_UNREADABLE = "Could not unzip uploaded file. Please check your file, then try to upload again."
# What zipfile raises for a damaged archive: a bad directory or CRC, a truncated or
# undecodable member, a compression method it does not know, members that clash as paths.
_ZIP_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError,
               IsADirectoryError, NotADirectoryError, FileExistsError)


def _unzip(data, target):
    try:
        _extract(data, target)
    except _ZIP_DAMAGE:
        raise InvalidParameterValueException(_UNREADABLE)


def _extract(data, target):
    archive = zipfile.ZipFile(io.BytesIO(data))
    unzipped = sum(info.file_size for info in archive.infolist())
    if unzipped > limits.PACKAGE_UNZIPPED_MAX_BYTES:
        raise InvalidParameterValueException(
            f"Unzipped size must be smaller than {limits.PACKAGE_UNZIPPED_MAX_BYTES} bytes")
    for info in archive.infolist():
        path = os.path.normpath(os.path.join(target, info.filename))
        if not path.startswith(os.path.abspath(target) + os.sep) and path != os.path.abspath(target):
            raise InvalidParameterValueException(
                f"Could not unzip uploaded file: unsafe path {info.filename!r}.")
    archive.extractall(target)
    for info in archive.infolist():
        if (info.external_attr >> 16) & 0o111 and not info.is_dir():
            # Lambda keeps a file's execute bits (a custom runtime's `bootstrap` needs them);
            # extractall() drops them.
            os.chmod(os.path.join(target, info.filename), 0o755)


def store(code, target_root, module_file=DEFAULT_MODULE_FILE, executable=False):
    """Write `code` under target_root/<sha256>/ and return (directory, sha256 base64, size).
    Source text is saved as `module_file` (executable: a custom runtime's bootstrap)."""
    if isinstance(code, str) and ("\n" in code or not os.path.exists(code)):
        data = zip_source({module_file: code}, executable={module_file} if executable else ())
    elif isinstance(code, (bytes, bytearray)):
        data = bytes(code)
    elif os.path.isdir(code):
        data = zip_directory(code)
    elif os.path.isfile(code) and str(code).endswith(".zip"):
        with open(code, "rb") as f:
            data = f.read()
    else:
        raise InvalidParameterValueException(
            f"Code must be source text, a directory or a .zip file; got {code!r}.")
    if len(data) > limits.PACKAGE_ZIPPED_MAX_BYTES:
        raise RequestEntityTooLargeException(
            f"Request must be smaller than {limits.PACKAGE_ZIPPED_MAX_BYTES} bytes for the "
            "CreateFunction operation")
    digest = hashlib.sha256(data).digest()
    directory = os.path.join(target_root, digest.hex()[:32])
    if not os.path.isdir(directory):
        os.makedirs(target_root, exist_ok=True)
        # A private staging directory: two uploads of the same package never share one, and
        # a package that fails to unzip leaves nothing behind.
        staging = tempfile.mkdtemp(prefix=".staging-", dir=target_root)
        try:
            _unzip(data, staging)
            os.chmod(staging, 0o755)  # mkdtemp's 0700 would hide the code from sbx_user1051
            try:
                os.replace(staging, directory)
            except OSError:
                if not os.path.isdir(directory):  # else the same package arrived meanwhile
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return directory, base64.b64encode(digest).decode(), len(data)


def zip_source(files, executable=()):
    """A zip of {archive name: text}, with fixed timestamps so the hash depends on content only;
    the names in `executable` get mode 755."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in sorted(files.items()):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if name in executable else 0o644) << 16
            archive.writestr(info, text)
    return buffer.getvalue()


def zip_directory(directory):
    files, executable = {}, set()
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", ".git"))
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, directory)] = f.read()
            if os.access(path, os.X_OK):
                executable.add(os.path.relpath(path, directory))
    return zip_source(files, executable)
