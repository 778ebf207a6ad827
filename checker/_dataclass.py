"""``dataclass`` with the standard library's semantics, cheaper to define.

CPython 3.11's :func:`dataclasses.dataclass` compiles each generated method with its own ``exec``
and works out a docstring with :func:`inspect.signature`: about 4 million instructions for a
frozen, slotted class. The modules one ``check`` of a JSON policy imports define some 30 such
classes, a sixth of the whole run. This decorator lets :mod:`dataclasses` do the bookkeeping
(fields, ``__slots__``, ``__match_args__``; ``dataclasses.fields`` and ``replace`` work as usual)
and writes ``__init__``, ``__repr__``, ``__eq__``, ``__hash__`` and the frozen guards in one
``exec``, with the code :mod:`dataclasses` would write. Options it does not support (``order``,
``kw_only``, ``InitVar`` fields, ...) fall back to :func:`dataclasses.dataclass` itself.
``tests/test_dataclass.py`` checks the two side by side.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform, overload

_T = TypeVar("_T", bound=type)

_HAS_FACTORY = object()  # the __init__ default of a field with a default_factory


@overload
def dataclass(cls: _T, /) -> _T: ...


@overload
def dataclass(*, init: bool = True, repr: bool = True, eq: bool = True, frozen: bool = False,
              slots: bool = False, **unsupported: Any) -> Callable[[_T], _T]: ...


@dataclass_transform(field_specifiers=(dataclasses.field, dataclasses.Field))
def dataclass(cls: _T | None = None, /, *, init: bool = True, repr: bool = True, eq: bool = True,
              frozen: bool = False, slots: bool = False, **unsupported: Any) -> Any:
    def wrap(c: _T) -> _T:
        if unsupported or not (init and repr) or _has_special_fields(c):
            built: Any = dataclasses.dataclass(c, init=init, repr=repr, eq=eq, frozen=frozen, slots=slots,
                                               **unsupported)
            return built  # type: ignore[no-any-return]
        return _build(c, eq=eq, frozen=frozen, slots=slots)

    return wrap if cls is None else wrap(cls)


def _has_special_fields(cls: type) -> bool:
    """Annotations this fast path leaves to dataclasses: InitVar and KW_ONLY markers."""
    for annotation in inspect.get_annotations(cls).values():
        text = annotation if isinstance(annotation, str) else repr(annotation)
        if "InitVar" in text or "KW_ONLY" in text:
            return True
    return False


def _build(cls: _T, *, eq: bool, frozen: bool, slots: bool) -> _T:
    if not cls.__dict__.get("__doc__"):
        cls.__doc__ = cls.__name__  # spares dataclasses an inspect.signature() call
    own = set(cls.__dict__)
    out: Any = dataclasses.dataclass(cls, init=False, repr=False, eq=False, slots=slots)
    fields = dataclasses.fields(out)
    names = [f.name for f in fields]
    env: dict[str, Any] = {"_set": object.__setattr__, "_HAS_FACTORY": _HAS_FACTORY, "_cls": out,
                           "_Frozen": dataclasses.FrozenInstanceError, "_fieldnames": frozenset(names)}
    lines: list[str] = []

    # __init__: parameters in field order; defaults and factories as dataclasses handles them.
    params, body = ["self"], []
    assign = "_set(self, {name!r}, {value})" if frozen else "self.{name} = {value}"
    for f in fields:
        if f.default is not dataclasses.MISSING:
            env[f"_dflt_{f.name}"] = f.default
        if f.default_factory is not dataclasses.MISSING:
            env[f"_fact_{f.name}"] = f.default_factory
        if not f.init:
            if f.default_factory is not dataclasses.MISSING:
                body.append(assign.format(name=f.name, value=f"_fact_{f.name}()"))
            elif f.default is not dataclasses.MISSING:
                body.append(assign.format(name=f.name, value=f"_dflt_{f.name}"))
            continue
        if f.default_factory is not dataclasses.MISSING:
            params.append(f"{f.name}=_HAS_FACTORY")
            value = f"_fact_{f.name}() if {f.name} is _HAS_FACTORY else {f.name}"
        elif f.default is not dataclasses.MISSING:
            params.append(f"{f.name}=_dflt_{f.name}")
            value = f.name
        else:
            params.append(f.name)
            value = f.name
        body.append(assign.format(name=f.name, value=value))
    if hasattr(out, "__post_init__"):
        body.append("self.__post_init__()")
    lines.append(f"def __init__({', '.join(params)}):")
    lines.extend(f"    {b}" for b in body or ["pass"])

    shown = [f.name for f in fields if f.repr]
    parts = ", ".join(f"{n}={{self.{n}!r}}" for n in shown)
    lines.append("def __repr__(self):")
    lines.append(f"    return f'{{self.__class__.__qualname__}}({parts})'")

    compared = [f.name for f in fields if f.compare]
    mine = "".join(f"self.{n}," for n in compared)
    if eq:
        theirs = "".join(f"other.{n}," for n in compared)
        lines.append("def __eq__(self, other):")
        lines.append("    if other.__class__ is self.__class__:")
        lines.append(f"        return ({mine}) == ({theirs})")
        lines.append("    return NotImplemented")
    hashed = "".join(f"self.{f.name}," for f in fields if (f.compare if f.hash is None else f.hash))
    lines.append("def __hash__(self):")
    lines.append(f"    return hash(({hashed}))")
    lines.append("def __setattr__(self, name, value):")
    lines.append("    if type(self) is _cls or name in _fieldnames:")
    lines.append("        raise _Frozen(f'cannot assign to field {name!r}')")
    lines.append("    super(_cls, self).__setattr__(name, value)")
    lines.append("def __delattr__(self, name):")
    lines.append("    if type(self) is _cls or name in _fieldnames:")
    lines.append("        raise _Frozen(f'cannot delete field {name!r}')")
    lines.append("    super(_cls, self).__delattr__(name)")
    exec("\n".join(lines), env)

    def put(name: str, fn: Any) -> None:
        if name not in own:
            fn.__qualname__ = f"{out.__qualname__}.{name}"
            setattr(out, name, fn)

    put("__init__", env["__init__"])
    put("__repr__", env["__repr__"])
    if eq:
        put("__eq__", env["__eq__"])
    # dataclasses' hash rule: eq and frozen -> hash of the compared fields; eq alone -> unhashable
    if "__hash__" not in own:
        if eq and frozen:
            out.__hash__ = env["__hash__"]
        elif eq:
            out.__hash__ = None
    if frozen:
        if "__setattr__" in own or "__delattr__" in own:
            raise TypeError(f"cannot overwrite attribute __setattr__ or __delattr__ in class {out.__name__}")
        put("__setattr__", env["__setattr__"])
        put("__delattr__", env["__delattr__"])
        if slots:  # frozen and slotted: pickle through the field values (as dataclasses does)
            put("__getstate__", _getstate)
            put("__setstate__", _setstate)
    built: _T = out
    return built


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def _setstate(self: Any, state: list[Any]) -> None:
    for f, value in zip(dataclasses.fields(self), state, strict=True):
        object.__setattr__(self, f.name, value)


def mutable_twin(cls: type) -> type[Any]:
    """A class with the slots of the slotted dataclass ``cls`` and none of its methods.

    For hot paths that make many instances of a frozen class: ``object.__new__(twin)``, store the
    fields as plain attributes, then ``obj.__class__ = cls`` (allowed: the layouts are identical).
    Each store costs a fraction of the frozen ``__init__``'s ``object.__setattr__`` call; the
    caller must set every field (its tests compare the result with the constructor's).
    """
    return type(f"_{cls.__name__}Twin", (), {"__slots__": cls.__dict__["__slots__"]})
