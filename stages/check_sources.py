"""Stage check_sources: before any long stage, is every dataset the download stages will fetch in a
mirror or reachable for download? Fails in seconds (exit 2) naming each missing dataset and the three
ways to provide it; on success writes a small file of fixed content that the download stages depend
on, so passing the check never reruns anything downstream."""
import argparse

from hsokv.benchmarks.continual.data import CIFAR_BINARY, cifar_mirror_layouts
from hsokv.benchmarks.lm.data import TINY_SHAKESPEARE, TINY_SHAKESPEARE_URL
from hsokv.cli import run_stage
from hsokv.config import load_params
from hsokv.data.fetch import check_sources, mirror_roots, official_url
from hsokv.benchmarks.glue.data import GLUE_URL, get_task, required_files
from hsokv.io import atomic_write_text

READS = ("data.mirror", "data.allow_download", "data.download_origin", "glue.tasks", "glue.seeds",
         "glue.k_shot_source", "continual.dataset")
STAMP = "Every dataset the download stages fetch had a mirror copy or a reachable URL (stage check_sources).\n"


def needed(cfg) -> tuple[dict, dict, dict]:
    """(dataset -> mirror layouts, dataset -> download URL or None, dataset -> hint) for these params."""
    origin = cfg.data.download_origin
    layouts, urls, hints = {}, {}, {}
    for name in cfg.glue.tasks:
        files = list(required_files(get_task(name), cfg.glue.seeds, cfg.glue.k_shot_source).values())
        layouts[f"GLUE {name}"] = [[f for f in files if f.startswith("glue/")]]
        urls[f"GLUE {name}"] = official_url(GLUE_URL.format(task=name), origin)
        k_shot = [f for f in files if not f.startswith("glue/")]
        if k_shot:
            layouts[f"LM-BFF {name} k-shot samples"] = [k_shot]
            urls[f"LM-BFF {name} k-shot samples"] = None
            hints[f"LM-BFF {name} k-shot samples"] = ("LM-BFF publishes no archive of them; or set "
                                                      "glue.k_shot_source: sample to draw them from GLUE's train.tsv")
    if cfg.continual.dataset == "cifar10":
        layouts["CIFAR-10"] = cifar_mirror_layouts()
        urls["CIFAR-10"] = official_url(CIFAR_BINARY.url, origin)
    layouts["Tiny Shakespeare"] = [[TINY_SHAKESPEARE]]
    urls["Tiny Shakespeare"] = official_url(TINY_SHAKESPEARE_URL, origin)
    return layouts, urls, hints


def main(args):
    cfg = load_params(args.params, READS)
    layouts, urls, hints = needed(cfg)
    found = check_sources(layouts, mirror_roots(cfg.data.mirror), urls if cfg.data.allow_download else None,
                          hints=hints)
    for dataset, source in found.items():
        print(f"{dataset}: {source}")
    atomic_write_text(args.out, STAMP)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="data/sources_checked.txt")
    run_stage(main, parser)
