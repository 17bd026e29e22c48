"""Executes one notebook headless with Jupyter's nbclient and reports what it showed.

usage: python3 scripts/run_notebook.py NOTEBOOK OUTPUT [--timeout SECONDS] [--timeouts FILE]

--timeout is the time limit of every cell (default 600 s); --timeouts names a JSON file holding
one limit per cell of the notebook (seconds, or null for the --timeout default), so that each
cell can have its own (scripts/course-full.ts derives them from the cells' budgets).

Writes the executed notebook to OUTPUT and prints one JSON line:
  {"seconds": ..., "cells": ..., "figures": ..., "error": null | {"cell": i, "message": ..., "timeout": bool},
   "cellSeconds": [...]}
cellSeconds has one entry per cell of the notebook (0 for Markdown, null for a cell that did not run).
A figure is a display output carrying HTML or SVG with an <svg> chart in it.
"""
import json
import os
import sys
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


def count_figures(nb):
    figures = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            markup = data.get("text/html", "") + data.get("image/svg+xml", "")
            if isinstance(markup, list):
                markup = "".join(markup)
            figures += markup.count("<svg")
    return figures


def main():
    source, target = sys.argv[1], sys.argv[2]
    timeout = int(sys.argv[sys.argv.index("--timeout") + 1]) if "--timeout" in sys.argv else 600
    nb = nbformat.read(source, as_version=4)
    limits = [None] * len(nb.cells)
    if "--timeouts" in sys.argv:
        with open(sys.argv[sys.argv.index("--timeouts") + 1]) as f:
            limits = json.load(f)
        if len(limits) != len(nb.cells):
            raise SystemExit(f"run_notebook: --timeouts has {len(limits)} limits for {len(nb.cells)} cells")
    index_of = {id(cell): i for i, cell in enumerate(nb.cells)}

    def cell_timeout(cell):
        limit = limits[index_of[id(cell)]] if id(cell) in index_of else None
        return int(limit) if limit is not None else timeout

    client = NotebookClient(
        nb,
        timeout=timeout,
        timeout_func=cell_timeout,
        kernel_name=nb.metadata.get("kernelspec", {}).get("name", "tslab"),
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(source))}},
    )
    started = time.time()
    cell_seconds = [None] * len(nb.cells)
    last_started = [-1]
    error = None

    original = client.async_execute_cell

    async def timed(cell, index, **kwargs):
        t0 = time.time()
        last_started[0] = index
        try:
            return await original(cell, index, **kwargs)
        finally:
            cell_seconds[index] = round(time.time() - t0, 2)

    client.async_execute_cell = timed
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        failed = next(
            (i for i, c in enumerate(nb.cells)
             if any(o.get("output_type") == "error" for o in c.get("outputs", []))),
            last_started[0],
        )
        error = {"cell": failed, "message": str(exc)[-3000:], "timeout": isinstance(exc, CellTimeoutError)}
    os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
    nbformat.write(nb, target)
    print(json.dumps({
        "seconds": round(time.time() - started, 1),
        "cells": len(nb.cells),
        "figures": count_figures(nb),
        "error": error,
        "cellSeconds": cell_seconds,
    }))


if __name__ == "__main__":
    main()
