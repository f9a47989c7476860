"""Reading a large input on two cores: a forked worker parses the tail of the file list meanwhile.

Parsing YAML is most of a run, and one CPython process uses one core. For a large input the
files are split by size: this process parses the first part while a forked worker parses the
rest and sends its documents back pickled. The documents are concatenated in file order, so
every later step sees exactly what a serial read gives (tests/test_parallel.py checks it).
Small inputs are read serially: there the fork and the pickling would cost more than they save.
"""

from __future__ import annotations

import os
import sys

from portlint import loader, schema

PARALLEL_MIN_BYTES = 2 * 1024 * 1024
# The worker also pays for pickling what it read, so it gets the smaller share.
WORKER_SHARE = 0.44


def load_files(files: list[str], namespace: str = "default") -> loader.LoadResult:
    """The files read (and, when split, their manifests validated) as a serial read would give them."""
    if not _worth_it(files):
        return loader.load_files(files)
    head, tail = _split(files)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool:
        pending = pool.submit(_read_and_validate, tail, namespace)
        result = _read_and_validate(head, namespace)
        return merge(result, pending.result())


def _read_and_validate(files: list[str], namespace: str) -> loader.LoadResult:
    result = loader.load_files(files)
    schema.validate_all(result.documents, namespace)
    return result


def _worth_it(files: list[str]) -> bool:
    if len(files) < 2 or (os.cpu_count() or 1) < 2 or not sys.platform.startswith("linux"):
        return False  # fork is Linux's safe default; elsewhere portlint reads serially
    return loader.STDIN not in files and _total_bytes(files) >= PARALLEL_MIN_BYTES


def _total_bytes(files: list[str]) -> int:
    total = 0
    for path in files:
        try:
            total += os.stat(path).st_size
        except OSError:
            pass  # the loader reports it
    return total


def _split(files: list[str]) -> tuple[list[str], list[str]]:
    """The files in order, cut where the worker's share of the bytes begins."""
    sizes = []
    for path in files:
        try:
            sizes.append(os.stat(path).st_size)
        except OSError:
            sizes.append(0)
    budget, running = sum(sizes) * (1 - WORKER_SHARE), 0
    for index, size in enumerate(sizes):
        running += size
        if running >= budget:
            return files[:index + 1], files[index + 1:]
    return files, []


def merge(first: loader.LoadResult, second: loader.LoadResult) -> loader.LoadResult:
    first.documents.extend(second.documents)
    first.findings.extend(second.findings)
    first.sources.update(second.sources)
    first.files += second.files
    return first
