import hashlib
import subprocess

import pytest

from evidence.lib import merkle


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 13, 100])
def test_every_path_leads_to_the_root(n):
    digests = [hashlib.sha256(str(i).encode()).digest() for i in range(n)]
    root, paths = merkle.build(digests)
    for d, p in zip(digests, paths):
        assert merkle.root_from_path(d, p) == root


def test_a_wrong_digest_does_not_reach_the_root():
    digests = [hashlib.sha256(str(i).encode()).digest() for i in range(6)]
    root, paths = merkle.build(digests)
    assert merkle.root_from_path(hashlib.sha256(b"forged").digest(), paths[2]) != root


def test_the_documented_shell_loop_recomputes_the_root():
    """docs/integrity.md: coreutils only (printf, basenc, sha256sum)."""
    digests = [hashlib.sha256(str(i).encode()).digest() for i in range(7)]
    root, paths = merkle.build(digests)
    steps = " ".join(f"{side}:{sib}" for side, sib in paths[4])
    script = f"""
h=$(printf '00{digests[4].hex()}' | tr a-f A-F | basenc --base16 -d | sha256sum | cut -c1-64)
for step in {steps}; do
  side=${{step%%:*}}; sib=${{step#*:}}
  if [ "$side" = L ]; then pair="01$sib$h"; else pair="01$h$sib"; fi
  h=$(printf '%s' "$pair" | tr a-f A-F | basenc --base16 -d | sha256sum | cut -c1-64)
done
echo $h
"""
    out = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True).stdout.strip()
    assert out == root.hex()
