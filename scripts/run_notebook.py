"""Executes one notebook headless with Jupyter's nbclient and reports what it showed.

usage: python3 scripts/run_notebook.py NOTEBOOK OUTPUT [--timeout SECONDS]

Writes the executed notebook to OUTPUT and prints one JSON line:
  {"seconds": ..., "cells": ..., "figures": ..., "error": null | {"cell": i, "message": ...},
   "cellSeconds": [...]}
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
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=nb.metadata.get("kernelspec", {}).get("name", "tslab"),
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(source))}},
    )
    started = time.time()
    cell_seconds = []
    error = None

    original = client.async_execute_cell

    async def timed(cell, index, **kwargs):
        t0 = time.time()
        try:
            return await original(cell, index, **kwargs)
        finally:
            cell_seconds.append(round(time.time() - t0, 2))

    client.async_execute_cell = timed
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        failed = next(
            (i for i, c in enumerate(nb.cells)
             if any(o.get("output_type") == "error" for o in c.get("outputs", []))),
            len(cell_seconds) - 1,
        )
        error = {"cell": failed, "message": str(exc)[-3000:]}
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
