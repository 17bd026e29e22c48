"""Executes one notebook headless with Jupyter's nbclient and reports what it showed.

usage: python3 scripts/run_notebook.py NOTEBOOK OUTPUT [--timeout SECONDS] [--timeouts FILE]
                                      [--allow-errors] [--max-output-bytes N] [--kernel NAME]

--timeout is the time limit of every cell (default 600 s); --timeouts names a JSON file holding
one limit per cell of the notebook (seconds, or null for the --timeout default), so that each
cell can have its own (scripts/course-full.ts derives them from the cells' budgets).
--allow-errors runs every cell even after one fails ("error" is then the first failure);
--max-output-bytes stops the run (exit code 3, "outputCapExceeded": true) once the cells have
printed more than N bytes; --kernel overrides the notebook's kernelspec.

Writes the executed notebook to OUTPUT and prints one JSON line:
  {"seconds": ..., "cells": ..., "figures": ..., "error": null | {"cell": i, "message": ..., "timeout": bool},
   "cellSeconds": [...], "cellErrors": [...]}
cellSeconds has one entry per cell of the notebook (0 for Markdown, null for a cell that did not run).
"cellErrors" lists every cell whose execution failed, with what it printed to stderr (tslab reports
errors there). A figure is a display output carrying HTML or SVG with an <svg> chart in it.
"""
import asyncio
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

    def option(name, default):
        return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default

    timeout = int(option("--timeout", 600))
    max_output = int(option("--max-output-bytes", 0))
    nb = nbformat.read(source, as_version=4)
    limits = [None] * len(nb.cells)
    if "--timeouts" in sys.argv:
        with open(option("--timeouts", None)) as f:
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
        kernel_name=option("--kernel", nb.metadata.get("kernelspec", {}).get("name", "tslab")),
        allow_errors="--allow-errors" in sys.argv,
        resources={"metadata": {"path": os.path.dirname(os.path.abspath(source))}},
    )
    started = time.time()
    cell_seconds = [None] * len(nb.cells)
    last_started = [-1]
    if max_output > 0:
        printed = [0]
        original_output = client.output

        def capped(outs, msg, display_id, cell_index):
            printed[0] += len(json.dumps(msg.get("content", {})))
            if printed[0] > max_output:
                print(json.dumps({
                    "seconds": round(time.time() - started, 1), "cells": len(nb.cells), "figures": 0,
                    "error": {"cell": cell_index, "message": f"the cells printed more than {max_output} bytes"},
                    "outputCapExceeded": True, "cellSeconds": cell_seconds,
                }), flush=True)
                os._exit(3)
            return original_output(outs, msg, display_id, cell_index)

        client.output = capped
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
    cell_errors = []
    original_check = client._check_raise_for_error

    async def note_errors(cell, cell_index, exec_reply):
        if exec_reply is not None and exec_reply.get("content", {}).get("status") == "error":
            text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("name") == "stderr")
            text += "".join(f"{o.get('ename', '')}: {o.get('evalue', '')}" for o in cell.get("outputs", []) if o.get("output_type") == "error")
            cell_errors.append({"cell": cell_index, "message": text.strip()[-2000:]})
            if client.allow_errors:
                # tslab cancels the requests that reach it within 200 ms of an error; wait them out.
                await asyncio.sleep(0.3)
        return await original_check(cell, cell_index, exec_reply)

    client._check_raise_for_error = note_errors
    try:
        client.execute()
        if client.allow_errors and cell_errors:
            error = dict(cell_errors[0])
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
        "cellErrors": cell_errors,
    }))


if __name__ == "__main__":
    main()
