"""Test-session settings: with several pytest-xdist workers on few cores, each worker's torch uses its share of the
cores (oversubscribed OpenMP threads spin and make CPU steps many times slower)."""
import os

import torch

_workers = int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1'))
torch.set_num_threads(max(1, (os.cpu_count() or 1) // _workers))
