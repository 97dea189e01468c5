"""torch_vdev: PyTorch on virtual devices (run under `ferry inject --devices N`).

Checks that PyTorch sees N devices, that tensors move between every pair of them bit-exact,
and, when FERRY_FAULTS fails the copies between devices, that .to() raises and the usual
fallback (.cpu().to(dev)) recovers the bytes. Prints one line per check; exit 0 when all hold.
"""
import os
import sys

import torch

want = int(os.environ.get("FERRY_DEVICES", "1"))
faulty = "peer-copy" in os.environ.get("FERRY_FAULTS", "")
ok = True


def check(cond, what):
    global ok
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    ok = ok and cond


n = torch.cuda.device_count()
check(n == want, f"torch.cuda.device_count() == {want} (got {n})")
names = [torch.cuda.get_device_name(i) for i in range(n)]
check(len(set(names)) == n, f"distinct device names: {names}")

gen = torch.Generator().manual_seed(1234)
for src in range(n):
    host = torch.randint(0, 256, (1 << 22,), dtype=torch.uint8, generator=gen)
    x = host.to(f"cuda:{src}")
    for dst in range(n):
        if dst == src:
            continue
        if not faulty:
            y = x.to(f"cuda:{dst}")
            check(y.device.index == dst and torch.equal(y.cpu(), host),
                  f"cuda:{src} -> cuda:{dst} bit-exact (x.to)")
            z = torch.empty_like(y)
            z.copy_(x)
            check(torch.equal(z.cpu(), host), f"cuda:{src} -> cuda:{dst} bit-exact (copy_)")
            continue
        raised = False
        try:
            y = x.to(f"cuda:{dst}")
            torch.cuda.synchronize(dst)
        except RuntimeError as e:
            raised = True
            reason = str(e).splitlines()[0]
        check(raised, f"cuda:{src} -> cuda:{dst} raises under the fault"
              + (f" ({reason})" if raised else ""))
        try:  # the usual fallback: through the host
            y = x.to(f"cuda:{dst}")
        except RuntimeError:
            y = x.cpu().to(f"cuda:{dst}")
        check(y.device.index == dst and torch.equal(y.cpu(), host),
              f"cuda:{src} -> cuda:{dst} recovered through the host, bit-exact")
print("torch_vdev: " + ("all checks hold" if ok else "SOME CHECKS FAILED"), flush=True)
sys.exit(0 if ok else 1)
