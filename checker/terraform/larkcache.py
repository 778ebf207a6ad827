"""python-hcl2's Lark parser, serialized in this package so that no process builds it or
writes a cache file: a cache of python-hcl2's own parser (the same grammar and post-lexer),
never written at run time.

``checker/data/hcl2_lark_parser.pickle.gz`` (gzip) holds one header line (the :func:`fingerprint` of the
lark version, python-hcl2's grammar and post-lexer, and the parser options it was built
with) and then ``Lark.save`` of the parser. ``scripts/generate_hcl2_parser.py`` writes it;
``tests/terraform/test_parser.py`` checks that it matches the installed packages. When it
does not match (another lark or python-hcl2), :func:`load_shipped` returns None and the
caller falls back to python-hcl2's own cache or to a build in memory.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
from pathlib import Path
from typing import Any

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "hcl2_lark_parser.pickle.gz"
OPTIONS = "parser=lalr;propagate_positions=True;postlex=hcl2.postlexer.PostLexer"


def hcl2_dir() -> Path | None:
    """python-hcl2's package folder, found without importing it."""
    spec = importlib.util.find_spec("hcl2")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@functools.lru_cache(maxsize=1)
def grammar_digest() -> str:
    """sha256 of python-hcl2's grammar and post-lexer (what decides the shape of its trees)."""
    folder = hcl2_dir()
    digest = hashlib.sha256()
    for name in ("hcl2.lark", "postlexer.py"):
        try:
            digest.update((folder / name).read_bytes() if folder else b"")
        except OSError:
            digest.update(b"missing")
        digest.update(b"\0")
    return digest.hexdigest()


def fingerprint() -> str:
    import lark

    return f"lark={lark.__version__};hcl2-grammar={grammar_digest()};{OPTIONS}"


def build(*, cache: bool = False) -> Any:
    """python-hcl2's parser built from its grammar in memory (seconds; nothing written)."""
    from hcl2 import parser as hcl2_parser
    from hcl2.postlexer import PostLexer
    from lark import Lark

    return Lark.open(
        "hcl2.lark", parser="lalr", cache=cache, rel_to=hcl2_parser.__file__,
        propagate_positions=True, postlex=PostLexer(),
    )


def load_shipped(path: Path = SHIPPED) -> Any:
    """The shipped parser, or None when it is missing or was built for other versions."""
    import gzip

    from lark import Lark

    try:
        with gzip.open(path, "rb") as f:
            header = f.readline().decode("utf-8", "replace").strip()
            if header != fingerprint():
                return None
            return Lark.load(f)
    except Exception:  # a damaged file is not fatal: the caller builds the parser
        return None


def write(path: Path = SHIPPED) -> None:
    """Serialize the parser for the installed packages (used by the generator script)."""
    import gzip

    parser = build()
    tmp = path.with_suffix(".tmp")
    with gzip.GzipFile(tmp, "wb", mtime=0) as f:
        f.write(fingerprint().encode("utf-8") + b"\n")
        parser.save(f)
    tmp.replace(path)
