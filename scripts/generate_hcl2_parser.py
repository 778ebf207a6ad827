"""Write checker/data/hcl2_lark_parser.pickle.gz: python-hcl2's Lark parser, serialized.

Run after changing the lark or python-hcl2 versions: ``.venv/bin/python scripts/generate_hcl2_parser.py``.
tests/terraform/test_parser.py fails when the shipped file does not match the installed
packages. At run time a stale file is ignored (python-hcl2's own cache or an in-memory build is
used instead), so a mismatch costs start-up time, never correctness.
"""

from __future__ import annotations

from checker.terraform import larkcache


def main() -> None:
    larkcache.write()
    print(f"wrote {larkcache.SHIPPED} ({larkcache.SHIPPED.stat().st_size} bytes)")
    print(larkcache.fingerprint())


if __name__ == "__main__":
    main()
