"""torchvision's nets trained in a process of their own (torch and TensorFlow in one process can
crash), with the same number of threads: timed there (`torch_case`) or step by step on request
(`TorchPeer`), so that their steps interleave with Keras' ones."""

import json
import os
import subprocess
import sys
import tempfile
from typing import Any, NoReturn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# torchvision's AlexNet is its single-tower 64-192-384-256-256 variant: 714,188,480 MACs at
# 224 (counted for its layers); its VGG16 is configuration D, counted as ours.
TORCHVISION_ALEXNET_MACS = 714_188_480

TORCH_SCRIPT = """
import json, sys, time
import torch, torchvision
name, batch, size, steps, threads = sys.argv[1], *map(int, sys.argv[2:6])
bfloat16 = len(sys.argv) > 6 and sys.argv[6] == "bfloat16"  # torch.autocast's CPU bfloat16
torch.set_num_threads(threads)
model = getattr(torchvision.models, name)(weights=None)
x, y = torch.randn(batch, 3, size, size), torch.randint(0, 1000, (batch,))
optimizer = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
def train():
    optimizer.zero_grad()
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16):
        loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
def infer():
    model.eval()
    with torch.no_grad():
        model(x)
    model.train()
def timed(fn):
    for _ in range(2):
        fn()
    start = time.perf_counter()
    for _ in range(steps):
        fn()
    return (time.perf_counter() - start) / steps
if steps:
    print(json.dumps([timed(train), timed(infer)]))
else:  # a peer (TorchPeer): one timed training step per line read, until stdin closes
    print("ready", flush=True)
    for _ in sys.stdin:
        start = time.perf_counter()
        train()
        print(time.perf_counter() - start, flush=True)
"""


def torch_case(name: str, batch: int, size: int, steps: int, threads: int) -> list[float] | None:
    """torchvision in its own process (torch and TensorFlow in one process can crash), with
    the same number of threads; None when torch is not installed."""
    return run_torch(["-c", TORCH_SCRIPT, name, str(batch), str(size), str(steps), str(threads)],
                     f"torchvision {name}")


def run_torch(args: list[str], what: str) -> Any:
    """`python ARGS` in a process of its own, from the repository's root (so that `-m
    benchmarks.…` needs no install): the JSON of its last output line; None when torch (or
    torchvision) is not installed; RuntimeError with the end of its stderr when it fails."""
    result = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        if "ModuleNotFoundError" in result.stderr:
            return None
        raise RuntimeError(f"{what} failed: {result.stderr[-500:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


class TorchPeer:
    """torchvision's training step in a process of its own that runs one step when asked and
    idles otherwise, so that its steps can interleave with Keras' one by one; precision
    "bfloat16": the forward pass and loss under torch.autocast("cpu", dtype=torch.bfloat16).
    Raises ModuleNotFoundError when torch is not installed."""

    def __init__(self, name: str, batch: int, size: int, threads: int,
                 precision: str = "float32") -> None:
        self.name = name
        self.errors = tempfile.TemporaryFile("w+")  # a file: a full pipe would stall the peer
        self.process = subprocess.Popen(
            [sys.executable, "-c", TORCH_SCRIPT, name, str(batch), str(size), "0",
             str(threads), precision], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=self.errors, text=True)
        if self.process.stdout.readline().strip() != "ready":
            self._failed()

    def step(self) -> float:
        """Seconds of one training step, timed inside the peer."""
        try:
            self.process.stdin.write("step\n")
            self.process.stdin.flush()
        except BrokenPipeError:  # it died since its last step
            self._failed()
        line = self.process.stdout.readline()
        if not line:
            self._failed()
        return float(line)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait()
        self.errors.close()

    def _failed(self) -> NoReturn:
        self.process.kill()
        self.process.wait()
        self.errors.seek(0)
        error = self.errors.read()
        self.errors.close()
        if "ModuleNotFoundError" in error:
            raise ModuleNotFoundError("torch is not installed (pip install -e '.[bench]')")
        raise RuntimeError(f"torchvision {self.name} failed: {error[-500:]}")
