"""Values that are partly known: reading :attr:`Located.parts` for the rules.

A Terraform value known only after apply is not always arbitrary: ``"${aws_s3_bucket.cur.arn}/*"`` is
the objects of the one bucket the module creates, ``"arn:${data.aws_partition.current.partition}:iam::
111122223333:root"`` an account's root in some AWS partition. The front end keeps such a value's
literal text and the kind of each unknown part (:class:`checker.model.Part`); here they are read.

The one question a rule asks is "is the verdict the same whatever the holes turn out to be?". Every
typed hole stands for one value without wildcards, so two stand-ins (:func:`samples`) that fill each
hole with different wildcard-free values of its kind answer it: a rule judges both, and a verdict on
which they agree is the verdict for every value (a rule reads only the wildcards and the fields of the
value, and the fields that differ between the two are exactly the ones the holes decide). A value with
an untyped hole (:attr:`HoleKind.ANY`: a variable without a value, say) has no stand-ins: it may be
anything, ``"*"`` included.
"""

from __future__ import annotations

from checker.model import HoleKind, Located, Part

# Two different values of each kind, none with a wildcard (real ones, where a reader checks them).
_FILL: dict[HoleKind, tuple[str, str]] = {
    HoleKind.PARTITION: ("aws", "aws-cn"),
    HoleKind.ACCOUNT: ("000000000000", "111111111111"),
    HoleKind.REGION: ("us-east-1", "eu-west-1"),
    HoleKind.DNS_SUFFIX: ("amazonaws.com", "amazonaws.com.cn"),
}
_PARTITION_PREFIX = "arn:aws*:"


def _fill(part: Part, which: int) -> str:
    if part.kind in _FILL:
        return _FILL[part.kind][which]
    pattern = part.pattern
    head = ""
    if pattern.startswith(_PARTITION_PREFIX):
        head = f"arn:{_FILL[HoleKind.PARTITION][which]}:"
        pattern = pattern[len(_PARTITION_PREFIX):]
    account = _FILL[HoleKind.ACCOUNT][which]
    pattern = pattern.replace("?" * 12, account)
    return head + pattern.replace("*", "xy"[which]).replace("?", "01"[which])


def typed(loc: Located) -> bool:
    """True for an unknown value whose every unknown part has a known kind."""
    return loc.unknown is not None and loc.parts is not None and all(
        p.kind is not HoleKind.ANY for p in loc.parts)


def samples(loc: Located) -> tuple[str, str] | None:
    """Two stand-ins of a typed unknown value (see the module docstring); None for a known value or
    one with an untyped part."""
    if not typed(loc):
        return None
    assert loc.parts is not None
    return (''.join(p.text if p.kind is None else _fill(p, 0) for p in loc.parts),
            ''.join(p.text if p.kind is None else _fill(p, 1) for p in loc.parts))


def only_partition_unknown(loc: Located) -> bool:
    """True for an unknown value whose unknown parts are all partitions (or DNS suffixes): it names
    one thing, in whichever partition the configuration is applied."""
    return typed(loc) and all(p.kind in (None, HoleKind.PARTITION, HoleKind.DNS_SUFFIX)
                              for p in loc.parts or ())
