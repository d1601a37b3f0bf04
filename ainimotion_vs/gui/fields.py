"""The settings form's facts, read from a dataclass (no Qt): each field's kind, whether it may
be None, its docstring (the tooltip), and the text <-> value conversion of its editor.

The form is generated from :class:`ainimotion_vs.presets.Preset` itself, so a field added
there appears in the app with its docstring and no change here.
"""
from __future__ import annotations

import ast
import dataclasses
import inspect
import textwrap
import types
import typing
from dataclasses import dataclass
from typing import Any

from ..errors import SettingsError

__all__ = ["FieldSpec", "field_specs", "field_docs", "parse_value", "format_value", "NONE_TEXT"]

NONE_TEXT = ""
"""What an optional field's editor shows for None (an empty box: "not set")."""


@dataclass(frozen=True)
class FieldSpec:
    """One field of the settings dataclass, as the form needs it."""

    name: str
    kind: type
    """``bool``, ``int``, ``float`` or ``str``."""
    optional: bool
    """True when None is allowed (an empty editor means None)."""
    doc: str
    default: Any = dataclasses.MISSING
    choices: tuple[str, ...] = ()
    """The allowed texts of a ``Literal[...]`` field (a drop-down), else empty."""


def field_docs(cls: type) -> dict[str, str]:
    """``{field: docstring}`` from the string literal right after each field in the class source
    (the convention of this codebase; Python keeps no such docstrings at run time)."""
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    body = ast.parse(source).body[0].body  # type: ignore[attr-defined]
    docs: dict[str, str] = {}
    for stmt, nxt in zip(body, body[1:]):
        if (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and isinstance(nxt, ast.Expr)
            and isinstance(nxt.value, ast.Constant)
            and isinstance(nxt.value.value, str)
        ):
            docs[stmt.target.id] = inspect.cleandoc(nxt.value.value)
    return docs


def _kind(hint: Any, name: str) -> tuple[type, bool, tuple[str, ...]]:
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1:
            raise TypeError(f"field_specs: field {name} has type {hint}; the form takes one type, optionally | None")
        kind, _, choices = _kind(rest[0], name)
        return kind, type(None) in args, choices
    if typing.get_origin(hint) is typing.Literal and len({type(a) for a in args}) == 1:
        return type(args[0]), False, tuple(str(a) for a in args)
    if hint in (bool, int, float, str):
        return hint, False, ()
    raise TypeError(f"field_specs: field {name} has type {hint}; the form takes bool, int, float or str")


def field_specs(cls: type) -> list[FieldSpec]:
    """Every dataclass field of ``cls`` in declaration order."""
    hints = typing.get_type_hints(cls)
    docs = field_docs(cls)
    out = []
    for f in dataclasses.fields(cls):
        kind, optional, choices = _kind(hints[f.name], f.name)
        doc = docs.get(f.name) or (f.metadata.get("doc", "") if f.metadata else "")
        out.append(FieldSpec(f.name, kind, optional, doc, f.default, choices))
    return out


def format_value(spec: FieldSpec, value: Any) -> str:
    """The editor text for ``value`` (None -> empty)."""
    if value is None:
        return NONE_TEXT
    if spec.kind is float:
        return repr(float(value))
    return str(value)


def parse_value(spec: FieldSpec, text: str) -> Any:
    """The value an editor's ``text`` stands for; a bad text raises :class:`SettingsError`
    naming the field and what it takes."""
    t = text.strip()
    if spec.optional and (t == NONE_TEXT or t.lower() == "none"):
        return None
    if t == "" and spec.kind is not str:
        raise SettingsError(f"{spec.name}: needs a value ({spec.kind.__name__}).")
    if spec.choices and t not in spec.choices:
        raise SettingsError(f"{spec.name}: expected one of {', '.join(map(str, spec.choices))}; got {text!r}.")
    if spec.kind is bool:
        low = t.lower()
        if low in ("true", "yes", "on", "1"):
            return True
        if low in ("false", "no", "off", "0"):
            return False
        raise SettingsError(f"{spec.name}: expected true or false; got {text!r}.")
    if spec.kind is int:
        try:
            return int(t)
        except ValueError:
            raise SettingsError(f"{spec.name}: expected a whole number{' or empty' if spec.optional else ''}; got {text!r}.") from None
    if spec.kind is float:
        try:
            return float(t)
        except ValueError:
            raise SettingsError(f"{spec.name}: expected a number{' or empty' if spec.optional else ''}; got {text!r}.") from None
    return t
