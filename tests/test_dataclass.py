"""checker._dataclass.dataclass behaves as dataclasses.dataclass, side by side on the same shapes."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import re
from typing import Any, ClassVar

import pytest

from checker._dataclass import dataclass as fast_dataclass

OPTIONS = [
    {"frozen": True, "slots": True},
    {"frozen": True},
    {"slots": True},
    {},
    {"frozen": True, "slots": True, "eq": False},
    {"eq": False},
]


def make(decorator: Any, options: dict[str, Any]) -> dict[str, type]:
    """The same class shapes, built with ``decorator``; module-level names so pickle finds them."""

    class Plain:
        """A few fields with defaults."""

        a: int
        b: str = "x"
        c: tuple[int, ...] = ()
        counter: ClassVar[int] = 0

    class Factory:
        items: list[int] = dataclasses.field(default_factory=list)
        hidden: int = dataclasses.field(default=7, repr=False, compare=False)
        fixed: dict[str, int] = dataclasses.field(default_factory=dict, init=False)

    class Post:
        """__post_init__ fills a derived field."""

        name: str
        derived: str = ""

        def __post_init__(self) -> None:
            object.__setattr__(self, "derived", self.name.upper())

    class Empty:
        pass

    class Custom:
        """A hand-written __repr__ and __eq__ stay."""

        v: int = 0

        def __repr__(self) -> str:
            return "custom"

        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = object.__hash__

    out = {}
    for cls in (Plain, Factory, Post, Empty, Custom):
        name = cls.__name__
        built = decorator(**options)(cls)
        built.__qualname__ = built.__name__ = f"{name}_{'fast' if decorator is fast_dataclass else 'std'}_{len(REGISTRY)}"
        REGISTRY[built.__qualname__] = built
        globals()[built.__qualname__] = built
        out[name] = built
    return out


REGISTRY: dict[str, type] = {}


def behaviour(classes: dict[str, type], options: dict[str, Any]) -> list[Any]:
    """Everything observable about instances of the classes, as plain values."""
    seen: list[Any] = []

    def attempt(fn: Any) -> Any:
        try:
            return ("ok", fn())
        except Exception as exc:
            return ("raised", type(exc).__name__, re.sub(r"_(fast|std)_[0-9]+", "", str(exc)))

    plain, factory, post, empty, custom = (classes[k] for k in ("Plain", "Factory", "Post", "Empty", "Custom"))
    p1, p2, p3 = plain(1), plain(1, "x", ()), plain(2, b="y", c=(1,))
    seen.append(repr(p1).split("(", 1)[1])
    seen.append([p1 == p2, p1 == p3, p1 != p3, p1 == (1, "x", ())])
    seen.append(attempt(lambda: hash(p1) == hash(p2)))
    seen.append(attempt(lambda: setattr(p1, "a", 5)))
    seen.append(attempt(lambda: delattr(p1, "b")))
    # A name that is no field: refused either way (the standard library's frozen slotted class
    # raises a TypeError from its own super() call there; ours says FrozenInstanceError).
    seen.append(attempt(lambda: setattr(p1, "other", 5))[0])
    seen.append(attempt(lambda: plain()))
    seen.append(attempt(lambda: plain(1, 2, 3, 4)))
    seen.append(attempt(lambda: plain(1, zz=2)))
    seen.append([f.name for f in dataclasses.fields(plain)])
    seen.append(repr(dataclasses.replace(p3, a=9)).split("(", 1)[1])
    seen.append(dataclasses.asdict(p3))
    seen.append(getattr(plain, "__match_args__", None))
    seen.append(hasattr(p1, "__dict__"))
    seen.append(attempt(lambda: repr(pickle.loads(pickle.dumps(p3))).split("(", 1)[1]))
    seen.append(attempt(lambda: pickle.loads(pickle.dumps(p3)) == p3))
    seen.append(repr(copy.deepcopy(p3)).split("(", 1)[1])
    f1, f2 = factory(), factory()
    seen.append([f1.items is f2.items, f1.fixed is f2.fixed, f1.items, f1.fixed, f1.hidden])
    seen.append(repr(factory([1], 8)).split("(", 1)[1])
    seen.append([factory([1], 8) == factory([1], 9), factory([1]) == factory([2])])
    seen.append(attempt(lambda: factory(fixed={})))
    seen.append([post("ab").derived, post("ab", "zz").derived, repr(post("q")).split("(", 1)[1]])
    seen.append([repr(empty()).split("(", 1)[1], empty() == empty(), attempt(lambda: hash(empty()) is not None)])
    seen.append([repr(custom()), custom(1) == custom(2)])
    return seen


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "default")
def test_same_behaviour_as_dataclasses(options: dict[str, Any]) -> None:
    ours = behaviour(make(fast_dataclass, options), options)
    theirs = behaviour(make(dataclasses.dataclass, options), options)
    assert ours == theirs


def test_unsupported_options_fall_back_to_dataclasses() -> None:
    @fast_dataclass(order=True, frozen=True)
    class Ordered:
        a: int

    assert Ordered(1) < Ordered(2)
    assert Ordered.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_frozen_class_may_not_define_setattr() -> None:
    with pytest.raises(TypeError, match="cannot overwrite attribute __setattr__"):
        @fast_dataclass(frozen=True)
        class Bad:
            a: int = 0

            def __setattr__(self, name: str, value: object) -> None:
                pass


def test_mutable_default_is_refused_as_dataclasses_does() -> None:
    with pytest.raises(ValueError, match="mutable default"):
        @fast_dataclass
        class Bad:
            a: list[int] = []  # noqa: RUF012


def test_mutable_twin_builds_an_equal_frozen_instance() -> None:
    from checker._dataclass import mutable_twin

    @fast_dataclass(frozen=True, slots=True)
    class Point:
        x: int
        y: str = "a"

    twin = mutable_twin(Point)
    assert twin.__slots__ == Point.__slots__
    assert twin.__eq__ is object.__eq__  # none of the dataclass's methods
    built = object.__new__(twin)
    built.x = 1
    built.y = "b"
    built.__class__ = Point
    assert type(built) is Point and built == Point(1, "b") and hash(built) == hash(Point(1, "b"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.x = 2  # type: ignore[misc]
