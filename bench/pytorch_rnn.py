"""The rnn suite's models and steps in PyTorch, one thread, for the reference figures of its targets.

SimpleRNN(128, relu) and LSTM(128) over sequences [64, T, 32] (batch_first), T = 28 and 100, the last
state into a linear layer of 10 logits; training is one step of forward, cross-entropy, backward and plain
SGD (lr 0.01) on a fixed batch; inference is the forward pass under torch.no_grad(): what bench/rnn.ts
times for Rectifier and TensorFlow.js. torch.set_num_threads(1).

Prints one JSON object: {"torch": version, "threads": 1, "cases": {"rnn relu T=28 train": [samples/s per round], ...}}.
Run: python3 bench/pytorch_rnn.py [rounds] [seconds per round]   (Debian: apt-get install python3-torch)
"""
import json
import sys
import time

import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, cell: str) -> None:
        super().__init__()
        self.rnn = nn.RNN(32, 128, nonlinearity="relu", batch_first=True) if cell == "rnn" else nn.LSTM(32, 128, batch_first=True)
        self.out = nn.Linear(128, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y, _ = self.rnn(x)
        return self.out(y[:, -1, :])


def rates(step, rounds: int, seconds: float, batch: int) -> list:
    for _ in range(5):
        step()
    out = []
    for _ in range(rounds):
        n = 0
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            step()
            n += 1
        out.append(n * batch / (time.perf_counter() - t0))
    return out


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 0.3
    torch.set_num_threads(1)
    torch.manual_seed(1)
    batch = 64
    cases = {}
    for cell, label in (("rnn", "rnn relu"), ("lstm", "lstm")):
        for steps in (28, 100):
            model = Net(cell)
            opt = torch.optim.SGD(model.parameters(), lr=0.01)
            loss_fn = nn.CrossEntropyLoss()
            x = torch.rand(batch, steps, 32)
            y = torch.arange(batch) * 7 % 10

            def train() -> None:
                opt.zero_grad()
                loss = loss_fn(model(x), y)
                loss.backward()
                opt.step()
                loss.item()

            def infer() -> None:
                with torch.no_grad():
                    model(x)

            cases[f"{label} T={steps} train"] = rates(train, rounds, seconds, batch)
            cases[f"{label} T={steps} infer"] = rates(infer, rounds, seconds, batch)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "cases": cases}))


if __name__ == "__main__":
    main()
