"""Does ``torch.compile`` speed up MMDC's network on the CPU?

Times MMDC's MNIST network (``SmallVGG``, 32x32 input, channels last) doing
a training step's work on one batch of 128 random images (evaluation-mode
forward, training forward and backward, SGD step), eagerly and compiled
(``torch.compile``, inductor), on one thread, in float32 or bfloat16::

    python benchmarks/experiments/compile_mmdc.py float32
    python benchmarks/experiments/compile_mmdc.py bfloat16
"""

import sys
import time

import torch
import torch.nn.functional as F

from skdeepclust.base import autocast
from skdeepclust.nn.convnets import SmallVGG

BATCH = 128
STEPS = 15


def _network():
    torch.manual_seed(0)
    return SmallVGG(1, 10, input_size=32).to(memory_format=torch.channels_last)


def images_per_second(network, precision):
    x = torch.rand(BATCH, 1, 32, 32).contiguous(memory_format=torch.channels_last)
    targets = F.normalize(torch.rand(BATCH, 10), dim=1)
    optimizer = torch.optim.SGD(network.parameters(), lr=0.01, momentum=0.9)

    def step():
        with autocast(torch.device("cpu"), precision):
            network.eval()
            with torch.no_grad():
                network(x)
            network.train()
            loss = F.mse_loss(network(x), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    for _ in range(3):
        step()
    start = time.perf_counter()
    for _ in range(STEPS):
        step()
    return BATCH * STEPS / (time.perf_counter() - start)


def main(precision):
    torch.set_num_threads(1)
    eager = images_per_second(_network(), precision)
    start = time.perf_counter()
    compiled = images_per_second(torch.compile(_network()), precision)
    print(
        f"{precision}: eager {eager:.0f} images/s, compiled {compiled:.0f} "
        f"(compilation and timing took {time.perf_counter() - start:.0f} s)"
    )


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "float32")
