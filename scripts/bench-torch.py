"""The PyTorch reference for `npm run bench`: the reference DCGAN step of issue 4, op for op the
same as referenceDcgan() in scripts/bench-steps.ts.

    /usr/bin/python3 scripts/bench-torch.py '{"threads": 1, "steps": 10, "warmup": 2}'

Prints one line `BENCH_RESULT {...}` with the time of every measured step in ms.

Same step as the tfjs one: a D update on a real and a fake batch (the fake from a G forward
pass without gradient, as tfjs computes no gradient for G there either), then a G update with
a second G forward pass. 'same' padding: tfjs pads 5x5/stride-2 convs 1 before and 2 after,
PyTorch 2 and 2 (and output_padding 1 on the transposed convs); the shapes and the
arithmetic are the same.
"""
import json
import resource
import sys
import time

import torch
from torch import nn


def build(slope=0.2):
    generator = nn.Sequential(
        nn.Linear(100, 7 * 7 * 128, bias=False),  # [B, 6272]
        nn.BatchNorm1d(7 * 7 * 128),
        nn.LeakyReLU(slope),
        nn.Unflatten(1, (128, 7, 7)),  # [B, 128, 7, 7]
        nn.ConvTranspose2d(128, 64, 5, stride=2, padding=2, output_padding=1, bias=False),  # [B, 64, 14, 14]
        nn.BatchNorm2d(64),
        nn.LeakyReLU(slope),
        nn.ConvTranspose2d(64, 1, 5, stride=2, padding=2, output_padding=1),  # [B, 1, 28, 28]
        nn.Tanh(),
    )
    discriminator = nn.Sequential(
        nn.Conv2d(1, 64, 5, stride=2, padding=2),  # [B, 64, 14, 14]
        nn.LeakyReLU(slope),
        nn.Conv2d(64, 128, 5, stride=2, padding=2),  # [B, 128, 7, 7]
        nn.LeakyReLU(slope),
        nn.Flatten(),
        nn.Linear(7 * 7 * 128, 1),  # [B, 1]
    )
    return generator, discriminator


def main():
    args = json.loads(sys.argv[1])
    torch.set_num_threads(args["threads"])
    torch.manual_seed(0)
    batch = 64
    generator, discriminator = build()
    g_optimizer = torch.optim.Adam(generator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    d_optimizer = torch.optim.Adam(discriminator.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    real = torch.rand(batch, 1, 28, 28) * 2 - 1
    ones = torch.ones(batch, 1)
    zeros = torch.zeros(batch, 1)

    def step():
        d_optimizer.zero_grad()
        with torch.no_grad():
            fake = generator(torch.randn(batch, 100))
        d_loss = bce(discriminator(real), ones) + bce(discriminator(fake), zeros)
        d_loss.backward()
        d_optimizer.step()

        g_optimizer.zero_grad()
        g_loss = bce(discriminator(generator(torch.randn(batch, 100))), ones)
        g_loss.backward()
        g_optimizer.step()
        return [d_loss.item(), g_loss.item()]

    for _ in range(args["warmup"]):
        step()
    times = []
    losses = []
    for _ in range(args["steps"]):
        start = time.perf_counter()
        losses = step()
        times.append((time.perf_counter() - start) * 1000)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "backend": f"PyTorch {torch.__version__}",
        "threads": torch.get_num_threads(),
        "times": times,
        "losses": losses,
        "peakRssMB": peak_rss_mb,
    }
    print("BENCH_RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
