"""Plain data between the student's kernel and the grader: values as JSON, nothing else.

A graded check runs in two processes (``_probe`` in the student's kernel, ``_replay`` in the
grader). What crosses between them is text: JSON that :func:`encode` makes of what the
student's code returned, and that :func:`decode` turns back into numbers, numpy arrays of
numeric dtypes, strings, tuples, lists, dicts and named tuples. JSON carries no code and no
object of the student's: an object the encoder does not know arrives as an
:class:`Opaque` stand-in that holds its type's name, its ``repr`` text and, when numpy could
read it as an array, that array. Every size and depth is capped (:data:`LIMITS`), so a
hostile value costs the grader at most a few megabytes.

:func:`fingerprint` names the inputs of a call (a digest of their bytes, of functions by
qualified name, of random generators by state), so that the grader can tell that the
kernel answered the very question the grader's checker asks.
"""

import collections
import hashlib
import json
import math
import numbers
import types

import numpy as np

#: caps on what one value may hold (items of an array or container, characters, depth)
LIMITS = {"items": 2_000_000, "text": 20_000, "depth": 24, "bytes": 8 * 1024 * 1024}
#: the numeric dtypes that travel as themselves (anything else is converted or opaque)
DTYPES = ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128")  # fmt: skip


class TooLarge(ValueError):
    """A value beyond :data:`LIMITS`."""


def _text(value, limit=None):
    """``str`` of an object, capped, never raising (a student's ``__str__`` may raise)."""
    limit = limit or LIMITS["text"]
    try:
        text = value if isinstance(value, str) else str(value)
    except BaseException as exc:  # noqa: BLE001 - any failure of the student's __str__
        if isinstance(exc, KeyboardInterrupt):
            raise
        text = f"<unprintable {type(value).__name__}>"
    text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def safe_repr(value, limit=400):
    """``repr`` of an object, capped, never raising."""
    try:
        text = repr(value)
    except BaseException as exc:  # noqa: BLE001
        if isinstance(exc, KeyboardInterrupt):
            raise
        text = f"<{type(value).__name__} object>"
    return _text(text, limit)


def type_name(value):
    kind = type(value)
    return _text(f"{getattr(kind, '__module__', '')}.{getattr(kind, '__qualname__', kind)}", 200)


# --- encoding -------------------------------------------------------------------------------
def _array(arr, depth):
    if arr.dtype.name in DTYPES:
        if arr.size > LIMITS["items"]:
            raise TooLarge(f"an array of {arr.size} numbers")
        flat = arr.ravel().tolist()
        if arr.dtype.kind == "c":
            flat = [[z.real, z.imag] for z in flat]
        return {"array": arr.dtype.name, "shape": list(arr.shape), "data": flat}
    items = [encode(x, depth + 1) for x in arr.ravel().tolist()[: LIMITS["items"]]]
    return {"objects": list(arr.shape), "data": items}


def encode(value, depth=0):
    """``value`` as a JSON-able tree (see the module's docstring); raises :class:`TooLarge`."""
    if depth > LIMITS["depth"]:
        raise TooLarge(f"a value nested more than {LIMITS['depth']} levels deep")
    if value is None or type(value) is bool:
        return value
    if type(value) is str:
        return _text(value)
    if type(value) is int:
        if value.bit_length() > 4000:
            return {"opaque": "builtins.int", "repr": f"<an integer of {value.bit_length()} bits>"}
        return value
    if type(value) is float:
        return value if math.isfinite(value) else {"float": value}
    if isinstance(value, np.generic) and value.dtype.name in DTYPES:
        item = value.item()
        return {"scalar": value.dtype.name,
                "value": [item.real, item.imag] if isinstance(item, complex) else item}  # fmt: skip
    if isinstance(value, np.ndarray):
        return _array(value, depth)
    if isinstance(value, bool | int | float | complex | str):  # subclasses: their base value
        for base in (bool, int, float, complex, str):
            if isinstance(value, base):
                return encode(base(value), depth)
    if type(value) is complex:
        return {"complex": [value.real, value.imag]}
    if isinstance(value, tuple) and hasattr(type(value), "_fields"):
        fields = [_text(f, 100) for f in type(value)._fields]
        return {"namedtuple": _text(type(value).__name__, 100), "fields": fields,
                "items": [encode(x, depth + 1) for x in value]}  # fmt: skip
    if isinstance(value, list | tuple | set | frozenset | range | types.GeneratorType):
        kind = "tuple" if isinstance(value, tuple) else "list"
        if isinstance(value, set | frozenset):
            kind = "set"
        items = []
        for item in value:
            if len(items) >= LIMITS["items"]:
                raise TooLarge(f"a container of more than {LIMITS['items']} items")
            items.append(encode(item, depth + 1))
        return {kind: items}
    if isinstance(value, dict):
        if len(value) > LIMITS["items"]:
            raise TooLarge(f"a dict of {len(value)} items")
        return {"dict": [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]}
    return _opaque(value, depth)


def _opaque(value, depth):
    out = {"opaque": type_name(value), "repr": safe_repr(value)}
    try:  # what numpy makes of it, as the checkers' np.asarray would
        arr = np.asarray(value)
        if arr.dtype.name in DTYPES:
            out["as_array"] = _array(arr, depth)
    except BaseException as exc:  # noqa: BLE001 - a student's __array__ may raise anything
        if isinstance(exc, KeyboardInterrupt):
            raise
    try:
        out["float"] = float(value) if isinstance(value, numbers.Real) else None
    except BaseException as exc:  # noqa: BLE001
        if isinstance(exc, KeyboardInterrupt):
            raise
    return out


# --- decoding -------------------------------------------------------------------------------
class Opaque:
    """The grader's stand-in for an object of the student's that is not plain data: its
    type's name and ``repr``, and the array numpy read from it, if any. It has no other
    behaviour: a checker that needs more from it fails on it, as on a wrong answer."""

    def __init__(self, kind, text, array=None, number=None):
        self.kind, self.text, self.array, self.number = kind, text, array, number

    def __repr__(self):
        return self.text

    def __array__(self, dtype=None, copy=None):
        if self.array is None:
            return np.array(self, dtype=object) if dtype is None else np.array(self.text, dtype)
        return self.array if dtype is None else self.array.astype(dtype)

    def __float__(self):
        if self.number is None:
            raise TypeError(f"float() argument must be a number, not '{self.kind}'")
        return self.number


def _decode_array(tree):
    dtype = tree["array"]
    if dtype not in DTYPES:
        raise ValueError(f"unknown dtype {dtype!r}")
    shape = tuple(int(n) for n in tree["shape"])
    data = tree["data"]
    if dtype.startswith("complex"):
        data = [complex(re, im) for re, im in data]
    arr = np.array(data, dtype=dtype)
    if arr.size != math.prod(shape):
        raise ValueError("an array whose data does not fill its shape")
    return arr.reshape(shape)


def decode(tree, depth=0):
    """The value that :func:`encode` made ``tree`` of (plain data only)."""
    if depth > LIMITS["depth"] + 2:
        raise ValueError("a value nested too deeply")
    if tree is None or isinstance(tree, bool | int | float | str):
        return tree
    if isinstance(tree, list):
        raise ValueError("a bare list (lists travel tagged)")
    if not isinstance(tree, dict) or len(tree) < 1:
        raise ValueError(f"not an encoded value: {type(tree).__name__}")
    if "float" in tree and len(tree) == 1:
        return float(tree["float"])
    if "scalar" in tree:
        value = tree["value"]
        value = complex(*value) if isinstance(value, list) else value
        if tree["scalar"] not in DTYPES:
            raise ValueError(f"unknown dtype {tree['scalar']!r}")
        return np.dtype(tree["scalar"]).type(value)
    if "complex" in tree:
        return complex(*tree["complex"])
    if "array" in tree:
        return _decode_array(tree)
    if "objects" in tree:
        items = [decode(x, depth + 1) for x in tree["data"]]
        arr = np.empty(len(items), dtype=object)
        arr[:] = items
        return arr.reshape(tuple(int(n) for n in tree["objects"]))
    if "namedtuple" in tree:
        items = [decode(x, depth + 1) for x in tree["items"]]
        try:
            kind = collections.namedtuple(str(tree["namedtuple"]), [str(f) for f in tree["fields"]])
            return kind(*items)
        except (ValueError, TypeError):  # names a namedtuple refuses: a plain tuple
            return tuple(items)
    for kind, make in (("tuple", tuple), ("list", list), ("set", set)):
        if kind in tree:
            return make(decode(x, depth + 1) for x in tree[kind])
    if "dict" in tree:
        return {_hashable(decode(k, depth + 1)): decode(v, depth + 1) for k, v in tree["dict"]}
    if "opaque" in tree:
        array = _decode_array(tree["as_array"]) if tree.get("as_array") else None
        number = tree.get("float")
        return Opaque(str(tree["opaque"]), str(tree.get("repr", "")), array,
                      float(number) if number is not None else None)  # fmt: skip
    raise ValueError(f"not an encoded value (keys {sorted(tree)[:3]})")


def _hashable(key):
    try:
        hash(key)
    except TypeError:
        return safe_repr(key)
    return key


# --- text ------------------------------------------------------------------------------------
def dumps(tree):
    """JSON text of an encoded tree (NaN and infinities as JSON's extensions); raises
    :class:`TooLarge` past ``LIMITS["bytes"]``."""
    text = json.dumps(tree, ensure_ascii=False, separators=(",", ":"))
    if len(text) > LIMITS["bytes"]:
        raise TooLarge(f"{len(text) // 1024} KiB of data")
    return text


def loads(text):
    """The tree in JSON ``text`` that :func:`dumps` wrote; ``ValueError`` for anything else
    (too long, too deep, not JSON)."""
    if not isinstance(text, str) or len(text) > 2 * LIMITS["bytes"]:
        raise ValueError("not a record of the grader's size")
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


class Answer:
    """A student's function as a checker sees it in a graded run: the kernel's recorder
    and the grader's replay of it are both this, with the answer's position."""

    answer_index = -1


# --- fingerprints ----------------------------------------------------------------------------
def fingerprint(value):
    """A digest of ``value``: what a call was asked (see the module's docstring)."""
    digest = hashlib.sha256()
    _feed(digest, value, 0)
    return digest.hexdigest()[:32]


def _feed(h, value, depth):
    put = h.update
    if depth > 12:
        put(b"<deep>")
        return
    if isinstance(value, Answer):
        put(f"<answer {value.answer_index}>".encode())
    elif value is None or isinstance(value, bool | int | float | complex | str | bytes):
        put(f"{type(value).__name__}:{value!r};".encode("utf-8", "backslashreplace"))
    elif isinstance(value, np.ndarray | np.generic):
        arr = np.asarray(value)
        put(f"nd:{arr.dtype.str}:{arr.shape};".encode())
        if arr.dtype.kind == "O":
            for item in arr.ravel():
                _feed(h, item, depth + 1)
        else:
            put(np.ascontiguousarray(arr).tobytes())
    elif isinstance(value, list | tuple):
        put(f"{type(value).__name__}[{len(value)}]".encode())
        for item in value:
            _feed(h, item, depth + 1)
    elif isinstance(value, dict):
        put(f"dict[{len(value)}]".encode())
        for key in sorted(value, key=repr):
            _feed(h, key, depth + 1)
            _feed(h, value[key], depth + 1)
    elif isinstance(value, np.random.Generator):
        put(b"rng:" + json.dumps(value.bit_generator.state, sort_keys=True, default=str).encode())
    elif isinstance(value, Opaque):
        put(f"opaque:{value.kind}:{value.text}".encode("utf-8", "backslashreplace"))
    elif callable(value) and hasattr(value, "__qualname__"):
        put(f"fn:{getattr(value, '__module__', '')}.{value.__qualname__};".encode())
    else:
        put(f"obj:{type_name(value)};".encode())
        attrs = getattr(value, "__dict__", None)
        if isinstance(attrs, dict):
            _feed(h, {k: v for k, v in attrs.items() if isinstance(k, str)}, depth + 1)
