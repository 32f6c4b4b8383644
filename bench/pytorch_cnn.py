"""The cnn suite's model and step in PyTorch, for the reference figure of the CNN training target.

conv3x3·16 (ReLU, 'valid') – maxpool 2 – conv3x3·32 (ReLU) – maxpool 2 – dense 10, batch 64 of 28×28×1
random inputs, one step = forward, softmax cross-entropy, backward, plain SGD (lr 0.01): the step
bench/training.ts times for Rectifier. One thread (torch.set_num_threads(1)).

Prints one JSON object: {"torch": version, "threads": 1, "samplesPerSecond": [per round], "median": m}.
Run: python3 bench/pytorch_cnn.py [rounds] [seconds per round]   (Debian: apt-get install python3-torch)
"""
import json
import statistics
import sys
import time

import torch
from torch import nn


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 0.3
    torch.set_num_threads(1)
    torch.manual_seed(1)
    batch = 64
    # NCHW, PyTorch's layout; the arithmetic is that of the NHWC model.
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 5 * 5, 10),
    )
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.rand(batch, 1, 28, 28)
    y = torch.arange(batch) * 7 % 10

    def step() -> None:
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        loss.item()

    for _ in range(20):
        step()
    rates = []
    for _ in range(rounds):
        n = 0
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            step()
            n += 1
        rates.append(n * batch / (time.perf_counter() - t0))
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "samplesPerSecond": rates, "median": statistics.median(rates)}))


if __name__ == "__main__":
    main()
