"""Archives on disk: one JSON document and a list of arrays, written atomically, read safely.

An archive is a zip file (what ``numpy.savez`` writes) holding::

    __glassnet__.npy   uint8 bytes of a UTF-8 JSON document {"format": ..., "version": ...,
                       "n_arrays": N, ...}
    w0.npy ... w{N-1}.npy   float32/float64 arrays, in the order they were given

This module knows nothing of models: :mod:`glassnet.saving` composes model files, weights
files and training checkpoints from :func:`write_archive` and :func:`read_archive`. The data
loaders use :func:`read_npy_file` and :class:`NpzReader`.

Reading never runs code and never trusts what a file declares:

- no pickle, no ``np.load``: every ``.npy`` header is parsed here and checked (plain numeric
  dtype, shape of non-negative ints) *before* any array is allocated;
- memory follows the file's real content: each member's declared shape and dtype must match
  its uncompressed size in the zip directory exactly, and the members must lie inside the
  file without overlapping. Archives (what glassnet writes) hold stored members only, so no
  array is larger than the file. Data ``.npz`` files may be deflated (``savez_compressed``):
  there the declared size must be one deflate can reach (:data:`MAX_DEFLATE_RATIO`) and the
  array grows with what the stream really yields, never with what its header declares. The
  JSON document is capped at :data:`MAX_JSON_BYTES` and :data:`MAX_JSON_DEPTH` levels;
- duplicate members, unknown members, encrypted members, missing arrays, non-finite or
  complex values are refused;
- every array's SHA-256 is kept in the document (``"sha256"``, one hex digest per array,
  written since glassnet 0.1) and checked on reading. The zip's CRC-32 already catches a
  flipped bit in a member read whole; the digest also ties each array to the document, so
  an array rewritten with a fresh CRC (a member replaced, arrays exchanged between files,
  re-zipped by another tool) is refused. It guards against damage, not forgery: it is no
  signature. Files written before, without digests, still load;
- every failure is a :class:`~glassnet.errors.GlassnetError` (``ModelFileError`` for
  archives, the caller's choice for data files) whose message names the file.

Writing goes to a temporary file of a predictable name next to the target
(``.<name>.glassnet-tmp``), is flushed to disk and renamed over the target: a reader sees the
old file or the new one, never half of one. A save killed half-way leaves that temporary file;
the next save to the same path overwrites it and renames it away.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import itertools
import json
import os
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from .errors import (
    ArgumentTypeError,
    DataError,
    GlassnetError,
    MissingFileError,
    ModelFileError,
)

Array = NDArray[Any]

__all__ = [
    "MAX_DEFLATE_RATIO",
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "Archive",
    "NpzReader",
    "read_archive",
    "read_npy_file",
    "temp_path",
    "write_archive",
]

CONFIG_MEMBER = "__glassnet__"
#: The largest JSON document an archive may hold (bytes): configs are a few KB, the history of
#: ten thousand epochs about a megabyte.
MAX_JSON_BYTES = 4 * 2**20
#: The deepest nesting of lists and dicts the JSON document may have.
MAX_JSON_DEPTH = 64
#: Members an archive may hold.
MAX_MEMBERS = 100_000
#: Deflate cannot expand data more than about 1032-fold: a member declaring more is lying.
MAX_DEFLATE_RATIO = 1032
#: Dimensions an array may have, and the largest ``.npy`` header read.
MAX_NDIM = 32
MAX_NPY_HEADER = 4096
_CHUNK = 1 << 20
NPY_MAGIC = b"\x93NUMPY"
_ARRAY_MEMBER = re.compile(r"w(0|[1-9][0-9]{0,8})\.npy")
_DESCR = re.compile(r"[<>|=]?[a-zA-Z][0-9]{0,2}")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)

ErrorClass = type[GlassnetError]
#: The document's list of SHA-256 digests, one per array, in order.
CHECKSUM_KEY = "sha256"
_HEX64 = re.compile(r"[0-9a-f]{64}")


def array_digest(a: Array) -> str:
    """The SHA-256 (hex) of an array's values as stored: C order, native byte order."""
    data = np.ascontiguousarray(a)
    if data.dtype.byteorder not in ("=", "|"):
        data = data.astype(data.dtype.newbyteorder("="))
    return hashlib.sha256(data.tobytes()).hexdigest()


# ----------------------------------------------------------------------------- paths


def check_path(path: Any, argument: str = "path") -> str:
    """``path`` as a str: a str, an ``os.PathLike``, or bytes (decoded as the OS does, with
    ``os.fsdecode``); anything else is an ArgumentTypeError naming ``argument``."""
    if isinstance(path, (str, bytes, os.PathLike)):
        try:
            out = os.fspath(path)
        except TypeError as exc:  # a PathLike whose __fspath__ gives neither str nor bytes
            raise ArgumentTypeError(f"{argument}: {exc}") from None
        return os.fsdecode(out) if isinstance(out, bytes) else out
    raise ArgumentTypeError(f"{argument}: expected a path (str, bytes or os.PathLike), "
                            f"got {type(path).__name__}")


# ----------------------------------------------------------------------------- writing


def temp_path(path: str) -> str:
    """The temporary file a save of ``path`` writes before renaming it over ``path``."""
    directory, base = os.path.split(os.path.abspath(path))
    return os.path.join(directory, f".{base}.glassnet-tmp")


@contextlib.contextmanager
def replacing(path: str) -> Iterator[str]:
    """Write a file all at once: the block writes the temporary file this yields, which then
    takes ``path``'s place; if the block raises, the temporary file is removed and ``path`` is
    as it was."""
    tmp = temp_path(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_archive(path: str | os.PathLike[str], doc: Mapping[str, Any],
                  arrays: Sequence[Array]) -> None:
    """Write ``doc`` (JSON-able, with ``"format"`` and ``"version"``) and ``arrays`` (finite
    float32/float64) to ``path`` atomically. Nothing is written when they are refused, nor
    when the document is larger than the reader takes (:data:`MAX_JSON_BYTES`)."""
    path = check_path(path)
    for key in ("format", "version"):
        if key not in doc:
            raise ModelFileError(f"{path!r}: the document to write has no {key!r}")
    for i, a in enumerate(arrays):
        if not isinstance(a, np.ndarray) or a.dtype not in (np.float32, np.float64):
            raise DataError(f"{path!r}: array w{i}: expected a float32/float64 array, got "
                            f"{getattr(a, 'dtype', type(a).__name__)}")
        if not np.isfinite(a).all():
            raise DataError(f"{path!r}: array w{i} holds NaN or infinite values; only finite "
                            "values are saved (nothing was written)")
    full = dict(doc)
    full["n_arrays"] = len(arrays)
    full[CHECKSUM_KEY] = [array_digest(a) for a in arrays]
    try:
        text = json.dumps(full, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{path!r}: the document is not plain JSON: {exc}") from exc
    if len(text) > MAX_JSON_BYTES:  # every file written can be read back (ASCII: one byte each)
        raise ModelFileError(
            f"{path!r}: the configs and histories take {len(text):,} bytes of JSON, more than "
            f"a glassnet file holds ({MAX_JSON_BYTES:,}); nothing was written (save fewer "
            "members or a shorter history per file)")
    members: dict[str, Any] = {CONFIG_MEMBER: np.frombuffer(text.encode("utf-8"), np.uint8)}
    for i, a in enumerate(arrays):
        members[f"w{i}"] = np.ascontiguousarray(a)
    with replacing(path) as tmp:
        # "wb" truncates what a killed save left under the same name
        with open(tmp, "wb") as fh:
            np.savez(fh, allow_pickle=False, **members)
            fh.flush()
            os.fsync(fh.fileno())
    _fsync_directory(os.path.dirname(os.path.abspath(path)))


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); ignored where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ----------------------------------------------------------------------------- .npy headers


@dataclass(frozen=True)
class NpyHeader:
    dtype: np.dtype[Any]
    shape: tuple[int, ...]
    fortran_order: bool
    header_size: int  # bytes before the data

    @property
    def nbytes(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n * self.dtype.itemsize


def _human(n: int) -> str:
    """``n`` bytes for a message: ``"192 bytes"``, ``"4.0 TiB"``."""
    if n < 1024:
        return f"{n:,} bytes"
    size, k = n / 1024, 0
    while size >= 1024 and k < 3:
        size, k = size / 1024, k + 1
    return f"{size:.1f} {('KiB', 'MiB', 'GiB', 'TiB')[k]}"


def _read_exact(read: Callable[[int], bytes], n: int) -> bytes:
    out = read(n)
    if len(out) != n:
        raise EOFError(f"expected {n} bytes, got {len(out)}")
    return out


def _parse_npy_header(read: Callable[[int], bytes], where: str, error: ErrorClass,
                      kinds: str) -> NpyHeader:
    """Parse and check a ``.npy`` header; ``kinds``: the dtype kinds accepted (e.g. ``"f"``)."""
    start = _read_exact(read, 8)
    if start[:6] != NPY_MAGIC:
        raise error(f"{where}: not a .npy array (bad magic bytes)")
    major = start[6]
    if major == 1:
        length = int.from_bytes(_read_exact(read, 2), "little")
        prefix = 10
    elif major in (2, 3):
        length = int.from_bytes(_read_exact(read, 4), "little")
        prefix = 12
    else:
        raise error(f"{where}: unknown .npy format version {major}")
    if length > MAX_NPY_HEADER:
        raise error(f"{where}: .npy header of {length:,} bytes (at most {MAX_NPY_HEADER})")
    raw = _read_exact(read, length)
    try:
        text = raw.decode("utf-8" if major == 3 else "latin1")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes in a hostile header
            header = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError,
            UnicodeDecodeError, Warning) as exc:
        raise error(f"{where}: unreadable .npy header: {type(exc).__name__}") from None
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
        raise error(f"{where}: .npy header is not {{'descr', 'fortran_order', 'shape'}}")
    descr, fortran, shape = header["descr"], header["fortran_order"], header["shape"]
    if not isinstance(descr, str) or not _DESCR.fullmatch(descr):
        if isinstance(descr, str) and "O" in descr:
            raise error(f"{where}: contains Python objects; glassnet never loads pickles "
                    "(save plain numeric arrays)")
        raise error(f"{where}: unsupported array type {str(descr)[:40]!r} (plain numbers only)")
    try:
        dtype = np.dtype(descr)
    except TypeError:
        raise error(f"{where}: unknown array type {descr!r}") from None
    if dtype.kind == "O":
        raise error(f"{where}: contains Python objects; glassnet never loads pickles "
                    "(save plain numeric arrays)")
    if dtype.kind == "c":
        raise error(f"{where}: holds complex numbers ({dtype}); expected real numbers")
    if dtype.kind not in kinds or dtype.itemsize > 8 or dtype.itemsize == 0:
        allowed = {"f": "floats", "u": "unsigned ints", "i": "ints", "b": "booleans"}
        want = ", ".join(allowed[k] for k in kinds if k in allowed)
        raise error(f"{where}: unsupported array type {dtype} (expected {want})")
    if not isinstance(fortran, bool):
        raise error(f"{where}: .npy header: fortran_order is not a bool")
    if (not isinstance(shape, tuple) or len(shape) > MAX_NDIM
            or not all(type(d) is int and d >= 0 for d in shape)):
        raise error(f"{where}: .npy header: bad shape {str(shape)[:60]}")
    return NpyHeader(dtype, shape, fortran, prefix + length)


def _fill(read: Callable[[int], bytes], header: NpyHeader) -> Array:
    """Allocate the array the (already size-checked) header declares and read it in."""
    out: Array = np.empty(header.shape, dtype=header.dtype,
                          order="F" if header.fortran_order else "C")
    view = out.reshape(-1, order="A").view(np.uint8).data
    done, total = 0, header.nbytes
    while done < total:
        chunk = read(min(_CHUNK, total - done))
        if not chunk:
            raise EOFError(f"the data ends after {done:,} of {total:,} bytes")
        view[done:done + len(chunk)] = chunk
        done += len(chunk)
    if out.dtype.byteorder not in ("=", "|"):
        out = out.astype(out.dtype.newbyteorder("="))
    return out


def _inflate(read: Callable[[int], bytes], header: NpyHeader) -> Array:
    """Read a compressed member's data into a buffer that grows with what the stream really
    yields (never with what the header declares), then view it as the declared array."""
    total = header.nbytes
    buffer = bytearray()
    while len(buffer) < total:
        chunk = read(min(_CHUNK, total - len(buffer)))
        if not chunk:
            raise EOFError(f"the data ends after {len(buffer):,} of {total:,} bytes")
        buffer += chunk
    flat = np.frombuffer(buffer, dtype=header.dtype)
    out: Array = flat.reshape(header.shape, order="F" if header.fortran_order else "C")
    if out.dtype.byteorder not in ("=", "|"):
        out = out.astype(out.dtype.newbyteorder("="))
    return out


def read_npy_file(path: str, *, error: ErrorClass = DataError, kinds: str = "biuf",
                  mmap_mode: str | None = None) -> Array:
    """Read a ``.npy`` file holding plain numbers; its declared size must be its real size.
    With ``mmap_mode`` (``"r"`` or ``"c"``, as ``np.load``) the checked file is mapped
    instead of read."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb") as fh:
            header = _parse_npy_header(fh.read, path, error, kinds)
            if header.header_size + header.nbytes != size:
                raise error(
                    f"{path}: declares an array of shape {header.shape} ({header.dtype}, "
                    f"{_human(header.nbytes)}) but the file holds "
                    f"{_human(size - header.header_size)} of data"
                )
            if mmap_mode is None or header.nbytes == 0:
                return _fill(fh.read, header)
        mapped: Array = np.memmap(path, dtype=header.dtype, mode=mmap_mode,  # type: ignore[call-overload]
                                  offset=header.header_size, shape=header.shape,
                                  order="F" if header.fortran_order else "C")
        return mapped
    except GlassnetError:
        raise
    except (OSError, EOFError, ValueError) as exc:
        raise error(f"{path}: not a readable .npy file: {exc}") from None


# ----------------------------------------------------------------------------- zip members


class _Zip:
    """A zip archive opened for checked reading (sizes, members, compression)."""

    def __init__(self, path: str, error: ErrorClass, deflate: bool) -> None:
        self.path = path
        self.error = error
        self.deflate = deflate
        try:
            self.size = os.path.getsize(path)
            self.zf = zipfile.ZipFile(path)
        except (OSError, EOFError, ValueError, zipfile.BadZipFile, NotImplementedError,
                UnicodeDecodeError, OverflowError) as exc:
            raise error(f"{path}: not a readable zip archive: {exc}") from None
        try:
            self._check_directory()
        except BaseException:
            self.zf.close()
            raise

    def _check_directory(self) -> None:
        infos = self.zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise self.error(f"{self.path}: {len(infos):,} members (at most {MAX_MEMBERS:,})")
        seen: set[str] = set()
        spans: list[tuple[int, int]] = []
        for info in infos:
            if info.filename in seen:
                raise self.error(f"{self.path}: member {info.filename!r} appears twice")
            seen.add(info.filename)
            if info.flag_bits & 0x1:
                raise self.error(f"{self.path}: member {info.filename!r} is encrypted")
            if info.compress_type == zipfile.ZIP_STORED:
                if info.file_size != info.compress_size:
                    raise self.error(
                        f"{self.path}: member {info.filename!r} is stored uncompressed but "
                        f"declares {info.file_size:,} bytes in {info.compress_size:,}")
            elif info.compress_type == zipfile.ZIP_DEFLATED and self.deflate:
                if info.file_size > MAX_DEFLATE_RATIO * info.compress_size + 1024:
                    raise self.error(
                        f"{self.path}: member {info.filename!r} declares "
                        f"{_human(info.file_size)} from {_human(info.compress_size)} "
                        "compressed, more than deflate can produce")
            else:
                allowed = "stored or deflate" if self.deflate else "stored (uncompressed)"
                raise self.error(f"{self.path}: member {info.filename!r} uses compression "
                                 f"method {info.compress_type}; expected {allowed}")
            end = info.header_offset + info.compress_size
            if info.header_offset < 0 or end > self.size:
                raise self.error(f"{self.path}: member {info.filename!r} lies beyond the end "
                                 f"of the file ({_human(self.size)})")
            spans.append((info.header_offset, end))
        spans.sort()
        for (_, end), (start, _) in zip(spans, spans[1:]):
            if start < end:
                raise self.error(f"{self.path}: members overlap (a zip bomb's trick)")

    def names(self) -> list[str]:
        return self.zf.namelist()

    def header(self, name: str, kinds: str) -> tuple[zipfile.ZipInfo, NpyHeader]:
        """The checked header of member ``name``: its data size is its declared size."""
        info = self.zf.getinfo(name)
        where = f"{self.path}: member {name!r}"
        with self._open(info) as fh:
            header = self._guard(lambda: _parse_npy_header(fh.read, where, self.error, kinds))
        if header.header_size + header.nbytes != info.file_size:
            raise self.error(
                f"{where} declares an array of shape {header.shape} ({header.dtype}, "
                f"{_human(header.nbytes)}) but holds {_human(info.file_size)} in all")
        return info, header

    def array(self, name: str, kinds: str,
              checked: tuple[zipfile.ZipInfo, NpyHeader] | None = None) -> Array:
        """Member ``name``'s array; ``checked`` is what :meth:`header` already gave for it."""
        info, header = checked if checked is not None else self.header(name, kinds)
        where = f"{self.path}: member {name!r}"
        with self._open(info) as fh:
            def read() -> Array:
                _read_exact(fh.read, header.header_size)
                if info.compress_type == zipfile.ZIP_STORED:
                    out = _fill(fh.read, header)  # its size is bounded by the file's
                else:
                    out = _inflate(fh.read, header)
                if fh.read(1):  # also makes zipfile check the CRC at the end
                    raise self.error(f"{where}: data beyond the declared array")
                return out
            return self._guard(read)

    def _open(self, info: zipfile.ZipInfo) -> IO[bytes]:
        opened: IO[bytes] = self._guard(lambda: self.zf.open(info))
        return opened

    def _guard(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except GlassnetError:
            raise
        except Exception as exc:  # zlib.error, BadZipFile, EOFError, OSError, CRC errors...
            raise self.error(
                f"{self.path}: damaged archive ({type(exc).__name__}: {exc})"
            ) from None

    def close(self) -> None:
        self.zf.close()

    def __enter__(self) -> _Zip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class NpzReader:
    """Checked reading of a ``.npz`` of plain numeric arrays (for the data loaders)."""

    def __init__(self, path: str, error: ErrorClass = DataError) -> None:
        self._zip = _Zip(path, error, deflate=True)
        self.path = path
        self.error = error
        names = self._zip.names()
        self.files = [n[:-4] for n in names if n.endswith(".npy")]
        others = [n for n in names if not n.endswith(".npy")]
        if others:
            self._zip.close()
            raise error(f"{path}: members that are not .npy arrays: {others[:5]}")

    def __getitem__(self, key: str) -> Array:
        return self._zip.array(f"{key}.npy", "biuf")

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> NpzReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ----------------------------------------------------------------------------- archives


@dataclass
class Archive:
    """What :func:`read_archive` gives: the file's path, its JSON document and its arrays."""

    path: str
    doc: dict[str, Any]
    arrays: list[Array]


def _json_depth(raw: bytes) -> int:
    """How deeply lists and dicts nest in the JSON text ``raw`` (brackets inside strings
    ignored). Memory stays a few bytes per bracket and string, whatever the text holds."""
    codes = np.frombuffer(raw, dtype=np.uint8)
    where = np.flatnonzero(np.isin(codes, (ord("["), ord("{"), ord("]"), ord("}"))))
    if where.size == 0:
        return 0
    spans = np.fromiter(itertools.chain.from_iterable(
        m.span() for m in _JSON_STRING.finditer(raw)), dtype=np.int64).reshape(-1, 2)
    if spans.size:  # drop the brackets inside a string's span
        k = np.searchsorted(spans[:, 0], where, side="right") - 1
        inside = (k >= 0) & (where < spans[np.maximum(k, 0), 1])
        where = where[~inside]
    opens = np.isin(codes[where], (ord("["), ord("{")))
    steps = np.where(opens, 1, -1).astype(np.int32)
    return int(np.cumsum(steps, dtype=np.int32).max(initial=0))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number glassnet accepts")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text[:30]} is beyond the float range")
    return value


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key[:40]!r} appears twice")
        out[key] = value
    return out


def parse_json(raw: bytes, where: str, error: ErrorClass) -> Any:
    """Parse a JSON document under the size and depth caps; NaN, infinities and duplicate
    keys are refused."""
    if len(raw) > MAX_JSON_BYTES:
        raise error(f"{where}: JSON document of {_human(len(raw))} "
                    f"(at most {_human(MAX_JSON_BYTES)})")
    depth = _json_depth(raw)
    if depth > MAX_JSON_DEPTH:
        raise error(f"{where}: JSON nested {depth} levels deep (at most {MAX_JSON_DEPTH})")
    try:
        text = raw.decode("utf-8")
        return json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float,
                          object_pairs_hook=_no_duplicate_keys)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise error(f"{where}: not valid JSON: {exc}") from None


def read_magic(path: str, where: str, error: ErrorClass, not_regular: str) -> bytes:
    """The first six bytes of the regular file at ``path`` (fewer if it is shorter), to tell
    a ``.npy`` file (``NPY_MAGIC``) from a zip archive (``b"PK"``); a path that is not a
    regular file raises ``error`` with ``f"{where} {not_regular}"``, an unreadable one
    ``error`` too."""
    if not os.path.isfile(path):
        raise error(f"{where} {not_regular}")
    try:
        with open(path, "rb") as fh:
            return fh.read(len(NPY_MAGIC))
    except OSError as exc:
        raise error(f"{where}: cannot be read: {exc}") from None


def read_archive(path: str | os.PathLike[str], formats: Mapping[str, int], *,
                 error: ErrorClass = ModelFileError,
                 refuse: Callable[[str, dict[str, Any]], None] | None = None) -> Archive:
    """Read an archive written by :func:`write_archive` whose ``format`` is a key of
    ``formats`` and whose ``version`` is that key's value; every check of the module
    docstring is applied, and every failure raises ``error`` naming the file. ``refuse``
    (the path's repr, the document) may raise a clearer error for a document of another
    glassnet format, before any array is read."""
    path = check_path(path)
    if not os.path.exists(path):
        raise MissingFileError(f"path: no file at {path!r}")
    expected = " or ".join(formats)
    head = read_magic(path, repr(path), error, f"is not a {expected} file (not a regular file)")
    if head == NPY_MAGIC:
        raise error(f"{path!r} is not a {expected} file (it holds a bare array)")
    if not head.startswith(b"PK"):
        raise error(f"{path!r} is not a {expected} file (not a zip archive)")
    with _Zip(path, error, deflate=False) as zf:
        names = zf.names()
        config = f"{CONFIG_MEMBER}.npy"
        if config not in names:
            raise error(f"{path!r} is not a {expected} file (no {CONFIG_MEMBER})")
        unknown = [n for n in names if n != config and not _ARRAY_MEMBER.fullmatch(n)]
        if unknown:
            raise error(f"{path!r}: unknown members {', '.join(map(repr, unknown[:5]))} "
                        f"(a glassnet file holds {config} and w0.npy, w1.npy, ...)")
        checked = zf.header(config, "fiub")
        header = checked[1]
        if header.dtype != np.uint8 or len(header.shape) != 1:
            raise error(f"{path!r}: the config is not a byte string")
        if header.nbytes > MAX_JSON_BYTES:
            raise error(f"{path!r}: config of {_human(header.nbytes)} "
                        f"(at most {_human(MAX_JSON_BYTES)})")
        raw = zf.array(config, "u", checked).tobytes()
        doc = parse_json(raw, f"{path!r}: the config", error)
        if refuse is not None and isinstance(doc, dict):
            refuse(repr(path), doc)
        if not isinstance(doc, dict) or not isinstance(doc.get("format"), str) \
                or doc["format"] not in formats:
            got = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
            raise error(f"{path!r}: expected format {' or '.join(map(repr, formats))}, "
                        f"got {str(got)[:60]!r}")
        version = doc.get("version")
        if version != formats[doc["format"]] or type(version) is not int:
            raise error(f"{path!r}: file format version {version!r:.20}; this glassnet "
                        f"reads version {formats[doc['format']]}")
        present = {int(n[1:-4]) for n in names if n != config}
        n_arrays = doc.get("n_arrays", len(present))
        if type(n_arrays) is not int or n_arrays < 0:
            raise error(f"{path!r}: n_arrays is {str(n_arrays)[:20]!r}, not a count")
        missing = [f"w{i}" for i in range(n_arrays) if i not in present][:10]
        if missing:
            raise error(f"{path!r}: arrays missing: {', '.join(missing)}")
        digests = doc.get(CHECKSUM_KEY)
        if digests is not None and (
                not isinstance(digests, list) or len(digests) != n_arrays
                or not all(isinstance(d, str) and _HEX64.fullmatch(d) for d in digests)):
            raise error(f"{path!r}: the {CHECKSUM_KEY} list is malformed (expected "
                        f"{n_arrays} hex SHA-256 digests)")
        extra = sorted(i for i in present if i >= n_arrays)[:5]
        if extra:
            raise error(f"{path!r}: unknown members {', '.join(repr(f'w{i}.npy') for i in extra)} "
                        f"(the config lists {n_arrays} arrays)")
        arrays: list[Array] = []
        for i in range(n_arrays):
            name = f"w{i}.npy"
            checked = zf.header(name, "fiubc")
            dtype = checked[1].dtype
            if dtype.kind != "f" or dtype.itemsize not in (4, 8):
                raise error(f"{path!r}: weight w{i} is not a float array "
                            f"(float32/float64; got {dtype})")
            a = zf.array(name, "f", checked)
            if not np.isfinite(a).all():
                raise error(f"{path!r}: array w{i} holds NaN or infinite values")
            if digests is not None and array_digest(a) != digests[i]:
                raise error(f"{path!r}: array w{i} does not match its SHA-256 checksum (the "
                            f"file was damaged after it was written)")
            arrays.append(a)
    doc.pop("n_arrays", None)
    doc.pop(CHECKSUM_KEY, None)
    return Archive(path, doc, arrays)
