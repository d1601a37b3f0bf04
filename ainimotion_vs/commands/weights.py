"""``ainimotion weights list | fetch [NAME...] | verify [NAME...] | install NAME PATH... [--force] | manifest``."""
from __future__ import annotations

import argparse
import json
import logging

__all__ = ["register"]

log = logging.getLogger("ainimotion_vs")


def register(sub: "argparse._SubParsersAction", common: argparse.ArgumentParser) -> None:
    """Add the ``weights`` subcommand."""
    p = sub.add_parser("weights", parents=[common], help="list, fetch, verify or install model weights")
    wsub = p.add_subparsers(dest="weights_command", metavar="ACTION")
    wsub.required = True
    ls = wsub.add_parser("list", parents=[common], help="models, their state and cache dir")
    ls.set_defaults(func=_list)
    fe = wsub.add_parser("fetch", parents=[common], help="download missing weights (all models by default)")
    fe.add_argument("names", nargs="*", metavar="NAME")
    fe.set_defaults(func=_fetch)
    ve = wsub.add_parser("verify", parents=[common], help="re-hash installed files; exit 1 if any is corrupt")
    ve.add_argument("names", nargs="*", metavar="NAME")
    ve.set_defaults(func=_verify)
    ins = wsub.add_parser("install", parents=[common], help="install weight files you already have")
    ins.add_argument("name", metavar="NAME")
    ins.add_argument("paths", nargs="+", metavar="PATH")
    ins.add_argument("--force", action="store_true", help="accept an unknown hash after a strict key/shape check")
    ins.set_defaults(func=_install)
    ma = wsub.add_parser("manifest", parents=[common], help="print the weights manifest (JSON) generated from the model table")
    ma.set_defaults(func=_manifest)


def _names(args: argparse.Namespace) -> list[str] | None:
    from ..models.spec import get_spec

    return [get_spec(n).name for n in args.names] if args.names else None


def _list(args: argparse.Namespace) -> int:
    from ..cache import cache_dir
    from ..models.spec import MODELS
    from ..weights import weights_status

    print(f"cache: {cache_dir('weights', create=False)}")
    print(f"{'model':26} {'task':12} {'arch':6} {'x':>2} {'state':10} {'files':6} licence")
    from ..models.finetuned import finetuned_names
    from ..models.spec import get_spec

    for st in weights_status(sorted(MODELS) + finetuned_names()):
        spec = get_spec(st.name)
        print(f"{st.name:26} {spec.task:12} {spec.arch:6} {spec.scale:>2} {st.state:10} {st.group or '-':6} {spec.license} ({spec.authors})")
    return 0


def _fetch(args: argparse.Namespace) -> int:
    from ..models.spec import MODELS
    from ..weights import ensure_weights

    for name in _names(args) or sorted(MODELS):
        print(f"{name}: {ensure_weights(name)}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from ..weights import weights_status

    bad = 0
    for st in weights_status(_names(args)):
        note = f" ({st.detail})" if st.detail else ""
        print(f"{st.name:26} {st.state:10} {st.group or '-':6}{note}")
        bad += st.state == "corrupt"
    return 1 if bad else 0


def _install(args: argparse.Namespace) -> int:
    from ..train.checkpoints import install_checkpoint, is_model_checkpoint

    if len(args.paths) == 1 and is_model_checkpoint(args.paths[0]):  # RUN/best.pth of `ainimotion train`
        print(install_checkpoint(args.name, args.paths[0], force=args.force))
        return 0
    from ..models.load import check_weight_files
    from ..weights import install_weights

    print(install_weights(args.name, args.paths, force=args.force, check=check_weight_files))
    return 0


def _manifest(args: argparse.Namespace) -> int:
    from ..weights import manifest

    print(json.dumps(manifest(), indent=2))
    return 0
