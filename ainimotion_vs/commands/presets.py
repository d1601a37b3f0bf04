"""``ainimotion presets``: list the named presets with every setting."""
from __future__ import annotations

import argparse
import json
from dataclasses import asdict, fields

__all__ = ["register"]


def register(sub: "argparse._SubParsersAction", common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("presets", parents=[common], help="list the presets and all their settings")
    p.add_argument("name", nargs="?", help="show only this preset")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from ..presets import all_presets, get_preset

    chosen = [get_preset(args.name)] if args.name else list(all_presets().values())  # built-in, then the user's own
    if args.json:
        print(json.dumps({p.name: asdict(p) for p in chosen}, indent=2))
        return 0
    for p in chosen:
        print(f"{p.name}: {p.description}")
        for f in fields(p):
            if f.name in ("name", "description"):
                continue
            print(f"  {f.name:<15} {getattr(p, f.name)!r}")
        print()
    print("Override any setting: ainimotion enhance IN --preset NAME --SETTING VALUE (e.g. --height 1080),")
    print("or in Python: enhance(clip, preset='NAME', height=1080).")
    return 0
